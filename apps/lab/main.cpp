// tapstack-lab: two TCP lessons, made visible and reproducible. `nagle` measures the request
// latency that Nagle's algorithm and delayed ACKs cause together, in virtual time or against the
// Linux kernel over a tap; `cwnd` runs a bulk transfer through a bottleneck with NewReno and with
// CUBIC and traces and plots each sender's congestion window.
#include <iostream>
#include <string>

#include "apps/common/program.hpp"
#include "apps/lab/commands.hpp"

using namespace tapstack;

namespace {

constexpr const char* usage =
    "Usage: tapstack-lab LAB [options]    (tapstack-lab LAB --help for its options)\n\n"
    "Two TCP lessons, each a reproducible experiment:\n\n"
    "  nagle   a client writes a request as two small sends and waits for a small reply; the\n"
    "          latency per request with Nagle's algorithm and delayed ACKs each on and off.\n"
    "          Both on, every request waits for the delayed-ACK timer (40 ms). In virtual\n"
    "          time between two tapstack hosts, or with --kernel-peer against Linux on a tap.\n"
    "  cwnd    a bulk transfer through a bottleneck link (rate, RTT, loss, a one-BDP queue)\n"
    "          with NewReno and with CUBIC, in virtual time: goodput, retransmissions, and\n"
    "          each sender's congestion window traced to CSV and plotted.\n";

}  // namespace

int main(int argc, char** argv) {
  const std::string lab = argc > 1 ? argv[1] : "";
  if (lab == "nagle")
    return run_program("tapstack-lab nagle",
                       [&] { return lab::nagle_command(argc - 1, argv + 1); });
  if (lab == "cwnd")
    return run_program("tapstack-lab cwnd", [&] { return lab::cwnd_command(argc - 1, argv + 1); });
  return run_program("tapstack-lab", [&] {
    if (lab == "-h" || lab == "--help") {
      std::cout << usage;
      return 0;
    }
    if (lab.empty()) throw usage_error("missing LAB: nagle or cwnd");
    throw usage_error("unknown lab '" + lab + "': expected nagle or cwnd");
  });
}
