#pragma once
// The IPv4 header (RFC 791). The view validates version, header length and total length against the
// bytes it was given, and exposes the payload trimmed to the total length (Ethernet pads short
// frames). Options are skipped: honoured in the header length, not interpreted. The repr is what
// the IP layer acts on; emit writes a 20-byte header with its checksum.
#include <cstddef>
#include <cstdint>
#include <string>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/parse_result.hpp"

namespace tapstack {

namespace ipv4 {
inline constexpr std::size_t min_header_len = 20;
inline constexpr std::uint16_t flag_df = 0x4000;
inline constexpr std::uint16_t flag_mf = 0x2000;
inline constexpr std::uint16_t offset_mask = 0x1fff;
namespace field {
inline constexpr std::size_t ver_ihl = 0;
inline constexpr std::size_t tos = 1;
inline constexpr std::size_t total_len = 2;
inline constexpr std::size_t ident = 4;
inline constexpr std::size_t flags_frag = 6;
inline constexpr std::size_t ttl = 8;
inline constexpr std::size_t protocol = 9;
inline constexpr std::size_t checksum = 10;
inline constexpr std::size_t src = 12;
inline constexpr std::size_t dst = 16;
}  // namespace field
// Option types (RFC 791 3.1): the copied flag, class and number in one byte.
namespace option {
inline constexpr std::uint8_t end = 0;
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t loose_source_route = 131;
inline constexpr std::uint8_t strict_source_route = 137;
}  // namespace option
}  // namespace ipv4

enum class ip_protocol : std::uint8_t { icmp = 1, tcp = 6, udp = 17 };
std::string to_string(ip_protocol p);

class ipv4_view {
 public:
  // Checks version, header length and total length; not the checksum (see verify_checksum).
  static parse_result<ipv4_view> check(const_byte_span packet);

  std::size_t header_len() const { return (bytes_[ipv4::field::ver_ihl] & 0x0f) * 4u; }
  std::uint8_t tos() const { return bytes_[ipv4::field::tos]; }
  std::uint16_t total_len() const { return load_be16(&bytes_[ipv4::field::total_len]); }
  std::uint16_t ident() const { return load_be16(&bytes_[ipv4::field::ident]); }
  bool dont_fragment() const { return (flags_frag() & ipv4::flag_df) != 0; }
  bool more_fragments() const { return (flags_frag() & ipv4::flag_mf) != 0; }
  // In bytes, not in the 8-byte units the header carries.
  std::size_t frag_offset() const { return (flags_frag() & ipv4::offset_mask) * 8u; }
  std::uint8_t ttl() const { return bytes_[ipv4::field::ttl]; }
  std::uint8_t protocol() const { return bytes_[ipv4::field::protocol]; }
  ipv4_address src() const { return {load_be32(&bytes_[ipv4::field::src])}; }
  ipv4_address dst() const { return {load_be32(&bytes_[ipv4::field::dst])}; }
  bool verify_checksum() const;
  // Whether the options ask for loose or strict source routing (RFC 791 3.1, LSRR and SSRR). A
  // list cut short by a bad length is read up to there.
  bool source_routed() const;
  // The header as received, options included: what ICMP errors quote back.
  const_byte_span header() const { return bytes_.first(header_len()); }
  const_byte_span payload() const {
    return bytes_.subspan(header_len(), total_len() - header_len());
  }

 private:
  explicit ipv4_view(const_byte_span b) : bytes_{b} {}
  std::uint16_t flags_frag() const { return load_be16(&bytes_[ipv4::field::flags_frag]); }
  const_byte_span bytes_;
};

struct ipv4_repr {
  ipv4_address src;
  ipv4_address dst;
  ip_protocol protocol = ip_protocol::icmp;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t ident = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::size_t frag_offset = 0;  // bytes; a multiple of 8
  std::size_t payload_len = 0;

  // Verifies the checksum; options are skipped.
  static parse_result<ipv4_repr> parse(const ipv4_view& v);
  static constexpr std::size_t header_len() { return ipv4::min_header_len; }
  std::size_t total_len() const { return header_len() + payload_len; }
  bool is_fragment() const { return more_fragments || frag_offset != 0; }
  // Writes a 20-byte header, checksum included, into the front of out.
  void emit(byte_span out) const;
  friend bool operator==(const ipv4_repr&, const ipv4_repr&) = default;
};

// The start of a packet as an ICMP error quotes it (RFC 792: the header and at least 8 bytes of
// payload, the rest cut off, so total length and checksum cannot be checked).
struct quoted_ipv4 {
  ipv4_address src;
  ipv4_address dst;
  ip_protocol protocol = ip_protocol::icmp;
  const_byte_span payload_start;  // what was quoted of the payload, 8 bytes or more
};
// ip_truncated, ip_bad_version or ip_bad_header_len when the quote is not such a packet.
parse_result<quoted_ipv4> parse_quoted_ipv4(const_byte_span quote);

// The checksum of a UDP datagram or TCP segment: the IPv4 pseudo header (addresses, protocol,
// length) and then the bytes (RFC 768, RFC 9293 3.1). 0 when verifying bytes that hold a correct
// one.
std::uint16_t transport_checksum(ip_protocol protocol, ipv4_address src, ipv4_address dst,
                                 const_byte_span bytes);
// The pseudo header's sum alone, folded and not complemented: what a segment whose checksum a
// device completes carries in its checksum field (Linux's CHECKSUM_PARTIAL, virtio_net_hdr's
// NEEDS_CSUM); the device adds the segment's bytes and stores the complement.
std::uint16_t pseudo_header_sum(ip_protocol protocol, ipv4_address src, ipv4_address dst,
                                std::size_t length);

// tcpdump -v style: "IP (tos 0x0, ttl 64, id 7, offset 0, flags [DF], proto ICMP (1), length 84)"
std::string to_string(const ipv4_repr& r);

}  // namespace tapstack
