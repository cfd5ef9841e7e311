#pragma once
// The TCP header (RFC 9293 3.1) and the options this stack speaks: MSS (RFC 9293 3.7.1), window
// scale and timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018). The view checks the fixed
// header and the data offset against the bytes IP delivered; the repr verifies the checksum over
// the pseudo header, decodes the options, and emits header, options, payload and checksum. What the
// fields mean (acceptability, which options count on which segments) is the TCP layer's business:
// this file only reads and writes them. Payload spans point into the caller's bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "stack/base/bytes.hpp"
#include "stack/base/seq.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/parse_result.hpp"

namespace tapstack {

namespace tcp {
inline constexpr std::size_t min_header_len = 20;
inline constexpr std::size_t max_header_len = 60;  // a 4-bit data offset, in 32-bit words
inline constexpr std::size_t max_options_len = max_header_len - min_header_len;
// RFC 7323 2.3: a larger shift received is used as 14.
inline constexpr std::uint8_t max_window_scale = 14;
// RFC 2018 3: what 40 bytes of options hold; 3 beside a timestamp option.
inline constexpr std::size_t max_sack_blocks = 4;
// The timestamps option as sent: NOP NOP kind length TSval TSecr (RFC 7323 Appendix A's layout).
inline constexpr std::uint32_t timestamps_option_len = 12;
// What an ICMP error quotes of a segment at the least (RFC 792): the ports and the sequence number.
inline constexpr std::size_t min_quoted_len = 8;
namespace field {
inline constexpr std::size_t src_port = 0;
inline constexpr std::size_t dst_port = 2;
inline constexpr std::size_t seq = 4;
inline constexpr std::size_t ack = 8;
inline constexpr std::size_t data_offset = 12;  // high nibble; the low one is reserved
inline constexpr std::size_t flags = 13;
inline constexpr std::size_t window = 14;
inline constexpr std::size_t checksum = 16;
inline constexpr std::size_t urgent = 18;
inline constexpr std::size_t options = 20;
}  // namespace field
// Option kinds (IANA "TCP Option Kind Numbers"); only eol and nop have no length byte.
namespace option {
inline constexpr std::uint8_t eol = 0;
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t mss = 2;
inline constexpr std::uint8_t window_scale = 3;
inline constexpr std::uint8_t sack_permitted = 4;
inline constexpr std::uint8_t sack = 5;
inline constexpr std::uint8_t timestamps = 8;
}  // namespace option
}  // namespace tcp

// The control bits, in the order of the header's bits from the lowest, so that designated
// initializers read naturally: tcp_flags{.syn = true, .ack = true}.
struct tcp_flags {
  bool fin = false;
  bool syn = false;
  bool rst = false;
  bool psh = false;
  bool ack = false;
  bool urg = false;
  bool ece = false;  // RFC 3168
  bool cwr = false;  // RFC 3168

  // Here, to be inlined: every segment in and out goes through them.
  static constexpr tcp_flags from_bits(std::uint8_t b) {
    const auto bit = [b](int i) { return ((b >> i) & 1) != 0; };
    return {bit(0), bit(1), bit(2), bit(3), bit(4), bit(5), bit(6), bit(7)};
  }
  constexpr std::uint8_t bits() const {
    return static_cast<std::uint8_t>(fin | syn << 1 | rst << 2 | psh << 3 | ack << 4 | urg << 5 |
                                     ece << 6 | cwr << 7);
  }
  friend bool operator==(const tcp_flags&, const tcp_flags&) = default;
};

struct tcp_timestamps {
  std::uint32_t val = 0;  // TSval: the sender's clock
  std::uint32_t ecr = 0;  // TSecr: the TSval echoed back
  friend bool operator==(const tcp_timestamps&, const tcp_timestamps&) = default;
};

// One block of data held beyond rcv.nxt: [left, right).
struct sack_block {
  seq32 left;
  seq32 right;
  friend bool operator==(const sack_block&, const sack_block&) = default;
};

struct tcp_options {
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;  // at most max_window_scale once parsed
  bool sack_permitted = false;
  std::optional<tcp_timestamps> timestamps;
  // A fixed array, not a vector: parsing a segment allocates nothing.
  std::array<sack_block, tcp::max_sack_blocks> sack_blocks{};
  std::size_t sack_count = 0;

  std::span<const sack_block> sack() const { return {sack_blocks.data(), sack_count}; }

  // Reads an option list. Kinds this stack does not implement are skipped by their length (RFC
  // 9293 3.2); EOL ends the list, and what follows it is padding. tcp_bad_option when a length is
  // below 2 or runs past the list, or a known kind has a length its RFC does not allow (RFC 9293
  // 3.2 asks that this be survived; what to do about the segment is the TCP layer's choice). A
  // window scale above 14 is read as 14, as RFC 7323 2.3 requires.
  static parse_result<tcp_options> parse(const_byte_span bytes);
  // What emit writes: always a multiple of 4, so no EOL padding is needed.
  std::size_t encoded_len() const;
  // Writes the options in the order and with the NOP padding Linux uses, so that a segment we
  // send reads like the kernel's: MSS; SACK-permitted and timestamps (NOP NOP in front of
  // either when the other is absent); NOP window scale; NOP NOP SACK. Fills the first
  // encoded_len() bytes of out. A segment's options must fit in max_options_len (beside
  // timestamps only 3 SACK blocks do); options parsed from a segment need not, as the sender may
  // have packed them without NOPs.
  void emit(byte_span out) const;

  friend bool operator==(const tcp_options& a, const tcp_options& b);
};

class tcp_view {
 public:
  // Checks the fixed header and that the data offset is at least 5 words and within the bytes.
  // Not the checksum (tcp_repr::parse verifies it, with the addresses it needs).
  static parse_result<tcp_view> check(const_byte_span segment);

  std::uint16_t src_port() const { return load_be16(&bytes_[tcp::field::src_port]); }
  std::uint16_t dst_port() const { return load_be16(&bytes_[tcp::field::dst_port]); }
  seq32 seq() const { return seq32{load_be32(&bytes_[tcp::field::seq])}; }
  seq32 ack() const { return seq32{load_be32(&bytes_[tcp::field::ack])}; }
  // The data offset, in bytes rather than the 32-bit words the header carries.
  std::size_t header_len() const { return (bytes_[tcp::field::data_offset] >> 4) * 4u; }
  tcp_flags flags() const { return tcp_flags::from_bits(bytes_[tcp::field::flags]); }
  std::uint16_t window() const { return load_be16(&bytes_[tcp::field::window]); }
  std::uint16_t checksum() const { return load_be16(&bytes_[tcp::field::checksum]); }
  std::uint16_t urgent() const { return load_be16(&bytes_[tcp::field::urgent]); }
  const_byte_span options() const {
    return bytes_.subspan(tcp::field::options, header_len() - tcp::min_header_len);
  }
  const_byte_span payload() const { return bytes_.subspan(header_len()); }
  // Header and payload: what the checksum covers.
  const_byte_span segment() const { return bytes_; }

 private:
  explicit tcp_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

// The start of a segment as an ICMP error quotes it: perhaps no more than min_quoted_len bytes,
// too few for tcp_view::check, and enough for the ports that name the connection.
class quoted_tcp_view {
 public:
  // tcp_truncated when shorter than min_quoted_len.
  static parse_result<quoted_tcp_view> check(const_byte_span quote);

  std::uint16_t src_port() const { return load_be16(&bytes_[tcp::field::src_port]); }
  std::uint16_t dst_port() const { return load_be16(&bytes_[tcp::field::dst_port]); }

 private:
  explicit quoted_tcp_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

struct tcp_repr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  seq32 seq;
  seq32 ack;  // meaningful only with flags.ack
  tcp_flags flags;
  std::uint16_t window = 0;  // as on the wire: not yet shifted by the window scale
  std::uint16_t urgent = 0;  // meaningful only with flags.urg
  tcp_options options;
  const_byte_span payload;

  // Verifies the checksum against the pseudo header of src and dst (unlike UDP's, a zero
  // checksum is no exception; not at all when the device verified it), then the options.
  static parse_result<tcp_repr> parse(const tcp_view& v, ipv4_address src, ipv4_address dst,
                                      bool checksum_verified = false);
  // At most max_header_len for a repr that is to be emitted.
  std::size_t header_len() const { return tcp::min_header_len + options.encoded_len(); }
  std::size_t buffer_len() const { return header_len() + payload.size(); }
  // SEG.LEN (RFC 9293 3.4): the sequence space the segment occupies, SYN and FIN counting one.
  std::uint32_t segment_len() const;
  // Writes header, options, payload and checksum into the first buffer_len() bytes of out. The
  // payload may already be in place (payload.data() == out.data() + header_len()): it is then not
  // copied. Reserved bits are sent as zero (RFC 9293 3.1). With partial_checksum the checksum
  // field holds only the pseudo header's sum, for a device to complete over the segment.
  void emit(byte_span out, ipv4_address src, ipv4_address dst, bool partial_checksum = false) const;
};

// tcpdump's flag letters: "S.", "P.", "R.", "none".
std::string to_string(tcp_flags f);
// The options as tcpdump lists them, in the layout emit writes: "mss 1460,sackOK,TS val 1 ecr
// 0,nop,wscale 7".
std::string to_string(const tcp_options& o);
// What tcpdump -S prints after the addresses and ports: "Flags [S.], seq 100, ack 201, win 64240,
// options [mss 1460], length 0".
std::string to_string(const tcp_repr& r);
// The same, with the options listed as wire_options spell them (a view's options(), which may
// hold kinds the repr does not keep, in any order), as a tracer shows a segment it received.
std::string to_string(const tcp_repr& r, const_byte_span wire_options);

}  // namespace tapstack
