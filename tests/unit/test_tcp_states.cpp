// RFC 9293 3.10.7.4 (SEGMENT ARRIVES in SYN-RECEIVED and after), row by row in every state a row
// applies to: the first five checks (sequence number, RST, SYN, the ACK bit and its range, with
// RFC 5961), then SYN-RECEIVED's and ESTABLISHED's own rows and the URG bit. The closing states'
// ACK, text and FIN rows are in test_tcp_closing_states.cpp. Each test reaches a state with the
// harness, injects the peer's segment and expects exactly the host's answer.
#include <doctest/doctest.h>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const std::vector<start> every_state = {
    {tcp_state::syn_received, open_kind::passive},
    {tcp_state::syn_received, open_kind::active},
    {tcp_state::established},
    {tcp_state::fin_wait_1},
    {tcp_state::fin_wait_2},
    {tcp_state::close_wait},
    {tcp_state::closing},
    {tcp_state::last_ack},
    {tcp_state::time_wait},
};

// Where a SYN gets a challenge ACK: all but SYN-RECEIVED from a listener, which goes back to
// LISTEN instead (RFC 9293 3.10.7.4, fourth step).
const std::vector<start> all_but_passive_syn_received(every_state.begin() + 1, every_state.end());
// Where the ACK field is checked against snd.una and snd.nxt rather than the SYN.
const std::vector<start> after_handshake(every_state.begin() + 2, every_state.end());

// 3.10.7.4, first: the sequence number.

TEST_CASE("every state: a segment outside the window is answered with an ACK and dropped") {
  for_each_state(every_state, [](tcp_harness& t, tcp_socket_id socket, start s) {
    // Beyond the window, and wholly before rcv.nxt (a duplicate); both acknowledge everything, so
    // a state change would show the ACK had been taken.
    t.inject({.psh = true, .ack = true}, t.rcv_nxt + 10'000'000, t.snd_nxt, text("far"));
    t.inject({.psh = true, .ack = true}, t.rcv_nxt - 3, t.snd_nxt, text("old"));
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 0u}, {".", t.snd_nxt, t.rcv_nxt, 0u}});
    CHECK(t.state() == s.state);
    CHECK(t.host.stats()[drop_reason::tcp_out_of_window] == 2);
    if (socket != 0) CHECK(t.read(socket).data.empty());
  });
}

TEST_CASE("every state (RFC 5961 3.2): a RST outside the window is dropped without an answer") {
  for_each_state(every_state, [](tcp_harness& t, tcp_socket_id, start s) {
    t.inject({.rst = true}, t.rcv_nxt + 10'000'000, seq32{0});
    t.inject({.rst = true}, t.rcv_nxt - 1, seq32{0});
    check_sent(t.sent(), {});
    CHECK(t.state() == s.state);
  });
}

TEST_CASE("ESTABLISHED: with the receive window closed, text is refused but its ACK is taken") {
  // RFC 9293 3.10.7.4 first step: with RCV.WND zero no segment is acceptable, "but special
  // allowance should be made to accept valid ACKs, URGs, and RSTs".
  stack_config c = tcp_harness::default_config();
  c.tcp.receive_buffer = 1000;
  tcp_harness t{c};
  const auto s = t.reach(tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, std::vector<std::uint8_t>(1000, 'a'));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 1000, 0u, 0}});
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("hello"), queued, t.now()));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt + 1000, 5u}});
  // The peer probes the closed window with a byte, and acknowledges the host's data with it.
  t.inject({.ack = true}, t.rcv_nxt + 1000, t.snd_nxt + 5, text("z"));
  check_sent(t.sent(), {{".", t.snd_nxt + 5, t.rcv_nxt + 1000, 0u, 0}});
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 0);
  // A bare FIN needs no room: it is taken (as Linux does).
  t.inject({.fin = true, .ack = true}, t.rcv_nxt + 1000, t.snd_nxt + 5);
  check_sent(t.sent(), {{".", t.snd_nxt + 5, t.rcv_nxt + 1001, 0u, 0}});
  CHECK(t.state() == tcp_state::close_wait);
  CHECK(t.read(s) == received{std::string(1000, 'a'), {}});
}

// Second: the RST bit (RFC 5961 3.2: a reset only exactly at rcv.nxt).

TEST_CASE(
    "every state (RFC 5961 3.2): a RST in the window but not at rcv.nxt gets a challenge ACK") {
  for_each_state(every_state, [](tcp_harness& t, tcp_socket_id, start s) {
    t.inject({.rst = true}, t.rcv_nxt + 100, seq32{0});
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}});
    CHECK(t.state() == s.state);
    CHECK(t.host.stats()[event::tcp_challenge_acks] == 1);
  });
}

TEST_CASE("SYN-RECEIVED from a listener: a RST at rcv.nxt returns it to LISTEN") {
  tcp_harness t;
  t.reach(tcp_state::syn_received);
  t.inject({.rst = true}, t.rcv_nxt, seq32{0});
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::closed);
  tcp_socket_id accepted = 0;
  CHECK(t.host.tcp().accept(t.listener, accepted) == std::errc::operation_would_block);
  // The listener is still there for the peer's next attempt.
  t.inject({.syn = true}, t.peer_iss + 5000, seq32{0});
  check_sent(t.sent(), {{"S.", std::nullopt, t.peer_iss + 5001}});
  CHECK(t.state() == tcp_state::syn_received);
}

TEST_CASE("SYN-RECEIVED from connect(): a RST at rcv.nxt refuses the connection") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::syn_received, open_kind::active);
  t.inject({.rst = true}, t.rcv_nxt, seq32{0});
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::closed);
  CHECK(t.read(s).error == std::errc::connection_refused);
}

TEST_CASE("ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT: a RST at rcv.nxt is connection_reset") {
  for_each_state({{tcp_state::established},
                  {tcp_state::fin_wait_1},
                  {tcp_state::fin_wait_2},
                  {tcp_state::close_wait}},
                 [](tcp_harness& t, tcp_socket_id socket, start) {
                   t.inject({.rst = true}, t.rcv_nxt, seq32{0});
                   check_sent(t.sent(), {});
                   CHECK(t.state() == tcp_state::closed);
                   CHECK(t.read(socket).error == std::errc::connection_reset);
                   CHECK(t.host.tcp().connections().empty());
                 });
}

TEST_CASE("CLOSING, LAST-ACK, TIME-WAIT: a RST at rcv.nxt closes, with no error to report") {
  for_each_state({{tcp_state::closing}, {tcp_state::last_ack}, {tcp_state::time_wait}},
                 [](tcp_harness& t, tcp_socket_id socket, start) {
                   t.inject({.rst = true}, t.rcv_nxt, seq32{0});
                   check_sent(t.sent(), {});
                   CHECK(t.state() == tcp_state::closed);
                   CHECK(t.read(socket) == received{});  // the end of the stream, already known
                   CHECK(t.host.tcp().connections().empty());
                 });
}

// Fourth: the SYN bit (the third, security, has nothing to check here).

TEST_CASE("every synchronized state (RFC 5961 4): a SYN gets a challenge ACK, in window or not") {
  for_each_state(all_but_passive_syn_received, [](tcp_harness& t, tcp_socket_id, start s) {
    t.inject({.syn = true}, t.rcv_nxt + 5, seq32{0});
    t.inject({.syn = true}, t.rcv_nxt + 10'000'000, seq32{0});
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}, {".", t.snd_nxt, t.rcv_nxt}});
    CHECK(t.state() == s.state);
    // Both from the connection's challenge ACK budget, the one out of the window too.
    CHECK(t.host.stats()[drop_reason::tcp_syn_challenged] == 2);
    CHECK(t.host.stats()[event::tcp_challenge_acks] == 2);
  });
}

TEST_CASE("SYN-RECEIVED from a listener: a SYN in the window returns it to LISTEN") {
  tcp_harness t;
  t.reach(tcp_state::syn_received);
  t.inject({.syn = true}, t.rcv_nxt + 5, seq32{0});
  check_sent(t.sent(), {});
  CHECK(t.state() == tcp_state::closed);
  // That SYN was not taken as a new connection; its retransmission is.
  t.inject({.syn = true}, t.rcv_nxt + 5, seq32{0});
  check_sent(t.sent(), {{"S.", std::nullopt, t.rcv_nxt + 6}});
  CHECK(t.state() == tcp_state::syn_received);
}

TEST_CASE("SYN-RECEIVED: the peer's SYN again (our SYN-ACK lost) gets the SYN-ACK again") {
  for_each_state({every_state[0], every_state[1]}, [](tcp_harness& t, tcp_socket_id, start) {
    t.inject({.syn = true}, t.peer_iss, seq32{0});
    check_sent(t.sent(), {{"S.", t.host_iss, t.rcv_nxt}});
    CHECK(t.state() == tcp_state::syn_received);
  });
}

// Fifth: the ACK field.

TEST_CASE("every state: a segment without the ACK bit is dropped") {
  for_each_state(every_state, [](tcp_harness& t, tcp_socket_id, start s) {
    t.inject({.fin = true, .psh = true}, t.rcv_nxt, seq32{0}, text("x"));
    check_sent(t.sent(), {});
    CHECK(t.state() == s.state);  // the FIN was not taken either
    CHECK(t.host.stats()[drop_reason::tcp_no_ack] == 1);
  });
}

TEST_CASE(
    "every state past SYN-RECEIVED (RFC 5961 5.2): an ACK out of range is answered, dropped") {
  for_each_state(after_handshake, [](tcp_harness& t, tcp_socket_id socket, start s) {
    // Beyond snd.nxt (data not yet sent), and before snd.una - max.snd.wnd (too old).
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt + 100, text("x"));
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_una - 70'000, text("y"));
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}, {".", t.snd_nxt, t.rcv_nxt}});
    CHECK(t.state() == s.state);
    CHECK(t.host.stats()[drop_reason::tcp_bad_ack] == 2);
    CHECK(t.read(socket).data.empty());
  });
}

TEST_CASE("every state past SYN-RECEIVED: a duplicate ACK (SEG.ACK = SND.UNA) changes nothing") {
  // In FIN-WAIT-1, CLOSING and LAST-ACK that is an ACK short of our FIN.
  for_each_state(after_handshake, [](tcp_harness& t, tcp_socket_id, start s) {
    t.inject({.ack = true}, t.rcv_nxt, t.snd_una);
    check_sent(t.sent(), {});
    CHECK(t.state() == s.state);
  });
}

TEST_CASE("SYN-RECEIVED: an acceptable ACK establishes the connection and its data is kept") {
  for_each_state({every_state[0], every_state[1]}, [](tcp_harness& t, tcp_socket_id socket, start) {
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("hello"));
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 5}});
    CHECK(t.state() == tcp_state::established);
    if (socket == 0) REQUIRE_FALSE(t.host.tcp().accept(t.listener, socket));
    CHECK(t.read(socket) == received{"hello", would_block});
  });
}

TEST_CASE("SYN-RECEIVED: an ACK of anything but our SYN is answered with <SEQ=SEG.ACK><CTL=RST>") {
  for_each_state({every_state[0], every_state[1]}, [](tcp_harness& t, tcp_socket_id, start) {
    t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 10);
    t.inject({.ack = true}, t.rcv_nxt, t.snd_una);  // acknowledges nothing
    check_sent(t.sent(), {{"R", t.snd_nxt + 10}, {"R", t.snd_una}});
    CHECK(t.state() == tcp_state::syn_received);
    CHECK(t.host.stats()[drop_reason::tcp_bad_ack] == 2);
  });
}

TEST_CASE("SYN-RECEIVED: a FIN with the ACK of our SYN leads on to CLOSE-WAIT") {
  for_each_state({every_state[0], every_state[1]}, [](tcp_harness& t, tcp_socket_id socket, start) {
    t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.snd_nxt);
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 1}});
    CHECK(t.state() == tcp_state::close_wait);
    if (socket == 0) REQUIRE_FALSE(t.host.tcp().accept(t.listener, socket));
    CHECK(t.read(socket) == received{});
  });
}

TEST_CASE("ESTABLISHED: an ACK of new data frees it and takes the window, unanswered") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("hello"), queued, t.now()));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 5u}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 5, {}, 1000);
  check_sent(t.sent(), {});
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 0);
  CHECK(t.host.tcp().info(s)->snd_wnd == 1000);
  t.advance(10s);  // nothing is left to retransmit
  check_sent(t.sent(), {});
}

TEST_CASE("ESTABLISHED: a duplicate or old ACK moves neither snd.una nor the send window") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("hello"), queued, t.now()));
  t.sent();
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt + 5, text("ab"));
  check_sent(t.sent(), {{".", t.snd_nxt + 5, t.rcv_nxt + 2}});
  // A newer segment (seq past snd.wl1) whose ACK is older than snd.una: RFC 9293 updates the
  // window only when SND.UNA =< SEG.ACK, so the zero window it offers is not taken.
  t.inject({.ack = true}, t.rcv_nxt + 2, t.snd_nxt + 2, {}, 0);
  check_sent(t.sent(), {});
  CHECK(t.host.tcp().info(s)->snd_una == 6);
  CHECK(t.host.tcp().info(s)->snd_wnd == 65535);
  REQUIRE_FALSE(t.host.tcp().send(s, text("more"), queued, t.now()));
  check_sent(t.sent(), {{"P.", t.snd_nxt + 5, t.rcv_nxt + 2, 4u}});
  t.inject({.ack = true}, t.rcv_nxt + 2, t.snd_nxt + 5);  // a duplicate
  check_sent(t.sent(), {});
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 4);
}

TEST_CASE("ESTABLISHED: a segment older than the last window update leaves the window (SND.WL1)") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  // Reordered: the later segment comes first and sets the window; the earlier one's is stale.
  t.inject({.ack = true}, t.rcv_nxt + 2, t.snd_nxt, text("cd"), 1000);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, text("ab"), 0);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}, {".", t.snd_nxt, t.rcv_nxt + 4}});
  CHECK(t.host.tcp().info(s)->snd_wnd == 1000);
  CHECK(t.read(s) == received{"abcd", would_block});
}

// Sixth: the URG bit. Urgent data stays in line (RFC 6093; the README says so): the pointer is
// parsed and changes nothing about what the application reads.

TEST_CASE("URG: urgent data is delivered in line, byte for byte, without loss or duplication") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  const seq32 r = t.rcv_nxt;
  t.inject_urgent(r, t.snd_nxt, text("abc!"), 4);
  t.inject({.psh = true, .ack = true}, r + 4, t.snd_nxt, text("def"));
  // A pointer past the segment (urgent data still to come), then a retransmission and an overlap
  // of urgent segments already taken.
  t.inject_urgent(r + 7, t.snd_nxt, text("gh"), 100);
  t.inject_urgent(r, t.snd_nxt, text("abc!"), 4);
  t.inject_urgent(r + 2, t.snd_nxt, text("c!defghij"), 2);
  check_sent(t.sent(), {{".", t.snd_nxt, r + 4},
                        {".", t.snd_nxt, r + 7},
                        {".", t.snd_nxt, r + 9},
                        {".", t.snd_nxt, r + 9},
                        {".", t.snd_nxt, r + 11}});
  CHECK(t.read(s) == received{"abc!defghij", would_block});
}

}  // namespace
}  // namespace tapstack::test
