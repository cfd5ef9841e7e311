#include "stack/link/arp_layer.hpp"

namespace tapstack {

void arp_layer::receive(const_byte_span packet, instant now) {
  const auto view = arp_view::check(packet);
  if (!view) return ctx_.drop(view.error(), now);
  const auto parsed = arp_repr::parse(*view);
  if (!parsed) return ctx_.drop(parsed.error(), now);
  const arp_repr& arp = *parsed;
  if (arp.sender_mac.is_multicast()) return ctx_.drop(drop_reason::arp_bad_sender, now);
  // RFC 5227 2.4: another host claims our address. Learning it would send our own traffic there.
  if (arp.sender_ip == ctx_.config.address.address && arp.sender_mac != ctx_.config.mac)
    return ctx_.drop(drop_reason::arp_address_conflict, now);

  const bool is_request = arp.operation == arp_operation::request;
  ctx_.stats.count(is_request ? event::arp_requests_in : event::arp_replies_in);

  // RFC 826: merge first, then, if the packet is for us, add; an ARP probe (sender 0.0.0.0,
  // RFC 5227) teaches nothing but is still answered.
  std::vector<frame> released;
  const bool learnable = !arp.sender_ip.is_unspecified();
  const bool merged = learnable && cache_.update(arp.sender_ip, arp.sender_mac, now, released);
  if (arp.target_ip != ctx_.config.address.address) {
    transmit_released(released, arp.sender_mac);
    // Replies and gratuitous announcements from others refresh the cache and are not drops.
    if (is_request && arp.sender_ip != arp.target_ip) ctx_.drop(drop_reason::arp_not_for_us, now);
    return;
  }
  if (learnable && !merged && !cache_.insert(arp.sender_ip, arp.sender_mac, now, released))
    ctx_.drop(drop_reason::arp_cache_full, now);
  transmit_released(released, arp.sender_mac);
  if (is_request) send_reply(arp);
}

void arp_layer::send_ipv4(frame&& packet, ipv4_address next_hop, instant now) {
  if (next_hop.is_broadcast())
    return eth_.send(std::move(packet), mac_address::broadcast(), ethertype::ipv4);
  if (const auto mac = cache_.lookup(next_hop, now))
    return eth_.send(std::move(packet), *mac, ethertype::ipv4);
  auto result = cache_.enqueue(next_hop, std::move(packet), now);
  if (result.evicted) {
    ctx_.drop(result.cache_full ? drop_reason::arp_cache_full : drop_reason::arp_queue_full, now);
    ctx_.pool.give(std::move(*result.evicted));
  }
  if (result.send_request) send_request(next_hop, now);
}

void arp_layer::announce(instant now) {
  const ipv4_address self = ctx_.config.address.address;
  send_packet({arp_operation::request, ctx_.config.mac, self, mac_address{}, self},
              mac_address::broadcast());
  ctx_.log.log(log_level::debug, now, [&] { return "arp: announced " + to_string(self); });
}

void arp_layer::poll(instant now) {
  arp_cache::due due;
  cache_.poll(now, due);
  for (const auto ip : due.requests) send_request(ip, now);
  if (!due.failed.empty()) ctx_.drop(drop_reason::arp_unresolved, now, due.failed.size());
  for (auto& f : due.failed) ctx_.pool.give(std::move(f));
}

void arp_layer::send_request(ipv4_address target, instant now) {
  ctx_.stats.count(event::arp_requests_out);
  send_packet(
      {arp_operation::request, ctx_.config.mac, ctx_.config.address.address, mac_address{}, target},
      mac_address::broadcast());
  ctx_.log.log(log_level::debug, now, [&] { return "arp: who-has " + to_string(target); });
}

void arp_layer::send_reply(const arp_repr& request) {
  ctx_.stats.count(event::arp_replies_out);
  send_packet({arp_operation::reply, ctx_.config.mac, ctx_.config.address.address,
               request.sender_mac, request.sender_ip},
              request.sender_mac);
}

void arp_layer::send_packet(const arp_repr& r, mac_address dst) {
  frame f = ctx_.pool.take(frame_headroom);
  f.resize(arp_repr::packet_len());
  r.emit(f.bytes());
  eth_.send(std::move(f), dst, ethertype::arp);
}

void arp_layer::transmit_released(std::vector<frame>& released, mac_address dst) {
  for (auto& f : released) eth_.send(std::move(f), dst, ethertype::ipv4);
}

}  // namespace tapstack
