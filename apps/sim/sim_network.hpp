#pragma once
// Two tapstack hosts in virtual time, wired by a pair_link: the client at 10.0.0.1, the server at
// 10.0.0.2. A fault injector sits on the client's end of the link, so its `out` direction acts on
// frames the client sends and its `in` direction on frames on their way to the client. A pcap
// recorder, when asked for, sits between the client and the injector, as a program's --pcap does
// on a tap: the capture shows what the client sent, before faults, and what reached it, after
// them; with faults in play it is pcapng, with a comment on every frame a fault met (the frames
// dropped on the way in are written all the same). Outermost on both hosts, a link_witness
// records what each host sent and took in, to judge a failure afterwards. The bench of
// tapstack-sim's scenarios and of the sim tests that move data over TCP. Not a general topology
// and not for real time. A network holds everything it wires and is neither copied nor moved.
#include <cstdint>
#include <memory>
#include <string>

#include "apps/sim/link_witness.hpp"
#include "drivers/fault_injector.hpp"
#include "drivers/pair_link.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/pcapng_fault_annotator.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"

namespace tapstack::sim {

inline constexpr ipv4_address client_address{0x0a000001};
inline constexpr ipv4_address server_address{0x0a000002};

// 10.0.0.N/24 at 02:74:73:00:00:N, on-link only, with the project's defaults otherwise.
stack_config host_config(std::uint8_t last_octet);
// host_config with Linux's 200 ms minimum RTO rather than RFC 6298's 1 s: lossy runs take less
// virtual time. What a network_setup's hosts default to.
stack_config linux_host_config(std::uint8_t last_octet);

struct network_setup {
  link_config link;
  stack_config client = linux_host_config(1);
  stack_config server = linux_host_config(2);
  // The injector's directions: to_client acts on frames coming off the link to the client
  // (direction::in), from_client on frames the client transmits (direction::out).
  fault_config to_client;
  fault_config from_client;
  std::uint64_t fault_seed = 1;
  std::string pcap;  // empty: no capture
};

class network {
 public:
  // Throws std::runtime_error when the pcap file cannot be written, std::invalid_argument for a
  // fault configuration that makes no sense.
  explicit network(const network_setup& setup = {});
  network(const network&) = delete;
  network& operator=(const network&) = delete;

  pair_link link;
  fault_injector faults;
  std::unique_ptr<pcapng_fault_annotator> annotator;  // with a recorder and faults in play
  std::unique_ptr<pcap_recorder> recorder;
  link_witness witness;
  witness_device client_side;
  witness_device server_side;
  stack client;
  stack server;
  simulator sim;
};

}  // namespace tapstack::sim
