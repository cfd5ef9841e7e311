// tapstack: the toy host. Attaches to a tap, answers ARP and ping, runs its services (UDP echo on
// port 7 by default), and prints its counters when stopped with Ctrl-C.
#include <iostream>

#include "apps/common/device_chain.hpp"
#include "apps/common/host_options.hpp"
#include "apps/common/program.hpp"
#include "apps/common/stderr_sink.hpp"
#include "apps/tapstack/udp_echo.hpp"
#include "stack/asio/host.hpp"

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
  std::string services = "udp-echo";
  all.add_options()("help,h", "print this help and exit")(
      "services", po::value(&services)->default_value(services),
      "services to run: udp-echo (RFC 862, port 7), or none");
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
  if (services != "udp-echo" && services != "none")
    throw usage_error("invalid value '" + services + "' for --services: expected udp-echo or none");

  real_clock clock;
  device_chain devices{options, clock, std::cout};
  if (!devices.tap().is_up())
    std::cerr << "tapstack: warning: " << options.tap << " is down; bring it up with: ip link set "
              << options.tap << " up\n";

  stderr_sink sink;
  asio::io_context io;
  host node{io, options.stack, devices.top(), logger{&sink, options.level}};
  node.start();
  udp_echo_service echo{node};
  if (services == "udp-echo") echo.start();
  std::cout << "tapstack: " << to_string(options.stack.address) << " at "
            << to_string(options.stack.mac) << " on " << options.tap << " (gateway "
            << (options.stack.gateway ? to_string(*options.stack.gateway) : "none") << ", mtu "
            << options.stack.mtu << ", services " << services << ")" << std::endl;
  io.run();
  std::cout << "tapstack: stopped" << (node.stopped_by() ? " by signal " : "")
            << (node.stopped_by() ? std::to_string(node.stopped_by()) : "") << "; counters:\n"
            << node.core().stats() << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack", [&] { return run(argc, argv); });
}
