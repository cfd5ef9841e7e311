#include "stack/ip/icmp_layer.hpp"

#include <algorithm>

namespace tapstack {
namespace {

// RFC 1812 4.3.2.3: an error quotes as much of the offending packet as fits in 576 bytes.
constexpr std::size_t max_error_packet = 576;
// IP precedence 6 in the type-of-service byte.
constexpr std::uint8_t internetwork_control = 0xc0;

duration error_cost(const icmp_config& c) {
  return duration{std::chrono::seconds{1}} / std::max<std::uint32_t>(c.errors_per_second, 1);
}

}  // namespace

icmp_layer::icmp_layer(host_context& ctx, ipv4_layer& ip)
    : ctx_{ctx},
      ip_{ip},
      error_credit_{error_cost(ctx.config.icmp) * ctx.config.icmp.error_burst} {}

std::optional<icmp_error> icmp_layer::receive(const ipv4_packet& packet, instant now) {
  const auto view = icmp_view::check(packet.payload);
  if (!view) {
    ctx_.drop(view.error(), now);
    return std::nullopt;
  }
  const auto parsed = icmp_repr::parse(*view);
  if (!parsed) {
    ctx_.drop(parsed.error(), now);
    return std::nullopt;
  }
  const icmp_repr& msg = *parsed;

  switch (msg.type) {
    case icmp_type::echo_request: {
      ctx_.stats.count(event::icmp_echo_requests_in);
      // RFC 1122 3.2.2.6 allows silence for broadcast echoes; Linux is silent by default too.
      if (packet.to_broadcast) {
        ctx_.drop(drop_reason::icmp_broadcast_echo, now);
        return std::nullopt;
      }
      icmp_repr reply = msg;
      reply.type = icmp_type::echo_reply;
      ctx_.stats.count(event::icmp_echo_replies_out);
      send(reply, packet.header.src, now);
      return std::nullopt;
    }
    case icmp_type::echo_reply:
      ctx_.stats.count(event::icmp_echo_replies_in);
      if (replies_.size() == max_replies) replies_.pop_front();
      replies_.push_back(
          {packet.header.src, msg.ident, msg.seq, msg.data.size(), packet.header.ttl, now});
      if (echo_notify_) echo_notify_();
      return std::nullopt;
    case icmp_type::dest_unreachable:
    case icmp_type::time_exceeded: {
      ctx_.stats.count(event::icmp_errors_in);
      const auto original = parse_quoted_ipv4(msg.data);
      if (!original || original->src != ctx_.config.address.address) {
        ctx_.drop(drop_reason::icmp_error_unmatched, now);
        return std::nullopt;
      }
      return icmp_error{msg.type, msg.code, *original};
    }
  }
  return std::nullopt;
}

void icmp_layer::send_unreachable(const ipv4_packet& offending, unreachable_code code,
                                  instant now) {
  if (offending.to_broadcast || offending.header.frag_offset != 0) return;
  if (offending.header.protocol == ip_protocol::icmp) {
    const auto type = offending.payload.empty() ? 0 : offending.payload[0];
    if (type != static_cast<std::uint8_t>(icmp_type::echo_request) &&
        type != static_cast<std::uint8_t>(icmp_type::echo_reply))
      return;
  }
  if (!take_error_token(now)) {
    ctx_.stats.count(event::icmp_errors_rate_limited);
    return;
  }
  const std::size_t room =
      max_error_packet - ipv4_repr::header_len() - icmp::header_len - offending.header_bytes.size();
  const auto quoted_payload = offending.payload.first(std::min(room, offending.payload.size()));
  const std::size_t quote_len = offending.header_bytes.size() + quoted_payload.size();

  frame f = ip_.allocate(icmp::header_len + quote_len);
  const byte_span quote = f.bytes().subspan(icmp::header_len);
  std::copy(offending.header_bytes.begin(), offending.header_bytes.end(), quote.begin());
  std::copy(quoted_payload.begin(), quoted_payload.end(),
            quote.begin() + static_cast<std::ptrdiff_t>(offending.header_bytes.size()));
  icmp_repr message;
  message.type = icmp_type::dest_unreachable;
  message.code = static_cast<std::uint8_t>(code);
  message.data = quote;
  message.emit(f.bytes());
  ctx_.stats.count(event::icmp_unreachables_out);
  ip_.send(std::move(f), offending.header.src, ip_protocol::icmp, now,
           ipv4_send_options{.dont_fragment = false, .tos = internetwork_control});
}

bool icmp_layer::take_error_token(instant now) {
  const duration cost = error_cost(ctx_.config.icmp);
  const duration capacity = cost * ctx_.config.icmp.error_burst;
  error_credit_ = std::min(capacity, error_credit_ + (now - error_credit_at_));
  error_credit_at_ = now;
  if (error_credit_ < cost) return false;
  error_credit_ -= cost;
  return true;
}

bool icmp_layer::send_echo_request(ipv4_address dst, std::uint16_t ident, std::uint16_t seq,
                                   const_byte_span data, instant now) {
  icmp_repr request;
  request.type = icmp_type::echo_request;
  request.ident = ident;
  request.seq = seq;
  request.data = data;
  if (request.buffer_len() > ipv4_layer::max_datagram_payload || !ip_.can_send_to(dst))
    return false;
  ctx_.stats.count(event::icmp_echo_requests_out);
  send(request, dst, now);
  return true;
}

void icmp_layer::send(const icmp_repr& message, ipv4_address dst, instant now) {
  if (message.buffer_len() > ipv4_layer::max_datagram_payload)
    return ctx_.drop(drop_reason::ip_too_big, now);
  frame f = ip_.allocate(message.buffer_len());
  message.emit(f.bytes());
  ip_.send(std::move(f), dst, ip_protocol::icmp, now);
}

}  // namespace tapstack
