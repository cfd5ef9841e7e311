#pragma once
// The devices a program stacks under its host, from the flags: the tap, then a pcap recorder if
// --pcap, then a tracer if --trace. Owns them all; top() is the one the host talks to.
#include <iosfwd>
#include <memory>

#include "apps/common/host_options.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/tap_device.hpp"
#include "drivers/tracer.hpp"
#include "stack/asio/real_clock.hpp"

namespace tapstack {

class device_chain {
 public:
  // Throws tap_error or std::runtime_error with a message for the user when a device cannot open.
  device_chain(const host_options& options, const real_clock& clock, std::ostream& trace_out);

  device& top() { return *top_; }
  tap_device& tap() { return *tap_; }

 private:
  std::unique_ptr<tap_device> tap_;
  std::unique_ptr<pcap_recorder> pcap_;
  std::unique_ptr<tracer> tracer_;
  device* top_ = nullptr;
};

}  // namespace tapstack
