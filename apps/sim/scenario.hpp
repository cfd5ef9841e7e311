#pragma once
// tapstack-sim's experiments: a named workload between the two hosts of a sim::network, in
// virtual time, with every byte checked where it lands. The workload is a number of connections,
// one after another, each carrying rounds of a request (client to server) and a response; the
// client half-closes after the last response, the server closes when it reads that, and the
// client closes when it reads the server's FIN. Then the run goes on until both hosts' connection
// tables are empty (TIME-WAIT expired), and says whether they were. A run is a pure function of
// its options: the same options give the same capture, byte for byte.
//
// Not a benchmark of the stack's speed: every figure is virtual time. Not for real time.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apps/common/fault_flags.hpp"
#include "drivers/fault_injector.hpp"
#include "stack/config.hpp"

namespace tapstack::sim {

// bulk: one connection, the client sends `bytes` and closes.
// rr: one connection, `requests` rounds of request_size bytes up and response_size bytes down,
//     each request sent once the previous response has arrived whole.
// churn: `connections` connections one after another, each one round of request and response.
// duplex: one connection, the client and the server each send `bytes` at once, both ways.
enum class scenario_kind : std::uint8_t { bulk, rr, churn, duplex };
std::string_view to_string(scenario_kind k);  // "bulk", "rr", "churn"
std::optional<scenario_kind> parse_scenario(std::string_view name);

// The hosts' TCP defaults as the --tcp-* flags leave them: what sim_options starts with.
tcp_config default_tcp();

struct sim_options {
  scenario_kind scenario = scenario_kind::bulk;
  std::size_t bytes = std::size_t{10} << 20;  // bulk, duplex (each way)
  std::size_t requests = 100;                 // rr
  std::size_t connections = 100;              // churn
  std::size_t request_size = 100;             // rr and churn
  std::size_t response_size = 1024;           // rr and churn; 0 is allowed
  // The client host's seed; the server's is seed + 1, the fault injector's is derived from it in
  // a stream of its own (as the programs' --seed does).
  std::uint64_t seed = 1;
  // The link between the hosts, each way: latency, rate (0: unlimited) and the tail-drop queue in
  // front of the rate, in frames.
  duration link_delay = std::chrono::milliseconds{1};
  std::uint64_t link_rate_bps = 1'000'000'000;
  std::size_t link_queue = 1000;
  // At the client's end of the link: `out` acts on frames the client sends, `in` on frames on
  // their way to the client.
  fault_options faults;
  tcp_config tcp = default_tcp();  // both hosts'
  // Virtual time the workload may take, from the first connect to the last byte read; the wait
  // for the connections to close is bounded apart (time_wait plus every retransmission).
  duration time_limit = std::chrono::hours{1};
  std::string pcap;       // empty: no capture
  std::string tcp_trace;  // empty: no congestion trace
};

// How a run's workload ended.
enum class outcome : std::uint8_t {
  intact,   // every byte of every stream read once, in order, each stream ended where it should
  failed,   // a socket call reported an error (reset, timeout, refused): TCP's clean failure
  corrupt,  // a byte read differs from the one sent, or a stream ended early or ran long
  stalled,  // the time limit passed with neither
};
std::string_view to_string(outcome o);  // "intact", "failed", "corrupt", "stalled"

struct sim_result {
  outcome result = outcome::stalled;
  // Empty when intact; else what happened where: "connection 3, client receive: Connection reset
  // by peer".
  std::string detail;
  // For a failure: empty when the link explains it (link_witness), else why it does not; a
  // failure the link does not explain is the stack's.
  std::string unexplained_failure;
  std::size_t connections_done = 0;   // that ended intact
  std::uint64_t expected_bytes = 0;   // application bytes the workload moves, both directions
  std::uint64_t delivered_bytes = 0;  // read and found right, both directions
  duration completion{};   // from the first connect to the last byte read, or to the failure
  double goodput_bps = 0;  // delivered_bytes over completion
  // Both hosts', over the whole run (the closing handshakes included).
  std::uint64_t retransmits = 0;  // segments sent again, SYNs and FINs included
  std::uint64_t rtos = 0;         // retransmission timer expiries on open connections
  std::uint64_t fast_retransmits = 0;
  std::uint64_t resets_sent = 0;
  // Whether both hosts' connection tables emptied after the workload, every connection CLOSED
  // (those in TIME-WAIT after it expired), within time_wait plus every retransmission a close may
  // need; and how many connections were left when that bound passed.
  bool all_closed = false;
  std::size_t connections_left = 0;
  // What the hosts still hold after that, every socket closed (stack::held()): "nothing", or
  // "client: tcp_bytes=... server: ..." naming what is left.
  std::string held;
  duration ended{};  // virtual time when the run stopped, the closing included
  std::uint64_t link_queue_drops = 0;
  // The most frames the hosts sent in a virtual second without taking in a new acknowledgment:
  // above link_witness::storm_frames, a storm.
  std::uint64_t busiest_idle_second = 0;
  // The injector's counters, "in_frames", "out_dropped_loss", ..., in the order report() prints.
  std::vector<std::pair<std::string, std::uint64_t>> fault_counts;
  std::string fault_report;  // fault_injector::report()

  bool intact() const { return result == outcome::intact; }
};

class network;

// Watches a run from the inside (tapstack-sim --step, --report-memory): shown the network once it
// is wired, before anything runs, and told of each socket call the workload makes, after it
// returned, with the host that made it ("client" or "server") and the call as a reader would
// write it; of each connection that ended intact, with how many have; and of the end, once every
// connection closed or the bound for that passed, before the network is taken down.
class run_observer {
 public:
  virtual ~run_observer() = default;
  virtual void wired(network& net) = 0;
  virtual void called(std::string_view host, std::string_view call) = 0;
  virtual void connection_done(std::uint64_t /*done*/) {}
  virtual void settled() {}
};

// Runs the scenario. Throws std::runtime_error when the pcap or trace file cannot be written, and
// std::invalid_argument for options no run can have (a zero size or count, a bad fault).
sim_result run(const sim_options& options, run_observer* observer = nullptr);

}  // namespace tapstack::sim
