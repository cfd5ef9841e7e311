#include "stack/ip/ipv4_layer.hpp"

#include <algorithm>
#include <cassert>

namespace tapstack {

ipv4_layer::ipv4_layer(host_context& ctx, arp_layer& arp)
    : ctx_{ctx},
      arp_{arp},
      reassembly_{ctx.config.ipv4},
      next_ident_{static_cast<std::uint16_t>(ctx.random.next())} {}

std::optional<ipv4_packet> ipv4_layer::receive(const_byte_span packet, bool checksum_verified,
                                               instant now) {
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
  // RFC 7126 4.3, 4.4: source-routed datagrams are dropped (Linux's accept_source_route is 0): a
  // route chosen by the sender would let it pose as a host on the path and have our replies
  // follow it. Checked on every fragment, as the option is copied into each (RFC 791).
  if (view->source_routed()) {
    ctx_.drop(drop_reason::ip_source_route, now);
    return std::nullopt;
  }
  const bool broadcast = is_broadcast(ip.dst);
  if (ip.dst != ctx_.config.address.address && !broadcast) {
    ctx_.drop(drop_reason::ip_not_for_us, now);
    return std::nullopt;
  }
  if (ip.is_fragment()) return reassemble(ip, *view, broadcast, now);
  ctx_.stats.count(event::ip_packets_in);
  return ipv4_packet{ip, view->payload(), view->header(), broadcast, checksum_verified};
}

std::optional<ipv4_packet> ipv4_layer::reassemble(const ipv4_repr& ip, const ipv4_view& view,
                                                  bool broadcast, instant now) {
  ctx_.stats.count(event::ip_fragments_in);
  const auto outcome = reassembly_.add(ip, view.header(), view.payload(), now);
  if (outcome.timed_out != 0) ctx_.drop(drop_reason::ip_frag_timeout, now, outcome.timed_out);
  if (outcome.dropped) ctx_.drop(*outcome.dropped, now, outcome.fragments_dropped);
  if (!outcome.complete) return std::nullopt;
  ctx_.stats.count(event::ip_reassembled);
  ctx_.stats.count(event::ip_packets_in);
  const reassembler::datagram& whole = *outcome.complete;
  return ipv4_packet{whole.header, whole.payload, whole.header_bytes, broadcast};
}

void ipv4_layer::poll(instant now) {
  if (const std::size_t timed_out = reassembly_.poll(now); timed_out != 0)
    ctx_.drop(drop_reason::ip_frag_timeout, now, timed_out);
}

std::optional<instant> ipv4_layer::next_deadline() const { return reassembly_.next_deadline(); }

frame ipv4_layer::allocate(std::size_t payload_len) {
  assert(payload_len <= max_datagram_payload);
  // A datagram to be fragmented is only read from, once, so it need not go back to the pool.
  frame f = payload_len <= max_payload() ? ctx_.pool.take(frame_headroom)
                                         : frame{frame_headroom + payload_len, frame_headroom};
  f.resize(payload_len);
  return f;
}

std::optional<ipv4_address> ipv4_layer::next_hop(ipv4_address dst) const {
  // Broadcasts go to every neighbour; on-link destinations directly; the rest via the gateway.
  if (is_broadcast(dst)) return ipv4_address::broadcast();
  if (ctx_.config.address.contains(dst)) return dst;
  return ctx_.config.gateway;
}

void ipv4_layer::send(frame&& payload, ipv4_address dst, ip_protocol protocol, instant now,
                      ipv4_send_options options) {
  const bool fits = payload.size() <= max_payload();
  if (payload.size() > max_datagram_payload || (!fits && options.dont_fragment)) {
    ctx_.drop(drop_reason::ip_too_big, now);
    return ctx_.pool.give(std::move(payload));
  }
  if (!can_send_to(dst)) {
    ctx_.drop(drop_reason::ip_bad_destination, now);
    return ctx_.pool.give(std::move(payload));
  }
  const auto hop = next_hop(dst);
  if (!hop) {
    ctx_.drop(drop_reason::ip_no_route, now);
    return ctx_.pool.give(std::move(payload));
  }
  ipv4_repr ip;
  ip.src = ctx_.config.address.address;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.ident = next_ident_++;
  ip.dont_fragment = options.dont_fragment;
  ip.tos = options.tos;
  ip.payload_len = payload.size();
  ctx_.stats.count(event::ip_packets_out);
  if (!fits) {
    send_fragments(payload.bytes(), ip, *hop, now);
    return ctx_.pool.give(std::move(payload));
  }
  ip.emit(payload.prepend(ipv4_repr::header_len()));
  arp_.send_ipv4(std::move(payload), *hop, now);
}

// RFC 791 3.2's fragmentation procedure, for a datagram without options: each fragment carries as
// many whole 8-byte blocks as the MTU allows (the last one the rest), the same identification, its
// offset, and MF on all but the last. Each goes in a pool frame of its own.
void ipv4_layer::send_fragments(const_byte_span payload, ipv4_repr ip, ipv4_address next_hop,
                                instant now) {
  const std::size_t step = max_payload() / 8 * 8;
  for (std::size_t offset = 0; offset < payload.size(); offset += step) {
    const std::size_t len = std::min(step, payload.size() - offset);
    frame f = ctx_.pool.take(frame_headroom);
    f.resize(len);
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(offset), len, f.bytes().begin());
    ip.frag_offset = offset;
    ip.more_fragments = offset + len < payload.size();
    ip.payload_len = len;
    ip.emit(f.prepend(ipv4_repr::header_len()));
    ctx_.stats.count(event::ip_fragments_out);
    arp_.send_ipv4(std::move(f), next_hop, now);
  }
}

}  // namespace tapstack
