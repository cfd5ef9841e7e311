// A TCP sender and receiver that perform, segment by segment: Nagle's algorithm (RFC 1122
// 4.2.3.4), delayed ACKs (RFC 1122 4.2.3.2, RFC 5681 4.2), slow start and the initial window (RFC
// 5681 3.1, RFC 3465, RFC 6928), fast retransmit with limited transmit (RFC 5681 3.2, RFC 3042),
// NewReno's partial and full acknowledgements (RFC 6582 3.2) and the retransmission timeout's
// collapse of the window (RFC 5681 3.1). The peer offers no SACK, so recovery is NewReno's; the
// figures are the host's tcp_info.
#include <doctest/doctest.h>

#include <limits>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// The peer's MSS in reach() (1460) with no options on the segments: a full segment's data.
constexpr std::uint32_t smss = 1460;

stack_config with_delayed_ack() {
  stack_config c = tcp_harness::default_config();
  c.tcp.delayed_ack = true;
  return c;
}

std::vector<std::uint8_t> bytes(std::size_t n) { return std::vector<std::uint8_t>(n, 'x'); }

void send(tcp_harness& t, tcp_socket_id s, const std::vector<std::uint8_t>& data) {
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, data, queued, t.now()));
  REQUIRE(queued == data.size());
}

tcp_connection_info info(tcp_harness& t, tcp_socket_id s) { return *t.host.tcp().info(s); }

// The host's i-th full segment of data from where reach() left snd.nxt (more is queued, so PSH is
// not set).
expected_segment segment(const tcp_harness& t, std::uint32_t i) {
  return {".", t.snd_nxt + i * smss, t.rcv_nxt, smss};
}

std::vector<expected_segment> segments(const tcp_harness& t, std::uint32_t first,
                                       std::uint32_t count) {
  std::vector<expected_segment> out;
  for (std::uint32_t i = first; i < first + count; ++i) out.push_back(segment(t, i));
  return out;
}

// The peer's ACK of everything before the host's i-th segment, with the window of its SYN.
void ack_upto(tcp_harness& t, std::uint32_t i, std::uint16_t window = 65535) {
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + i * smss, {}, window);
}

// An established connection with 100 KB queued: the host sends its initial window.
tcp_socket_id sending(tcp_harness& t) {
  const auto s = t.reach(tcp_state::established);
  send(t, s, bytes(100'000));
  check_sent(t.sent(), segments(t, 0, 10));
  return s;
}

// Nagle (RFC 1122 4.2.3.4) in Minshall's variant, as Linux's: a short segment waits only while an
// earlier short one is unacknowledged. The peer here acknowledges nothing unless the test says so,
// as a receiver that delays its ACKs.

TEST_CASE("Nagle: a short second write waits for the first's ACK, and goes with it") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  send(t, s, text("a"));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 1u}});
  send(t, s, text("b"));
  send(t, s, text("c"));
  check_sent(t.sent(), {});
  t.advance(1ms);
  check_sent(t.sent(), {});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 1);
  check_sent(t.sent(), {{"P.", t.snd_nxt + 1, t.rcv_nxt, 2u}});
}

TEST_CASE("Nagle: a write of a segment and a short tail goes whole, without waiting for an ACK") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  send(t, s, bytes(smss + 500));
  check_sent(t.sent(),
             {{".", t.snd_nxt, t.rcv_nxt, smss}, {"P.", t.snd_nxt + smss, t.rcv_nxt, 500u}});
  // That tail is a short segment unacknowledged: the next short write waits for its ACK.
  send(t, s, text("a"));
  check_sent(t.sent(), {});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + smss + 500);
  check_sent(t.sent(), {{"P.", t.snd_nxt + smss + 500, t.rcv_nxt, 1u}});
}

TEST_CASE("Nagle: once the short segment is acknowledged, the next goes, full ones in flight") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  send(t, s, bytes(100));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 100u}});
  // A full segment goes whatever is in flight; the short rest waits for the 100 bytes' ACK.
  send(t, s, bytes(smss + 50));
  check_sent(t.sent(), {{".", t.snd_nxt + 100, t.rcv_nxt, smss}});
  // The ACK of the short segment alone: the full one is still unacknowledged, and holds nothing.
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 100);
  check_sent(t.sent(), {{"P.", t.snd_nxt + 100 + smss, t.rcv_nxt, 50u}});
}

TEST_CASE("no_delay: a small segment goes at once, and turning it on sends what Nagle held") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  send(t, s, text("a"));
  send(t, s, text("b"));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 1u}});
  auto o = *t.host.tcp().options(s);
  o.no_delay = true;
  REQUIRE_FALSE(t.host.tcp().set_options(s, o, t.now()));
  check_sent(t.sent(), {{"P.", t.snd_nxt + 1, t.rcv_nxt, 1u}});
  send(t, s, text("c"));
  check_sent(t.sent(), {{"P.", t.snd_nxt + 2, t.rcv_nxt, 1u}});
  CHECK(info(t, s).no_delay);
}

// With a device that cuts super-segments (a tap with offloads): the same segments, several to a
// send, and still no short one that Nagle would hold.

stack_config with_segmentation() {
  stack_config c = tcp_harness::default_config();
  c.offloads = {.checksum = true, .tcp_segmentation = true};
  return c;
}

TEST_CASE("super-segments: the initial window's ten segments leave as one") {
  tcp_harness t{with_segmentation()};
  const auto s = t.reach(tcp_state::established);
  send(t, s, bytes(100'000));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 10 * smss}});
}

TEST_CASE("super-segments: a short tail rides along unless an earlier short segment is out") {
  tcp_harness t{with_segmentation()};
  const auto s = t.reach(tcp_state::established);
  // A write of a segment and 500 bytes: one super-segment, cut into both.
  send(t, s, bytes(smss + 500));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, smss + 500}});
  // The 500 bytes are unacknowledged: the whole segments of the next write go, its tail waits.
  send(t, s, bytes(3 * smss + 100));
  check_sent(t.sent(), {{".", t.snd_nxt + smss + 500, t.rcv_nxt, 3 * smss}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + smss + 500);
  check_sent(t.sent(), {{"P.", t.snd_nxt + 4 * smss + 500, t.rcv_nxt, 100u}});
}

// Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2).

TEST_CASE("delayed ACK: one segment is acknowledged when the 40 ms timer fires") {
  tcp_harness t{with_delayed_ack()};
  const auto s = t.reach(tcp_state::established);
  CHECK(info(t, s).delayed_ack);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100));
  check_sent(t.sent(), {});
  t.advance(39ms);
  check_sent(t.sent(), {});
  t.advance(1ms);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 100, 0u}});
  t.advance(1s);
  check_sent(t.sent(), {});
}

TEST_CASE("delayed ACK: the second full-sized segment is acknowledged at once") {
  tcp_harness t{with_delayed_ack()};
  t.reach(tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, bytes(smss));
  check_sent(t.sent(), {});
  t.inject({.ack = true}, t.rcv_nxt + smss, t.snd_nxt, bytes(smss));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 2 * smss, 0u}});
  // The count starts again: a third segment waits for the timer.
  t.inject({.ack = true}, t.rcv_nxt + 2 * smss, t.snd_nxt, bytes(smss));
  check_sent(t.sent(), {});
  t.advance(40ms);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 3 * smss, 0u}});
}

TEST_CASE("a batch of received segments is acknowledged once, at its end") {
  tcp_harness t{with_delayed_ack()};
  t.reach(tcp_state::established);
  t.begin_batch();
  for (std::uint32_t i = 0; i < 10; ++i)
    t.inject({.ack = true}, t.rcv_nxt + i * smss, t.snd_nxt, bytes(smss));
  t.end_batch();
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 10 * smss, 0u}});
  // Frames one at a time are acknowledged every second segment, as before.
  t.inject({.ack = true}, t.rcv_nxt + 10 * smss, t.snd_nxt, bytes(smss));
  check_sent(t.sent(), {});
  t.inject({.ack = true}, t.rcv_nxt + 11 * smss, t.snd_nxt, bytes(smss));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 12 * smss, 0u}});
}

TEST_CASE("a batch's ACK covers at most 64 KB: past that, one goes in the middle of it") {
  tcp_harness t{with_delayed_ack()};
  // A window wider than the batch, so that every segment is in it: scaled, offered by the first
  // ACK after the handshake.
  t.peer_syn_options.window_scale = 2;
  t.reach(tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, bytes(smss));
  t.advance(40ms);
  REQUIRE(t.sent().size() == 1);
  const seq32 from = t.rcv_nxt + smss;
  t.begin_batch();
  for (std::uint32_t i = 0; i < 50; ++i)
    t.inject({.ack = true}, from + i * smss, t.snd_nxt, bytes(smss));
  t.end_batch();
  // The 45th segment takes what is unacknowledged past 65535 bytes.
  check_sent(t.sent(),
             {{".", t.snd_nxt, from + 45 * smss, 0u}, {".", t.snd_nxt, from + 50 * smss, 0u}});
}

TEST_CASE("in a batch, a segment out of order is still acknowledged at once (RFC 5681 4.2)") {
  tcp_harness t{with_delayed_ack()};
  t.reach(tcp_state::established);
  t.begin_batch();
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, bytes(smss));
  t.inject({.ack = true}, t.rcv_nxt + smss, t.snd_nxt, bytes(smss));
  t.inject({.ack = true}, t.rcv_nxt + 3 * smss, t.snd_nxt, bytes(smss));  // the third is lost
  t.inject({.ack = true}, t.rcv_nxt + 4 * smss, t.snd_nxt, bytes(smss));
  t.end_batch();
  // Each segment past the hole brings its duplicate ACK at once; the first carries what the two
  // in order had earned.
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 2 * smss, 0u},
                        {".", t.snd_nxt, t.rcv_nxt + 2 * smss, 0u}});
}

TEST_CASE("a batch of ACKs lets the data they make room for go once, after the last") {
  tcp_harness t{with_delayed_ack()};
  t.peer_window = 2 * smss;
  const auto s = t.reach(tcp_state::established);
  send(t, s, bytes(6 * smss));
  const auto first = t.sent();
  REQUIRE(first.size() == 2);
  t.begin_batch();
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + smss, {}, 2 * smss);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 2 * smss, {}, 4 * smss);
  t.end_batch();
  // The window the last ACK offers, filled in one pass: four segments from where the two ended.
  check_sent(t.sent(), {{".", t.snd_nxt + 2 * smss, std::nullopt, smss},
                        {".", t.snd_nxt + 3 * smss, std::nullopt, smss},
                        {".", t.snd_nxt + 4 * smss, std::nullopt, smss},
                        {"P.", t.snd_nxt + 5 * smss, std::nullopt, smss}});
}

TEST_CASE("delayed ACK: out-of-order data, and the segment that fills the hole, at once") {
  tcp_harness t{with_delayed_ack()};
  const auto s = t.reach(tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt + 100, t.snd_nxt, bytes(100));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 0u}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 200, 0u}});
  CHECK(t.read(s).data.size() == 200);
  t.advance(1s);
  check_sent(t.sent(), {});
}

TEST_CASE("quick_ack: every segment is acknowledged at once") {
  tcp_harness t{with_delayed_ack()};
  const auto s = t.reach(tcp_state::established);
  auto o = *t.host.tcp().options(s);
  o.quick_ack = true;
  REQUIRE_FALSE(t.host.tcp().set_options(s, o, t.now()));
  CHECK_FALSE(info(t, s).delayed_ack);
  for (std::uint32_t i = 0; i < 3; ++i) {
    t.inject({.ack = true}, t.rcv_nxt + i * 100, t.snd_nxt, bytes(100));
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + (i + 1) * 100, 0u}});
  }
}

TEST_CASE("delayed ACK: the ACK rides on data the application sends in the meantime") {
  tcp_harness t{with_delayed_ack()};
  const auto s = t.reach(tcp_state::established);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100));
  check_sent(t.sent(), {});
  t.advance(10ms);
  send(t, s, text("reply"));
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt + 100, 5u}});
  t.inject({.ack = true}, t.rcv_nxt + 100, t.snd_nxt + 5);
  t.advance(1s);  // nothing was left owed: no bare ACK follows at the old deadline
  check_sent(t.sent(), {});
}

// Slow start and the initial window (RFC 5681 3.1, RFC 3465, RFC 6928).

TEST_CASE("slow start: cwnd grows per ACK by the bytes acknowledged, two segments at most") {
  tcp_harness t;
  const auto s = sending(t);
  CHECK(info(t, s).cwnd == 10 * smss);
  // One segment acknowledged: cwnd grows by it, and two segments go (the one that left, and the
  // growth).
  ack_upto(t, 1);
  CHECK(info(t, s).cwnd == 11 * smss);
  check_sent(t.sent(), segments(t, 10, 2));
  // A stretch ACK of three segments grows cwnd by two (RFC 3465's L = 2): five go.
  ack_upto(t, 4);
  CHECK(info(t, s).cwnd == 13 * smss);
  check_sent(t.sent(), segments(t, 12, 5));
  CHECK(info(t, s).ssthresh == std::numeric_limits<std::uint32_t>::max());
}

TEST_CASE("the initial window: 10 segments by default (RFC 6928), RFC 5681's with 0") {
  SUBCASE("RFC 6928") {
    tcp_harness t;
    const auto s = sending(t);
    CHECK(info(t, s).cwnd == 10 * smss);
  }
  SUBCASE("RFC 5681: three segments of 1460 bytes") {
    stack_config c = tcp_harness::default_config();
    c.tcp.initial_window_segments = 0;
    tcp_harness t{c};
    const auto s = t.reach(tcp_state::established);
    send(t, s, bytes(100'000));
    check_sent(t.sent(), segments(t, 0, 3));
    CHECK(info(t, s).cwnd == 3 * smss);
  }
}

// Fast retransmit and limited transmit (RFC 5681 3.2, RFC 3042), without SACK.

TEST_CASE("limited transmit on the first two duplicate ACKs, fast retransmit on the third") {
  tcp_harness t;
  const auto s = sending(t);
  ack_upto(t, 0);
  check_sent(t.sent(), {segment(t, 10)});
  ack_upto(t, 0);
  check_sent(t.sent(), {segment(t, 11)});
  CHECK(info(t, s).fast_retransmits == 0);
  ack_upto(t, 0);
  check_sent(t.sent(), {segment(t, 0)});
  const auto i = info(t, s);
  CHECK(i.fast_retransmits == 1);
  CHECK(i.retransmits == 1);
  CHECK(i.in_recovery);
  // RFC 5681 3.2 (2): half of the flight, not counting the two limited transmit sent (half of
  // ten segments, not of twelve); then the three segments that left inflate cwnd.
  CHECK(i.ssthresh == 5 * smss);
  CHECK(i.cwnd == 8 * smss);
}

TEST_CASE("no fast retransmit on ACKs that carry data or update the window") {
  tcp_harness t;
  const auto s = sending(t);
  // Each carries data: the host acknowledges it, and sends nothing else.
  for (std::uint32_t i = 0; i < 3; ++i) {
    t.inject({.psh = true, .ack = true}, t.rcv_nxt + i * 10, t.snd_nxt, bytes(10));
    check_sent(t.sent(), {{".", t.snd_nxt + 10 * smss, t.rcv_nxt + (i + 1) * 10, 0u}});
  }
  t.rcv_nxt += 30;
  // Each changes the window.
  for (const std::uint16_t window : {60000, 50000, 40000}) {
    ack_upto(t, 0, window);
    check_sent(t.sent(), {});
  }
  CHECK(info(t, s).fast_retransmits == 0);
  CHECK_FALSE(info(t, s).in_recovery);
  // Genuine duplicates still count from zero: limited transmit, then the retransmission.
  ack_upto(t, 0, 40000);
  check_sent(t.sent(), {segment(t, 10)});
  ack_upto(t, 0, 40000);
  check_sent(t.sent(), {segment(t, 11)});
  ack_upto(t, 0, 40000);
  check_sent(t.sent(), {segment(t, 0)});
  CHECK(info(t, s).fast_retransmits == 1);
}

// NewReno (RFC 6582 3.2): segments 0 and 5 of the first window are lost.

TEST_CASE("NewReno: a partial ACK resends the next hole at once; a full ACK ends recovery") {
  tcp_harness t;
  const auto s = sending(t);
  for (int i = 0; i < 3; ++i) ack_upto(t, 0);
  check_sent(t.sent(), {segment(t, 10), segment(t, 11), segment(t, 0)});
  REQUIRE(info(t, s).cwnd == 8 * smss);
  // The resent segment 0 fills the first hole: the ACK stops at the second, short of "recover"
  // (segment 12). The hole goes again at once; cwnd is deflated by the five segments
  // acknowledged, and one added back for the segment that left.
  ack_upto(t, 5);
  check_sent(t.sent(), {segment(t, 5)});
  auto i = info(t, s);
  CHECK(i.in_recovery);
  CHECK(i.cwnd == 4 * smss);
  CHECK(i.retransmits == 2);
  CHECK(i.fast_retransmits == 1);
  // The full ACK: everything up to "recover". Nothing is in flight, so cwnd is
  // min(ssthresh, max(FlightSize, SMSS) + SMSS): two segments, not ssthresh's five in a burst.
  ack_upto(t, 12);
  check_sent(t.sent(), segments(t, 12, 2));
  i = info(t, s);
  CHECK_FALSE(i.in_recovery);
  CHECK(i.ssthresh == 5 * smss);
  CHECK(i.cwnd == 2 * smss);
}

TEST_CASE("NewReno: the segment at \"recover\", lost after the full ACK, starts a new recovery") {
  tcp_harness t;
  const auto s = sending(t);
  for (int i = 0; i < 3; ++i) ack_upto(t, 0);
  ack_upto(t, 12);
  check_sent(t.sent(),
             {segment(t, 10), segment(t, 11), segment(t, 0), segment(t, 12), segment(t, 13)});
  REQUIRE_FALSE(info(t, s).in_recovery);
  // Segment 12, the first sent after recovery began, is lost: its duplicate ACKs cover all
  // that recovery was about (RFC 6582 3.2 (2)), so the third one resends it.
  ack_upto(t, 12);
  check_sent(t.sent(), {segment(t, 14)});
  ack_upto(t, 12);
  check_sent(t.sent(), {segment(t, 15)});
  // ssthresh is two segments (half of the two in flight before limited transmit, at least two),
  // and the three that left inflate cwnd to five: four are out, so one new segment goes too.
  ack_upto(t, 12);
  check_sent(t.sent(), {segment(t, 12), segment(t, 16)});
  const auto i = info(t, s);
  CHECK(i.in_recovery);
  CHECK(i.fast_retransmits == 2);
  CHECK(i.timeouts == 0);
}

// The retransmission timeout (RFC 5681 3.1, RFC 6298 5).

TEST_CASE("RTO: cwnd collapses to one segment and ssthresh is half the flight") {
  tcp_harness t;
  const auto s = sending(t);
  t.advance(999ms);
  check_sent(t.sent(), {});
  t.advance(1ms);
  check_sent(t.sent(), {segment(t, 0)});
  auto i = info(t, s);
  CHECK(i.timeouts == 1);
  CHECK(i.cwnd == smss);
  CHECK(i.ssthresh == 5 * smss);
  CHECK(i.rto == 2s);
  // Slow start from one segment: the ACK of the resent one lets two more go, from where the
  // peer's ACK says it stopped.
  ack_upto(t, 1);
  check_sent(t.sent(), segments(t, 1, 2));
  i = info(t, s);
  CHECK(i.cwnd == 2 * smss);
  CHECK(i.ssthresh == 5 * smss);
}

}  // namespace
}  // namespace tapstack::test
