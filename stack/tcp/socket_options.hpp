#pragma once
// The options one TCP socket is given by its application (setsockopt's part of TCP): held by the
// socket, copied into each connection it makes, and inherited by the connections a listener
// accepts, as Linux does. Defaults come from the host's tcp_config.
#include <cstddef>

#include "stack/config.hpp"

namespace tapstack {

struct tcp_socket_options {
  bool no_delay = false;   // Nagle's algorithm off (TCP_NODELAY)
  bool keepalive = false;  // probe an idle connection (SO_KEEPALIVE), timed by tcp_config
  bool delayed_ack = true;
  // Acknowledge every segment at once, whatever delayed_ack says (Linux's TCP_QUICKACK, but
  // lasting until turned off rather than for a while).
  bool quick_ack = false;
  congestion_algorithm congestion = congestion_algorithm::newreno;  // TCP_CONGESTION
  // What the socket's SYNs offer (each in force only if the peer's SYN carries it too); set
  // before connect() or listen(), since the SYN is where they count.
  bool window_scaling = true;
  bool timestamps = true;
  bool sack = true;
  std::size_t send_buffer = 0;
  std::size_t receive_buffer = 0;

  static tcp_socket_options defaults(const tcp_config& c) {
    return {.no_delay = c.no_delay,
            .keepalive = c.keepalive,
            .delayed_ack = c.delayed_ack,
            .quick_ack = false,
            .congestion = c.congestion,
            .window_scaling = c.window_scaling,
            .timestamps = c.timestamps,
            .sack = c.sack,
            .send_buffer = c.send_buffer,
            .receive_buffer = c.receive_buffer};
  }
};

// Buffer sizes a socket may ask for. Below 2 KiB a buffer cannot hold one full segment of a
// 1500-byte link; above 64 MiB the window would need a scale past what a 32-bit sequence space
// lets a peer trust (RFC 7323 2.3 caps windows at 1 GiB; this is far enough for any tap).
inline constexpr std::size_t min_socket_buffer = 2048;
inline constexpr std::size_t max_socket_buffer = std::size_t{64} << 20;

}  // namespace tapstack
