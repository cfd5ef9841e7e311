#pragma once
// The Nagle lab: the request pattern that makes Nagle's algorithm and delayed ACKs stall each
// other. A client writes a short header and a short body in two send() calls, then waits for a
// short reply, which the server sends once it has read the whole request; N times on one
// connection. With Nagle on, the body waits for the ACK of the header (a short segment behind an
// unacknowledged short one: Minshall's Nagle, tapstack's and Linux's, holds it as RFC 1122's
// does); with delayed ACKs on, that ACK waits for a second segment or the timer: every request
// stalls for the timer.
// run_requests measures one combination in virtual time; the kernel-peer variant (kernel_peer.hpp)
// measures the same pattern against Linux in real time. Results are plain values.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/config.hpp"

namespace tapstack::lab {

struct request_pattern {
  std::size_t header = 100;
  std::size_t body = 100;
  std::size_t response = 100;
  std::size_t request() const { return header + body; }
};

// One of the four combinations: Nagle on the client (no_delay off), delayed ACK on the server.
struct nagle_case {
  bool nagle = true;
  bool delayed_ack = true;
};
// Both on, Nagle only, delayed ACK only, both off: the order of the lab's table.
inline constexpr std::array<nagle_case, 4> nagle_cases{
    {{true, true}, {true, false}, {false, true}, {false, false}}};

struct nagle_lab_config {
  std::size_t requests = 200;
  duration latency = std::chrono::milliseconds{5};  // one way: the RTT is twice this
  std::uint64_t seed = 1;
  // The hosts' TCP defaults (the delayed-ACK timeout among them); each case then sets Nagle on
  // the client and delayed ACK on the server per socket.
  tcp_config tcp;
  request_pattern pattern;
};

// Each request's time from the client's first write to the last byte of the reply, in order.
// Throws std::runtime_error when a request is not answered within ten seconds of virtual time.
std::vector<duration> run_requests(const nagle_lab_config& config, nagle_case setting);

// The median (the mean of the middle two for an even count) and the 99th percentile (nearest
// rank) of a non-empty set of latencies.
struct latency_summary {
  duration median{};
  duration p99{};
  std::size_t requests = 0;
};
latency_summary summarize(std::vector<duration> latencies);

}  // namespace tapstack::lab
