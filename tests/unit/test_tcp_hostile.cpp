// TCP against a hostile peer: values from the wire that must not crash or amplify (the peer's MSS),
// and the replies a peer can provoke, limited per connection (challenge ACKs, RFC 5961 7; ACKs to
// invalid ACKs, as Linux's tcp_invalid_ratelimit), with no budget shared between connections.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// The peer's MSS as the host uses it, from the data segments a 480-byte write makes.
std::vector<std::size_t> segment_sizes_after_write(tcp_harness& t, tcp_socket_id s) {
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(480, 'x'), queued, t.now()));
  REQUIRE(queued == 480);
  std::vector<std::size_t> sizes;
  for (const auto& sent : t.sent())
    if (!sent.payload.empty()) sizes.push_back(sent.payload.size());
  return sizes;
}

TEST_CASE("a SYN with MSS 0 is answered, and the connection sends segments of the 48-byte floor") {
  // The frame that killed the host with SIGFPE: a listener dividing by the peer's MSS.
  for (const bool timestamps : {false, true}) {
    CAPTURE(timestamps);
    tcp_harness t;
    t.peer_syn_options = {.mss = 0};
    if (timestamps) t.peer_syn_options.timestamps = tcp_timestamps{};
    const auto s = t.reach(tcp_state::established);
    CHECK(t.host.stats()[event::tcp_peer_mss_raised] == 1);
    // The timestamps option (12 bytes) comes out of the 48 (RFC 6691); info() reports what a
    // segment's data may fill, as Linux's tcpi_snd_mss.
    const std::size_t room = timestamps ? 36 : 48;
    CHECK(t.host.tcp().info(s)->snd_mss == room);
    const auto sizes = segment_sizes_after_write(t, s);
    REQUIRE_FALSE(sizes.empty());
    CHECK(std::all_of(sizes.begin(), sizes.end() - 1, [&](std::size_t n) { return n == room; }));
  }
}

TEST_CASE("MSS 1 and 8 are raised to 48: a 480-byte write leaves as 10 segments, not 480") {
  for (const std::uint16_t mss : {1, 8}) {
    CAPTURE(mss);
    tcp_harness t;
    t.peer_syn_options = {.mss = mss};
    const auto s = t.reach(tcp_state::established, open_kind::active);
    CHECK(t.host.tcp().info(s)->snd_mss == 48);
    CHECK(segment_sizes_after_write(t, s) == std::vector<std::size_t>(10, 48));
  }
}

TEST_CASE("the floor is a flag (--tcp-min-mss), and the MTU is the ceiling") {
  stack_config c = tcp_harness::default_config();
  c.tcp.min_snd_mss = 100;
  tcp_harness floor{c};
  floor.peer_syn_options = {.mss = 60};
  const auto s = floor.reach(tcp_state::established, open_kind::active);
  CHECK(floor.host.tcp().info(s)->snd_mss == 100);

  tcp_harness ceiling;
  ceiling.peer_syn_options = {.mss = 65535};
  const auto big = ceiling.reach(tcp_state::established, open_kind::active);
  CHECK(ceiling.host.tcp().info(big)->snd_mss == 1460);
  CHECK(ceiling.host.stats()[event::tcp_peer_mss_raised] == 0);
}

TEST_CASE("RFC 5961 7: challenge ACKs are limited per connection, about 10 a second") {
  tcp_harness t;
  t.reach(tcp_state::established);
  // A blind attacker's burst of RSTs in the window, none at rcv.nxt.
  for (int i = 0; i < 200; ++i) t.inject({.rst = true}, t.rcv_nxt + 100 + i, seq32{0});
  const auto first_second = t.sent().size();
  CHECK(first_second >= 5);
  CHECK(first_second <= 15);
  CHECK(t.host.stats()[event::tcp_challenge_acks] == first_second);
  CHECK(t.host.stats()[event::tcp_challenge_acks_limited] == 200 - first_second);
  CHECK(t.state() == tcp_state::established);
  // The next second has a budget of its own.
  t.advance(1s);
  t.inject({.rst = true}, t.rcv_nxt + 100, seq32{0});
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}});
}

TEST_CASE("one connection spending its challenge ACKs leaves another's budget untouched") {
  // CVE-2016-5696: with one host-wide budget, an off-path attacker exhausts it on its own
  // connection and counts the challenge ACKs a victim's connection no longer gets.
  tcp_harness t;
  t.reach(tcp_state::established);
  // A second connection from another port of the peer.
  const std::uint16_t other = tcp_harness::peer_port + 1;
  const seq32 other_iss{77'000};
  t.inject({.syn = true}, other_iss, seq32{0}, {}, 65535, {.mss = 1460}, other);
  const auto syn_ack = t.sent();
  REQUIRE(syn_ack.size() == 1);
  const seq32 other_host_nxt = syn_ack[0].seg.seq + 1;
  t.inject({.ack = true}, other_iss + 1, other_host_nxt, {}, 65535, {}, other);
  CHECK(t.sent().empty());
  for (int i = 0; i < 100; ++i) t.inject({.rst = true}, t.rcv_nxt + 100 + i, seq32{0});
  CHECK(t.host.stats()[event::tcp_challenge_acks_limited] > 0);
  t.sent();
  t.inject({.rst = true}, other_iss + 50, seq32{0}, {}, 65535, {}, other);
  const auto challenge = t.sent();
  REQUIRE(challenge.size() == 1);
  CHECK(challenge[0].seg.dst_port == other);
  CHECK(challenge[0].seg.ack == other_iss + 1);
}

TEST_CASE("ACKs of data never sent: one reply per 500 ms, not one each") {
  tcp_harness t;
  t.reach(tcp_state::established);
  // 2,000 in a second, as a storm would send them: replies at 0 and 500 ms only.
  for (int i = 0; i < 2000; ++i) {
    t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt + 1000);
    t.advance(500us);
  }
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}, {".", t.snd_nxt, t.rcv_nxt}});
  CHECK(t.host.stats()[event::tcp_invalid_ack_replies] == 2);
  CHECK(t.host.stats()[event::tcp_invalid_ack_replies_limited] == 1998);
  CHECK(t.state() == tcp_state::established);
}

TEST_CASE("out-of-window pure ACKs are limited, but old data is acknowledged every time") {
  tcp_harness t;
  const auto s = t.reach(tcp_state::established);
  for (int i = 0; i < 10; ++i) t.inject({.ack = true}, t.rcv_nxt + 10'000'000, t.snd_nxt);
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt}});
  // A resent segment the host already has: its sender needs the ACK it lost, each time.
  t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("abc"));
  t.sent();
  for (int i = 0; i < 3; ++i)
    t.inject({.psh = true, .ack = true}, t.rcv_nxt, t.snd_nxt, text("abc"));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt + 3},
                        {".", t.snd_nxt, t.rcv_nxt + 3},
                        {".", t.snd_nxt, t.rcv_nxt + 3}});
  CHECK(t.read(s).data == "abc");
}

TEST_CASE("SYNs out of the window take the challenge ACK budget, not one ACK each") {
  // RFC 5961 4.2: a SYN on a synchronized connection gets a challenge ACK whatever its number.
  tcp_harness t;
  t.reach(tcp_state::established);
  for (int i = 0; i < 64; ++i) t.inject({.syn = true}, t.peer_iss, seq32{0});
  const auto replies = t.sent().size();
  CHECK(replies >= 5);
  CHECK(replies <= 15);
  CHECK(t.host.stats()[event::tcp_challenge_acks_limited] == 64 - replies);
  CHECK(t.state() == tcp_state::established);
}

TEST_CASE("SYNs with a stale timestamp take the challenge ACK budget too, not one ACK each") {
  // PAWS refuses them before the sequence number is looked at; a SYN there is no segment whose
  // ACK the peer needs, so it gets what a SYN gets anywhere on a synchronized connection.
  tcp_harness t;
  t.peer_syn_options.timestamps = tcp_timestamps{};
  t.reach(tcp_state::established);
  tcp_options stale = t.peer_options();
  stale.timestamps->val -= 1u << 30;
  for (int i = 0; i < 64; ++i)
    t.inject({.syn = true, .ack = true}, t.peer_iss + 12345, t.snd_nxt, {}, 0, stale);
  const auto replies = t.sent().size();
  CHECK(replies >= 5);
  CHECK(replies <= 15);
  CHECK(t.host.stats()[event::tcp_challenge_acks_limited] == 64 - replies);
  CHECK(t.state() == tcp_state::established);
}

TEST_CASE("fast retransmit resends what was sent, never new data past the peer's window") {
  // The peer offers 10 bytes; the application queues 1000. Three duplicate ACKs must resend the
  // 10 bytes in flight, not a segment of data the window never let out.
  tcp_harness t;
  t.peer_window = 10;
  const auto s = t.reach(tcp_state::established);
  std::size_t queued = 0;
  REQUIRE_FALSE(t.host.tcp().send(s, std::vector<std::uint8_t>(1000, 'x'), queued, t.now()));
  check_sent(t.sent(), {{".", t.snd_nxt, t.rcv_nxt, 10u}});
  for (int i = 0; i < 3; ++i) t.inject({.ack = true}, t.rcv_nxt, t.snd_nxt, {}, 10);
  for (const auto& sent : t.sent()) {
    CHECK(sent.payload.size() <= 10);
    CHECK(seq_le(sent.seg.seq + static_cast<std::uint32_t>(sent.payload.size()), t.snd_nxt + 10));
  }
}

}  // namespace
}  // namespace tapstack::test
