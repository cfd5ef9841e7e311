#pragma once
// The bench of the sim tests that move data over TCP: two hosts in virtual time on a pair_link,
// with a fault injector on the client's end of it (and, when asked, a pcap recorder between the
// injector and the link, so the capture shows the wire), and a bulk transfer from client to server
// through the core's socket calls. Not a benchmark and not for real time. A sim_net holds
// everything it wires and is neither copied nor moved; a transfer's sockets stay open in it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/fault_injector.hpp"
#include "drivers/pair_link.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"

namespace tapstack::test {

inline constexpr ipv4_address sim_client_address{0x0a000001};
inline constexpr ipv4_address sim_server_address{0x0a000002};

// 10.0.0.N as two_host_config makes it, with Linux's 200 ms minimum RTO: lossy runs take less
// virtual time than with RFC 6298's 1 s.
stack_config lab_config(std::uint8_t last_octet);

// A deterministic payload: byte i is a function of i that does not repeat every 256 bytes, so a
// misplaced or repeated segment shows.
std::vector<std::uint8_t> pattern(std::size_t n);

struct sim_setup {
  link_config link;
  stack_config client = lab_config(1);
  stack_config server = lab_config(2);
  // The injector's directions: to_client acts on frames coming off the link to the client
  // (direction::in), from_client on frames the client transmits (direction::out).
  fault_config to_client;
  fault_config from_client;
  std::uint64_t fault_seed = 1;
  std::string pcap;  // empty: no capture
};

struct sim_net {
  explicit sim_net(const sim_setup& setup = {});
  sim_net(const sim_net&) = delete;
  sim_net& operator=(const sim_net&) = delete;

  pair_link link;
  std::unique_ptr<pcap_recorder> recorder;
  fault_injector faults;
  stack client;
  stack server;
  simulator sim;
};

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
