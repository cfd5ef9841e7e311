#include "apps/common/app_host.hpp"

#include <iostream>

namespace tapstack {
namespace {

const host_options& warn_if_down(const std::string& program, const host_options& options,
                                 device_chain& devices) {
  if (!devices.tap().is_up())
    std::cerr << program << ": warning: " << options.tap
              << " is down; bring it up with: ip link set " << options.tap << " up\n";
  return options;
}

}  // namespace

app_host::app_host(const std::string& program, const host_options& options, bool handle_signals)
    : options_{options},
      devices_{options, clock_, std::cout},
      node_{io_,
            clock_,
            warn_if_down(program, options, devices_).stack,
            devices_.top(),
            logger{&sink_, options.level},
            handle_signals} {
  if (options.trace)
    // Every TCP state change beside the frames: which connection, from what, to what, and why.
    node_.core().tcp().observe_states(
        [this](const tcb& t, tcp_state from, tcp_state to, std::string_view cause) {
          std::cout << to_string(node_.now()) << " tcp " << to_string(t.tuple.local) << " > "
                    << to_string(t.tuple.remote) << ": " << to_string(from) << " -> "
                    << to_string(to) << " (" << cause << ")\n";
        });
}

}  // namespace tapstack
