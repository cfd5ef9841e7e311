#pragma once
// The experiments' test bench: two hosts joined by a pair link in virtual time, the client at
// 10.0.0.1 and the server at 10.0.0.2, and one TCP connection between them. Not a general
// topology (the sim tests build their own); not for real time (the kernel-peer lab runs on a tap).
// Everything lives as long as the lab_network; sockets are handles into its hosts.
#include <cstdint>
#include <utility>

#include "drivers/pair_link.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/socket_options.hpp"

namespace tapstack::lab {

// What an experiment reads from or writes to a socket in one go.
inline constexpr std::size_t io_chunk = 64 * 1024;
// Where the experiments' servers listen, in virtual time and on a tap.
inline constexpr std::uint16_t lab_port = 5001;

class lab_network {
 public:
  // Both hosts take tcp as their defaults; seed feeds the hosts (ISNs, ports), and the link keeps
  // its own in link.seed.
  lab_network(const link_config& link, const tcp_config& tcp, std::uint64_t seed);
  lab_network(const lab_network&) = delete;
  lab_network& operator=(const lab_network&) = delete;

  // Listens on the server with server_options, connects the client with client_options, and
  // runs until the server has accepted; returns the client's socket and the server's. Throws
  // std::runtime_error if that takes more than three minutes of virtual time (a lossy link may
  // lose the SYN a few times; the host gives up after six retransmissions, about two minutes).
  std::pair<tcp_socket_id, tcp_socket_id> connect(const tcp_socket_options& client_options,
                                                  const tcp_socket_options& server_options);

  // Queues all of data on s, which must have room for it (the requests are small); throws
  // std::runtime_error otherwise.
  void send_all(stack& host, tcp_socket_id s, const_byte_span data);
  // Reads what s holds, into scratch space; returns how many bytes. Throws std::runtime_error if
  // the connection failed or ended.
  std::size_t drain(stack& host, tcp_socket_id s);

  pair_link link;
  stack client;
  stack server;
  simulator sim;

 private:
  std::vector<std::uint8_t> scratch_ = std::vector<std::uint8_t>(io_chunk);
};

}  // namespace tapstack::lab
