// TCP segment by segment (RFC 9293 3.10.7, RFC 5961, RFC 6298), with the packet-level harness:
// the host in a known state, the peer's segment injected at an instant, exactly the host's answer
// expected.
#include <doctest/doctest.h>

#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"
#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using h = tcp_harness;

// 3.10.7.1: CLOSED.

TEST_CASE("a SYN to a closed port is answered with RST,ACK seq 0, ack SEG.SEQ+1") {
  tcp_harness t;
  t.inject({.syn = true}, seq32{5000}, seq32{0});
  check_sent(t.sent(), {{"R.", seq32{0}, seq32{5001}, 0u}});
  CHECK(t.host.stats()[drop_reason::tcp_closed_port] == 1);
}

TEST_CASE("an ACK to a closed port is answered with a RST at SEG.ACK; a RST with nothing") {
  tcp_harness t;
  t.inject({.ack = true}, seq32{5000}, seq32{777});
  check_sent(t.sent(), {{"R", seq32{777}}});
  t.inject({.rst = true}, seq32{5000}, seq32{0});
  check_sent(t.sent(), {});
}

// 3.10.7.2: LISTEN.

TEST_CASE("LISTEN: a SYN gets a SYN-ACK with our MSS; the ACK completes it for accept()") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  const auto info = t.host.tcp().info(s);
  REQUIRE(info);
  CHECK(info->state == tcp_state::established);
  CHECK(info->snd_mss == 1460);
  CHECK(t.host.stats()[event::tcp_passive_opens] == 1);
}

TEST_CASE("LISTEN: an ACK is answered with a RST, a RST and a bare segment are ignored") {
  tcp_harness t;
  t.reach(tcp_state::listen);
  t.inject({.ack = true}, seq32{5000}, seq32{4242});
  check_sent(t.sent(), {{"R", seq32{4242}}});
  t.inject({.rst = true}, seq32{5000}, seq32{0});
  t.inject({.psh = true}, seq32{5000}, seq32{0}, text("x"));
  check_sent(t.sent(), {});
  CHECK(t.host.stats()[drop_reason::tcp_listen_unexpected] == 3);
}

// 3.10.7.3: SYN-SENT.

TEST_CASE("SYN-SENT: the SYN-ACK completes it, and the window offered fits the buffer") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established, open_kind::active);
  CHECK(t.host.tcp().info(s)->state == tcp_state::established);
  // The peer's SYN-ACK carried no window scale, so ours is off too: the ACK offered the buffer up
  // to 65535, relative to the peer's ISN (it once offered an edge placed before that was known).
  CHECK(t.host.tcp().info(s)->rcv_wnd <= t.host.config().tcp.receive_buffer);
  CHECK(t.host.tcp().info(s)->rcv_wnd <= 0xffff);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("x"), queued, t.now()));
  const auto sent = t.sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].seg.window == 0xffff);
}

TEST_CASE("SYN-SENT: with window scaling, the window offered after the SYN-ACK is the buffer") {
  // Our SYN's window edge could not be placed before the peer's ISN was known; placed then, the
  // first ACK offers exactly the receive buffer, scaled, whatever the peer's ISN.
  for (const std::uint32_t peer_isn : {0x00000010u, 0x7ffffff0u, 0x80000000u, 0xfffffff0u}) {
    INFO("peer ISN " << peer_isn);
    tcp_harness t;
    const auto s = t.host.tcp().open();
    REQUIRE_FALSE(t.host.tcp().bind(s, {ipv4_address::any(), h::host_port}));
    REQUIRE_FALSE(t.host.tcp().connect(s, {ipv4_address{0x0a000001}, h::peer_port}, t.now()));
    const auto syn = t.sent().at(0).seg;
    REQUIRE(syn.options.window_scale);
    tcp_options options;
    options.mss = 1460;
    options.window_scale = 7;
    t.inject({.syn = true, .ack = true}, seq32{peer_isn}, syn.seq + 1, {}, 65535, options);
    const auto ack = t.sent();
    REQUIRE(ack.size() == 1);
    const std::size_t buffer = t.host.config().tcp.receive_buffer;
    const std::size_t offered = std::size_t{ack[0].seg.window} << *syn.options.window_scale;
    CHECK(offered == buffer);
  }
}

TEST_CASE("SYN-SENT: a bad ACK is answered with a RST; a RST acknowledging our SYN refuses") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::syn_sent, open_kind::active);
  const seq32 iss = t.host_iss;
  t.inject({.syn = true, .ack = true}, seq32{1000}, iss + 5);
  check_sent(t.sent(), {{"R", iss + 5}});
  CHECK(t.host.tcp().info(s)->state == tcp_state::syn_sent);
  t.inject({.rst = true, .ack = true}, seq32{0}, iss + 1);
  CHECK(t.host.tcp().info(s)->state == tcp_state::closed);
  CHECK(t.read(s).error == std::errc::connection_refused);
}

TEST_CASE("SYN-SENT: a SYN without ACK is a simultaneous open: SYN-ACK, SYN-RECEIVED") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::syn_sent, open_kind::active);
  const seq32 iss = t.host_iss;
  t.inject({.syn = true}, seq32{1000}, seq32{0});
  check_sent(t.sent(), {{"S.", iss, seq32{1001}}});
  CHECK(t.host.tcp().info(s)->state == tcp_state::syn_received);
  t.inject({.syn = true, .ack = true}, seq32{1000}, iss + 1);
  // The peer's SYN-ACK: its SYN is old news, challenge-ACKed; the ACK of ours is not lost on us.
  t.inject({.ack = true}, seq32{1001}, iss + 1);
  CHECK(t.host.tcp().info(s)->state == tcp_state::established);
}

// The peer's ICMP error about the host's segment, quoting only what RFC 792 promises: the IP
// header and the first 8 bytes (ports and sequence number).
byte_vector icmp_error_about(std::uint8_t code, std::uint16_t src_port, std::uint16_t dst_port,
                             seq32 seq) {
  byte_vector start(tcp::min_quoted_len);
  store_be16(&start[tcp::field::src_port], src_port);
  store_be16(&start[tcp::field::dst_port], dst_port);
  store_be32(&start[tcp::field::seq], seq.value());
  ipv4_repr sent;
  sent.src = capture::host_ip;
  sent.dst = capture::peer_ip;
  sent.protocol = ip_protocol::tcp;
  const byte_vector quote = emit_ipv4(sent, start);
  icmp_repr error;
  error.type = icmp_type::dest_unreachable;
  error.code = code;
  error.data = quote;
  ipv4_repr ip;
  ip.src = capture::peer_ip;
  ip.dst = capture::host_ip;
  return emit_frame({capture::peer_mac, capture::host_mac, ethertype::ipv4},
                    emit_ipv4(ip, emit_icmp(error)));
}

TEST_CASE("SYN-SENT: port unreachable refuses the connection; host unreachable does not") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::syn_sent, open_kind::active);
  // RFC 1122 4.2.3.9: a soft error; the connection goes on trying.
  t.host.receive(icmp_error_about(1, h::host_port, h::peer_port, t.host_iss), t.now());
  CHECK(t.host.tcp().info(s)->state == tcp_state::syn_sent);
  // About another connection: counted, and nothing changes.
  t.host.receive(icmp_error_about(3, h::host_port, h::peer_port + 1, t.host_iss), t.now());
  CHECK(t.host.stats()[drop_reason::icmp_error_unmatched] == 1);
  CHECK(t.host.tcp().info(s)->state == tcp_state::syn_sent);
  // A hard error.
  t.host.receive(icmp_error_about(3, h::host_port, h::peer_port, t.host_iss), t.now());
  CHECK(t.host.tcp().info(s)->state == tcp_state::closed);
  CHECK(t.read(s).error == std::errc::connection_refused);
}

// 3.10.7.4: the synchronized states. The rows every state shares (sequence number, RST, SYN, ACK
// bit and range) and each state's own are in test_tcp_states.cpp and test_tcp_closing_states.cpp;
// here, whole sequences of them.

TEST_CASE("seventh step: data past a gap is held and ACKed at once; filling the gap delivers all") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt + 3, t.host_iss + 1, text("def"));
  check_sent(t.sent(), {{".", t.host_iss + 1, t.rcv_nxt}});  // a duplicate ACK: the gap
  CHECK_FALSE(t.host.tcp().readable(s));
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1, text("abc"));
  check_sent(t.sent(), {{".", t.host_iss + 1, t.rcv_nxt + 6}});
  CHECK(t.read(s) == received{"abcdef", would_block});
}

TEST_CASE("overlapping and duplicate data is trimmed to what is new") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1, text("abcd"));
  t.inject({.ack = true}, t.rcv_nxt + 2, t.host_iss + 1, text("cdef"));
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1, text("ab"));
  t.sent();
  CHECK(t.read(s) == received{"abcdef", would_block});
}

TEST_CASE("eighth step: the peer's FIN: CLOSE-WAIT, end of stream; close: LAST-ACK, then CLOSED") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.host_iss + 1);
  check_sent(t.sent(), {{".", t.host_iss + 1, t.rcv_nxt + 1}});
  CHECK(t.host.tcp().info(s)->state == tcp_state::close_wait);
  CHECK(t.read(s) == received{});  // the end of the stream
  REQUIRE_FALSE(t.host.tcp().close(s, t.now()));
  check_sent(t.sent(), {{"F.", t.host_iss + 1, t.rcv_nxt + 1}});
  t.inject({.ack = true}, t.rcv_nxt + 1, t.host_iss + 2);
  CHECK(t.host.tcp().connections().empty());
}

TEST_CASE("simultaneous close: FIN-WAIT-1, CLOSING, TIME-WAIT, and CLOSED after 2 MSL") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  REQUIRE_FALSE(t.host.tcp().shutdown_send(s, t.now()));
  check_sent(t.sent(), {{"F.", t.host_iss + 1, t.rcv_nxt}});
  CHECK(t.host.tcp().info(s)->state == tcp_state::fin_wait_1);
  t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.host_iss + 1);  // crossed: ours not acked
  check_sent(t.sent(), {{".", t.host_iss + 2, t.rcv_nxt + 1}});
  CHECK(t.host.tcp().info(s)->state == tcp_state::closing);
  t.inject({.ack = true}, t.rcv_nxt + 1, t.host_iss + 2);
  CHECK(t.host.tcp().info(s)->state == tcp_state::time_wait);
  // A retransmitted FIN in TIME-WAIT is acknowledged again and restarts the wait.
  t.advance(30s);
  t.inject({.fin = true, .ack = true}, t.rcv_nxt, t.host_iss + 2);
  check_sent(t.sent(), {{".", t.host_iss + 2, t.rcv_nxt + 1}});
  t.advance(59s);
  CHECK(t.host.tcp().info(s)->state == tcp_state::time_wait);
  t.advance(2s);
  CHECK(t.host.tcp().info(s)->state == tcp_state::closed);
}

TEST_CASE("half-close: after shutdown_send the host still receives, in FIN-WAIT-2") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  REQUIRE_FALSE(t.host.tcp().shutdown_send(s, t.now()));
  t.sent();
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 2);
  CHECK(t.host.tcp().info(s)->state == tcp_state::fin_wait_2);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.host_iss + 2, text("more"));
  check_sent(t.sent(), {{".", t.host_iss + 2, t.rcv_nxt + 4}});
  CHECK(t.host.tcp().readable(s));
}

TEST_CASE("close with unread data resets the connection (as Linux does)") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.host_iss + 1, text("unread"));
  t.sent();
  REQUIRE_FALSE(t.host.tcp().close(s, t.now()));
  check_sent(t.sent(), {{"R.", t.host_iss + 1, t.rcv_nxt + 6}});
}

// RFC 6298 in virtual time.

TEST_CASE("retransmission at the RTO, doubling each time, until the connection times out") {
  stack_config c = tcp_harness::default_config();
  c.tcp.max_retransmits = 3;
  tcp_harness t{c};
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("hello"), queued, t.now()));
  check_sent(t.sent(), {{"P.", t.host_iss + 1, t.rcv_nxt, 5u}});
  // The handshake measured an RTT of 0, so the RTO is the 1 s minimum: resends at 1, 3 and 7 s.
  t.advance(999ms);
  check_sent(t.sent(), {});
  t.advance(1ms);
  check_sent(t.sent(), {{"P.", t.host_iss + 1, t.rcv_nxt, 5u}});
  t.advance(2s);
  check_sent(t.sent(), {{"P.", t.host_iss + 1, t.rcv_nxt, 5u}});
  t.advance(4s);
  check_sent(t.sent(), {{"P.", t.host_iss + 1, t.rcv_nxt, 5u}});
  t.advance(8s);  // the fourth expiry: give up, with a reset
  check_sent(t.sent(), {{"R.", t.host_iss + 6}});
  CHECK(t.read(s).error == std::errc::timed_out);
  CHECK(t.host.stats()[event::tcp_retransmits] == 3);
}

TEST_CASE("an ACK of new data stops the timer; Karn's rule keeps resent segments untimed") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("hello"), queued, t.now()));
  t.sent();
  t.advance(200ms);
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 6);
  // 7/8 of the handshake's sample (0: the ACK came at once) and 1/8 of 200 ms.
  REQUIRE(t.host.tcp().info(s)->srtt);
  CHECK(*t.host.tcp().info(s)->srtt == 25ms);
  CHECK(t.host.tcp().info(s)->bytes_in_flight == 0);
  t.advance(10s);
  check_sent(t.sent(), {});
  // Sent, resent at the RTO, then acknowledged: the ACK may be for either copy, so no sample.
  REQUIRE_FALSE(t.host.tcp().send(s, text("again"), queued, t.now()));
  t.sent();
  t.advance(t.host.tcp().info(s)->rto);
  CHECK(t.sent().size() == 1);
  t.advance(300ms);
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 11);
  CHECK(*t.host.tcp().info(s)->srtt == 25ms);
}

TEST_CASE("a zero window is probed with backoff, and a peer that answers is never given up on") {
  stack_config c = tcp_harness::default_config();
  c.tcp.max_retransmits = 2;
  tcp_harness t{c};
  t.peer_window = 0;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, text("waiting"), queued, t.now()));
  check_sent(t.sent(), {});  // nothing may go into a closed window
  for (int probe = 0; probe < 10; ++probe) {
    t.advance(c.tcp.max_rto);
    const auto probes = t.sent();
    REQUIRE_FALSE(probes.empty());
    CHECK(probes.back().seg.seq == t.host_iss);  // snd.una - 1: the peer must answer
    t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1, {}, 0);
    t.sent();
  }
  CHECK(t.host.tcp().info(s)->state == tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1, {}, 1000);  // the window opens
  check_sent(t.sent(), {{"P.", t.host_iss + 1, t.rcv_nxt, 7u}});
}

TEST_CASE("a window too small to send into is probed too, so a lost window update stalls nothing") {
  tcp_harness t;
  t.peer_window = 8760;  // six full segments
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(20000, 'x'), queued, t.now()));
  std::uint32_t sent = 0;
  for (const auto& out : t.sent()) sent += static_cast<std::uint32_t>(out.payload.size());
  REQUIRE(sent == 8760);
  // Everything acknowledged, but the peer's buffer is full but for 100 bytes: less than a
  // segment and less than half the largest window, so silly window avoidance sends nothing.
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1 + sent, {}, 100);
  check_sent(t.sent(), {});
  // The update that opens the window again is lost. With nothing in flight, only a probe can
  // learn of it: one comes after an RTO, and its answer lets the data go.
  t.advance(t.host.tcp().info(s)->rto);
  const auto probes = t.sent();
  REQUIRE(probes.size() == 1);
  CHECK(probes[0].seg.seq == t.host_iss + sent);  // snd.una - 1: the peer must answer
  CHECK(probes[0].payload.empty());
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1 + sent, {}, 8760);
  std::uint32_t more = 0;
  for (const auto& out : t.sent()) more += static_cast<std::uint32_t>(out.payload.size());
  CHECK(more == 8760);
}

TEST_CASE("an ACK of new data sets the send window, even with a sequence number below the last") {
  tcp_harness t;
  t.peer_window = 2920;  // two full segments
  const auto s = t.reach(tcp_state::established);
  // The peer's data past a hole it has yet to fill: its window, 2920 from our ISN + 1, is the
  // newest the host has, by sequence number.
  t.inject({.ack = true}, t.rcv_nxt + 100, t.host_iss + 1, text("late"), 2920);
  t.sent();
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(10000, 'x'), queued, t.now()));
  std::uint32_t sent = 0;
  for (const auto& out : t.sent()) sent += static_cast<std::uint32_t>(out.payload.size());
  REQUIRE(sent == 2920);
  // The peer fills the hole, acknowledging all of it with a window of one segment: one more may
  // go. Taking the window by sequence number alone, the host would keep the old 2920, slide it
  // along from the new snd.una and send a segment past every edge the peer offered.
  t.inject({.ack = true}, t.rcv_nxt, t.host_iss + 1 + sent, text(std::string(100, 'y')), 1460);
  const auto more = t.sent();
  std::uint32_t beyond = 0;
  for (const auto& out : more) beyond += static_cast<std::uint32_t>(out.payload.size());
  CHECK(beyond == 1460);
}

}  // namespace
}  // namespace tapstack::test
