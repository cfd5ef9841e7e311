#include "apps/common/device_chain.hpp"

namespace tapstack {

std::uint64_t fault_seed(std::uint64_t host_seed) {
  // A stream of its own, so that adding a fault flag leaves the host's choices (ISNs, ports, IP
  // identification) as --seed made them.
  constexpr std::uint64_t salt = 0x6661756c7473;  // "faults"
  return host_seed ^ salt;
}

device_chain::device_chain(const host_options& options, const real_clock& clock,
                           std::ostream& trace_out)
    : tap_{std::make_unique<tap_device>(options.tap, options.offload && !options.faults.any())} {
  top_ = tap_.get();
  if (options.faults.any()) {
    faults_ = std::make_unique<fault_injector>(*top_, options.faults.in, options.faults.out,
                                               fault_seed(options.stack.seed));
    top_ = faults_.get();
  }
  if (options.pcap) {
    if (faults_) annotator_ = std::make_unique<pcapng_fault_annotator>(*faults_);
    pcap_ =
        std::make_unique<pcap_recorder>(*top_, *options.pcap, clock.wall_epoch(), annotator_.get());
    top_ = pcap_.get();
  }
  if (options.trace) {
    tracer_ = std::make_unique<tracer>(*top_, trace_out);
    top_ = tracer_.get();
  }
}

}  // namespace tapstack
