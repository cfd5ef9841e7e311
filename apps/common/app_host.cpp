#include "apps/common/app_host.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace tapstack {
namespace {

// The host's configuration with what its devices do for it, after the warnings the tap calls for.
stack_config host_config(const std::string& program, const host_options& options,
                         device_chain& devices) {
  const tap_device& tap = devices.tap();
  if (!tap.is_up())
    std::cerr << program << ": warning: " << options.tap
              << " is down; bring it up with: ip link set " << options.tap << " up\n";
  if (!tap.offload_refused().empty())
    std::cerr << program << ": warning: the kernel refused some of " << options.tap
              << "'s offloads (" << tap.offload_refused() << "); going on with "
              << (tap.offloads().checksum ? "checksums only" : "none") << "\n";
  stack_config config = options.stack;
  config.offloads = devices.top().offloads();
  return config;
}

}  // namespace

app_host::app_host(const std::string& program, const host_options& options, bool handle_signals)
    : program_{program},
      options_{options},
      devices_{options, clock_, std::cout},
      node_{io_,
            clock_,
            host_config(program, options, devices_),
            devices_.top(),
            logger{&sink_, options.level},
            handle_signals} {
  if (options.trace)
    // Every TCP state change beside the frames: which connection, from what, to what, and why.
    node_.core().tcp().observe_states(
        [this](const tcp_tuple& tuple, tcp_state from, tcp_state to, std::string_view cause) {
          std::cout << to_string(node_.now()) << " tcp " << to_string(tuple.local) << " > "
                    << to_string(tuple.remote) << ": " << to_string(from) << " -> " << to_string(to)
                    << " (" << cause << ")\n";
        });
  if (options.tcp_trace) {
    errno = 0;
    tcp_trace_file_.open(*options.tcp_trace, std::ios::out | std::ios::trunc);
    if (!tcp_trace_file_)
      throw std::runtime_error("cannot write TCP trace file '" + *options.tcp_trace +
                               "': " + (errno ? std::strerror(errno) : "open failed"));
    tcp_trace_.emplace(node_.core().tcp(), tcp_trace_file_);
  }
}

app_host::~app_host() {
  if (!tcp_trace_) return;
  // The host is destroyed after this body, and could still report events: detach first.
  node_.core().tcp().observe_events({});
  tcp_trace_.reset();
  tcp_trace_file_.close();
  if (!tcp_trace_file_)
    std::cerr << program_ << ": warning: the TCP trace in '" << *options_.tcp_trace
              << "' is incomplete: writing it failed\n";
}

}  // namespace tapstack
