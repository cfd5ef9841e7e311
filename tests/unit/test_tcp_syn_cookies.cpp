// A listener under a SYN flood (RFC 4987 3.6): once its handshakes under way fill the backlog,
// SYNs are answered with a cookie and cost nothing; the ACK that hands a valid cookie back makes
// the connection, with the MSS, window scale and SACK its SYN offered; a forged one is reset. A
// full accept queue still drops SYNs, and the host's connection limit holds.
#include <doctest/doctest.h>

#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

using h = tcp_harness;

constexpr std::uint16_t flooder_port = h::peer_port + 1;

// A host whose listener has a backlog of one, with the peer's first handshake under way.
struct flooded {
  tcp_harness t;
  seq32 first_iss;
  explicit flooded(stack_config config = tcp_harness::default_config()) : t{config} {
    t.listener = t.host.tcp().open();
    REQUIRE_FALSE(t.host.tcp().bind(t.listener, {ipv4_address::any(), h::host_port}));
    REQUIRE_FALSE(t.host.tcp().listen(t.listener, 1));
    t.inject({.syn = true}, seq32{1000}, seq32{0});
    first_iss = t.sent().at(0).seg.seq;
  }
};

TEST_CASE(
    "a full SYN queue answers with a cookie and keeps nothing; its ACK makes the connection") {
  flooded f;
  tcp_harness& t = f.t;
  t.inject({.syn = true}, seq32{7000}, seq32{0}, {}, 65535, {.mss = 1400}, flooder_port);
  const auto answer = t.sent();
  check_sent(answer, {{"S.", std::nullopt, seq32{7001}}});
  const seq32 cookie = answer[0].seg.seq;
  CHECK(t.host.stats()[event::tcp_syn_cookies_sent] == 1);
  CHECK(t.host.tcp().connections().size() == 1);  // only the first handshake is held
  // The handshake completes with the cookie handed back, data riding on the ACK.
  t.inject({.psh = true, .ack = true}, seq32{7001}, cookie + 1, text("hello"), 65535, {},
           flooder_port);
  CHECK(t.host.stats()[event::tcp_syn_cookies_validated] == 1);
  tcp_socket_id s = 0;
  REQUIRE_FALSE(t.host.tcp().accept(t.listener, s));
  CHECK(t.host.tcp().remote_endpoint(s)->port == flooder_port);
  CHECK(t.read(s).data == "hello");
  const auto info = t.host.tcp().info(s);
  CHECK(info->state == tcp_state::established);
  CHECK(info->snd_mss == 1300);  // 1400 rounded down to the cookie's table
  CHECK_FALSE(info->sack);       // without timestamps a cookie carries no options
  CHECK_FALSE(info->snd_wscale);
}

TEST_CASE("with timestamps, a cookie brings back the SYN's window scale and SACK") {
  flooded f;
  tcp_harness& t = f.t;
  const tcp_options syn{.mss = 1460,
                        .window_scale = 7,
                        .sack_permitted = true,
                        .timestamps = tcp_timestamps{5000, 0}};
  t.inject({.syn = true}, seq32{7000}, seq32{0}, {}, 65535, syn, flooder_port);
  const auto answer = t.sent();
  REQUIRE(answer.size() == 1);
  const tcp_repr& syn_ack = answer[0].seg;
  CHECK(syn_ack.options.window_scale.has_value());
  CHECK(syn_ack.options.sack_permitted);
  REQUIRE(syn_ack.options.timestamps);
  t.inject({.ack = true}, seq32{7001}, syn_ack.seq + 1, {}, 1000,
           {.timestamps = tcp_timestamps{5001, syn_ack.options.timestamps->val}}, flooder_port);
  tcp_socket_id s = 0;
  REQUIRE_FALSE(t.host.tcp().accept(t.listener, s));
  const auto info = t.host.tcp().info(s);
  CHECK(info->sack);
  CHECK(info->timestamps);
  CHECK(info->snd_wscale == 7);
  CHECK(info->snd_wnd == 1000u << 7);
}

TEST_CASE("an ACK with a forged cookie is reset and counted, and none is checked with no flood") {
  flooded f;
  tcp_harness& t = f.t;
  // No cookie has gone out yet: an ACK from nowhere is reset without being looked at.
  t.inject({.ack = true}, seq32{5001}, seq32{123456}, {}, 65535, {}, flooder_port);
  check_sent(t.sent(), {{"R", seq32{123456}, std::nullopt}});
  CHECK(t.host.stats()[drop_reason::tcp_syn_cookie_rejected] == 0);
  t.inject({.syn = true}, seq32{7000}, seq32{0}, {}, 65535, {}, flooder_port);
  const seq32 cookie = t.sent().at(0).seg.seq;
  // Off by one, another tuple, another peer ISN: each fails.
  t.inject({.ack = true}, seq32{7001}, cookie + 2, {}, 65535, {}, flooder_port);
  t.inject({.ack = true}, seq32{7001}, cookie + 1, {}, 65535, {}, flooder_port + 1);
  t.inject({.ack = true}, seq32{8001}, cookie + 1, {}, 65535, {}, flooder_port);
  const auto resets = t.sent();
  REQUIRE(resets.size() == 3);
  for (const auto& r : resets) CHECK(r.seg.flags.rst);
  CHECK(t.host.stats()[drop_reason::tcp_syn_cookie_rejected] == 3);
  CHECK(t.host.stats()[event::tcp_syn_cookies_validated] == 0);
  tcp_socket_id s = 0;
  CHECK(t.host.tcp().accept(t.listener, s) == would_block);
}

TEST_CASE("a full accept queue drops SYNs and cookie ACKs alike, until the application accepts") {
  flooded f;
  tcp_harness& t = f.t;
  t.inject({.syn = true}, seq32{7000}, seq32{0}, {}, 65535, {}, flooder_port);
  const seq32 cookie = t.sent().at(0).seg.seq;
  // The first handshake completes: the accept queue (backlog 1) is full.
  t.inject({.ack = true}, seq32{1001}, f.first_iss + 1);
  t.inject({.syn = true}, seq32{9000}, seq32{0}, {}, 65535, {}, flooder_port + 1);
  t.inject({.ack = true}, seq32{7001}, cookie + 1, {}, 65535, {}, flooder_port);
  check_sent(t.sent(), {});
  CHECK(t.host.stats()[drop_reason::tcp_listen_overflow] == 2);
  tcp_socket_id s = 0;
  REQUIRE_FALSE(t.host.tcp().accept(t.listener, s));
  // The peer thinks itself connected, and its next segment brings the cookie back again.
  t.inject({.psh = true, .ack = true}, seq32{7001}, cookie + 1, text("again"), 65535, {},
           flooder_port);
  REQUIRE_FALSE(t.host.tcp().accept(t.listener, s));
  CHECK(t.read(s).data == "again");
}

TEST_CASE("--max-connections: past it SYNs are dropped and connect fails") {
  stack_config config = tcp_harness::default_config();
  config.tcp.max_connections = 1;
  tcp_harness t{config};
  t.reach(tcp_state::established);
  t.inject({.syn = true}, seq32{7000}, seq32{0}, {}, 65535, {}, flooder_port);
  check_sent(t.sent(), {});
  CHECK(t.host.stats()[drop_reason::tcp_connection_limit] == 1);
  const tcp_socket_id s = t.host.tcp().open();
  CHECK(t.host.tcp().connect(s, {ipv4_address{0x0a000001}, 5001}, t.now()) ==
        std::make_error_code(std::errc::no_buffer_space));
}

}  // namespace
}  // namespace tapstack::test
