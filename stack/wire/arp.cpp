#include "stack/wire/arp.hpp"

namespace tapstack {

parse_result<arp_view> arp_view::check(const_byte_span packet) {
  if (packet.size() < arp::field::sha) return drop_reason::arp_truncated;
  if (load_be16(&packet[arp::field::htype]) != arp::htype_ethernet ||
      load_be16(&packet[arp::field::ptype]) != arp::ptype_ipv4 || packet[arp::field::hlen] != 6 ||
      packet[arp::field::plen] != 4)
    return drop_reason::arp_unsupported;
  if (packet.size() < arp::packet_len) return drop_reason::arp_truncated;
  return arp_view{packet};
}

parse_result<arp_repr> arp_repr::parse(const arp_view& v) {
  const auto op = v.operation();
  if (op != static_cast<std::uint16_t>(arp_operation::request) &&
      op != static_cast<std::uint16_t>(arp_operation::reply))
    return drop_reason::arp_bad_opcode;
  return arp_repr{static_cast<arp_operation>(op), v.sender_mac(), v.sender_ip(), v.target_mac(),
                  v.target_ip()};
}

void arp_repr::emit(byte_span out) const {
  store_be16(&out[arp::field::htype], arp::htype_ethernet);
  store_be16(&out[arp::field::ptype], arp::ptype_ipv4);
  out[arp::field::hlen] = 6;
  out[arp::field::plen] = 4;
  store_be16(&out[arp::field::oper], static_cast<std::uint16_t>(operation));
  sender_mac.store(&out[arp::field::sha]);
  store_be32(&out[arp::field::spa], sender_ip.value);
  target_mac.store(&out[arp::field::tha]);
  store_be32(&out[arp::field::tpa], target_ip.value);
}

std::string to_string(const arp_repr& r) {
  if (r.operation == arp_operation::request)
    return "ARP, Request who-has " + to_string(r.target_ip) + " tell " + to_string(r.sender_ip) +
           ", length 28";
  return "ARP, Reply " + to_string(r.sender_ip) + " is-at " + to_string(r.sender_mac) +
         ", length 28";
}

}  // namespace tapstack
