#include "stack/wire/ipv4.hpp"

#include <cstdio>

#include "stack/wire/checksum.hpp"

namespace tapstack {

std::string to_string(ip_protocol p) {
  switch (p) {
    case ip_protocol::icmp:
      return "ICMP";
    case ip_protocol::tcp:
      return "TCP";
    case ip_protocol::udp:
      return "UDP";
  }
  return "unknown";
}

parse_result<ipv4_view> ipv4_view::check(const_byte_span packet) {
  if (packet.size() < ipv4::min_header_len) return drop_reason::ip_truncated;
  const std::uint8_t ver_ihl = packet[ipv4::field::ver_ihl];
  if ((ver_ihl >> 4) != 4) return drop_reason::ip_bad_version;
  const std::size_t header_len = (ver_ihl & 0x0f) * 4u;
  if (header_len < ipv4::min_header_len || header_len > packet.size())
    return drop_reason::ip_bad_header_len;
  const std::size_t total_len = load_be16(&packet[ipv4::field::total_len]);
  if (total_len < header_len || total_len > packet.size()) return drop_reason::ip_bad_total_len;
  return ipv4_view{packet};
}

bool ipv4_view::verify_checksum() const { return internet_checksum(header()) == 0; }

bool ipv4_view::source_routed() const {
  const const_byte_span options = header().subspan(ipv4::min_header_len);
  for (std::size_t at = 0; at < options.size();) {
    const std::uint8_t type = options[at];
    if (type == ipv4::option::end) return false;
    if (type == ipv4::option::nop) {
      ++at;
      continue;
    }
    if (type == ipv4::option::loose_source_route || type == ipv4::option::strict_source_route)
      return true;
    if (at + 1 >= options.size() || options[at + 1] < 2) return false;
    at += options[at + 1];
  }
  return false;
}

parse_result<ipv4_repr> ipv4_repr::parse(const ipv4_view& v) {
  if (!v.verify_checksum()) return drop_reason::ip_bad_checksum;
  ipv4_repr r;
  r.src = v.src();
  r.dst = v.dst();
  r.protocol = static_cast<ip_protocol>(v.protocol());
  r.ttl = v.ttl();
  r.tos = v.tos();
  r.ident = v.ident();
  r.dont_fragment = v.dont_fragment();
  r.more_fragments = v.more_fragments();
  r.frag_offset = v.frag_offset();
  r.payload_len = v.total_len() - v.header_len();
  return r;
}

void ipv4_repr::emit(byte_span out) const {
  out[ipv4::field::ver_ihl] = 0x45;
  out[ipv4::field::tos] = tos;
  store_be16(&out[ipv4::field::total_len], static_cast<std::uint16_t>(total_len()));
  store_be16(&out[ipv4::field::ident], ident);
  store_be16(&out[ipv4::field::flags_frag],
             static_cast<std::uint16_t>((dont_fragment ? ipv4::flag_df : 0) |
                                        (more_fragments ? ipv4::flag_mf : 0) | frag_offset / 8));
  out[ipv4::field::ttl] = ttl;
  out[ipv4::field::protocol] = static_cast<std::uint8_t>(protocol);
  store_be16(&out[ipv4::field::checksum], 0);
  store_be32(&out[ipv4::field::src], src.value);
  store_be32(&out[ipv4::field::dst], dst.value);
  store_be16(&out[ipv4::field::checksum], internet_checksum(out.first(header_len())));
}

std::uint16_t transport_checksum(ip_protocol protocol, ipv4_address src, ipv4_address dst,
                                 const_byte_span bytes) {
  return checksum{}
      .add32(src.value)
      .add32(dst.value)
      .add16(static_cast<std::uint16_t>(protocol))
      .add16(static_cast<std::uint16_t>(bytes.size()))
      .add(bytes)
      .finish();
}

std::uint16_t pseudo_header_sum(ip_protocol protocol, ipv4_address src, ipv4_address dst,
                                std::size_t length) {
  // The folded sum, not its complement: finish() complements it.
  return static_cast<std::uint16_t>(~checksum{}
                                         .add32(src.value)
                                         .add32(dst.value)
                                         .add16(static_cast<std::uint16_t>(protocol))
                                         .add16(static_cast<std::uint16_t>(length))
                                         .finish());
}

parse_result<quoted_ipv4> parse_quoted_ipv4(const_byte_span quote) {
  if (quote.size() < ipv4::min_header_len) return drop_reason::ip_truncated;
  if ((quote[ipv4::field::ver_ihl] >> 4) != 4) return drop_reason::ip_bad_version;
  const std::size_t header_len = (quote[ipv4::field::ver_ihl] & 0x0f) * 4u;
  if (header_len < ipv4::min_header_len) return drop_reason::ip_bad_header_len;
  if (quote.size() < header_len + 8) return drop_reason::ip_truncated;
  return quoted_ipv4{{load_be32(&quote[ipv4::field::src])},
                     {load_be32(&quote[ipv4::field::dst])},
                     static_cast<ip_protocol>(quote[ipv4::field::protocol]),
                     quote.subspan(header_len)};
}

std::string to_string(const ipv4_repr& r) {
  const char* flags =
      r.dont_fragment ? (r.more_fragments ? "DF+" : "DF") : (r.more_fragments ? "+" : "none");
  char out[160];
  std::snprintf(out, sizeof out,
                "IP (tos 0x%x, ttl %u, id %u, offset %zu, flags [%s], proto %s (%u), length %zu)",
                r.tos, r.ttl, r.ident, r.frag_offset, flags, to_string(r.protocol).c_str(),
                static_cast<unsigned>(r.protocol), r.total_len());
  return out;
}

}  // namespace tapstack
