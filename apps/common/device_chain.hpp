#pragma once
// The devices a program stacks under its host, from the flags: the tap, then a fault injector if
// any Faults flag is given, then a pcap recorder if --pcap, then a tracer if --trace. Owns them
// all; top() is the one the host talks to. With faults and --pcap, the recorder writes pcapng
// and comments every frame a fault met, the frames the injector dropped inbound included, so
// Wireshark shows what the injector did; otherwise classic pcap unless the name ends .pcapng.
//
// The injector sits right on the tap, below the recorder and the tracer, where the DESIGN's
// faults(pcap(tap)) would put it above: so the capture and the trace show what the host sent,
// before faults, and what reached it, after them; the injector's counters say what it did.
#include <iosfwd>
#include <memory>

#include "apps/common/host_options.hpp"
#include "drivers/fault_injector.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/pcapng_fault_annotator.hpp"
#include "drivers/tap_device.hpp"
#include "drivers/tracer.hpp"
#include "stack/asio/real_clock.hpp"

namespace tapstack {

// The fault injector's seed for a host seeded with host_seed (--seed).
std::uint64_t fault_seed(std::uint64_t host_seed);

class device_chain {
 public:
  // Throws tap_error or std::runtime_error with a message for the user when a device cannot open.
  device_chain(const host_options& options, const real_clock& clock, std::ostream& trace_out);

  device& top() { return *top_; }
  tap_device& tap() { return *tap_; }
  // The fault injector, or null when no fault was asked for.
  const fault_injector* faults() const { return faults_.get(); }

 private:
  std::unique_ptr<tap_device> tap_;
  std::unique_ptr<fault_injector> faults_;
  // Declared between the two it joins: it goes after the recorder and before the injector.
  std::unique_ptr<pcapng_fault_annotator> annotator_;
  std::unique_ptr<pcap_recorder> pcap_;
  std::unique_ptr<tracer> tracer_;
  device* top_ = nullptr;
};

}  // namespace tapstack
