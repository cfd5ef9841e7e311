// tapstack-sim's scenarios, in virtual time: each delivers every byte intact and closes every
// connection on a clean link and through faults; a connection that cannot be made fails cleanly;
// the same options give the same capture byte for byte; the command a run renders parses back
// into the same run; --json prints one object with the keys scripts read.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "apps/common/program.hpp"
#include "apps/sim/scenario.hpp"
#include "apps/sim/sim_flags.hpp"
#include "apps/sim/sim_report.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using sim::outcome;
using sim::scenario_kind;
using sim::sim_options;

sim_options small(scenario_kind k) {
  sim_options o;
  o.scenario = k;
  o.bytes = 1 << 20;
  o.requests = 50;
  o.connections = 20;
  o.request_size = 300;
  o.response_size = 5000;
  return o;
}

// 2% loss, duplicates, reordering, corruption and jitter each way.
sim_options faulty(scenario_kind k) {
  sim_options o = small(k);
  for (fault_config* f : {&o.faults.in, &o.faults.out}) {
    f->loss = 0.02;
    f->duplicate = 0.01;
    f->reorder = 0.02;
    f->corrupt = 0.01;
    f->jitter = 1ms;
  }
  o.tcp.min_rto = 200ms;
  return o;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

// The capture of a run, and the run's result.
std::pair<std::string, sim::sim_result> captured(sim_options o, const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() / ("tapstack-sim-" + name + ".pcap");
  o.pcap = path.string();
  auto r = sim::run(o);
  std::string bytes = file_bytes(path);
  std::filesystem::remove(path);
  return {std::move(bytes), std::move(r)};
}

TEST_CASE("each scenario delivers every byte and closes every connection on a clean link") {
  for (const auto k :
       {scenario_kind::bulk, scenario_kind::rr, scenario_kind::churn, scenario_kind::duplex}) {
    INFO(sim::to_string(k));
    const sim_options o = small(k);
    const auto r = sim::run(o);
    CHECK(r.result == outcome::intact);
    CHECK(r.detail == "");
    CHECK(r.delivered_bytes == r.expected_bytes);
    CHECK(r.connections_done == (k == scenario_kind::churn ? 20u : 1u));
    CHECK(r.retransmits == 0);
    CHECK(r.all_closed);
    CHECK(r.connections_left == 0);
    // Every connection's TIME-WAIT ran its full 60 s after the workload.
    CHECK(r.ended >= r.completion + 60s);
    CHECK(r.goodput_bps > 0);
  }
  const auto bulk = sim::run(small(scenario_kind::bulk));
  CHECK(bulk.expected_bytes == 1 << 20);
  const auto rr = sim::run(small(scenario_kind::rr));
  CHECK(rr.expected_bytes == 50 * (300 + 5000));
  const auto duplex = sim::run(small(scenario_kind::duplex));
  CHECK(duplex.expected_bytes == 2 << 20);  // --bytes each way
}

TEST_CASE("each scenario delivers every byte through loss, duplication, reordering, corruption") {
  for (const auto k :
       {scenario_kind::bulk, scenario_kind::rr, scenario_kind::churn, scenario_kind::duplex}) {
    INFO(sim::to_string(k));
    const auto r = sim::run(faulty(k));
    INFO(r.detail);
    CHECK(r.result == outcome::intact);
    CHECK(r.delivered_bytes == r.expected_bytes);
    CHECK(r.retransmits > 0);
    CHECK(r.all_closed);
    for (const auto& [counter, value] : r.fault_counts)
      if (counter.ends_with("_dropped_loss") || counter.ends_with("_corrupted")) {
        INFO(counter);
        CHECK(value > 0);
      }
  }
}

// Rule 11 at scale: a connection that closed leaves nothing behind. 10,000 connections, one after
// another, each a request and a response read whole; the client's TIME-WAITs pile up to about
// 10,000 (60 s of 6 ms connections) and its ports are drawn again while they do. After the last
// TIME-WAIT, neither host holds a connection, a socket or a byte.
TEST_CASE("10,000 connections, each used and closed: every response intact, then nothing held") {
  sim_options o;
  o.scenario = scenario_kind::churn;
  o.connections = 10'000;
  const auto r = sim::run(o);
  INFO(r.detail);
  CHECK(r.result == outcome::intact);
  CHECK(r.connections_done == 10'000);
  CHECK(r.expected_bytes == 10'000 * (100 + 1024));
  CHECK(r.delivered_bytes == r.expected_bytes);
  CHECK(r.all_closed);
  CHECK(r.ended >= r.completion + 60s);
  CHECK(r.held == "nothing");
}

TEST_CASE("a server that never answers: connect fails with a timeout, cleanly, and closes") {
  sim_options o = small(scenario_kind::bulk);
  o.faults.out.loss = 1;
  const auto r = sim::run(o);
  CHECK(r.result == outcome::failed);
  CHECK(r.detail.find("timed out") != std::string::npos);
  CHECK(r.delivered_bytes == 0);
  CHECK(r.all_closed);
  // Six SYN retransmissions from an RTO of 1 s, doubling, then the last RTO capped at 60 s:
  // 1 + 2 + 4 + 8 + 16 + 32 + 60 s.
  CHECK(r.completion == 123s);
}

TEST_CASE("a workload that cannot finish in the time limit is reported as stalled") {
  sim_options o = small(scenario_kind::bulk);
  o.link_rate_bps = 1'000'000;  // 1 MiB takes over 8 s
  o.time_limit = 2s;
  const auto r = sim::run(o);
  CHECK(r.result == outcome::stalled);
  CHECK(r.delivered_bytes > 0);
  CHECK(r.delivered_bytes < r.expected_bytes);
  CHECK(r.all_closed);  // both ends reset what was open
}

TEST_CASE("the same options give the same capture byte for byte; another seed does not") {
  for (const auto k : {scenario_kind::bulk, scenario_kind::churn}) {
    INFO(sim::to_string(k));
    sim_options o = faulty(k);
    o.seed = 5;
    const auto [first, r] = captured(o, "a");
    CHECK(r.intact());
    CHECK(first.size() > 10000);
    CHECK((captured(o, "b").first == first));
    o.seed = 6;
    CHECK((captured(o, "c").first != first));
  }
}

TEST_CASE("with faults the capture is pcapng, and the frame a fault dropped is in it, explained") {
  sim_options clean = small(scenario_kind::bulk);
  CHECK(captured(clean, "clean").first.substr(0, 4) == "\xd4\xc3\xb2\xa1");  // classic pcap
  sim_options o = clean;
  o.faults.out.drop_frames = {6};  // the client's second data segment
  const auto [bytes, r] = captured(o, "dropped");
  CHECK(r.intact());
  CHECK(bytes.substr(0, 4) == "\x0a\x0d\x0d\x0a");  // a pcapng section header
  const std::string comment =
      "tapstack fault injector, out: dropped (a targeted drop rule); this frame never reached the "
      "wire";
  const auto at = bytes.find(comment);
  CHECK(at != std::string::npos);
  CHECK(bytes.find(comment, at + 1) == std::string::npos);  // on that frame only
}

TEST_CASE("the rendered command line parses back into the options that give the same run") {
  sim_options o = faulty(scenario_kind::rr);
  o.seed = 77;
  o.faults.out.burst = gilbert_elliott::from_mean(0.03, 2.5);
  o.faults.in.rate_bps = 20'000'000;
  o.faults.in.queue_limit = 40;
  o.faults.out.latency = 3ms;
  o.faults.in.drop_frames = {4, 9};
  o.link_delay = 250us;
  o.tcp.sack = false;
  o.tcp.congestion = congestion_algorithm::cubic;
  o.tcp.send_buffer = o.tcp.receive_buffer = 64 * 1024;
  o.time_limit = 90min;
  const std::string line = sim::command_line(o);
  INFO(line);
  CHECK(line.starts_with("tapstack-sim --scenario rr --requests 50 --request-size 300 "));
  CHECK(line.find("--loss 2%") != std::string::npos);
  CHECK(line.find("--burst-loss out:3%,2.5") != std::string::npos);
  CHECK(line.find("--tcp-cc cubic") != std::string::npos);
  std::ostringstream help;
  const auto parsed = sim::parse_flags(sim::split_command_line(line), help);
  REQUIRE(parsed);
  CHECK(sim::command_line(parsed->options) == line);
  const auto [original, r1] = captured(o, "original");
  const auto [again, r2] = captured(parsed->options, "parsed");
  CHECK(r1.intact());
  CHECK((again == original));
  CHECK(r2.retransmits == r1.retransmits);

  // A quote in a file name survives the shell's quoting.
  sim_options named = small(scenario_kind::bulk);
  named.tcp_trace = "it's here.csv";
  const auto back = sim::parse_flags(sim::split_command_line(sim::command_line(named)), help);
  REQUIRE(back);
  CHECK(back->options.tcp_trace == "it's here.csv");
}

TEST_CASE("options no flag can say are refused rather than rendered wrong") {
  sim_options o;
  o.faults.out.drop_data_segment.nth = 3;
  CHECK_THROWS_AS(sim::command_line(o), std::invalid_argument);
  sim_options t;
  t.tcp.max_retransmits = 3;
  CHECK_THROWS_AS(sim::command_line(t), std::invalid_argument);
}

TEST_CASE("flags: defaults, sizes, a flag another scenario reads is a usage error, --help") {
  std::ostringstream help;
  const auto defaults = sim::parse_flags({}, help);
  REQUIRE(defaults);
  CHECK(defaults->options.scenario == scenario_kind::bulk);
  CHECK(defaults->options.bytes == 10 << 20);
  CHECK(defaults->options.link_delay == 1ms);
  CHECK(defaults->options.link_rate_bps == 1'000'000'000);
  CHECK_FALSE(defaults->json);

  const auto big =
      sim::parse_flags({"--bytes", "100m", "--seed", "9", "--json", "--loss", "out:5%"}, help);
  REQUIRE(big);
  CHECK(big->options.bytes == 100u << 20);
  CHECK(big->options.seed == 9);
  CHECK(big->json);
  CHECK(big->options.faults.out.loss == 0.05);
  CHECK(big->options.faults.in.loss == 0);

  CHECK_THROWS_AS(sim::parse_flags({"--scenario", "rr", "--bytes", "1m"}, help), usage_error);
  CHECK_THROWS_AS(sim::parse_flags({"--scenario", "bulkk"}, help), usage_error);
  CHECK_THROWS_AS(sim::parse_flags({"--bytes", "0"}, help), usage_error);
  CHECK_THROWS_AS(sim::parse_flags({"stray"}, help), usage_error);
  CHECK_THROWS_AS(sim::parse_flags({"--pcap", "x", "--tcp-trace", "x"}, help), usage_error);

  CHECK_FALSE(sim::parse_flags({"--help"}, help));
  for (const char* flag :
       {"--scenario", "--bytes", "--requests", "--connections", "--request-size", "--response-size",
        "--link-delay", "--link-rate", "--time-limit", "--json", "--pcap", "--tcp-trace",
        "--tcp-min-rto", "--loss", "--burst-loss", "Example"}) {
    INFO(flag);
    CHECK(help.str().find(flag) != std::string::npos);
  }
}

// The text between the quotes that open at `at`.
std::string json_key_at(const std::string& j, std::size_t at) {
  return j.substr(at + 1, j.find('"', at + 1) - at - 1);
}

TEST_CASE("--json prints one object with the keys scripts read, and the trace file has rows") {
  const auto trace = std::filesystem::temp_directory_path() / "tapstack-sim-trace.csv";
  sim_options o = faulty(scenario_kind::bulk);
  o.tcp_trace = trace.string();
  const auto r = sim::run(o);
  const std::string j = sim::to_json(o, r);
  INFO(j);
  REQUIRE(j.size() > 2);
  CHECK(j.front() == '{');
  CHECK(j.back() == '}');
  CHECK(j.find('\n') == std::string::npos);
  // Balanced braces outside strings, closing only at the end: one object.
  int depth = 0;
  bool in_string = false;
  std::vector<std::string> top_keys;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const char ch = j[i];
    if (in_string) {
      if (ch == '\\')
        ++i;
      else if (ch == '"')
        in_string = false;
      continue;
    }
    if (ch == '"') {
      if (depth == 1 && (j[i - 1] == '{' || j[i - 2] == ',')) top_keys.push_back(json_key_at(j, i));
      in_string = true;
    }
    if (ch == '{') ++depth;
    if (ch == '}' && --depth == 0) CHECK(i == j.size() - 1);
  }
  CHECK(depth == 0);
  for (const char* key :
       {"scenario", "seed", "outcome", "goodput_bps", "completion_s", "retransmits", "rtos",
        "fast_retransmits", "delivered_bytes", "intact", "all_closed", "faults"}) {
    INFO(key);
    CHECK(std::find(top_keys.begin(), top_keys.end(), key) != top_keys.end());
  }
  CHECK(j.find("\"intact\": true") != std::string::npos);
  CHECK(j.find("\"delivered_bytes\": " + std::to_string(1 << 20)) != std::string::npos);
  CHECK(j.find("\"scenario\": \"bulk\"") != std::string::npos);

  const std::string csv = file_bytes(trace);
  std::filesystem::remove(trace);
  CHECK(csv.starts_with("time_s,connection,event,"));
  // Both hosts' connections: the client's data and the server's ACKs.
  CHECK(csv.find("10.0.0.1.") != std::string::npos);
  CHECK(csv.find(",fast-retransmit,") != std::string::npos);
}

}  // namespace
}  // namespace tapstack::test
