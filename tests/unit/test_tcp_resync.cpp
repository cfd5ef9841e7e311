// Two ends that keep hearing each other through loss: a pure ACK carries the highest sequence
// number sent, so a peer holding data past a rewound snd.nxt still takes it, and an ACK at exactly
// the right edge of the window is taken (as Linux's tcp_sequence()). Without these, each end can
// drop every ACK the other sends: the deadlock the randomised simulation found.
#include <doctest/doctest.h>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("after a timeout rewinds snd.nxt, an ACK still carries snd.max (BSD's rule)") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(2920, 'x'), queued, t.now()));
  check_sent(t.sent(),
             {{".", t.snd_nxt, t.rcv_nxt, 1460u}, {"P.", t.snd_nxt + 1460, t.rcv_nxt, 1460u}});
  // Every ACK from the peer is lost: at the RTO the first segment goes again, and snd.nxt stands
  // just past it. The peer may well hold both segments.
  t.advance(1s);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 1460u}});
  // The peer's data is acknowledged with snd.max, inside the window of a peer that has it all.
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("hi"));
  t.advance(40ms);
  check_sent(t.sent(), {{".", t.snd_nxt + 2920, t.rcv_nxt + 2, 0u}});
  // And that peer's ACK of everything is taken.
  t.inject({.ack = true}, t.rcv_nxt + 2, t.snd_nxt + 2920);
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 0);
  CHECK(t.read(s).data == "hi");
}

TEST_CASE("an ACK at exactly rcv.nxt + rcv.wnd is taken, not refused as out of the window") {
  // The peer filled our window and lost part of what it sent: its ACKs carry its snd.nxt, our
  // right edge.
  stack_config c = tcp_harness::default_config();
  c.tcp.receive_buffer = 2048;
  tcp_harness t{c};
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("hello"), queued, t.now()));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 5u}});
  t.inject({.ack = true}, t.rcv_nxt + 2048, t.snd_nxt + 5);
  check_sent(t.sent(), {});
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 0);
  CHECK(t.host.stats()[drop_reason::tcp_out_of_window] == 0);
  // One past the edge is still outside.
  t.inject({.ack = true}, t.rcv_nxt + 2049, t.snd_nxt + 5);
  CHECK(t.host.stats()[drop_reason::tcp_out_of_window] == 1);
}

TEST_CASE("at the RTO, data sent once goes again even when the window left is short of a segment") {
  // A 4 KiB send buffer without Nagle, as an rr exchange runs: the whole buffer goes, the last
  // segment short. The peer acknowledges the first two and keeps its right edge where it was;
  // that ACK is the last segment to arrive. What is left in flight is less than a segment and less
  // than half the largest window, and the application has queued more behind it: silly-window
  // avoidance must not hold it back, or the timer resends nothing, ever.
  stack_config c = tcp_harness::default_config();
  c.tcp.send_buffer = 4096;
  c.tcp.no_delay = true;
  tcp_harness t{c};
  t.peer_window = 4096;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(4096, 'x'), queued, t.now()));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 1460u},
                        {".", t.snd_nxt + 1460, t.rcv_nxt, 1460u},
                        {"P.", t.snd_nxt + 2920, t.rcv_nxt, 1176u}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 2920, {}, 1176);
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(2000, 'y'), queued, t.now()));
  check_sent(t.sent(), {});
  t.advance(1s);
  check_sent(t.sent(), {{".", t.snd_nxt + 2920, t.rcv_nxt, 1176u}});
}

}  // namespace
}  // namespace tapstack::test
