// tapstack: the toy host. Attaches to a tap, answers ARP and ping, runs its services (UDP echo on
// port 7 by default), and prints its counters when stopped with Ctrl-C.
#include <iostream>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/program.hpp"
#include "apps/tapstack/udp_echo.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

int run(int argc, char** argv) {
  std::string services = "udp-echo";
  po::options_description own{"Services"};
  own.add_options()("services", po::value(&services)->default_value(services),
                    "services to run: udp-echo (RFC 862, port 7), or none");
  po::variables_map vm;
  const auto options = parse_command_line(
      argc, argv,
      "Usage: tapstack [options]\n\n"
      "A user-space TCP/IP host behind a Linux tap device. It answers ARP and ICMP echo (ping) at\n"
      "--ip on the tap named by --tap, which must exist: `sudo scripts/tap-up` makes one with the\n"
      "kernel side at 10.0.0.1/24. Stop it with Ctrl-C to see its counters.\n",
      own, vm);
  if (!options) return 0;
  if (services != "udp-echo" && services != "none")
    throw usage_error("invalid value '" + services + "' for --services: expected udp-echo or none");

  app_host app{"tapstack", *options};
  host& node = app.node();
  node.start();
  udp_echo_service echo{node};
  if (services == "udp-echo") echo.start();
  const stack_config& c = options->stack;
  std::cout << "tapstack: " << to_string(c.address) << " at " << to_string(c.mac) << " on "
            << options->tap << " (gateway " << (c.gateway ? to_string(*c.gateway) : "none")
            << ", mtu " << c.mtu << ", services " << services << ")" << std::endl;
  app.io().run();
  std::cout << "tapstack: stopped" << (node.stopped_by() ? " by signal " : "")
            << (node.stopped_by() ? std::to_string(node.stopped_by()) : "") << "; counters:\n"
            << node.core().stats() << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack", [&] { return run(argc, argv); });
}
