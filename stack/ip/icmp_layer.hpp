#pragma once
// ICMPv4 for one host (RFC 792, RFC 1122 3.2.2): answers echo requests addressed to us with the
// same identifier, sequence and data; sends echo requests of its own and keeps the replies that
// come back (a bounded queue) for whoever pings; counts the errors it receives. Generating
// unreachables and delivering errors to sockets come with UDP.
#include <cstdint>
#include <deque>

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

class icmp_layer {
 public:
  // Replies kept until taken; older ones are dropped first.
  static constexpr std::size_t max_replies = 64;

  icmp_layer(host_context& ctx, ipv4_layer& ip) : ctx_{ctx}, ip_{ip} {}

  void receive(const ipv4_packet& packet, instant now);
  // False when data does not fit one packet at our MTU, or dst may not be sent to (0/8, 127/8, our
  // own address).
  bool send_echo_request(ipv4_address dst, std::uint16_t ident, std::uint16_t seq,
                         const_byte_span data, instant now);
  std::deque<echo_reply>& replies() { return replies_; }

 private:
  void send(const icmp_repr& message, ipv4_address dst, instant now);

  host_context& ctx_;
  ipv4_layer& ip_;
  std::deque<echo_reply> replies_;
};

}  // namespace tapstack
