// tapstack-lab nagle: the table (or JSON lines) of request latency for Nagle x delayed ACK.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/flag_values.hpp"
#include "apps/common/program.hpp"
#include "apps/lab/commands.hpp"
#include "apps/lab/kernel_peer.hpp"
#include "apps/lab/nagle_lab.hpp"

namespace tapstack::lab {
namespace {

namespace po = boost::program_options;
using namespace std::chrono_literals;

constexpr const char* usage =
    "Usage: tapstack-lab nagle [--requests N] [--latency 5ms] [--json] [--seed S]\n"
    "       tapstack-lab nagle --kernel-peer [--tap tap0] [--requests N] [--timeout 30s] [--json]\n"
    "\n"
    "A client writes each request as two sends (a 100-byte header, then a 100-byte body) and\n"
    "waits for the server's 100-byte reply, sent once the server has read the whole request;\n"
    "N requests on one connection, for each combination of Nagle's algorithm on the client (on\n"
    "unless TCP_NODELAY) and delayed ACKs on the server. Prints each combination's median and\n"
    "99th-percentile latency, from the first send to the last byte of the reply.\n"
    "\n"
    "By default two tapstack hosts run in virtual time over a link with --latency each way: the\n"
    "figures are exact and the same on every run. With --kernel-peer, the client is the Linux\n"
    "kernel's TCP (a socket of this program, bound to the tap) and the server a tapstack host on\n"
    "--tap, in real time; run it where the tap and the kernel's address on it (10.0.0.1) exist,\n"
    "e.g. `sudo scripts/in-netns NS build/bin/tapstack-lab nagle --kernel-peer`.\n"
    "\n"
    "The lab sets Nagle and delayed ACK per socket for each combination; --tcp-delayed-ack sets\n"
    "the timer (40ms, as Linux's), and the other TCP flags apply to tapstack's ends as usual.\n"
    "The Host flags, all but --seed, are for --kernel-peer's host.\n";

struct nagle_row {
  nagle_case setting;
  latency_summary summary;
};

double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
const char* on_off(bool on) { return on ? "on" : "off"; }

void print_json(const std::vector<nagle_row>& rows) {
  for (const auto& r : rows) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "{\"nagle\": %s, \"delayed_ack\": %s, \"median_ms\": %.2f, \"p99_ms\": %.2f, "
                  "\"requests\": %zu}",
                  r.setting.nagle ? "true" : "false", r.setting.delayed_ack ? "true" : "false",
                  ms(r.summary.median), ms(r.summary.p99), r.summary.requests);
    std::cout << line << '\n';
  }
}

// where: who runs the two ends, a sentence.
void print_table(const std::vector<nagle_row>& rows, const std::string& where,
                 const tcp_config& tcp) {
  const request_pattern p;
  std::cout << "Nagle x delayed ACK: " << rows.front().summary.requests
            << " requests on one connection per combination, each a " << p.header
            << "-byte header\nand a " << p.body << "-byte body written separately, then a "
            << p.response << "-byte reply. " << where << "\n\n"
            << "nagle  delayed ACK    median       p99\n";
  for (const auto& r : rows) {
    char line[96];
    std::snprintf(line, sizeof line, "%-6s %-11s %7.2f ms %7.2f ms", on_off(r.setting.nagle),
                  on_off(r.setting.delayed_ack), ms(r.summary.median), ms(r.summary.p99));
    std::cout << line << '\n';
  }
  std::cout << "\nBoth on: the client holds the body (Nagle: no second small segment while one is "
               "unacknowledged)\nuntil the header's ACK comes, and the server holds that ACK "
               "(delayed ACK: until a second segment or "
            << to_string(tcp.delayed_ack_timeout)
            << ").\nNagle alone costs a second round trip, for that ACK; delayed ACK alone costs "
               "nothing: the reply carries it.\n";
}

}  // namespace

int nagle_command(int argc, char** argv) {
  std::string requests_text, latency_text = "5ms", timeout_text = "30s";
  bool json = false, kernel_peer = false;
  po::options_description own{"Nagle lab"};
  // clang-format off
  own.add_options()
      ("requests", po::value(&requests_text),
       "requests per combination: default 200, up to 100000; with --kernel-peer default 50, "
       "up to 1000")
      ("latency", po::value(&latency_text)->default_value(latency_text),
       "the simulated link's latency each way (the RTT is twice this), up to 1s")
      ("json", po::bool_switch(&json),
       "one JSON object per combination instead of the table: nagle, delayed_ack, median_ms, "
       "p99_ms, requests")
      ("kernel-peer", po::bool_switch(&kernel_peer),
       "against the Linux kernel over --tap in real time, rather than in virtual time")
      ("timeout", po::value(&timeout_text)->default_value(timeout_text),
       "with --kernel-peer: give up if the four combinations take longer, 1s to 10m");
  // clang-format on
  po::variables_map vm;
  const auto options = parse_command_line(argc, argv, usage, own, vm);
  if (!options) return 0;

  const std::uint64_t max_requests = kernel_peer ? 1000 : 100000;
  std::size_t requests = kernel_peer ? 50 : 200;
  if (vm.count("requests"))
    requests = unsigned_flag("--requests", requests_text, 1, max_requests,
                             "a number from 1 to " + std::to_string(max_requests) +
                                 (kernel_peer ? " with --kernel-peer" : ""));
  const duration latency = duration_flag("--latency", latency_text, 0s, 1s);
  const duration timeout = duration_flag("--timeout", timeout_text, 1s, 10min);
  if (kernel_peer && !vm["latency"].defaulted())
    throw usage_error("--latency is the simulated link's, not for --kernel-peer");
  // The hosts in virtual time are the lab's own; these flags describe the one on the tap.
  if (!kernel_peer)
    for (const char* flag :
         {"tap", "ip", "gateway", "mac", "mtu", "pcap", "trace", "tcp-trace", "log-level"})
      if (vm.count(flag) && !vm[flag].defaulted())
        throw usage_error("--" + std::string{flag} +
                          " is for --kernel-peer's host on a tap, not the virtual-time run");
  if (!kernel_peer && !vm["timeout"].defaulted())
    throw usage_error("--timeout is for --kernel-peer only: a run in virtual time cannot hang");

  std::vector<nagle_row> rows;
  std::string where;
  if (kernel_peer) {
    app_host app{"tapstack-lab", *options, false};
    const auto latencies = run_kernel_peer(app, {.requests = requests, .timeout = timeout});
    for (std::size_t i = 0; i < nagle_cases.size(); ++i)
      rows.push_back({nagle_cases[i], summarize(latencies[i])});
    where = "The Linux kernel's TCP is the client,\ntapstack at " +
            to_string(options->stack.address.address) + " on " + options->tap +
            " the server, in real time.";
  } else {
    nagle_lab_config config{.requests = requests,
                            .latency = latency,
                            .seed = options->stack.seed,
                            .tcp = options->stack.tcp};
    for (const nagle_case c : nagle_cases) rows.push_back({c, summarize(run_requests(config, c))});
    where = "Two tapstack hosts, " + to_string(latency) + " apart each\nway (RTT " +
            to_string(2 * latency) + "), in virtual time.";
  }
  if (json)
    print_json(rows);
  else
    print_table(rows, where, options->stack.tcp);
  return 0;
}

}  // namespace tapstack::lab
