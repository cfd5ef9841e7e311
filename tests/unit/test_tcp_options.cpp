// The TCP options that make a connection perform, segment by segment: what the SYNs offer and
// when each option is in force (RFC 7323 2 and 3, RFC 2018 2), window scaling (RFC 7323 2),
// timestamps with TS.Recent, PAWS and RTT measurement (RFC 7323 3 to 5), the receiver's SACK
// blocks (RFC 2018 4) and the sender's SACK-based loss recovery (RFC 6675). The peer's SYN offers
// what each test sets in the harness's peer_syn_options.
#include <doctest/doctest.h>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// The host's receive buffer is 256 KiB: the smallest shift that offers all of it is 3.
constexpr std::uint8_t host_wscale = 3;

std::vector<std::uint8_t> bytes(std::size_t n) { return std::vector<std::uint8_t>(n, 'x'); }

void send(tcp_harness& t, tcp_socket_id s, std::size_t n) {
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, bytes(n), queued, t.now()));
  REQUIRE(queued == n);
}

tcp_connection_info info(tcp_harness& t, tcp_socket_id s) { return *t.host.tcp().info(s); }

// The one connection in the host's table, for a state without a socket (SYN-RECEIVED).
tcp_connection_info only_connection(tcp_harness& t) {
  const auto all = t.host.tcp().connections();
  REQUIRE(all.size() == 1);
  return all[0];
}

tcp_options timestamps(std::uint32_t val, std::uint32_t ecr) {
  tcp_options o;
  o.timestamps = tcp_timestamps{val, ecr};
  return o;
}

tcp_options sack(std::initializer_list<sack_block> blocks) {
  tcp_options o;
  for (const sack_block& b : blocks) o.sack_blocks[o.sack_count++] = b;
  return o;
}

std::vector<sack_block> blocks_of(const sent_segment& s) {
  const auto b = s.seg.options.sack();
  return {b.begin(), b.end()};
}

// SYN options (RFC 7323 2.2 and 3.2, RFC 2018 2).

TEST_CASE("our SYN offers MSS, SACK-permitted, timestamps and window scale") {
  tcp_harness t;
  t.reach(tcp_state::syn_sent, open_kind::active);
  const tcp_options& o = t.host_syn_options;
  CHECK(o.mss == std::optional<std::uint16_t>{1460});
  CHECK(o.sack_permitted);
  REQUIRE(o.timestamps);
  CHECK(o.timestamps->ecr == 0);
  CHECK(o.window_scale == std::optional<std::uint8_t>{host_wscale});
}

TEST_CASE("a socket's options turn each SYN option off, whatever the host's default") {
  tcp_harness t;
  const auto s = t.host.tcp().open();
  auto o = *t.host.tcp().options(s);
  o.window_scaling = o.timestamps = o.sack = false;
  REQUIRE_FALSE(t.host.tcp().set_options(s, o, t.now()));
  REQUIRE_FALSE(
      t.host.tcp().connect(s, {ipv4_address{0x0a000001}, tcp_harness::peer_port}, t.now()));
  const auto syn = t.sent();
  REQUIRE(syn.size() == 1);
  CHECK(syn[0].seg.options.mss);
  CHECK_FALSE(syn[0].seg.options.sack_permitted);
  CHECK_FALSE(syn[0].seg.options.timestamps);
  CHECK_FALSE(syn[0].seg.options.window_scale);
}

TEST_CASE("a SYN-ACK offers only what the peer's SYN offered") {
  tcp_harness t;
  tcp_options expected;
  expected.mss = 1460;
  SUBCASE("MSS alone") {}
  SUBCASE("SACK-permitted") {
    t.peer_syn_options.sack_permitted = true;
    expected.sack_permitted = true;
  }
  SUBCASE("timestamps: the peer's TSval echoed") {
    t.peer_syn_options.timestamps = tcp_timestamps{};
    t.peer_tsval = 777;
  }
  SUBCASE("window scale") {
    t.peer_syn_options.window_scale = 2;
    expected.window_scale = host_wscale;
  }
  t.reach(tcp_state::syn_received);
  tcp_options got = t.host_syn_options;
  if (t.peer_syn_options.timestamps) {
    REQUIRE(got.timestamps);
    CHECK(got.timestamps->ecr == 777);
    got.timestamps.reset();
  }
  CHECK(got == expected);
}

// Window scaling (RFC 7323 2).

TEST_CASE("window scale: a shift of 15 is used as 14, and the SYN's window is not scaled") {
  tcp_harness t;
  t.peer_syn_options.window_scale = 15;
  t.peer_window = 1000;
  t.reach(tcp_state::syn_received);
  auto i = only_connection(t);
  CHECK(i.snd_wscale == std::optional<std::uint8_t>{14});
  CHECK(i.snd_wnd == 1000);  // from the SYN: as it stands
  // The handshake's ACK is no SYN: its window is shifted by 14.
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, {}, 4);
  CHECK(only_connection(t).snd_wnd == 4u << 14);
  // Our later windows are scaled by the shift our SYN-ACK offered.
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100), 4);
  const auto ack = t.sent();
  check_sent(ack, {{".", t.snd_nxt, t.rcv_nxt + 100, 0u}});
  CHECK(ack[0].seg.window == ((256 * 1024 - 100) >> host_wscale));
  CHECK(only_connection(t).rcv_wnd == ((256 * 1024 - 100) >> host_wscale) << host_wscale);
}

TEST_CASE("window scale: our SYN-ACK's window field is the buffer, unscaled, up to 65535") {
  tcp_harness t;
  t.peer_syn_options.window_scale = 7;
  t.reach(tcp_state::syn_received);
  // reach() checked the SYN-ACK; its window is what a peer takes literally.
  t.inject({.syn = true}, t.peer_iss, seq32{0}, {}, 1000, t.peer_syn_options);
  const auto again = t.sent();  // the peer's SYN again: the SYN-ACK again
  check_sent(again, {{"S.", t.host_iss, t.rcv_nxt, 0u, 65535}});
}

TEST_CASE("window scale: the SYN-ACK's window is taken as it stands, later ones scaled") {
  tcp_harness t;
  t.peer_syn_options.window_scale = 7;
  t.peer_window = 1000;
  const auto s = t.reach(tcp_state::established, open_kind::active);
  CHECK(info(t, s).snd_wnd == 1000);
  send(t, s, 5000);
  // 1000 bytes, not 128000: the SYN-ACK's window is not shifted.
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 1000u}});
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 1000, {}, 1000);
  CHECK(info(t, s).snd_wnd == 1000u << 7);
  // The short rest goes too: the only short segment before it, the first, is acknowledged.
  check_sent(t.sent(), {{".", t.snd_nxt + 1000, t.rcv_nxt, 1460u},
                        {".", t.snd_nxt + 2460, t.rcv_nxt, 1460u},
                        {"P.", t.snd_nxt + 3920, t.rcv_nxt, 1080u}});
}

TEST_CASE("window scale: not in force unless both SYNs carry it") {
  SUBCASE("the peer's SYN without it") {
    tcp_harness t;
    t.peer_window = 1000;
    const auto s = t.reach(tcp_state::established);
    CHECK_FALSE(t.host_syn_options.window_scale);
    CHECK_FALSE(info(t, s).snd_wscale);
    CHECK(info(t, s).snd_wnd == 1000);
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100), 1000);
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 100, 0u, 65535}});
  }
  SUBCASE("our SYN without it (window_scaling off), the peer's SYN-ACK with it") {
    stack_config c = tcp_harness::default_config();
    c.tcp.window_scaling = false;
    tcp_harness t{c};
    t.peer_syn_options.window_scale = 7;
    t.peer_window = 1000;
    const auto s = t.reach(tcp_state::established, open_kind::active);
    CHECK_FALSE(t.host_syn_options.window_scale);
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100), 1000);
    check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 100, 0u, 65535}});
    CHECK(info(t, s).snd_wnd == 1000);
    CHECK_FALSE(info(t, s).snd_wscale);
  }
}

// Timestamps (RFC 7323 3 to 5).

TEST_CASE("timestamps: every segment carries them and echoes the peer's TSval") {
  for (const open_kind how : {open_kind::passive, open_kind::active}) {
    CAPTURE(how == open_kind::active);
    tcp_harness t;
    t.peer_syn_options.timestamps = tcp_timestamps{};
    t.peer_tsval = 100;
    const auto s = t.reach(tcp_state::established, how);
    CHECK(info(t, s).timestamps);
    t.peer_tsval = 200;
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100), 65535, t.peer_options());
    const auto ack = t.sent();
    check_sent(ack, {{".", t.snd_nxt, t.rcv_nxt + 100, 0u}});
    REQUIRE(ack[0].seg.options.timestamps);
    CHECK(ack[0].seg.options.timestamps->ecr == 200);
    // Our data carries them too, and gives up their 12 bytes (RFC 6691).
    send(t, s, 3 * 1448);
    const auto data = t.sent();
    REQUIRE(data.size() == 3);
    CHECK(data[0].payload.size() == 1448);
    for (const auto& d : data) {
      REQUIRE(d.seg.options.timestamps);
      CHECK(d.seg.options.timestamps->ecr == 200);
    }
    CHECK(info(t, s).snd_mss == 1448);
  }
}

TEST_CASE("timestamps: a delayed ACK of two segments echoes the older TSval (RFC 7323 4.3)") {
  stack_config c = tcp_harness::default_config();
  c.tcp.delayed_ack = true;
  tcp_harness t{c};
  t.peer_syn_options.timestamps = tcp_timestamps{};
  t.reach(tcp_state::established);
  constexpr std::uint32_t full = 1448;
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, bytes(full), 65535, timestamps(300, t.host_tsval));
  check_sent(t.sent(), {});
  t.inject({.ack = true}, t.rcv_nxt + full, t.snd_nxt, bytes(full), 65535,
           timestamps(301, t.host_tsval));
  auto ack = t.sent();
  check_sent(ack, {{".", t.snd_nxt, t.rcv_nxt + 2 * full, 0u}});
  CHECK(ack[0].seg.options.timestamps->ecr == 300);
  // One segment, acknowledged when the timer fires, echoes its own.
  t.inject({.ack = true}, t.rcv_nxt + 2 * full, t.snd_nxt, bytes(100), 65535,
           timestamps(302, t.host_tsval));
  t.advance(40ms);
  ack = t.sent();
  check_sent(ack, {{".", t.snd_nxt, t.rcv_nxt + 2 * full + 100, 0u}});
  CHECK(ack[0].seg.options.timestamps->ecr == 302);
}

TEST_CASE("PAWS: a segment with an older TSval is dropped and answered with an ACK") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  t.peer_tsval = 5000;
  const auto s = t.reach(tcp_state::established);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("old"), 65535,
           timestamps(4999, t.host_tsval));
  const auto ack = t.sent();
  check_sent(ack, {{".", t.snd_nxt, t.rcv_nxt, 0u}});
  CHECK(ack[0].seg.options.timestamps->ecr == 5000);  // TS.Recent stands
  CHECK(t.host.stats()[drop_reason::tcp_paws] == 1);
  CHECK(t.read(s).data.empty());
  // The same sequence numbers with a current TSval are taken.
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("new"), 65535,
           timestamps(5001, t.host_tsval));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 3, 0u}});
  CHECK(t.read(s).data == "new");
}

TEST_CASE("timestamps: once negotiated, a segment without them is dropped silently") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  const auto s = t.reach(tcp_state::established);
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("bare"));
  check_sent(t.sent(), {});
  CHECK(t.host.stats()[drop_reason::tcp_no_timestamp] == 1);
  CHECK(t.read(s).data.empty());
  // A RST needs none (RFC 7323 3.2).
  t.inject({.rst = true}, t.rcv_nxt, seq32{0});
  CHECK(t.state() == tcp_state::closed);
}

TEST_CASE("timestamps: the RTT is measured from TSecr, even for an ACK of several segments") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  const auto s = t.reach(tcp_state::syn_sent, open_kind::active);
  // The SYN goes twice, so Karn's rule leaves the handshake untimed.
  t.advance(1s);
  REQUIRE(t.sent().size() == 1);
  tcp_options syn_ack = timestamps(t.peer_tsval, t.host_tsval);
  syn_ack.mss = 1460;
  t.inject({.syn = true, .ack = true}, t.peer_iss, t.snd_nxt, {}, 65535, syn_ack);
  t.snd_una = t.snd_nxt;
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}});
  REQUIRE(t.state() == tcp_state::established);
  REQUIRE_FALSE(info(t, s).srtt);
  // Two full segments 30 ms apart; the peer's ACK of both, 100 ms after the first, echoes the
  // second's TSval (the ACK of the first was lost): the sample is 70 ms, where timing the first
  // segment would say 100.
  send(t, s, 1448);
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 1448u}});
  t.advance(30ms);
  send(t, s, 1448);
  check_sent(t.sent(), {{"P.", t.snd_nxt + 1448, t.rcv_nxt, 1448u}});
  const std::uint32_t second = t.host_tsval;
  t.advance(70ms);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 2 * 1448, {}, 65535,
           timestamps(t.peer_tsval, second));
  const auto i = info(t, s);
  REQUIRE(i.srtt);
  CHECK(*i.srtt == 70ms);
  CHECK(i.rttvar == 35ms);
}

TEST_CASE("PAWS spares a duplicate ACK that a reordering link let a newer segment overtake") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  t.peer_tsval = 5000;
  const auto s = t.reach(tcp_state::established);
  send(t, s, 100);
  t.sent();
  // The peer's duplicate ACKs, the second overtaking the first on the way.
  t.inject({.ack = true}, t.rcv_nxt, t.snd_una, {}, 65535, timestamps(5002, t.host_tsval));
  t.inject({.ack = true}, t.rcv_nxt, t.snd_una, {}, 65535, timestamps(5001, t.host_tsval));
  check_sent(t.sent(), {});
  CHECK(t.host.stats()[drop_reason::tcp_paws] == 0);
  // Linux's tcp_disordered_ack() draws the same lines: a lag past the RTO (1 s here), an ACK that
  // moves the window, or one with data is an old duplicate as far as PAWS can tell.
  t.inject({.ack = true}, t.rcv_nxt, t.snd_una, {}, 65535, timestamps(5002 - 1500, t.host_tsval));
  t.inject({.ack = true}, t.rcv_nxt, t.snd_una, {}, 0, timestamps(5001, t.host_tsval));
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_una, text("old"), 65535,
           timestamps(5001, t.host_tsval));
  CHECK(t.host.stats()[drop_reason::tcp_paws] == 3);
  CHECK(t.read(s).data.empty());
}

TEST_CASE("timestamps: an ACK of resent data echoing the original's TSval gives no RTT sample") {
  // The peer held the data; only its ACKs were lost. It answers the retransmission echoing the
  // TSval it kept, the original's (RFC 7323 3.4): now minus that is the whole episode, not a
  // round trip.
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  const auto s = t.reach(tcp_state::established);  // the handshake's sample: 0 ms
  send(t, s, 100);
  t.sent();
  const std::uint32_t original = t.host_tsval;
  t.advance(1s);
  t.advance(2s);
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 100u}, {"P.", t.snd_nxt, t.rcv_nxt, 100u}});
  t.advance(10ms);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 100, {}, 65535,
           timestamps(t.peer_tsval, original));
  auto i = info(t, s);
  CHECK(i.bytes_in_flight == 0);
  CHECK(*i.srtt == 0ms);
  // New data, its echo after the retransmission: timed again.
  send(t, s, 100);
  t.sent();
  t.advance(20ms);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 200, {}, 65535,
           timestamps(t.peer_tsval, t.host_tsval));
  i = info(t, s);
  CHECK(*i.srtt == 2500us);  // 0 + 20 ms / 8
}

TEST_CASE("timestamps: the ACK of a segment that fills a hole echoes that segment (RFC 7323 3.4)") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  t.peer_tsval = 100;
  t.reach(tcp_state::established);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, bytes(100), 65535, timestamps(101, t.host_tsval));
  t.advance(40ms);
  CHECK(t.sent()[0].seg.options.timestamps->ecr == 101);
  // A segment past a hole: its ACK echoes the last one in order.
  t.inject({.ack = true}, t.rcv_nxt + 200, t.snd_nxt, bytes(100), 65535,
           timestamps(103, t.host_tsval));
  CHECK(t.sent()[0].seg.options.timestamps->ecr == 101);
  // The retransmission that fills it, sent later: its own TSval.
  t.inject({.ack = true}, t.rcv_nxt + 100, t.snd_nxt, bytes(100), 65535,
           timestamps(110, t.host_tsval));
  const auto ack = t.sent();
  check_sent(ack, {{".", t.snd_nxt, t.rcv_nxt + 300, 0u}});
  CHECK(ack[0].seg.options.timestamps->ecr == 110);
}

TEST_CASE("timestamps: a TSecr from the host's future gives no RTT sample of weeks") {
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  const auto s = t.reach(tcp_state::established);  // the handshake's sample: 0 ms
  send(t, s, 100);
  check_sent(t.sent(), {{"P.", t.snd_nxt, t.rcv_nxt, 100u}});
  t.advance(100ms);
  t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 100, {}, 65535,
           timestamps(t.peer_tsval, t.host_tsval + 1'000'000));
  // The segment is timed as without timestamps: 100 ms, and srtt = 0 + 100 ms / 8.
  const auto i = info(t, s);
  REQUIRE(i.srtt);
  CHECK(*i.srtt == 12500us);
  CHECK(i.rto == 1s);
}

// SACK (RFC 2018, RFC 6675).

TEST_CASE("SACK: the receiver reports the most recent blocks first") {
  tcp_harness t;
  t.peer_syn_options.sack_permitted = true;
  const auto s = t.reach(tcp_state::established);
  CHECK(info(t, s).sack);
  const seq32 r = t.rcv_nxt;
  const auto block = [&](std::uint32_t from, std::uint32_t to) {
    return sack_block{r + from, r + to};
  };
  const auto segment_at = [&](std::uint32_t from) {
    t.inject({.ack = true}, r + from, t.snd_nxt, bytes(100));
    const auto ack = t.sent();
    REQUIRE(ack.size() == 1);
    return ack[0];
  };
  // Four out-of-order segments, each ACKed at once with the blocks, newest first.
  CHECK(blocks_of(segment_at(100)) == std::vector{block(100, 200)});
  CHECK(blocks_of(segment_at(300)) == std::vector{block(300, 400), block(100, 200)});
  CHECK(blocks_of(segment_at(500)) ==
        std::vector{block(500, 600), block(300, 400), block(100, 200)});
  CHECK(blocks_of(segment_at(700)) ==
        std::vector{block(700, 800), block(500, 600), block(300, 400), block(100, 200)});
  // A fifth: the oldest block no longer fits.
  CHECK(blocks_of(segment_at(900)) ==
        std::vector{block(900, 1000), block(700, 800), block(500, 600), block(300, 400)});
  // One that joins two blocks comes first, as the merged block.
  CHECK(blocks_of(segment_at(200)) ==
        std::vector{block(100, 400), block(900, 1000), block(700, 800), block(500, 600)});
  // Filling the hole at rcv.nxt: the ACK moves on, the blocks beyond remain.
  const auto filled = segment_at(0);
  CHECK(filled.seg.ack == r + 400);
  CHECK(blocks_of(filled) == std::vector{block(900, 1000), block(700, 800), block(500, 600)});
}

TEST_CASE("SACK: three losses in one window are all resent within one round trip (RFC 6675)") {
  tcp_harness t;
  t.peer_syn_options.sack_permitted = true;
  const auto s = t.reach(tcp_state::established);
  constexpr std::uint32_t smss = 1460;
  const auto seg = [&](std::uint32_t i) { return t.snd_nxt + i * smss; };
  const auto full = [&](std::uint32_t i) -> expected_segment {
    return {".", seg(i), t.rcv_nxt, smss};
  };
  // The peer's duplicate ACK of segment 0, with blocks [a, b) in segments, newest first.
  const auto sacks = [&](std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> b) {
    tcp_options o;
    for (const auto& [from, to] : b) o.sack_blocks[o.sack_count++] = {seg(from), seg(to)};
    t.inject({.ack = true}, t.rcv_nxt, seg(0), {}, 65535, o);
    return t.sent();
  };
  send(t, s, 100'000);
  std::vector<expected_segment> window;
  for (std::uint32_t i = 0; i < 10; ++i) window.push_back(full(i));
  check_sent(t.sent(), window);
  // Segments 0, 2 and 4 are lost. Limited transmit sends 10 and 11; the third duplicate starts
  // recovery and resends 0.
  check_sent(sacks({{1, 2}}), {full(10)});
  check_sent(sacks({{3, 4}, {1, 2}}), {full(11)});
  check_sent(sacks({{5, 6}, {3, 4}, {1, 2}}), {full(0)});
  // RFC 6675 5 (4.2): half of the ten segments in flight before limited transmit.
  CHECK(info(t, s).in_recovery);
  CHECK(info(t, s).cwnd == 5 * smss);
  CHECK(info(t, s).ssthresh == 5 * smss);
  // The rest of the first window arrives; as the pipe drains, the scoreboard deems 2 and then 4
  // lost, and each goes before the ACK that the first retransmission will bring.
  check_sent(sacks({{5, 7}, {3, 4}, {1, 2}}), {});
  check_sent(sacks({{5, 8}, {3, 4}, {1, 2}}), {});
  check_sent(sacks({{5, 9}, {3, 4}, {1, 2}}), {full(2)});
  check_sent(sacks({{5, 10}, {3, 4}, {1, 2}}), {full(4)});
  check_sent(sacks({{5, 11}, {3, 4}, {1, 2}}), {full(12)});
  const auto i = info(t, s);
  CHECK(i.fast_retransmits == 1);
  CHECK(i.retransmits == 3);
  CHECK(i.timeouts == 0);
  // The resent segments arrive: each ACK moves on by a hole, with nothing more to resend.
  t.inject({.ack = true}, t.rcv_nxt, seg(2), {}, 65535,
           sack({{seg(3), seg(4)}, {seg(5), seg(12)}}));
  t.inject({.ack = true}, t.rcv_nxt, seg(4), {}, 65535, sack({{seg(5), seg(12)}}));
  t.inject({.ack = true}, t.rcv_nxt, seg(12), {}, 65535);
  for (const auto& out : t.sent()) CHECK(seq_ge(out.seg.seq, seg(12)));
  CHECK_FALSE(info(t, s).in_recovery);
  CHECK(info(t, s).retransmits == 3);
}

}  // namespace
}  // namespace tapstack::test
