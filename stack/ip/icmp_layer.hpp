#pragma once
// ICMPv4 for one host (RFC 792, RFC 1122 3.2.2): answers echo requests addressed to us with the
// same identifier, sequence and data; sends echo requests of its own and keeps the replies that
// come back (a bounded queue) for whoever pings; sends destination unreachables under a rate limit;
// and hands the errors it receives back to the stack for the transport they concern.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include "stack/context.hpp"
#include "stack/ip/ipv4_layer.hpp"
#include "stack/wire/icmp.hpp"

namespace tapstack {

struct echo_reply {
  ipv4_address from;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  std::size_t data_len = 0;
  std::uint8_t ttl = 0;
  instant received;
};

// An ICMP error (unreachable, time exceeded) about a packet this host sent.
struct icmp_error {
  icmp_type type = icmp_type::dest_unreachable;
  std::uint8_t code = 0;
  quoted_ipv4 original;
};

// Destination unreachable codes this host sends (RFC 792).
enum class unreachable_code : std::uint8_t { protocol = 2, port = 3 };

class icmp_layer {
 public:
  // Replies kept until taken; older ones are dropped first.
  static constexpr std::size_t max_replies = 64;

  icmp_layer(host_context& ctx, ipv4_layer& ip);

  // An error comes back for the stack to deliver to the transport of the original packet.
  std::optional<icmp_error> receive(const ipv4_packet& packet, instant now);
  // Reports an undeliverable packet to its sender, unless RFC 1122 3.2.2 forbids it (the packet was
  // broadcast, a non-initial fragment, or itself an ICMP error) or the rate limit says no.
  void send_unreachable(const ipv4_packet& offending, unreachable_code code, instant now);
  // False when data does not fit one IPv4 datagram (past the MTU it goes out in fragments), or
  // dst may not be sent to (0/8, 127/8, our own address).
  bool send_echo_request(ipv4_address dst, std::uint16_t ident, std::uint16_t seq,
                         const_byte_span data, instant now);
  std::deque<echo_reply>& replies() { return replies_; }
  // Called when an echo reply is queued; it must not call back into the stack.
  void on_echo_reply(std::function<void()> notify) { echo_notify_ = std::move(notify); }

 private:
  void send(const icmp_repr& message, ipv4_address dst, instant now);
  bool take_error_token(instant now);

  host_context& ctx_;
  ipv4_layer& ip_;
  std::deque<echo_reply> replies_;
  std::function<void()> echo_notify_;
  // The rate limiter's bucket, in nanoseconds of credit: one error costs 1 s / errors_per_second.
  duration error_credit_;
  instant error_credit_at_{};
};

}  // namespace tapstack
