#include "apps/sim/sim_network.hpp"

namespace tapstack::sim {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<pcapng_fault_annotator> annotator_for(fault_injector& faults,
                                                      const network_setup& setup) {
  if (setup.pcap.empty() || !(setup.to_client.any() || setup.from_client.any())) return nullptr;
  return std::make_unique<pcapng_fault_annotator>(faults);
}

std::unique_ptr<pcap_recorder> recorder_for(device& faults, const std::string& path,
                                            pcapng_annotator* annotator) {
  if (path.empty()) return nullptr;
  // The default epoch: timestamps count from 1970, never from the wall clock, so that a run's
  // capture is the same file every time.
  return std::make_unique<pcap_recorder>(faults, path, std::chrono::system_clock::time_point{},
                                         annotator);
}

}  // namespace

stack_config host_config(std::uint8_t last_octet) {
  stack_config c;
  c.mac = mac_address{{0x02, 0x74, 0x73, 0x00, 0x00, last_octet}};
  c.address = ipv4_cidr{ipv4_address{0x0a000000u | last_octet}, 24};
  c.gateway.reset();
  return c;
}

stack_config linux_host_config(std::uint8_t last_octet) {
  stack_config c = host_config(last_octet);
  c.tcp.min_rto = 200ms;
  return c;
}

network::network(const network_setup& setup)
    : link{setup.link},
      faults{link.a(), setup.to_client, setup.from_client, setup.fault_seed},
      annotator{annotator_for(faults, setup)},
      recorder{recorder_for(faults, setup.pcap, annotator.get())},
      witness{setup.to_client.corrupt > 0 || setup.from_client.corrupt > 0},
      client_side{recorder ? static_cast<device&>(*recorder) : faults, witness, end_point::client,
                  setup.client.mac},
      server_side{link.b(), witness, end_point::server, setup.server.mac},
      client{setup.client},
      server{setup.server} {
  sim.add(client, client_side);
  sim.add(server, server_side);
  sim.start();
}

}  // namespace tapstack::sim
