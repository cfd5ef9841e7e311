// Sequence arithmetic modulo 2^32 (RFC 9293 3.4), the RFC 6298 retransmission timeout and the
// RFC 6528 initial sequence numbers.
#include <doctest/doctest.h>

#include "stack/base/seq.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/tcp_state.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("sequence numbers compare across the wrap at 2^32") {
  const seq32 near_end{0xfffffff0u};
  const seq32 wrapped = near_end + 0x20;  // 0x10
  CHECK(wrapped.value() == 0x10u);
  CHECK(seq_lt(near_end, wrapped));
  CHECK(seq_gt(wrapped, near_end));
  CHECK(seq_le(near_end, near_end));
  CHECK(seq_ge(near_end, near_end));
  CHECK_FALSE(seq_lt(near_end, near_end));
  CHECK(wrapped - near_end == 0x20);
  CHECK(near_end - wrapped == -0x20);
  CHECK(seq_in_window(seq32{0}, near_end, wrapped));
  CHECK_FALSE(seq_in_window(wrapped, near_end, wrapped));  // the right edge is outside
  CHECK(seq_max(near_end, wrapped) == wrapped);
  CHECK(seq_min(near_end, wrapped) == near_end);
}

TEST_CASE("states print as RFC 9293 spells them, and know whether they are synchronized") {
  CHECK(to_string(tcp_state::syn_received) == "SYN-RECEIVED");
  CHECK(to_string(tcp_state::fin_wait_2) == "FIN-WAIT-2");
  CHECK(to_string(tcp_state::time_wait) == "TIME-WAIT");
  CHECK_FALSE(is_synchronized(tcp_state::syn_received));
  CHECK(is_synchronized(tcp_state::established));
  CHECK(is_synchronized(tcp_state::time_wait));
}

TEST_CASE("RFC 6298: the RTO before any sample is 1 s") {
  rtt_estimator est{rto_config{}};
  CHECK(est.rto() == 1s);
  CHECK_FALSE(est.srtt());
}

TEST_CASE("RFC 6298 (2.2) and (2.3): SRTT and RTTVAR from samples") {
  rto_config c;
  c.min_rto = 0s;
  rtt_estimator est{c};
  est.sample(100ms);
  CHECK(*est.srtt() == 100ms);
  CHECK(est.rttvar() == 50ms);
  CHECK(est.rto() == 300ms);  // 100 + 4 * 50
  est.sample(200ms);
  // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5.
  CHECK(est.rttvar() == 62500us);
  CHECK(*est.srtt() == 112500us);
  CHECK(est.rto() == 362500us);
}

TEST_CASE("RFC 6298 (2.4), (2.5), (5.5): clamped to the minimum, doubled up to the maximum") {
  rtt_estimator est{rto_config{}};
  est.sample(10ms);
  CHECK(est.rto() == 1s);  // 10 + 4 * 5 = 30 ms, below the minimum
  est.back_off();
  CHECK(est.rto() == 2s);
  for (int i = 0; i < 10; ++i) est.back_off();
  CHECK(est.rto() == 60s);
  est.sample(10ms);  // a new sample ends the backoff
  CHECK(est.rto() == 1s);
}

TEST_CASE("RFC 6298 (2.3): G keeps the RTO above SRTT on a link with no variance") {
  rto_config c;
  c.min_rto = 0s;
  rtt_estimator est{c};
  for (int i = 0; i < 200; ++i) est.sample(50ms);
  CHECK(est.rttvar() < 1ms);
  CHECK(est.rto() == *est.srtt() + c.granularity);
}

TEST_CASE("RFC 6528 ISNs: per tuple unpredictable, advancing with the 4 us clock") {
  rng random{42};
  const isn_generator isn{random};
  const ipv4_endpoint local{ipv4_address{0x0a000002}, 80};
  const ipv4_endpoint peer{ipv4_address{0x0a000001}, 40000};
  const ipv4_endpoint other_peer{ipv4_address{0x0a000001}, 40001};
  const instant t0{};
  CHECK(isn(local, peer, t0 + 4us) - isn(local, peer, t0) == 1);
  CHECK(isn(local, peer, t0 + 1s) - isn(local, peer, t0) == 250000);
  CHECK(isn(local, other_peer, t0) != isn(local, peer, t0));
  // Another secret (another seed) gives another ISN for the same tuple and time.
  rng other_random{43};
  CHECK(isn_generator{other_random}(local, peer, t0) != isn(local, peer, t0));
}

}  // namespace
}  // namespace tapstack::test
