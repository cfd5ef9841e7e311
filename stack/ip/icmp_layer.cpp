#include "stack/ip/icmp_layer.hpp"

namespace tapstack {

void icmp_layer::receive(const ipv4_packet& packet, instant now) {
  const auto view = icmp_view::check(packet.payload);
  if (!view) return ctx_.drop(view.error(), now);
  const auto parsed = icmp_repr::parse(*view);
  if (!parsed) return ctx_.drop(parsed.error(), now);
  const icmp_repr& msg = *parsed;

  switch (msg.type) {
    case icmp_type::echo_request: {
      ctx_.stats.count(event::icmp_echo_requests_in);
      // RFC 1122 3.2.2.6 allows silence for broadcast echoes; Linux is silent by default too.
      if (packet.to_broadcast) return ctx_.drop(drop_reason::icmp_broadcast_echo, now);
      icmp_repr reply = msg;
      reply.type = icmp_type::echo_reply;
      ctx_.stats.count(event::icmp_echo_replies_out);
      return send(reply, packet.header.src, now);
    }
    case icmp_type::echo_reply:
      ctx_.stats.count(event::icmp_echo_replies_in);
      if (replies_.size() == max_replies) replies_.pop_front();
      replies_.push_back(
          {packet.header.src, msg.ident, msg.seq, msg.data.size(), packet.header.ttl, now});
      return;
    case icmp_type::dest_unreachable:
    case icmp_type::time_exceeded:
      ctx_.stats.count(event::icmp_errors_in);
      return;
  }
}

bool icmp_layer::send_echo_request(ipv4_address dst, std::uint16_t ident, std::uint16_t seq,
                                   const_byte_span data, instant now) {
  icmp_repr request;
  request.type = icmp_type::echo_request;
  request.ident = ident;
  request.seq = seq;
  request.data = data;
  if (request.buffer_len() > ip_.max_payload() || !ip_.can_send_to(dst)) return false;
  send(request, dst, now);
  return true;
}

void icmp_layer::send(const icmp_repr& message, ipv4_address dst, instant now) {
  if (message.buffer_len() > ip_.max_payload()) return ctx_.drop(drop_reason::ip_too_big, now);
  frame f = ip_.allocate(message.buffer_len());
  message.emit(f.bytes());
  ip_.send(std::move(f), dst, ip_protocol::icmp, now);
}

}  // namespace tapstack
