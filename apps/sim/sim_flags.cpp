#include "apps/sim/sim_flags.hpp"

#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <ostream>
#include <stdexcept>

#include "apps/common/fault_flags.hpp"
#include "apps/common/flag_values.hpp"
#include "apps/common/program.hpp"
#include "apps/common/tcp_host_flags.hpp"

namespace tapstack::sim {
namespace {

namespace po = boost::program_options;
using namespace std::chrono_literals;

constexpr const char* usage =
    "Usage: tapstack-sim [--scenario bulk|rr|churn|duplex] [workload flags] [--seed S] [--json]\n"
    "                    [--report-memory] [--pcap FILE] [--tcp-trace FILE]\n"
    "                    [link, TCP and fault flags]\n"
    "\n"
    "Two tapstack hosts, a client at 10.0.0.1 and a server at 10.0.0.2, joined by a link in\n"
    "virtual time: a minute of TCP takes milliseconds, and the same flags give the same run, the\n"
    "capture byte for byte. The client connects to the server and runs a scenario:\n"
    "\n"
    "  bulk   sends --bytes (default 10m) to the server, then closes.\n"
    "  rr     --requests (default 100) rounds on one connection: a request of --request-size\n"
    "         bytes (default 100), answered by --response-size bytes (default 1k); each request\n"
    "         goes once the previous response has arrived.\n"
    "  churn  --connections (default 100) connections one after another, each one request and\n"
    "         one response, then closed.\n"
    "  duplex one connection on which the client and the server each send --bytes at once,\n"
    "         both ways, then close.\n"
    "\n"
    "Every byte is checked where it lands. The client half-closes after its last request's\n"
    "response, the server closes when it reads that, the client when it reads the server's FIN;\n"
    "then the run goes on until both hosts hold no connection (TIME-WAIT expired, --tcp-time-wait\n"
    "default 60s of virtual time) or until time_wait plus every retransmission a close may need.\n"
    "\n"
    "Prints goodput, completion time (virtual: the first connect to the last byte read),\n"
    "retransmissions, RTOs, fast retransmits, bytes delivered, whether the data arrived intact,\n"
    "whether every connection closed, what the hosts still hold after that (\"nothing\", or the\n"
    "sockets, buffered bytes and queued packets left), and the fault injector's counters. A\n"
    "failure is judged from what crossed the link: it is the link's doing only if no round trip\n"
    "completed while the connection retransmitted before giving up (or the reset came from a\n"
    "peer that gave up so); otherwise the stack is at fault, and the report says why. The\n"
    "busiest idle second is the most frames sent in a virtual second without a new ACK: a storm\n"
    "shows there. With --json, one JSON object instead, with scenario, seed, outcome (intact,\n"
    "failed, corrupt or stalled), detail, unexplained_failure, goodput_bps, completion_s,\n"
    "retransmits, rtos, fast_retransmits, resets_sent, delivered_bytes, expected_bytes,\n"
    "connections_done, intact, all_closed, connections_left, held, virtual_s, link_queue_drops,\n"
    "busiest_idle_second and faults (the injector's counters). --report-memory adds the\n"
    "process's resident memory after the first 10000 connections and at the end: a churn of a\n"
    "million connections should end where it stood after the first ten thousand.\n"
    "\n"
    "The link defaults to 1ms each way at 1gbit with a queue of 1000 frames. The fault injector\n"
    "sits at the client's end of it: in the Faults flags below, 'the tap' is the link, 'the host'\n"
    "the client; out:VALUE acts on frames the client sends, in:VALUE on frames reaching the\n"
    "client. --pcap records between the client and the injector, as the programs' --pcap does\n"
    "on a tap: what the client sent and what reached it; with a fault flag the file is pcapng,\n"
    "with a comment (shown by Wireshark) on every frame a fault met, dropped ones included.\n"
    "--seed seeds the client (the server gets seed + 1) and, in a stream of its own, the faults.\n"
    "The TCP flags apply to both hosts.\n"
    "\n"
    "Exit status: 0 when every byte arrived intact, 1 when the data arrived wrong or not at all\n"
    "(a connection failed, or --time-limit passed), 2 for a bad flag.\n"
    "\n"
    "Example: 100 MB through 1% loss each way and a 100mbit bottleneck, captured:\n"
    "  tapstack-sim --scenario bulk --bytes 100m --loss 1% --rate out:100mbit --seed 7 \\\n"
    "               --pcap bulk.pcap\n";

// The flags only some scenarios read: a flag another scenario is given is a mistake.
struct scenario_flag {
  const char* name;
  std::vector<scenario_kind> used_by;
};
const scenario_flag scenario_flags[] = {
    {"bytes", {scenario_kind::bulk, scenario_kind::duplex}},
    {"requests", {scenario_kind::rr}},
    {"connections", {scenario_kind::churn}},
    {"request-size", {scenario_kind::rr, scenario_kind::churn}},
    {"response-size", {scenario_kind::rr, scenario_kind::churn}},
};

// The texts the defaults are given as; sim_options' defaults are these parsed.
struct flag_texts {
  std::string scenario = "bulk", bytes = "10m", requests = "100", connections = "100",
              request_size = "100", response_size = "1k", seed = "1", time_limit = "1h",
              link_delay = "1ms", link_rate = "1gbit", link_queue = "1000", pcap, tcp_trace;
  bool json = false;
  bool step = false;
  bool report_memory = false;
};

po::options_description own_flags(flag_texts& t) {
  po::options_description d{"Scenario"};
  // clang-format off
  d.add_options()
      ("scenario", po::value(&t.scenario)->default_value(t.scenario), "bulk, rr, churn or duplex")
      ("bytes", po::value(&t.bytes)->default_value(t.bytes),
       "bulk: bytes the client sends (duplex: each end), like 100m or 100MB (k, m, g: powers of 1024; kB, MB, GB: of 1000), 1 to 4g")
      ("requests", po::value(&t.requests)->default_value(t.requests),
       "rr: request/response rounds on the connection, 1 to 10000000")
      ("connections", po::value(&t.connections)->default_value(t.connections),
       "churn: connections, one after another, 1 to 1000000")
      ("request-size", po::value(&t.request_size)->default_value(t.request_size),
       "rr, churn: bytes per request, 1 to 16m")
      ("response-size", po::value(&t.response_size)->default_value(t.response_size),
       "rr, churn: bytes per response, 0 to 16m")
      ("seed", po::value(&t.seed)->default_value(t.seed),
       "seed for every random choice: the hosts' and, in a stream of its own, the faults'")
      ("time-limit", po::value(&t.time_limit)->default_value(t.time_limit),
       "virtual time the workload may take before the run counts as stalled, 1ms to 24h")
      ("json", po::bool_switch(&t.json), "print one JSON object rather than lines")
      ("report-memory", po::bool_switch(&t.report_memory), "print the process's resident memory "
       "(VmRSS) after the first 10000 connections and at the end; not with --json or --step")
      ("step", po::bool_switch(&t.step), "pause after each event (a frame received, a timer, a "
       "socket call), print it in one line with the TCP state changes it caused, and wait for "
       "Enter; c and Enter runs on to the end")
      ("pcap", po::value(&t.pcap), "record every frame the client sends and receives to this "
       "file (pcapng with a comment on each faulted frame when a fault flag is given; timestamps "
       "are virtual time from 1970)")
      ("tcp-trace", po::value(&t.tcp_trace), "write both hosts' congestion trace (a CSV row per "
       "ACK and congestion event, scripts/plot-tcp draws it) to this file");
  // clang-format on
  return d;
}

po::options_description link_flags(flag_texts& t) {
  po::options_description d{"Link (each way)"};
  // clang-format off
  d.add_options()
      ("link-delay", po::value(&t.link_delay)->default_value(t.link_delay),
       "latency each way (the RTT is twice this), 0 to 10s")
      ("link-rate", po::value(&t.link_rate)->default_value(t.link_rate),
       "rate each way, like 100mbit or 10gbit (1kbit to 1000gbit), or 'unlimited'")
      ("link-queue", po::value(&t.link_queue)->default_value(t.link_queue),
       "frames queued in front of the rate before the tail drops, 1 to 1000000");
  // clang-format on
  return d;
}

void parse_into(sim_command& c, const flag_texts& t, const po::variables_map& vm) {
  sim_options& o = c.options;
  const auto scenario = parse_scenario(t.scenario);
  if (!scenario) bad_flag("--scenario", t.scenario, "bulk, rr, churn or duplex");
  o.scenario = *scenario;
  for (const scenario_flag& f : scenario_flags)
    if (!vm[f.name].defaulted() &&
        std::find(f.used_by.begin(), f.used_by.end(), o.scenario) == f.used_by.end())
      throw usage_error("--" + std::string{f.name} + " is not for --scenario " + t.scenario);
  o.bytes = size_flag("--bytes", t.bytes, 1, std::size_t{4} << 30);
  o.requests =
      unsigned_flag("--requests", t.requests, 1, 10'000'000, "a number from 1 to 10000000");
  o.connections =
      unsigned_flag("--connections", t.connections, 1, 1'000'000, "a number from 1 to 1000000");
  o.request_size = size_flag("--request-size", t.request_size, 1, std::size_t{16} << 20);
  o.response_size = size_flag("--response-size", t.response_size, 0, std::size_t{16} << 20);
  o.seed = unsigned_flag("--seed", t.seed, 0, UINT64_MAX, "an unsigned 64-bit number");
  o.time_limit = duration_flag("--time-limit", t.time_limit, 1ms, 24h);
  o.link_delay = duration_flag("--link-delay", t.link_delay, 0s, 10s);
  o.link_rate_bps = t.link_rate == "unlimited"
                        ? 0
                        : rate_flag("--link-rate", t.link_rate, 1'000, 1'000'000'000'000);
  o.link_queue = unsigned_flag("--link-queue", t.link_queue, 1, 1'000'000,
                               "a number of frames from 1 to 1000000");
  if (vm.count("pcap")) {
    if (t.pcap.empty()) bad_flag("--pcap", t.pcap, "a file name");
    o.pcap = t.pcap;
  }
  if (vm.count("tcp-trace")) {
    if (t.tcp_trace.empty()) bad_flag("--tcp-trace", t.tcp_trace, "a file name");
    if (t.tcp_trace == t.pcap) bad_flag("--tcp-trace", t.tcp_trace, "a file other than --pcap's");
    o.tcp_trace = t.tcp_trace;
  }
  if (t.report_memory && (t.json || t.step))
    throw usage_error("--report-memory prints lines of its own: not with --json or --step");
  c.json = t.json;
  c.step = t.step;
  c.report_memory = t.report_memory;
}

// Rendering. Each value is written so that the flag's parser gives back exactly the value: whole
// units where they fit, else enough digits.

std::string size_text(std::uint64_t bytes) {
  static constexpr std::pair<unsigned, char> units[] = {{30, 'g'}, {20, 'm'}, {10, 'k'}};
  for (const auto& [shift, unit] : units)
    if (bytes != 0 && bytes % (std::uint64_t{1} << shift) == 0)
      return std::to_string(bytes >> shift) + unit;
  return std::to_string(bytes);
}

std::string duration_text(duration d) {
  const auto ns = d.count();
  if (ns == 0) return "0";
  static constexpr std::pair<std::int64_t, const char*> units[] = {{3'600'000'000'000, "h"},
                                                                   {60'000'000'000, "m"},
                                                                   {1'000'000'000, "s"},
                                                                   {1'000'000, "ms"},
                                                                   {1'000, "us"}};
  for (const auto& [scale, unit] : units)
    if (ns % scale == 0) return std::to_string(ns / scale) + unit;
  char out[48];
  std::snprintf(out, sizeof out, "%.9fs", static_cast<double>(ns) / 1e9);
  return out;
}

std::string rate_text(std::uint64_t bps) {
  if (bps == 0) return "unlimited";
  static constexpr std::pair<std::uint64_t, const char*> units[] = {
      {1'000'000'000, "gbit"}, {1'000'000, "mbit"}, {1'000, "kbit"}};
  for (const auto& [scale, unit] : units)
    if (bps % scale == 0) return std::to_string(bps / scale) + unit;
  return std::to_string(bps) + "bit";
}

// The shortest decimal text of v (then of its neighbours, in case no decimal near v parses back
// as the caller needs) that `exact` accepts; the 17-digit one if none does, which parses back
// within a rounding error.
std::string exact_number(double v, const std::function<bool(const std::string&)>& exact) {
  char out[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(out, sizeof out, "%.*g", precision, v);
    if (exact(out)) return out;
  }
  double up = v, down = v;
  for (int step = 0; step < 4; ++step) {
    for (const double candidate :
         {up = std::nextafter(up, INFINITY), down = std::nextafter(down, -INFINITY)}) {
      std::snprintf(out, sizeof out, "%.17g", candidate);
      if (exact(out)) return out;
    }
  }
  std::snprintf(out, sizeof out, "%.17g", v);
  return out;
}

double number(const std::string& text) {
  double v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::string percent_text(double share) {
  return exact_number(share * 100,
                      [share](const std::string& t) { return parse_percent(t + "%") == share; }) +
         "%";
}

std::string burst_text(const gilbert_elliott& g) {
  const std::string burst =
      exact_number(1 / g.r, [&g](const std::string& t) { return 1 / number(t) == g.r; });
  const double mean_burst = number(burst);
  const std::string loss = exact_number(g.mean_loss() * 100, [&](const std::string& t) {
    const auto l = parse_percent(t + "%");
    return l && *l < 1 && gilbert_elliott::from_mean(*l, mean_burst).p == g.p;
  });
  return loss + "%," + burst;
}

std::string frames_text(const std::vector<std::uint64_t>& frames) {
  std::string out;
  for (const auto f : frames) out += (out.empty() ? "" : ",") + std::to_string(f);
  return out;
}

// One fault flag: its name and its value in one direction, nullopt at the default.
struct fault_render {
  const char* name;
  std::function<std::optional<std::string>(const fault_config&)> text;
};

template <typename T, typename F>
std::function<std::optional<std::string>(const fault_config&)> unless_default(T fault_config::*m,
                                                                              F to_text) {
  return [m, to_text](const fault_config& c) -> std::optional<std::string> {
    if (c.*m == fault_config{}.*m) return std::nullopt;
    return to_text(c.*m);
  };
}

const std::vector<fault_render>& fault_renders() {
  static const std::vector<fault_render> renders{
      {"loss", unless_default(&fault_config::loss, percent_text)},
      {"burst-loss",
       [](const fault_config& c) -> std::optional<std::string> {
         if (c.burst.p == 0) return std::nullopt;
         return burst_text(c.burst);
       }},
      {"dup", unless_default(&fault_config::duplicate, percent_text)},
      {"reorder", unless_default(&fault_config::reorder, percent_text)},
      {"reorder-delay", unless_default(&fault_config::reorder_delay, duration_text)},
      {"corrupt", unless_default(&fault_config::corrupt, percent_text)},
      {"delay", unless_default(&fault_config::latency, duration_text)},
      {"jitter", unless_default(&fault_config::jitter, duration_text)},
      {"rate", unless_default(&fault_config::rate_bps, rate_text)},
      {"queue",
       unless_default(&fault_config::queue_limit, [](std::size_t n) { return std::to_string(n); })},
      {"mtu-limit",
       unless_default(&fault_config::mtu, [](std::size_t n) { return std::to_string(n); })},
      {"drop-nth", unless_default(&fault_config::drop_frames, frames_text)},
  };
  return renders;
}

void check_renderable(const fault_config& c, const char* side) {
  const auto no_flag = [side](const char* what) {
    throw std::invalid_argument(std::string{"sim: no flag sets the "} + side + " faults' " + what);
  };
  if (c.burst.h != 1 || c.burst.k != 0) no_flag("burst h or k");
  if (c.corrupt_bits != 1) no_flag("corrupt_bits");
  if (c.drop_data_segment.nth != 0) no_flag("drop_data_segment");
  if (c.drop_flags.count != 0) no_flag("drop_flags");
}

struct tcp_render {
  const char* name;
  std::function<std::string(const tcp_config&)> text;
};

const char* on_off(bool on) { return on ? "on" : "off"; }

const std::vector<tcp_render>& tcp_renders() {
  static const std::vector<tcp_render> renders{
      {"tcp-buffer", [](const tcp_config& c) { return size_text(c.send_buffer); }},
      {"tcp-min-rto", [](const tcp_config& c) { return duration_text(c.min_rto); }},
      {"tcp-time-wait", [](const tcp_config& c) { return duration_text(c.time_wait); }},
      {"tcp-keepalive",
       [](const tcp_config& c) {
         return c.keepalive ? duration_text(c.keepalive_idle) : std::string{"off"};
       }},
      {"tcp-keepalive-interval",
       [](const tcp_config& c) { return duration_text(c.keepalive_interval); }},
      {"tcp-keepalive-probes",
       [](const tcp_config& c) { return std::to_string(c.keepalive_probes); }},
      {"tcp-nagle", [](const tcp_config& c) { return std::string{on_off(!c.no_delay)}; }},
      {"tcp-delayed-ack",
       [](const tcp_config& c) {
         return c.delayed_ack ? duration_text(c.delayed_ack_timeout) : std::string{"off"};
       }},
      {"tcp-cc", [](const tcp_config& c) { return std::string{to_string(c.congestion)}; }},
      {"tcp-initial-window",
       [](const tcp_config& c) { return std::to_string(c.initial_window_segments); }},
      {"tcp-window-scaling",
       [](const tcp_config& c) { return std::string{on_off(c.window_scaling)}; }},
      {"tcp-timestamps", [](const tcp_config& c) { return std::string{on_off(c.timestamps)}; }},
      {"tcp-sack", [](const tcp_config& c) { return std::string{on_off(c.sack)}; }},
      {"tcp-min-mss", [](const tcp_config& c) { return std::to_string(c.min_snd_mss); }},
      {"tcp-challenge-ack-limit",
       [](const tcp_config& c) { return std::to_string(c.challenge_acks_per_second); }},
      {"tcp-invalid-ack-interval",
       [](const tcp_config& c) { return duration_text(c.invalid_ack_interval); }},
  };
  return renders;
}

void check_renderable(const tcp_config& c) {
  const tcp_config d = default_tcp();
  if (c.send_buffer != c.receive_buffer)
    throw std::invalid_argument("sim: --tcp-buffer sets both buffers to one size");
  if (c.max_rto != d.max_rto || c.max_retransmits != d.max_retransmits ||
      c.max_syn_retransmits != d.max_syn_retransmits ||
      c.max_out_of_order_ranges != d.max_out_of_order_ranges)
    throw std::invalid_argument("sim: the tcp_config holds a value no --tcp-* flag sets");
}

// Single quotes around anything a shell would read differently.
std::string quoted(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789-_.,:/%=+@") == std::string::npos;
  if (plain) return arg;
  std::string out = "'";
  for (const char ch : arg) out += ch == '\'' ? std::string{"'\\''"} : std::string{ch};
  return out + "'";
}

}  // namespace

std::optional<sim_command> parse_flags(const std::vector<std::string>& args,
                                       std::ostream& help_out) {
  flag_texts texts;
  tcp_host_flags tcp;
  fault_flags faults;
  po::options_description all{"General"};
  all.add_options()("help,h", "print this help and exit");
  all.add(own_flags(texts));
  all.add(link_flags(texts));
  all.add(tcp.description());
  all.add(faults.description());
  po::variables_map vm;
  try {
    // No positional arguments: without an (empty) description Boost would ignore them.
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(po::positional_options_description{})
                  .run(),
              vm);
    if (vm.count("help")) {
      help_out << usage << '\n' << all << '\n';
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  sim_command c;
  parse_into(c, texts, vm);
  tcp.resolve(c.options.tcp);
  c.options.faults = faults.resolve(vm);
  return c;
}

std::string command_line(const sim_options& o) {
  check_renderable(o.tcp);
  check_renderable(o.faults.in, "in");
  check_renderable(o.faults.out, "out");
  const sim_options d;
  std::vector<std::string> args{program_name, "--scenario", std::string{to_string(o.scenario)}};
  const auto flag = [&args](const char* name, const std::string& value) {
    args.push_back(std::string{"--"} + name);
    args.push_back(value);
  };
  switch (o.scenario) {
    case scenario_kind::bulk:
    case scenario_kind::duplex:
      flag("bytes", size_text(o.bytes));
      break;
    case scenario_kind::rr:
      flag("requests", std::to_string(o.requests));
      break;
    case scenario_kind::churn:
      flag("connections", std::to_string(o.connections));
      break;
  }
  if (o.scenario == scenario_kind::rr || o.scenario == scenario_kind::churn) {
    flag("request-size", size_text(o.request_size));
    flag("response-size", size_text(o.response_size));
  }
  flag("seed", std::to_string(o.seed));
  if (o.time_limit != d.time_limit) flag("time-limit", duration_text(o.time_limit));
  if (o.link_delay != d.link_delay) flag("link-delay", duration_text(o.link_delay));
  if (o.link_rate_bps != d.link_rate_bps) flag("link-rate", rate_text(o.link_rate_bps));
  if (o.link_queue != d.link_queue) flag("link-queue", std::to_string(o.link_queue));
  for (const tcp_render& r : tcp_renders()) {
    const std::string value = r.text(o.tcp);
    if (value != r.text(d.tcp)) flag(r.name, value);
  }
  for (const fault_render& r : fault_renders()) {
    const auto in = r.text(o.faults.in);
    const auto out = r.text(o.faults.out);
    if (in && in == out) {
      flag(r.name, *in);
      continue;
    }
    if (in) flag(r.name, "in:" + *in);
    if (out) flag(r.name, "out:" + *out);
  }
  if (!o.pcap.empty()) flag("pcap", o.pcap);
  if (!o.tcp_trace.empty()) flag("tcp-trace", o.tcp_trace);
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "" : " ") + quoted(a);
  return line;
}

std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> args;
  std::string current;
  bool in_word = false, in_quotes = false, escaped = false;
  for (const char ch : line) {
    if (escaped) {
      current += ch;
      escaped = false;
    } else if (in_quotes) {
      if (ch == '\'')
        in_quotes = false;
      else
        current += ch;
    } else if (ch == '\'' || ch == '\\') {
      // A quoted word, or the \' that quoted() writes for a quote inside one.
      in_quotes = ch == '\'';
      escaped = ch == '\\';
      in_word = true;
    } else if (ch == ' ') {
      if (in_word) args.push_back(std::exchange(current, {}));
      in_word = false;
    } else {
      current += ch;
      in_word = true;
    }
  }
  if (in_word) args.push_back(current);
  if (!args.empty()) args.erase(args.begin());
  return args;
}

}  // namespace tapstack::sim
