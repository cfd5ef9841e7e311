// tapstack: the toy host. Attaches to a tap, answers ARP and ping, and prints its counters when
// stopped with Ctrl-C. Later issues add its UDP and TCP services.
#include <iostream>

#include "apps/common/device_chain.hpp"
#include "apps/common/host_options.hpp"
#include "apps/common/program.hpp"
#include "apps/common/stderr_sink.hpp"
#include "stack/asio/runner.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

int run(int argc, char** argv) {
  host_flags flags;
  po::options_description all{
      "Usage: tapstack [options]\n\n"
      "A user-space TCP/IP host behind a Linux tap device. It answers ARP and ICMP echo (ping) at\n"
      "--ip on the tap named by --tap, which must exist: `sudo scripts/tap-up` makes one with the\n"
      "kernel side at 10.0.0.1/24. Stop it with Ctrl-C to see its counters.\n"};
  all.add_options()("help,h", "print this help and exit");
  all.add(flags.description());

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << all << '\n';
    return 0;
  }
  const host_options options = flags.resolve(vm);

  real_clock clock;
  device_chain devices{options, clock, std::cout};
  if (!devices.tap().is_up())
    std::cerr << "tapstack: warning: " << options.tap << " is down; bring it up with: ip link set "
              << options.tap << " up\n";

  stderr_sink sink;
  stack host{options.stack, logger{&sink, options.level}};
  asio::io_context io;
  runner loop{io, host, devices.top(), clock};
  loop.start();
  std::cout << "tapstack: " << to_string(options.stack.address) << " at "
            << to_string(options.stack.mac) << " on " << options.tap << " (gateway "
            << (options.stack.gateway ? to_string(*options.stack.gateway) : "none") << ", mtu "
            << options.stack.mtu << ")" << std::endl;
  io.run();
  std::cout << "tapstack: stopped" << (loop.stopped_by() ? " by signal " : "")
            << (loop.stopped_by() ? std::to_string(loop.stopped_by()) : "") << "; counters:\n"
            << host.stats() << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack", [&] { return run(argc, argv); });
}
