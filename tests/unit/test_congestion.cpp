// Congestion control in virtual time: RFC 5681 slow start and congestion avoidance with byte
// counting (RFC 3465), the responses to loss and timeout, RFC 9438 CUBIC's curve, fast
// convergence and Reno-friendly region, initial windows (RFC 5681, RFC 6928) and the algorithm
// names. ACKs are fed as a sender limited by cwnd would see them: one round trip of ACKs for the
// window at the start of that round.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "stack/tcp/congestion_control.hpp"
#include "stack/tcp/cubic.hpp"
#include "stack/tcp/newreno.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t mss = 1000;
constexpr std::uint32_t iw = 10 * mss;
const instant start = instant{} + 1s;

// One round trip: the window at its start is acknowledged per_ack bytes at a time, the ACKs
// spread evenly over rtt. Returns the instant the round ends.
instant ack_round(congestion_control& cc, instant now, duration rtt, std::uint32_t per_ack = mss) {
  const std::uint32_t acks = std::max<std::uint32_t>(1, cc.cwnd() / per_ack);
  for (std::uint32_t i = 0; i < acks; ++i) {
    now += rtt / acks;
    cc.on_ack(per_ack, now, rtt);
  }
  return now;
}

// Rounds until `until`; a round is short enough that the check lands within one of it.
instant ack_until(congestion_control& cc, instant now, instant until, duration rtt) {
  for (int rounds = 0; now < until && rounds < 100'000; ++rounds) now = ack_round(cc, now, rtt);
  return now;
}

// A connection whose window was `window` when fast retransmit found a loss at `at`, with the
// whole window in flight, and whose recovery ended at once, leaving cwnd at ssthresh.
template <typename Algorithm>
Algorithm after_loss(std::uint32_t window, instant at) {
  Algorithm cc{mss, iw};
  cc.set_cwnd(window);
  cc.on_loss(window, at);
  cc.on_recovery_end(at);
  return cc;
}

double segments(double bytes) { return bytes / mss; }

TEST_CASE("slow start doubles cwnd every round trip, ACK by ACK or with delayed ACKs") {
  for (const auto a : {congestion_algorithm::newreno, congestion_algorithm::cubic}) {
    CAPTURE(to_string(a));
    auto every = make_congestion_control(a, mss, iw);
    instant now = ack_round(*every, start, 100ms);
    CHECK(every->cwnd() == 2 * iw);
    ack_round(*every, now, 100ms);
    CHECK(every->cwnd() == 4 * iw);
    // One ACK per two segments: counting ACKs would give 1.5 times, counting bytes doubles.
    auto delayed = make_congestion_control(a, mss, iw);
    ack_round(*delayed, start, 100ms, 2 * mss);
    CHECK(delayed->cwnd() == 2 * iw);
    CHECK(delayed->in_slow_start());
  }
}

TEST_CASE("RFC 3465: one ACK grows slow start by what it acknowledges, two segments at most") {
  newreno cc{mss, iw};
  cc.on_ack(10 * mss, start, 100ms);  // a stretch ACK for ten segments
  CHECK(cc.cwnd() == iw + 2 * mss);
  cc.on_ack(300, start, 100ms);  // a small segment counts for its bytes, not for one segment
  CHECK(cc.cwnd() == iw + 2 * mss + 300);
}

TEST_CASE("NewReno's congestion avoidance adds one segment per window of acknowledged bytes") {
  auto cc = after_loss<newreno>(20 * mss, start);
  REQUIRE(cc.cwnd() == 10 * mss);
  REQUIRE_FALSE(cc.in_slow_start());
  instant now = start;
  for (int round = 1; round <= 5; ++round) {
    now = ack_round(cc, now, 100ms);
    CHECK(cc.cwnd() == (10u + round) * mss);
  }
  // Delayed ACKs change nothing: it is bytes that count.
  now = ack_round(cc, now, 100ms, 3 * mss);
  CHECK(cc.cwnd() == 16 * mss);
  // A stretch ACK for three windows still adds one segment.
  cc.on_ack(3 * cc.cwnd(), now, 100ms);
  CHECK(cc.cwnd() == 17 * mss);
}

TEST_CASE(
    "on a loss NewReno halves the flight and CUBIC keeps 0.7 of it, both above two segments") {
  newreno reno{mss, iw};
  reno.set_cwnd(20 * mss);
  reno.on_loss(20 * mss, start);
  CHECK(reno.ssthresh() == 10 * mss);
  CHECK(reno.cwnd() == 10 * mss);
  // RFC 5681 eq. (4) halves what was in flight, not a window the sender never filled.
  reno.set_cwnd(20 * mss);
  reno.on_loss(8 * mss, start);
  CHECK(reno.ssthresh() == 4 * mss);
  reno.on_loss(3 * mss, start);
  CHECK(reno.ssthresh() == 2 * mss);
  CHECK(reno.cwnd() == 2 * mss);

  cubic cub{mss, iw};
  cub.set_cwnd(20 * mss);
  cub.on_loss(20 * mss, start);
  CHECK(cub.ssthresh() == 14 * mss);
  CHECK(cub.cwnd() == 14 * mss);
  cub.on_loss(2 * mss, start);  // 0.7 * 2 segments is below the floor
  CHECK(cub.ssthresh() == 2 * mss);
  CHECK(cub.cwnd() == 2 * mss);
}

TEST_CASE("a timeout leaves one segment and slow start climbs back to ssthresh, then slows") {
  struct expected {
    congestion_algorithm algorithm;
    std::uint32_t ssthresh;
  };
  for (const auto e : {expected{congestion_algorithm::newreno, 10 * mss},
                       expected{congestion_algorithm::cubic, 14 * mss}}) {
    CAPTURE(to_string(e.algorithm));
    auto cc = make_congestion_control(e.algorithm, mss, iw);
    cc->set_cwnd(20 * mss);
    cc->on_timeout(20 * mss, start);
    CHECK(cc->cwnd() == mss);
    CHECK(cc->ssthresh() == e.ssthresh);
    // Slow start from one segment, ACK by ACK, stopping at ssthresh rather than passing it.
    instant now = start;
    std::uint32_t expected_cwnd = mss;
    while (cc->in_slow_start()) {
      now += 10ms;
      cc->on_ack(mss, now, 100ms);
      expected_cwnd = std::min(expected_cwnd + mss, e.ssthresh);
      REQUIRE(cc->cwnd() == expected_cwnd);
    }
    CHECK(cc->ssthresh() == e.ssthresh);
    // Then congestion avoidance: the next round adds at most about one segment.
    const std::uint32_t before = cc->cwnd();
    ack_round(*cc, now, 100ms);
    CHECK(cc->cwnd() > before);
    CHECK(cc->cwnd() <= before + 3 * mss / 2);
  }
}

TEST_CASE("the layer's window never goes below one segment") {
  newreno cc{mss, iw};
  cc.set_cwnd(0);
  CHECK(cc.cwnd() == mss);
  cc.set_cwnd(mss - 1);
  CHECK(cc.cwnd() == mss);
  cc.set_cwnd(3 * mss + 1);
  CHECK(cc.cwnd() == 3 * mss + 1);
}

TEST_CASE("RFC 5681 4.1: after idleness cwnd falls back to the initial window, never rises to it") {
  newreno cc{mss, iw};
  instant now = ack_round(cc, start, 100ms);
  now = ack_round(cc, now, 100ms);
  REQUIRE(cc.cwnd() == 4 * iw);
  cc.on_idle_restart(now + 10s);
  CHECK(cc.cwnd() == iw);
  cc.on_timeout(iw, now + 11s);
  cc.on_idle_restart(now + 20s);
  CHECK(cc.cwnd() == mss);
}

TEST_CASE("CUBIC climbs back to W_max along a concave curve, reaching it at about time K") {
  constexpr double w_max = 1000.0 * mss;
  auto cc = after_loss<cubic>(1000 * mss, start);
  CHECK(cc.cwnd() == 700 * mss);
  CHECK(cc.w_max() == w_max);
  // RFC 9438 eq. (2) with cwnd_epoch = beta * W_max: about 9.1 s.
  const double k = std::cbrt(segments(w_max) * (1 - cubic::beta) / cubic::c);
  const auto at = [&](double seconds) {
    return start + std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
  };
  const duration rtt = 100ms;
  instant now = ack_until(cc, start, at(k / 2), rtt);
  const double halfway = cc.cwnd();
  // Concave: most of the way back in the first half, W_cubic(K / 2) is about 962 segments.
  CHECK(halfway > 0.95 * w_max);
  CHECK(halfway < w_max - 10 * mss);
  now = ack_until(cc, now, at(k - 2), rtt);
  CHECK(cc.cwnd() < w_max - mss);
  CHECK(cc.cwnd() - halfway < halfway - 700.0 * mss);
  now = ack_until(cc, now, at(k), rtt);
  CHECK(std::abs(cc.cwnd() - w_max) <= mss);
  // Convex beyond it: the search for a new maximum, slow at first and then faster.
  now = ack_until(cc, now, at(k + 1), rtt);
  const double after_one = cc.cwnd() - w_max;
  CHECK(after_one > 0);
  ack_until(cc, now, at(k + 3), rtt);
  CHECK(cc.cwnd() - w_max > 10 * after_one);
}

TEST_CASE(
    "CUBIC's fast convergence lowers W_max when a loss comes before the old one is regained") {
  auto cc = after_loss<cubic>(1000 * mss, start);
  const double k = std::cbrt(1000 * (1 - cubic::beta) / cubic::c);
  const instant second_loss =
      start + std::chrono::duration_cast<duration>(std::chrono::duration<double>(k / 2));
  instant now = ack_until(cc, start, second_loss, 100ms);
  const double cwnd_at_loss = cc.cwnd();
  REQUIRE(cwnd_at_loss < 1000.0 * mss);
  cc.on_loss(cc.cwnd(), now);
  cc.on_recovery_end(now);
  // RFC 9438 4.7: the new plateau is (1 + beta) / 2 of the window at the loss, not the window.
  const double lowered = cwnd_at_loss * (1 + cubic::beta) / 2;
  CHECK(cc.w_max() == doctest::Approx(lowered));
  // ... and the window levels off there, at the new K, instead of climbing to cwnd_at_loss.
  const double k2 = std::cbrt(segments(lowered - cc.cwnd()) / cubic::c);
  now = ack_until(cc, now,
                  now + std::chrono::duration_cast<duration>(std::chrono::duration<double>(k2)),
                  100ms);
  CHECK(std::abs(cc.cwnd() - lowered) <= mss);
  CHECK(cc.cwnd() < cwnd_at_loss - 50 * mss);

  // A loss at or beyond W_max is no sign of a shrinking share: W_max is the window itself.
  now = ack_until(cc, now, now + 3s, 100ms);
  REQUIRE(cc.cwnd() > cc.w_max());
  const double window = cc.cwnd();
  cc.on_loss(cc.cwnd(), now);
  CHECK(cc.w_max() == window);
}

// Deterministic losses: every `spacing`-th segment starts a recovery that takes one round trip.
// Returns how long `total` segments take, that is, the inverse of the average window.
duration time_to_deliver(congestion_control& cc, duration rtt, int spacing, int total) {
  instant now = start;
  int delivered = 0;
  int since_loss = 0;
  while (delivered < total) {
    const std::uint32_t acks = std::max<std::uint32_t>(1, cc.cwnd() / mss);
    for (std::uint32_t i = 0; i < acks && delivered < total; ++i) {
      now += rtt / acks;
      ++delivered;
      if (++since_loss == spacing) {
        since_loss = 0;
        cc.on_loss(cc.cwnd(), now);
        now += rtt;
        cc.on_recovery_end(now);
        break;
      }
      cc.on_ack(mss, now, rtt);
    }
  }
  return now - start;
}

TEST_CASE("CUBIC is at least as fast as Reno with short round trips and small windows") {
  // After a loss at ten segments with a 10 ms RTT the cubic curve would take K = 2 s to come
  // back; the Reno-friendly region grows the window as Reno's would instead.
  auto cc = after_loss<cubic>(10 * mss, start);
  instant now = start;
  for (int round = 0; round < 4; ++round) now = ack_round(cc, now, 10ms);
  // alpha_cubic = 3 * 0.3 / 1.7, about 0.53 segments per round trip, while below the old window.
  CHECK(segments(cc.cwnd()) == doctest::Approx(7 + 4 * 0.53).epsilon(0.05));
  while (cc.cwnd() < 12 * mss) now = ack_round(cc, now, 10ms);
  // Beyond it, one segment per round trip, as Reno.
  const std::uint32_t before = cc.cwnd();
  for (int round = 0; round < 10; ++round) now = ack_round(cc, now, 10ms);
  CHECK(segments(cc.cwnd() - before) == doctest::Approx(10).epsilon(0.1));

  // A loss every 100 segments (p = 1%), where Reno's average window is about 12 segments: CUBIC
  // delivers the same data in no more time.
  newreno reno{mss, iw};
  cubic cub{mss, iw};
  const duration reno_time = time_to_deliver(reno, 10ms, 100, 20'000);
  const duration cubic_time = time_to_deliver(cub, 10ms, 100, 20'000);
  INFO("NewReno ", to_string(reno_time), ", CUBIC ", to_string(cubic_time));
  CHECK(cubic_time <= reno_time);
}

TEST_CASE("CUBIC's curve restarts after idleness instead of counting the idle time") {
  // A small window, below the initial one, so the restart leaves cwnd where it was.
  const auto resumed_growth = [](bool restart) {
    auto cc = after_loss<cubic>(10 * mss, start);
    instant now = ack_round(cc, start, 100ms);
    now = ack_round(cc, now, 100ms);
    const std::uint32_t before = cc.cwnd();
    now += 60s;
    if (restart) cc.on_idle_restart(now);
    REQUIRE(cc.cwnd() == before);
    ack_round(cc, now, 100ms);
    return cc.cwnd() - before;
  };
  // Counting the 60 s would put W_cubic far above cwnd, and growth at its 1.5 cwnd limit.
  CHECK(resumed_growth(false) >= 3 * mss);
  CHECK(resumed_growth(true) <= mss + mss / 2);
}

TEST_CASE("CUBIC after a timeout starts its curve where congestion avoidance begins (K = 0)") {
  cubic cc{mss, iw};
  cc.set_cwnd(100 * mss);
  cc.on_loss(100 * mss, start);
  cc.on_recovery_end(start);
  REQUIRE(cc.w_max() == 100.0 * mss);
  cc.on_timeout(cc.cwnd(), start + 1s);
  CHECK(cc.cwnd() == mss);
  CHECK(cc.ssthresh() == 49 * mss);  // 0.7 of the 70 segments in flight
  instant now = start + 1s;
  while (cc.in_slow_start()) now = ack_round(cc, now, 100ms);
  ack_round(cc, now, 100ms);
  // RFC 9438 4.8: W_max is the window at the start of this stage, not the 100 segments before.
  CHECK(cc.w_max() == 49.0 * mss);
}

TEST_CASE("initial windows: RFC 5681 3.1 by segment size, RFC 6928 for ten segments") {
  CHECK(initial_window(536, 0) == 4 * 536);
  CHECK(initial_window(1095, 0) == 4 * 1095);
  CHECK(initial_window(1096, 0) == 3 * 1096);
  CHECK(initial_window(1460, 0) == 3 * 1460);
  CHECK(initial_window(2190, 0) == 3 * 2190);
  CHECK(initial_window(2200, 0) == 2 * 2200);
  CHECK(initial_window(536, 10) == 5360);
  CHECK(initial_window(1460, 10) == 14600);
  CHECK(initial_window(2200, 10) == 14600);  // capped at 14600 bytes, not 22000
  CHECK(initial_window(9000, 10) == 18000);  // but never below two segments
}

TEST_CASE("a new connection starts at the initial window with ssthresh arbitrarily high") {
  for (const auto a : {congestion_algorithm::newreno, congestion_algorithm::cubic}) {
    CAPTURE(to_string(a));
    const auto cc = make_congestion_control(a, 1460, initial_window(1460, 10));
    REQUIRE(cc);
    CHECK(cc->algorithm() == a);
    CHECK(cc->cwnd() == 14600);
    CHECK(cc->ssthresh() == std::numeric_limits<std::uint32_t>::max());
    CHECK(cc->in_slow_start());
  }
}

TEST_CASE("congestion algorithm names round-trip; unknown ones are refused") {
  for (const auto a : {congestion_algorithm::newreno, congestion_algorithm::cubic})
    CHECK(parse_congestion_algorithm(to_string(a)) == a);
  CHECK(to_string(congestion_algorithm::newreno) == "newreno");
  CHECK(to_string(congestion_algorithm::cubic) == "cubic");
  CHECK_FALSE(parse_congestion_algorithm("bbr"));
  CHECK_FALSE(parse_congestion_algorithm(""));
  CHECK_FALSE(parse_congestion_algorithm("cubic "));
}

}  // namespace
}  // namespace tapstack::test
