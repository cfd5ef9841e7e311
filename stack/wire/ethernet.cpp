#include "stack/wire/ethernet.hpp"

#include <cstdio>

namespace tapstack {

std::string to_string(ethertype t) {
  switch (t) {
    case ethertype::ipv4:
      return "IPv4";
    case ethertype::arp:
      return "ARP";
    case ethertype::vlan:
      return "802.1Q";
    case ethertype::ipv6:
      return "IPv6";
  }
  return "Unknown";
}

parse_result<ethernet_view> ethernet_view::check(const_byte_span frame) {
  if (frame.size() < ethernet::header_len) return drop_reason::frame_too_short;
  return ethernet_view{frame};
}

ethernet_repr ethernet_repr::parse(const ethernet_view& v) {
  return {v.src(), v.dst(), static_cast<ethertype>(v.ethertype())};
}

void ethernet_repr::emit(byte_span out) const {
  dst.store(&out[ethernet::field::dst]);
  src.store(&out[ethernet::field::src]);
  store_be16(&out[ethernet::field::ethertype], static_cast<std::uint16_t>(type));
}

std::string to_string(const ethernet_repr& r) {
  char type[24];
  std::snprintf(type, sizeof type, "0x%04x", static_cast<unsigned>(r.type));
  return to_string(r.src) + " > " + to_string(r.dst) + ", ethertype " + to_string(r.type) + " (" +
         type + ")";
}

}  // namespace tapstack
