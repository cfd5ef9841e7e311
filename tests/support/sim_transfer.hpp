#pragma once
// The sim tests' side of tapstack-sim's network (apps/sim/sim_network.hpp: two hosts in virtual
// time, a fault injector and an optional pcap recorder at the client's end of the link), under
// the names the tests use, and a bulk transfer from client to server through the core's socket
// calls that fails the test when a socket call does. Not a benchmark and not for real time. A
// transfer's sockets stay open in the network.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "apps/sim/sim_network.hpp"

namespace tapstack::test {

inline constexpr ipv4_address sim_client_address = sim::client_address;
inline constexpr ipv4_address sim_server_address = sim::server_address;

// Its hosts default to Linux's 200 ms minimum RTO (sim::linux_host_config).
using sim_setup = sim::network_setup;
using sim_net = sim::network;

// A deterministic payload: stream 0 of apps/sim/stream_pattern.hpp, which does not repeat every
// 256 bytes, so a misplaced or repeated segment shows.
std::vector<std::uint8_t> pattern(std::size_t n);

struct sim_sockets {
  tcp_socket_id listener = 0;
  tcp_socket_id client = 0;
  instant started{};  // when connect() was called
};

// Listens on the server's port and connects the client to it; the SYN is queued, nothing has
// run yet. Fails the test if a socket call does.
sim_sockets start_connect(sim_net& net, std::uint16_t port);

struct transfer_result;

struct transfer_options {
  duration limit = std::chrono::seconds{60};
  std::uint16_t port = 9;
  // Called after every round of the simulator, with the transfer so far: where a test samples
  // what changes over the transfer (bytes read, a host's counters).
  std::function<void(const transfer_result& so_far, instant now)> each_round;
};

struct transfer_result {
  bool done = false;  // every byte was read before the limit
  std::size_t received = 0;
  std::optional<std::size_t> first_mismatch;  // the first byte read that differs from the data
  tcp_socket_id client = 0;
  std::optional<tcp_socket_id> server;
  instant started{};                 // connect() was called
  std::optional<instant> connected;  // the client's handshake completed
  instant finished{};                // the last byte was read, or the limit passed

  bool intact(std::size_t expected) const {
    return done && received == expected && !first_mismatch;
  }
};

// Connects as start_connect does, sends data then FIN, and reads on the server until every byte
// arrived (each checked against data as it comes) or the limit passed. The sockets stay open.
transfer_result transfer(sim_net& net, const std::vector<std::uint8_t>& data,
                         const transfer_options& options = {});

}  // namespace tapstack::test
