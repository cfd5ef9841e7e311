// The labs of tapstack-lab, as the program runs them: the Nagle lab's four combinations land where
// the mechanism puts them (both on: the delayed-ACK timer plus the round trips; otherwise a round
// trip or two), a reply longer than a segment is not held for a delayed ACK, and the bulk
// transfer of the cwnd lab fills a clean bottleneck with either congestion control while tracing
// the sender.
#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <string>

#include "apps/lab/cwnd_lab.hpp"
#include "apps/lab/nagle_lab.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using lab::nagle_case;

duration median_of(const lab::nagle_lab_config& config, nagle_case c) {
  return lab::summarize(lab::run_requests(config, c)).median;
}

TEST_CASE("Nagle and delayed ACK together stall every request for the delayed-ACK timer") {
  lab::nagle_lab_config config;
  config.requests = 50;
  config.latency = 1ms;
  const duration rtt = 2 * config.latency;
  // Frames take microseconds to cross; a millisecond covers them.
  const duration slack = 1ms;

  // The header goes; the body waits for its ACK, which the server holds for the timer; then the
  // body and the reply take a round trip.
  const duration both = median_of(config, {.nagle = true, .delayed_ack = true});
  CHECK(both >= 40ms + rtt);
  CHECK(both <= 40ms + 2 * rtt + slack);
  // Nagle alone: the body waits one round trip for the header's ACK.
  const duration nagle_only = median_of(config, {.nagle = true, .delayed_ack = false});
  CHECK(nagle_only >= 2 * rtt);
  CHECK(nagle_only <= 2 * rtt + slack);
  // Without Nagle both writes leave at once, and the reply carries the ACK: one round trip.
  for (const bool delayed_ack : {true, false}) {
    INFO("delayed ACK " << delayed_ack);
    const duration d = median_of(config, {.nagle = false, .delayed_ack = delayed_ack});
    CHECK(d >= rtt);
    CHECK(d <= rtt + slack);
  }
}

TEST_CASE("the stall follows the delayed-ACK timeout, not the link") {
  lab::nagle_lab_config config;
  config.requests = 10;
  config.latency = 1ms;
  config.tcp.delayed_ack_timeout = 200ms;
  const duration both = median_of(config, {.nagle = true, .delayed_ack = true});
  CHECK(both >= 200ms);
  CHECK(both <= 200ms + 2 * 2ms + 1ms);
  // Every request alike: the 99th percentile is the median.
  const auto s = lab::summarize(lab::run_requests(config, {.nagle = true, .delayed_ack = true}));
  CHECK(s.p99 == s.median);
  CHECK(s.requests == 10);
}

TEST_CASE("a reply of a segment and a short tail in one write waits for no delayed ACK") {
  lab::nagle_lab_config config;
  config.requests = 20;
  config.latency = 1ms;
  // The server writes its reply at once, as an HTTP server writes a response: a full segment and
  // a short tail. Its Nagle is on and the client delays its ACKs (the hosts' defaults). Minshall's
  // Nagle sends the tail right behind the full segment; RFC 1122's held it until the client's
  // delayed ACK of that segment, 40 ms on.
  config.pattern.response = 2000;
  const duration d = median_of(config, {.nagle = false, .delayed_ack = true});
  CHECK(d >= 2 * config.latency);
  CHECK(d <= 2 * config.latency + 1ms);
}

TEST_CASE("latency summary: median of the middle two, 99th percentile by nearest rank") {
  std::vector<duration> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(std::chrono::milliseconds{i});
  const auto s = lab::summarize(hundred);
  CHECK(s.median == 50500us);
  CHECK(s.p99 == 99ms);
  CHECK(lab::summarize({3ms, 1ms, 2ms}).median == 2ms);
  CHECK(lab::summarize({3ms, 1ms, 2ms}).p99 == 3ms);
}

TEST_CASE("a bulk transfer fills a clean bottleneck with NewReno and with CUBIC") {
  lab::bulk_lab_config config;  // 100 Mbit/s, RTT 20 ms
  config.loss = 0;
  config.bytes = 20 << 20;
  const double floor_seconds = static_cast<double>(config.bytes) * 8 / config.rate_bps;
  for (const auto algorithm : {congestion_algorithm::newreno, congestion_algorithm::cubic}) {
    INFO(to_string(algorithm));
    std::ostringstream trace;
    const auto r = lab::run_bulk_transfer(config, algorithm, &trace);
    MESSAGE(to_string(algorithm) << ": " << r.goodput_bps / 1e6 << " Mbit/s in "
                                 << to_string(r.completion) << ", " << r.retransmits
                                 << " retransmits, " << r.queue_drops << " queue drops");
    CHECK(r.goodput_bps > 0.8 * config.rate_bps);
    // No transfer beats the link.
    CHECK(std::chrono::duration<double>(r.completion).count() > floor_seconds);
    CHECK(r.frames_lost == 0);
    const std::string csv = trace.str();
    CHECK(csv.rfind("time_s,connection,event,state,cwnd,ssthresh,", 0) == 0);
    // A row per ACK at least: one for every two full segments the receiver got.
    CHECK(std::count(csv.begin(), csv.end(), '\n') > static_cast<long>(config.bytes / 1448 / 2));
  }
}

TEST_CASE("random loss on the bottleneck costs retransmissions, and the seed fixes them") {
  lab::bulk_lab_config config;
  config.loss = 0.005;
  config.bytes = 4 << 20;
  config.seed = 5;
  const auto a = lab::run_bulk_transfer(config, congestion_algorithm::cubic);
  CHECK(a.frames_lost > 0);
  CHECK(a.retransmits > 0);
  CHECK(a.fast_retransmits > 0);
  const auto b = lab::run_bulk_transfer(config, congestion_algorithm::cubic);
  CHECK(b.completion == a.completion);
  CHECK(b.retransmits == a.retransmits);
}

}  // namespace
}  // namespace tapstack::test
