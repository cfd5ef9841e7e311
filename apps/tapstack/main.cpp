// tapstack: the toy host. Attaches to a tap, answers ARP and ping, runs its services (UDP echo on
// port 7 by default), and prints its counters when stopped with Ctrl-C.
#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/flag_values.hpp"
#include "apps/common/program.hpp"
#include "apps/tapstack/http_server.hpp"
#include "apps/tapstack/tcp_services.hpp"
#include "apps/tapstack/udp_echo.hpp"

namespace po = boost::program_options;
using namespace tapstack;
using namespace std::chrono_literals;

namespace {

int run(int argc, char** argv) {
  std::string services = "udp-echo,tcp-echo,tcp-discard,http";
  std::string root_dir;
  bool follow_symlinks = false;
  std::string header_timeout = "10s";
  std::string keepalive_timeout = "30s";
  std::string header_limit = "8k";
  std::string body_limit = "64k";
  po::options_description own{"Services"};
  // clang-format off
  own.add_options()
      ("services", po::value(&services)->default_value(services),
       "comma-separated services to run: udp-echo and tcp-echo (RFC 862, port 7), "
       "tcp-discard (RFC 863, port 9), http (port 80); or none")
      ("http-root", po::value(&root_dir),
       "serve the files under this directory over HTTP as well as / and /bytes/N")
      ("http-follow-symlinks", po::bool_switch(&follow_symlinks),
       "serve files that symbolic links under --http-root lead to outside it (404 otherwise)")
      ("http-header-timeout", po::value(&header_timeout)->default_value(header_timeout),
       "time for an HTTP request's header and body to arrive from its first byte, and for a new "
       "connection's first byte; then 408 and close")
      ("http-keepalive-timeout", po::value(&keepalive_timeout)->default_value(keepalive_timeout),
       "time a kept-alive HTTP connection may wait for its next request; then it closes")
      ("http-header-limit", po::value(&header_limit)->default_value(header_limit),
       "largest HTTP request line and header fields together; more is 431")
      ("http-body-limit", po::value(&body_limit)->default_value(body_limit),
       "largest HTTP request body (GET and HEAD need none); more is 413");
  // clang-format on
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

  std::optional<http_root> root;
  if (!root_dir.empty()) {
    if (!std::filesystem::is_directory(root_dir))
      throw usage_error("invalid value '" + root_dir + "' for --http-root: not a directory");
    root.emplace(root_dir, follow_symlinks);
  }
  const http_limits limits{
      .header_timeout = duration_flag("--http-header-timeout", header_timeout, 10ms, 1h),
      .keepalive_timeout = duration_flag("--http-keepalive-timeout", keepalive_timeout, 10ms, 1h),
      .header_limit = size_flag("--http-header-limit", header_limit, 1024, 1024 * 1024),
      .body_limit = size_flag("--http-body-limit", body_limit, 0, 64 * 1024 * 1024),
  };

  // No fastbins in glibc's allocator: a stop frees a hundred thousand connections' small objects
  // at once, and fastbins would leave them all to be merged at one later large request (a
  // tenth of the stop, walking them cold); without, each merges as it is freed, while at hand.
  // The hot sizes still come from the per-thread cache, and steady traffic allocates nothing.
  mallopt(M_MXFAST, 0);
  app_host app{"tapstack", *options};
  host& node = app.node();
  node.start();
  udp_echo_service udp_echo{node};
  tcp_service tcp_echo{node, tcp_service::kind::echo, 7};
  tcp_service tcp_discard{node, tcp_service::kind::discard, 9};
  if (wanted.contains("udp-echo")) udp_echo.start();
  if (wanted.contains("tcp-echo")) tcp_echo.start();
  if (wanted.contains("tcp-discard")) tcp_discard.start();
  http_server http{node, root, limits};
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
