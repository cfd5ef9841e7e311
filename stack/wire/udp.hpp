#pragma once
// The UDP header (RFC 768). The view checks the 8-byte header and the length field against the
// bytes IP delivered; the repr verifies the checksum over the pseudo header (zero means the sender
// computed none, which IPv4 allows) and emit writes header and checksum. The payload span points
// into the caller's bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/parse_result.hpp"

namespace tapstack {

namespace udp {
inline constexpr std::size_t header_len = 8;
namespace field {
inline constexpr std::size_t src_port = 0;
inline constexpr std::size_t dst_port = 2;
inline constexpr std::size_t length = 4;
inline constexpr std::size_t checksum = 6;
}  // namespace field
}  // namespace udp

class udp_view {
 public:
  // Checks the header and that its length field fits what IP delivered.
  static parse_result<udp_view> check(const_byte_span datagram);

  std::uint16_t src_port() const { return load_be16(&bytes_[udp::field::src_port]); }
  std::uint16_t dst_port() const { return load_be16(&bytes_[udp::field::dst_port]); }
  std::uint16_t length() const { return load_be16(&bytes_[udp::field::length]); }
  std::uint16_t checksum() const { return load_be16(&bytes_[udp::field::checksum]); }
  // Header and payload as the length field says (IP may have delivered more).
  const_byte_span datagram() const { return bytes_.first(length()); }
  const_byte_span payload() const { return datagram().subspan(udp::header_len); }

 private:
  explicit udp_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

// The start of a datagram as an ICMP error quotes it (RFC 792: at least its first 8 bytes): the
// whole header, but with a length field that counts the payload the quote cut off, which
// udp_view::check would refuse.
class quoted_udp_view {
 public:
  // udp_truncated when shorter than the header.
  static parse_result<quoted_udp_view> check(const_byte_span quote);

  std::uint16_t src_port() const { return load_be16(&bytes_[udp::field::src_port]); }
  std::uint16_t dst_port() const { return load_be16(&bytes_[udp::field::dst_port]); }

 private:
  explicit quoted_udp_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

struct udp_repr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  const_byte_span payload;

  // Verifies the checksum against the pseudo header of src and dst (not when the device verified
  // it); a zero checksum is accepted.
  static parse_result<udp_repr> parse(const udp_view& v, ipv4_address src, ipv4_address dst,
                                      bool checksum_verified = false);
  std::size_t buffer_len() const { return udp::header_len + payload.size(); }
  // Writes header, payload and checksum into the first buffer_len() bytes of out. The payload may
  // already be in place (payload.data() == out.data() + header_len): it is then not copied.
  void emit(byte_span out, ipv4_address src, ipv4_address dst) const;
};

// What tcpdump prints after the addresses and ports: "UDP, length 5".
std::string to_string(const udp_repr& r);

}  // namespace tapstack
