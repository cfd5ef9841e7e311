#pragma once
// What a host holds for somebody at one moment: sockets and connections, bytes waiting in their
// buffers, fragments waiting for the rest of their datagram, packets waiting for ARP, frames
// waiting for the device. A host left alone after every socket is closed and every timer has run
// holds none of it; that is what the simulation tests check after a run, and what to read when a
// long-running host seems to grow. Buffers the host keeps for reuse (the frame pool, the spare
// byte-ring chunks) are not held: they belong to nobody.
#include <cstddef>
#include <string>

namespace tapstack {

struct held_resources {
  std::size_t tcp_sockets = 0;      // open handles, listeners included
  std::size_t tcp_connections = 0;  // in the table, TIME-WAIT included
  std::size_t tcp_bytes = 0;        // queued to send, received and unread, and out of order
  std::size_t udp_sockets = 0;
  std::size_t udp_bytes = 0;  // datagrams received and unread
  std::size_t fragment_bytes = 0;
  std::size_t arp_waiting = 0;  // packets waiting for a neighbour's MAC
  std::size_t transmit_queue = 0;

  bool none() const;
  // "tcp_sockets=1 tcp_bytes=5 ...": the fields that are not zero, or "nothing".
  std::string to_string() const;
};

}  // namespace tapstack
