#include "stack/ip/ipv4_layer.hpp"

#include <cassert>

namespace tapstack {

ipv4_layer::ipv4_layer(host_context& ctx, arp_layer& arp)
    : ctx_{ctx}, arp_{arp}, next_ident_{static_cast<std::uint16_t>(ctx.random.next())} {}

std::optional<ipv4_packet> ipv4_layer::receive(const_byte_span packet, instant now) {
  const auto view = ipv4_view::check(packet);
  if (!view) {
    ctx_.drop(view.error(), now);
    return std::nullopt;
  }
  const auto repr = ipv4_repr::parse(*view);
  if (!repr) {
    ctx_.drop(repr.error(), now);
    return std::nullopt;
  }
  const ipv4_repr& ip = *repr;
  // RFC 1122 3.2.1.3: a source that names no single host on the wire is discarded: broadcast,
  // multicast, or an address we could not send to ourselves (0/8, loopback, our own).
  if (ip.src.is_multicast() || is_broadcast(ip.src) || !can_send_to(ip.src)) {
    ctx_.drop(drop_reason::ip_bad_source, now);
    return std::nullopt;
  }
  const bool broadcast = is_broadcast(ip.dst);
  if (ip.dst != ctx_.config.address.address && !broadcast) {
    ctx_.drop(drop_reason::ip_not_for_us, now);
    return std::nullopt;
  }
  if (ip.is_fragment()) {
    ctx_.drop(drop_reason::ip_fragment, now);
    return std::nullopt;
  }
  ctx_.stats.count(event::ip_packets_in);
  return ipv4_packet{ip, view->payload(), view->header(), broadcast};
}

void ipv4_layer::poll(instant) {}

std::optional<instant> ipv4_layer::next_deadline() const { return std::nullopt; }

frame ipv4_layer::allocate(std::size_t payload_len) {
  assert(payload_len <= max_payload());
  frame f = ctx_.pool.take(frame_headroom);
  f.resize(payload_len);
  return f;
}

void ipv4_layer::send(frame&& payload, ipv4_address dst, ip_protocol protocol, instant now) {
  if (payload.size() > max_payload()) {
    ctx_.drop(drop_reason::ip_too_big, now);
    return ctx_.pool.give(std::move(payload));
  }
  if (!can_send_to(dst)) {
    ctx_.drop(drop_reason::ip_bad_destination, now);
    return ctx_.pool.give(std::move(payload));
  }
  ipv4_repr ip;
  ip.src = ctx_.config.address.address;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.ident = next_ident_++;
  ip.payload_len = payload.size();
  ip.emit(payload.prepend(ipv4_repr::header_len()));
  ctx_.stats.count(event::ip_packets_out);

  // Broadcasts go to every neighbour; on-link destinations directly; the rest via the gateway.
  std::optional<ipv4_address> next_hop = ctx_.config.gateway;
  if (is_broadcast(dst))
    next_hop = ipv4_address::broadcast();
  else if (ctx_.config.address.contains(dst))
    next_hop = dst;
  if (!next_hop) {
    ctx_.drop(drop_reason::ip_no_route, now);
    return ctx_.pool.give(std::move(payload));
  }
  arp_.send_ipv4(std::move(payload), *next_hop, now);
}

}  // namespace tapstack
