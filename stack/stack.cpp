#include "stack/stack.hpp"

#include <stdexcept>

namespace tapstack {
namespace {

const stack_config& validated(const stack_config& c) {
  if (c.mtu < min_mtu || c.mtu > max_mtu)
    throw std::invalid_argument("MTU " + std::to_string(c.mtu) + " is outside " +
                                std::to_string(min_mtu) + ".." + std::to_string(max_mtu));
  if (c.address.prefix_len > 32) throw std::invalid_argument("prefix length above 32");
  if (c.gateway && !c.address.contains(*c.gateway))
    throw std::invalid_argument("gateway " + to_string(*c.gateway) + " is not on-link with " +
                                to_string(c.address));
  for (const port_range& r : {c.udp.ephemeral_ports, c.tcp.ephemeral_ports})
    if (r.first == 0 || r.first > r.last)
      throw std::invalid_argument("ephemeral ports " + std::to_string(r.first) + "-" +
                                  std::to_string(r.last) + " are empty or include port 0");
  return c;
}

}  // namespace

stack::stack(const stack_config& config, logger log)
    : ctx_{validated(config), log},
      eth_{ctx_},
      arp_{ctx_, eth_},
      ip_{ctx_, arp_},
      icmp_{ctx_, ip_},
      udp_{ctx_, ip_, icmp_},
      tcp_{ctx_, ip_} {}

void stack::start(instant now) {
  ctx_.log.log(log_level::info, now, [&] {
    return "host " + to_string(ctx_.config.address) + " at " + to_string(ctx_.config.mac) + " up";
  });
  arp_.announce(now);
}

void stack::receive(const_byte_span frame, const frame_meta& meta, instant now) {
  ctx_.stats.count(event::frames_in);
  ctx_.stats.count(event::bytes_in, frame.size());
  ctx_.receiving = frame;
  deliver(frame, meta.checksum != frame_meta::checksum_state::complete, now);
  ctx_.receiving = {};
}

void stack::receive_batch(std::span<const received_frame> frames, instant now) {
  tcp_.begin_batch();
  for (const received_frame& f : frames) receive(f.bytes(), f.meta, now);
  tcp_.end_batch(now);
}

void stack::deliver(const_byte_span frame, bool checksum_verified, instant now) {
  const auto link = eth_.accept(frame, now);
  if (!link) return;
  const const_byte_span payload = frame.subspan(ethernet::header_len);
  switch (link->type) {
    case ethertype::arp:
      return arp_.receive(payload, now);
    case ethertype::ipv4: {
      const auto packet = ip_.receive(payload, checksum_verified, now);
      if (!packet) return;
      switch (packet->header.protocol) {
        case ip_protocol::icmp: {
          const auto error = icmp_.receive(*packet, now);
          if (!error) return;
          if (error->original.protocol == ip_protocol::udp) return udp_.receive_error(*error, now);
          if (error->original.protocol == ip_protocol::tcp) return tcp_.receive_error(*error, now);
          return ctx_.drop(drop_reason::icmp_error_unmatched, now);
        }
        case ip_protocol::udp:
          return udp_.receive(*packet, now);
        case ip_protocol::tcp:
          return tcp_.receive(*packet, now);
        default:
          ctx_.drop(drop_reason::ip_unknown_protocol, now);
          return icmp_.send_unreachable(*packet, unreachable_code::protocol, now);
      }
    }
    default:
      return ctx_.drop(drop_reason::eth_unknown_ethertype, now);
  }
}

std::optional<frame> stack::pop_transmit() {
  auto f = eth_.pop_transmit();
  if (f) {
    ctx_.stats.count(event::frames_out);
    ctx_.stats.count(event::bytes_out, f->size());
  }
  return f;
}

void stack::poll(instant now) {
  arp_.poll(now);
  ip_.poll(now);
  tcp_.poll(now);
}

std::optional<instant> stack::next_deadline() const {
  std::optional<instant> next;
  for (const auto d : {arp_.next_deadline(), ip_.next_deadline(), tcp_.next_deadline()})
    if (d && (!next || *d < *next)) next = d;
  return next;
}

held_resources stack::held() const {
  held_resources h;
  eth_.add_held(h);
  arp_.add_held(h);
  ip_.add_held(h);
  udp_.add_held(h);
  tcp_.add_held(h);
  return h;
}

}  // namespace tapstack
