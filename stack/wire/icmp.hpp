#pragma once
// ICMPv4 (RFC 792): echo request and reply, destination unreachable, time exceeded. The view checks
// the 8-byte header; the repr verifies the checksum and carries the type-specific fields. Its data
// span points into the packet it was parsed from (or, for emit, at the caller's bytes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "stack/base/bytes.hpp"
#include "stack/wire/parse_result.hpp"

namespace tapstack {

namespace icmp {
inline constexpr std::size_t header_len = 8;
namespace field {
inline constexpr std::size_t type = 0;
inline constexpr std::size_t code = 1;
inline constexpr std::size_t checksum = 2;
inline constexpr std::size_t ident = 4;         // echo
inline constexpr std::size_t seq = 6;           // echo
inline constexpr std::size_t next_hop_mtu = 6;  // unreachable, code 4
}  // namespace field
}  // namespace icmp

enum class icmp_type : std::uint8_t {
  echo_reply = 0,
  dest_unreachable = 3,
  echo_request = 8,
  time_exceeded = 11,
};

class icmp_view {
 public:
  static parse_result<icmp_view> check(const_byte_span message);

  std::uint8_t type() const { return bytes_[icmp::field::type]; }
  std::uint8_t code() const { return bytes_[icmp::field::code]; }
  std::uint16_t ident() const { return load_be16(&bytes_[icmp::field::ident]); }
  std::uint16_t seq() const { return load_be16(&bytes_[icmp::field::seq]); }
  std::uint16_t next_hop_mtu() const { return load_be16(&bytes_[icmp::field::next_hop_mtu]); }
  bool verify_checksum() const;
  const_byte_span data() const { return bytes_.subspan(icmp::header_len); }

 private:
  explicit icmp_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

struct icmp_repr {
  icmp_type type = icmp_type::echo_request;
  std::uint8_t code = 0;
  std::uint16_t ident = 0;         // echo request and reply
  std::uint16_t seq = 0;           // echo request and reply
  std::uint16_t next_hop_mtu = 0;  // unreachable, fragmentation needed
  // Echo: the payload. Errors: the offending IP header and the first bytes of its payload.
  const_byte_span data;

  // Verifies the checksum; types other than the four above are reported as icmp_unhandled.
  static parse_result<icmp_repr> parse(const icmp_view& v);
  std::size_t buffer_len() const { return icmp::header_len + data.size(); }
  // Writes header, data and checksum into the first buffer_len() bytes of out. The data may
  // already be in place (data.data() == out.data() + header_len): it is then not copied.
  void emit(byte_span out) const;
};

// tcpdump: "ICMP echo request, id 5, seq 1, length 64"
std::string to_string(const icmp_repr& r);

}  // namespace tapstack
