#include "stack/wire/udp.hpp"

#include <algorithm>

#include "stack/wire/ipv4.hpp"

namespace tapstack {

parse_result<udp_view> udp_view::check(const_byte_span datagram) {
  if (datagram.size() < udp::header_len) return drop_reason::udp_truncated;
  const std::size_t length = load_be16(&datagram[udp::field::length]);
  if (length < udp::header_len || length > datagram.size()) return drop_reason::udp_bad_length;
  return udp_view{datagram};
}

parse_result<quoted_udp_view> quoted_udp_view::check(const_byte_span quote) {
  if (quote.size() < udp::header_len) return drop_reason::udp_truncated;
  return quoted_udp_view{quote};
}

parse_result<udp_repr> udp_repr::parse(const udp_view& v, ipv4_address src, ipv4_address dst,
                                       bool checksum_verified) {
  if (!checksum_verified && v.checksum() != 0 &&
      transport_checksum(ip_protocol::udp, src, dst, v.datagram()) != 0)
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
  const std::uint16_t sum = transport_checksum(ip_protocol::udp, src, dst, out.first(buffer_len()));
  // A computed zero is sent as all ones: zero on the wire means "no checksum" (RFC 768).
  store_be16(&out[udp::field::checksum], sum == 0 ? 0xffff : sum);
}

std::string to_string(const udp_repr& r) {
  return "UDP, length " + std::to_string(r.payload.size());
}

}  // namespace tapstack
