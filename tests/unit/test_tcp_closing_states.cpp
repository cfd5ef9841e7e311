// RFC 9293 3.10.7.4 in the states of a closing connection (FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT,
// CLOSING, LAST-ACK, TIME-WAIT): what an ACK of our FIN does (step five), where text is still
// taken (step seven), and the peer's FIN (step eight), with the 2 MSL wait in virtual time. The
// checks every state shares are in test_tcp_states.cpp.
#include <doctest/doctest.h>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// TIME-WAIT lasts 2 MSL: tcp_config::time_wait, 60 s by default.
constexpr duration two_msl = 60s;

// Checks that the connection stays in TIME-WAIT, silent, until `left` has passed, then closes.
void check_time_wait_ends_after(tcp_harness& t, duration left) {
  t.advance(left - 1ms);
  check_sent(t.sent(), {});  // no timer but TIME-WAIT's is left running
  CHECK(t.state() == tcp_state::time_wait);
  t.advance(1ms);
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::closed);
}

// Step five: the ACK of our FIN.

TEST_CASE("FIN-WAIT-1: the ACK of our FIN leads to FIN-WAIT-2, unanswered, and stops the timer") {
  tcp_harness t;
  t.reach(tcp_state::fin_wait_1);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt);
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::fin_wait_2);
  t.advance(10s);
  check_sent(t.sent(), {});
}

TEST_CASE("FIN-WAIT-1: an ACK short of our FIN leaves it there, and the FIN is resent at the RTO") {
  tcp_harness t;
  t.reach(tcp_state::fin_wait_1);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_una);
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::fin_wait_1);
  t.advance(1s);  // the handshake's RTT sample was 0: the RTO is the 1 s minimum
  check_sent(t.sent(), {{"F.", t.snd_una, t.rcv_nxt}});
}

TEST_CASE("CLOSE-WAIT: the host still sends, and an ACK of its data is taken as in ESTABLISHED") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::close_wait);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("reply"), queued, t.now()));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 5u}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 5);
  check_sent(t.sent(), {});
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 0);
  CHECK(t.state() == tcp_state::close_wait);
}

TEST_CASE("CLOSING: the ACK of our FIN leads to TIME-WAIT, which ends after 2 MSL") {
  tcp_harness t;
  t.reach(tcp_state::closing);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt);
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::time_wait);
  check_time_wait_ends_after(t, two_msl);
}

TEST_CASE("LAST-ACK: our FIN is resent until acknowledged; its ACK closes, unanswered") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::last_ack);
  t.advance(1s);
  check_sent(t.sent(), {{"F.", t.snd_una, t.rcv_nxt}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt);
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::closed);
  CHECK(t.host.tcp().connections().empty());
  CHECK(t.read(s) == received{});  // the end of the stream, and no error
}

// Step seven: the segment text.

TEST_CASE("ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2: data is taken and acknowledged") {
  for_each_state({{tcp_state::established}, {tcp_state::fin_wait_1}, {tcp_state::fin_wait_2}},
                 [](tcp_harness& t, tcp_socket_id socket, start s) {
                   t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_una, text("more"));
                   check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 4}});
                   CHECK(t.state() == s.state);
                   CHECK(t.read(socket) == received{"more", would_block});
                 });
}

TEST_CASE("CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: text after the peer's FIN is ignored") {
  for_each_state({{tcp_state::close_wait},
                  {tcp_state::closing},
                  {tcp_state::last_ack},
                  {tcp_state::time_wait}},
                 [](tcp_harness& t, tcp_socket_id socket, start s) {
                   t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_una, text("late"));
                   t.inject_urgent(t.rcv_nxt, t.snd_una, text("late!"), 5);
                   check_sent(t.sent(), {});
                   CHECK(t.state() == s.state);
                   CHECK(t.read(socket) == received{});
                 });
}

// Step eight: the FIN bit.

TEST_CASE("FIN-WAIT-1: a FIN that does not acknowledge ours leads to CLOSING") {
  tcp_harness t;
  t.reach(tcp_state::fin_wait_1);
  t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.snd_una);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 1}});
  CHECK(t.state() == tcp_state::closing);
}

TEST_CASE("FIN-WAIT-1 and FIN-WAIT-2: a FIN with the ACK of ours: TIME-WAIT, CLOSED after 2 MSL") {
  for_each_state({{tcp_state::fin_wait_1}, {tcp_state::fin_wait_2}},
                 [](tcp_harness& t, tcp_socket_id socket, start) {
                   t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.snd_nxt);
                   check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 1}});
                   CHECK(t.state() == tcp_state::time_wait);
                   CHECK(t.read(socket) == received{});
                   check_time_wait_ends_after(t, two_msl);
                 });
}

TEST_CASE("CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN again is acknowledged; the state stays") {
  for_each_state({{tcp_state::close_wait}, {tcp_state::closing}, {tcp_state::last_ack}},
                 [](tcp_harness& t, tcp_socket_id, start s) {
                   t.inject({.fin = true, .ack = true}, t.rcv_nxt - 1, t.snd_una);
                   check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}});
                   CHECK(t.state() == s.state);
                 });
}

TEST_CASE("TIME-WAIT: the peer's FIN again is acknowledged and restarts the 2 MSL wait") {
  tcp_harness t;
  t.reach(tcp_state::time_wait);
  t.advance(30s);
  t.inject({.fin = true, .ack = true}, t.rcv_nxt - 1, t.snd_nxt);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}});
  check_time_wait_ends_after(t, two_msl);
}

TEST_CASE("TIME-WAIT without timestamps: a SYN gets a challenge ACK and the wait goes on") {
  // RFC 9293 3.10.7.4, fourth step: only timestamps (RFC 6191) can tell a new incarnation's SYN
  // from an old one; without them, RFC 5961 4's challenge ACK, and the new connection waits out
  // the 2 MSL.
  tcp_harness t;
  t.reach(tcp_state::time_wait);
  t.advance(30s);
  const seq32 new_isn = t.rcv_nxt + 100'000;
  t.inject({.syn = true}, t.rcv_nxt + 5, seq32{0});
  t.inject({.syn = true}, new_isn, seq32{0});
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}, {".", t.snd_nxt, t.rcv_nxt}});
  CHECK(t.host.stats()[event::tcp_challenge_acks] == 2);
  check_time_wait_ends_after(t, two_msl - 30s);
  // Then the listener takes it.
  t.inject({.syn = true}, new_isn, seq32{0});
  check_sent(t.sent(), {{"S.", std::nullopt, new_isn + 1}});
}

TEST_CASE(
    "TIME-WAIT with timestamps: a newer TSval reopens the tuple (RFC 6191), an older does not") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  t.reach(tcp_state::time_wait);
  t.advance(1s);
  tcp_options syn = t.peer_options();
  syn.timestamps->val -= 10;  // older than TS.Recent: a stale duplicate
  syn.timestamps->ecr = 0;
  t.inject({.syn = true}, t.rcv_nxt + 100'000, seq32{0}, {}, 65535, syn);
  const auto challenge = t.sent();
  REQUIRE(challenge.size() == 1);
  CHECK(challenge[0].seg.flags.bits() == tcp_flags{.ack = true}.bits());
  CHECK(t.state() == tcp_state::time_wait);
  // Newer by its clock, though its sequence number is behind: a new incarnation.
  syn.timestamps->val += 1000;
  t.inject({.syn = true}, t.rcv_nxt - 100'000, seq32{0}, {}, 65535, syn);
  check_sent(t.sent(), {{"S.", t.snd_nxt + 65537, t.rcv_nxt - 100'000 + 1}});
  CHECK(t.state() == tcp_state::syn_received);
}

TEST_CASE("TIME-WAIT is a compact record: the host holds it, and nothing else of the connection") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::time_wait);
  REQUIRE_FALSE(t.host.tcp().close(s, t.now()));
  const held_resources held = t.host.held();
  CHECK(held.tcp_connections == 1);
  CHECK(held.tcp_bytes == 0);
  // A RST at rcv.nxt ends it at once; the tuple is free.
  t.inject({.rst = true}, t.rcv_nxt, seq32{0});
  CHECK(t.state() == tcp_state::closed);
  CHECK(t.host.held().tcp_connections == 0);
}

// An established connection with 4 bytes sent ("tail", out and off the wire record) when the
// host begins to stop: its FIN follows them.
void stop_after_tail(tcp_harness& t) {
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("tail"), queued, t.now()));
  t.sent();
  t.host.tcp().shut_down(t.now());
}

TEST_CASE("a stopping host sends FIN on every connection, then resets what is still open") {
  tcp_harness t;
  stop_after_tail(t);
  // Lined up, nothing sent yet; then the line, one connection at a time.
  CHECK(t.sent().empty());
  CHECK(t.host.tcp().close_next(0, false, t.now()));
  CHECK_FALSE(t.host.tcp().close_next(1, false, t.now()));
  check_sent(t.sent(), {{"F.", t.snd_nxt + 4, t.rcv_nxt, 0u}});
  CHECK(t.state() == tcp_state::fin_wait_1);
  CHECK(t.host.tcp().fins_unacknowledged() == 1);
  // Nothing acknowledged within the bound: the peer is told with a RST, and nothing is left.
  t.host.tcp().reset_all(t.now());
  check_sent(t.sent(), {{"R.", t.snd_nxt + 5, t.rcv_nxt}});
  CHECK(t.host.tcp().fins_unacknowledged() == 0);
  CHECK(t.host.tcp().connections().empty());
  CHECK(t.host.tcp().next_deadline() == std::nullopt);
}

TEST_CASE("once a stop has no time left to wait, each connection's RST follows its FIN") {
  tcp_harness t;
  stop_after_tail(t);
  CHECK_FALSE(t.host.tcp().close_next(100, true, t.now()));
  // The data, its FIN, and at once the RST after the FIN: the peer reads to the end of the
  // stream, and the connection is gone with no wait.
  check_sent(t.sent(), {{"F.", t.snd_nxt + 4, t.rcv_nxt, 0u}, {"R.", t.snd_nxt + 5, t.rcv_nxt}});
  CHECK(t.state() == tcp_state::closed);
  CHECK(t.host.tcp().fins_unacknowledged() == 0);
  CHECK(t.host.tcp().connections().empty());
  CHECK(t.host.tcp().next_deadline() == std::nullopt);
  // Nothing is left for the end of the stop to reset.
  t.host.tcp().reset_all(t.now());
  CHECK(t.sent().empty());
}

TEST_CASE("a stopping host waits for no peer whose ACK covers its FIN") {
  tcp_harness t;
  t.reach(tcp_state::established);
  t.host.tcp().shut_down(t.now());
  CHECK_FALSE(t.host.tcp().close_next(100, false, t.now()));
  CHECK(t.host.tcp().fins_unacknowledged() == 1);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 1);
  CHECK(t.state() == tcp_state::fin_wait_2);
  CHECK(t.host.tcp().fins_unacknowledged() == 0);
  // The peer closes too: TIME-WAIT, with nothing of ours unacknowledged either.
  t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.snd_nxt + 1);
  CHECK(t.state() == tcp_state::time_wait);
  CHECK(t.host.tcp().fins_unacknowledged() == 0);
}

}  // namespace
}  // namespace tapstack::test
