#pragma once
// UDP for one host (RFC 768, RFC 1122 4.1): the socket table, port demultiplexing, bounded receive
// queues, ephemeral ports, port unreachable for closed ports, and ICMP errors reported to the
// connected socket they concern (as Linux does: an unconnected socket is not told). Sockets are
// numbered handles; the Asio face wraps them. Every call returns a std::error_code whose values are
// the errno values Asio uses, so the face passes them on unchanged. Data is copied into and out of
// the queues: this is where it crosses the socket boundary.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <system_error>
#include <vector>

#include "stack/base/port_allocator.hpp"
#include "stack/context.hpp"
#include "stack/held.hpp"
#include "stack/ip/icmp_layer.hpp"
#include "stack/ip/ipv4_layer.hpp"

namespace tapstack {

struct udp_datagram {
  ipv4_endpoint from;
  std::vector<std::uint8_t> data;
};

using udp_socket_id = std::uint32_t;

class udp_layer {
 public:
  udp_layer(host_context& ctx, ipv4_layer& ip, icmp_layer& icmp)
      : ctx_{ctx}, ip_{ip}, icmp_{icmp}, ports_{ctx.config.udp.ephemeral_ports, ctx.random} {}

  udp_socket_id open();
  // Frees the port and drops what was queued.
  std::error_code close(udp_socket_id s);
  // Port 0 picks an ephemeral port; the address is 0.0.0.0 or ours. address_in_use when taken.
  std::error_code bind(udp_socket_id s, ipv4_endpoint local);
  // Fixes the peer: sends go there, and only its datagrams are received. Binds an ephemeral port
  // first if the socket has none.
  std::error_code connect(udp_socket_id s, ipv4_endpoint remote);

  // message_size when data does not fit one datagram; binds an ephemeral port if needed.
  std::error_code send_to(udp_socket_id s, const_byte_span data, ipv4_endpoint to, instant now);
  // To the connected peer; not_connected otherwise.
  std::error_code send(udp_socket_id s, const_byte_span data, instant now);
  // The oldest datagram, or the error the socket holds (reported once), or
  // operation_would_block when there is neither.
  std::error_code receive(udp_socket_id s, udp_datagram& out);
  // Whether receive() would return at once.
  bool ready(udp_socket_id s) const;

  std::optional<ipv4_endpoint> local_endpoint(udp_socket_id s) const;
  std::optional<ipv4_endpoint> remote_endpoint(udp_socket_id s) const;
  // Called (from inside receive or poll) when the socket becomes ready; it must not call back into
  // the stack, only schedule work. Replaces any earlier one.
  void on_ready(udp_socket_id s, std::function<void()> notify);
  void add_held(held_resources& h) const;

  // From the stack: a packet for protocol UDP, and an ICMP error about a UDP datagram we sent.
  void receive(const ipv4_packet& packet, instant now);
  void receive_error(const icmp_error& error, instant now);

  // Largest payload one datagram carries (IPv4's limit; larger than the MTU is fragmented).
  static constexpr std::size_t max_payload = 65535 - 20 - 8;

 private:
  struct socket {
    std::optional<ipv4_endpoint> local;
    std::optional<ipv4_endpoint> remote;
    std::deque<udp_datagram> queue;
    std::size_t queued_bytes = 0;
    std::error_code error;
    std::function<void()> notify;
  };

  socket* find(udp_socket_id s);
  const socket* find(udp_socket_id s) const;
  std::error_code bind_ephemeral(udp_socket_id s, socket& sock);
  std::error_code transmit(const socket& sock, const_byte_span data, ipv4_endpoint to, instant now);
  void wake(socket& sock);

  host_context& ctx_;
  ipv4_layer& ip_;
  icmp_layer& icmp_;
  port_allocator ports_;
  std::map<udp_socket_id, socket> sockets_;
  // Which socket a datagram to a port goes to; one per port, so a port is taken in ports_ exactly
  // while it is here.
  std::map<std::uint16_t, udp_socket_id> by_port_;
  udp_socket_id next_id_ = 1;
};

}  // namespace tapstack
