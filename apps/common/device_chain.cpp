#include "apps/common/device_chain.hpp"

namespace tapstack {

device_chain::device_chain(const host_options& options, const real_clock& clock,
                           std::ostream& trace_out)
    : tap_{std::make_unique<tap_device>(options.tap)} {
  top_ = tap_.get();
  if (options.pcap) {
    pcap_ = std::make_unique<pcap_recorder>(*top_, *options.pcap, clock.wall_epoch());
    top_ = pcap_.get();
  }
  if (options.trace) {
    tracer_ = std::make_unique<tracer>(*top_, trace_out);
    top_ = tracer_.get();
  }
}

}  // namespace tapstack
