// Keep-alive (RFC 1122 4.2.3.6): an idle connection is probed with a segment the peer must
// answer; an answer keeps it, silence ends it with timed_out. Off unless the host or the socket
// asks for it.
#include <doctest/doctest.h>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

stack_config keepalive_config(bool on) {
  stack_config c = tcp_harness::default_config();
  c.tcp.keepalive = on;
  c.tcp.keepalive_idle = 10s;
  c.tcp.keepalive_interval = 2s;
  c.tcp.keepalive_probes = 3;
  return c;
}

TEST_CASE("keep-alive probes an idle connection; an answer keeps it, silence times it out") {
  tcp_harness t{keepalive_config(true)};
  const auto s = t.reach(tcp_state::established);
  t.advance(9s);
  check_sent(t.sent(), {});
  t.advance(1s);
  // The probe carries snd.una - 1, a byte already acknowledged, so the peer must answer it.
  check_sent(t.sent(), {{".", t.host_iss, t.rcv_nxt, 0u}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_una);
  check_sent(t.sent(), {});
  t.advance(9s);  // the answer restarted the idle time
  check_sent(t.sent(), {});
  t.advance(1s);
  check_sent(t.sent(), {{".", t.host_iss, t.rcv_nxt, 0u}});
  t.advance(2s);
  check_sent(t.sent(), {{".", t.host_iss, t.rcv_nxt, 0u}});
  t.advance(2s);
  check_sent(t.sent(), {{".", t.host_iss, t.rcv_nxt, 0u}});
  t.advance(2s);  // three probes unanswered: the connection is given up on, and the peer told
  check_sent(t.sent(), {{"R.", t.snd_nxt, t.rcv_nxt, 0u}});
  CHECK(t.state() == tcp_state::closed);
  CHECK(t.read(s).error == std::errc::timed_out);
}

TEST_CASE("keep-alive is off by default and can be asked for per socket") {
  tcp_harness t{keepalive_config(false)};
  const auto s = t.reach(tcp_state::established);
  t.advance(60s);
  check_sent(t.sent(), {});
  auto o = *t.host.tcp().options(s);
  o.keepalive = true;
  REQUIRE_FALSE(t.host.tcp().set_options(s, o, t.now()));
  t.advance(10s);
  check_sent(t.sent(), {{".", t.host_iss, t.rcv_nxt, 0u}});
}

TEST_CASE("keep-alive is a deadline from the handshake on, and none once the peer closed") {
  // A host nobody wakes must wake for the probe by itself; and a deadline left behind in
  // CLOSE-WAIT, which keep-alive does not serve, would be due for ever and spin the runner.
  tcp_harness t{keepalive_config(true)};
  t.reach(tcp_state::established);
  const auto deadline = t.host.next_deadline();
  REQUIRE(deadline);
  CHECK(*deadline <= t.now() + 10s);
  t.advance(10s);
  check_sent(t.sent(), {{".", t.host_iss, t.rcv_nxt, 0u}});
  t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.snd_una);
  REQUIRE(t.state() == tcp_state::close_wait);
  t.advance(30s);
  const auto next = t.host.next_deadline();
  CHECK((!next || *next > t.now()));
}

}  // namespace
}  // namespace tapstack::test
