// tapstack: the toy host. Attaches to a tap, answers ARP and ping, runs its services (UDP echo on
// port 7 by default), and prints its counters when stopped with Ctrl-C.
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/program.hpp"
#include "apps/tapstack/http_server.hpp"
#include "apps/tapstack/tcp_services.hpp"
#include "apps/tapstack/udp_echo.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

int run(int argc, char** argv) {
  std::string services = "udp-echo,tcp-echo,tcp-discard,http";
  std::string http_root;
  po::options_description own{"Services"};
  own.add_options()("services", po::value(&services)->default_value(services),
                    "comma-separated services to run: udp-echo and tcp-echo (RFC 862, port 7), "
                    "tcp-discard (RFC 863, port 9), http (port 80); or none")(
      "http-root", po::value(&http_root),
      "serve the files under this directory over HTTP as well as / and /bytes/N");
  po::variables_map vm;
  const auto options = parse_command_line(
      argc, argv,
      "Usage: tapstack [options]\n\n"
      "A user-space TCP/IP host behind a Linux tap device. It answers ARP and ICMP echo (ping) at\n"
      "--ip on the tap named by --tap, which must exist: `sudo scripts/tap-up` makes one with the\n"
      "kernel side at 10.0.0.1/24. Stop it with Ctrl-C to see its counters.\n",
      own, vm);
  if (!options) return 0;
  std::set<std::string> wanted;
  if (services != "none") {
    std::istringstream list{services};
    for (std::string name; std::getline(list, name, ',');) {
      if (name != "udp-echo" && name != "tcp-echo" && name != "tcp-discard" && name != "http")
        throw usage_error(
            "invalid service '" + name +
            "' in --services: expected udp-echo, tcp-echo, tcp-discard, http or none");
      wanted.insert(name);
    }
  }

  std::optional<std::filesystem::path> root;
  if (!http_root.empty()) {
    if (!std::filesystem::is_directory(http_root))
      throw usage_error("invalid value '" + http_root + "' for --http-root: not a directory");
    root = http_root;
  }

  app_host app{"tapstack", *options};
  host& node = app.node();
  node.start();
  udp_echo_service udp_echo{node};
  tcp_service tcp_echo{node, tcp_service::kind::echo, 7};
  tcp_service tcp_discard{node, tcp_service::kind::discard, 9};
  if (wanted.contains("udp-echo")) udp_echo.start();
  if (wanted.contains("tcp-echo")) tcp_echo.start();
  if (wanted.contains("tcp-discard")) tcp_discard.start();
  http_server http{node, root};
  if (wanted.contains("http")) http.start();
  const stack_config& c = options->stack;
  std::cout << "tapstack: " << to_string(c.address) << " at " << to_string(c.mac) << " on "
            << options->tap << " (gateway " << (c.gateway ? to_string(*c.gateway) : "none")
            << ", mtu " << c.mtu << ", services " << services << ")" << std::endl;
  app.io().run();
  std::cout << "tapstack: stopped" << (node.stopped_by() ? " by signal " : "")
            << (node.stopped_by() ? std::to_string(node.stopped_by()) : "") << "; counters:\n"
            << node.core().stats();
  // What the injector did, beside what the host counted: the drops it made are not the host's.
  if (const fault_injector* faults = app.devices().faults())
    std::cout << "tapstack: faults injected:\n" << faults->report();
  std::cout << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack", [&] { return run(argc, argv); });
}
