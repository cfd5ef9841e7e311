#include "stack/wire/udp.hpp"

#include <algorithm>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {
namespace {

// The RFC 768 sum: pseudo header (addresses, protocol, UDP length), then header and payload.
std::uint16_t datagram_checksum(const_byte_span datagram, ipv4_address src, ipv4_address dst) {
  return checksum{}
      .add32(src.value)
      .add32(dst.value)
      .add16(static_cast<std::uint16_t>(ip_protocol::udp))
      .add16(static_cast<std::uint16_t>(datagram.size()))
      .add(datagram)
      .finish();
}

}  // namespace

parse_result<udp_view> udp_view::check(const_byte_span datagram) {
  if (datagram.size() < udp::header_len) return drop_reason::udp_truncated;
  const std::size_t length = load_be16(&datagram[udp::field::length]);
  if (length < udp::header_len || length > datagram.size()) return drop_reason::udp_bad_length;
  return udp_view{datagram};
}

parse_result<udp_repr> udp_repr::parse(const udp_view& v, ipv4_address src, ipv4_address dst) {
  if (v.checksum() != 0 && datagram_checksum(v.datagram(), src, dst) != 0)
    return drop_reason::udp_bad_checksum;
  return udp_repr{v.src_port(), v.dst_port(), v.payload()};
}

void udp_repr::emit(byte_span out, ipv4_address src, ipv4_address dst) const {
  store_be16(&out[udp::field::src_port], src_port);
  store_be16(&out[udp::field::dst_port], dst_port);
  store_be16(&out[udp::field::length], static_cast<std::uint16_t>(buffer_len()));
  store_be16(&out[udp::field::checksum], 0);
  if (payload.data() != out.data() + udp::header_len)
    std::copy(payload.begin(), payload.end(), &out[udp::header_len]);
  const std::uint16_t sum = datagram_checksum(out.first(buffer_len()), src, dst);
  // A computed zero is sent as all ones: zero on the wire means "no checksum" (RFC 768).
  store_be16(&out[udp::field::checksum], sum == 0 ? 0xffff : sum);
}

std::string to_string(const udp_repr& r) {
  return "UDP, length " + std::to_string(r.payload.size());
}

}  // namespace tapstack
