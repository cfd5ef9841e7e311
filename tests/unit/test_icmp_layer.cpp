// ICMP through the host (RFC 792, RFC 1122 3.2.2): the kernel's ping gets the kernel's reply, even
// when the host must ask ARP first; broadcast echoes are ignored; our own pings and their replies.
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include <doctest/doctest.h>

#include "stack/stack.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t ip_at = ethernet::header_len;
constexpr std::size_t icmp_at = ethernet::header_len + ipv4::min_header_len;

// What b's kernel answered, with our IP identification instead of its own: the one field each
// sender picks for itself (test_ipv4_layer checks that ours are unique). Every other byte, the
// checksums included, must be the kernel's.
byte_vector kernel_reply_with_ident_of(const char* golden, const byte_vector& ours) {
  return with_ipv4_ident(load_golden(golden).bytes, ipv4_ident(ours));
}

TEST_CASE_FIXTURE(host_fixture, "the kernel's ping gets the kernel's echo reply") {
  learn_peer(t0);
  const auto out = receive(load_golden("echo-request").bytes, t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  CHECK_FRAME(out[0], kernel_reply_with_ident_of("echo-reply", out[0]));
  CHECK(host.stats()[event::icmp_echo_requests_in] == 1);
  CHECK(host.stats()[event::icmp_echo_replies_out] == 1);
}

TEST_CASE_FIXTURE(host_fixture, "a ping of the largest size the MTU carries is answered in full") {
  learn_peer(t0);
  const auto request = load_golden("echo-request-max");
  REQUIRE(request.bytes.size() == ethernet::header_len + host.config().mtu);
  const auto out = receive(request.bytes, t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  CHECK_FRAME(out[0], kernel_reply_with_ident_of("echo-reply-max", out[0]));
}

TEST_CASE_FIXTURE(host_fixture, "the first ping after the cache is empty waits for ARP, not lost") {
  const auto ask = receive(load_golden("echo-request").bytes, t0);
  INFO(describe_all(ask));
  REQUIRE(ask.size() == 1);
  CHECK_FRAME(ask[0], load_golden("arp-request-for-peer").bytes);

  // The peer's answer releases the queued echo reply at once.
  const auto out = receive(load_golden("arp-reply-from-peer").bytes, t0 + 1ms);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  CHECK_FRAME(out[0], kernel_reply_with_ident_of("echo-reply", out[0]));
  CHECK(host.arp().lookup(capture::peer_ip, t0 + 1ms) == capture::peer_mac);
  CHECK(poll(t0 + 5s).empty());  // answered: no more requests
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE_FIXTURE(host_fixture, "an echo request to a broadcast address is ignored") {
  learn_peer(t0);
  const auto out = receive(load_golden("echo-request-broadcast").bytes, t0);
  INFO(describe_all(out));
  CHECK(out.empty());
  CHECK(host.stats()[drop_reason::icmp_broadcast_echo] == 1);
  CHECK(host.stats()[event::icmp_echo_requests_in] == 1);
  CHECK(host.stats()[event::icmp_echo_replies_out] == 0);
}

TEST_CASE("malformed ICMP messages are counted under their reason, unanswered") {
  struct bad {
    const char* what;
    std::function<void(byte_vector&)> edit;
    drop_reason why;
  };
  const std::vector<bad> cases{
      {"4 bytes of ICMP",
       [](byte_vector& f) {
         store_be16(&f[ip_at + ipv4::field::total_len], ipv4::min_header_len + 4);
         f.resize(icmp_at + 4);
         refresh_ipv4_checksum(f);
       },
       drop_reason::icmp_truncated},
      {"a data byte changed", [](byte_vector& f) { f[icmp_at + 20] ^= 0xff; },
       drop_reason::icmp_bad_checksum},
      {"type 13 (timestamp)",
       [](byte_vector& f) {
         f[icmp_at + icmp::field::type] = 13;
         refresh_icmp_checksum(f);
       },
       drop_reason::icmp_unhandled},
  };
  for (const bad& b : cases) {
    INFO(b.what);
    host_fixture f;
    f.learn_peer(f.t0);
    auto frame = load_golden("echo-request").bytes;
    b.edit(frame);
    const auto out = f.receive(frame, f.t0);
    INFO(describe_all(out));
    CHECK(out.empty());
    CHECK(f.host.stats()[b.why] == 1);
    CHECK(f.host.stats().total_drops() == 1);
  }
}

TEST_CASE_FIXTURE(host_fixture,
                  "an ICMP error about a packet we did not send is counted, not answered") {
  learn_peer(t0);
  const auto request = load_golden("echo-request").bytes;
  icmp_repr unreachable;
  unreachable.type = icmp_type::dest_unreachable;
  unreachable.code = 3;
  unreachable.data = const_byte_span{request}.subspan(ip_at, ipv4::min_header_len + 8);
  ipv4_repr ip;
  ip.src = capture::peer_ip;
  ip.dst = capture::host_ip;
  const auto frame = emit_frame({capture::peer_mac, capture::host_mac, ethertype::ipv4},
                                emit_ipv4(ip, emit_icmp(unreachable)));
  CHECK(receive(frame, t0).empty());
  CHECK(host.stats()[event::icmp_errors_in] == 1);
  CHECK(host.stats()[drop_reason::icmp_error_unmatched] == 1);
  CHECK(host.stats().total_drops() == 1);
}

// The host in the peer's place (10.0.0.1), to ping b and receive b's kernel's reply.
stack_config as_peer() {
  stack_config config;
  config.mac = capture::peer_mac;
  config.address = ipv4_cidr{capture::peer_ip, 24};
  config.gateway.reset();
  return config;
}

TEST_CASE("an echo request we send carries the kernel ping's ICMP bytes exactly") {
  host_fixture f{as_peer()};
  // b's kernel's reply to the peer's ARP request teaches the host b's MAC.
  f.receive(load_golden("arp-reply").bytes, f.t0);
  REQUIRE(f.host.arp().lookup(capture::host_ip, f.t0) == capture::host_mac);

  const auto kernel = load_golden("echo-request");
  const byte_vector kernel_icmp(kernel.bytes.begin() + icmp_at, kernel.bytes.end());
  const auto ident = static_cast<std::uint16_t>(kernel.tcpdump_number("-n", "id"));
  const auto seq = static_cast<std::uint16_t>(kernel.tcpdump_number("-n", "seq"));
  const const_byte_span data = const_byte_span{kernel_icmp}.subspan(icmp::header_len);
  REQUIRE(f.host.icmp().send_echo_request(capture::host_ip, ident, seq, data, f.t0));
  const auto out = drain(f.host);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);

  ipv4_repr ip;
  ip.src = capture::peer_ip;
  ip.dst = capture::host_ip;
  ip.ident = ipv4_ident(out[0]);
  CHECK_FRAME(out[0], emit_frame({capture::peer_mac, capture::host_mac, ethertype::ipv4},
                                 emit_ipv4(ip, kernel_icmp)));
}

TEST_CASE("an echo request fills one packet at the MTU, fragments past it, and stops at 64 KB") {
  host_fixture f;
  f.learn_peer(f.t0);
  const std::size_t mtu = f.host.config().mtu;
  const byte_vector fits(mtu - ipv4::min_header_len - icmp::header_len);
  const byte_vector too_big(65535 - ipv4::min_header_len - icmp::header_len + 1);
  CHECK_FALSE(f.host.icmp().send_echo_request(capture::peer_ip, 1, 1, too_big, f.t0));
  CHECK(drain(f.host).empty());
  const byte_vector two_fragments(fits.size() + 1);
  CHECK(f.host.icmp().send_echo_request(capture::peer_ip, 1, 3, two_fragments, f.t0));
  CHECK(drain(f.host).size() == 2);
  CHECK(f.host.icmp().send_echo_request(capture::peer_ip, 1, 2, fits, f.t0));
  const auto out = drain(f.host);
  REQUIRE(out.size() == 1);
  CHECK(out[0].size() == ethernet::header_len + mtu);
}

TEST_CASE("the kernel's echo reply is kept for whoever pinged") {
  host_fixture f{as_peer()};
  const auto reply = load_golden("echo-reply");
  CHECK(f.receive(reply.bytes, f.t0 + 3ms).empty());
  REQUIRE(f.host.icmp().replies().size() == 1);
  const echo_reply& r = f.host.icmp().replies().front();
  CHECK(r.from == capture::host_ip);
  CHECK(r.ident == reply.tcpdump_number("-n", "id"));
  CHECK(r.seq == reply.tcpdump_number("-n", "seq"));
  CHECK(r.data_len == 56);
  CHECK(r.ttl == reply.tcpdump_number("-nv", "ttl"));
  CHECK(r.received == f.t0 + 3ms);
  CHECK(f.host.stats()[event::icmp_echo_replies_in] == 1);
}

TEST_CASE("kept replies are bounded, the oldest go first") {
  host_fixture f{as_peer()};
  auto reply = load_golden("echo-reply").bytes;
  const std::size_t extra = 3;
  for (std::uint16_t seq = 1; seq <= icmp_layer::max_replies + extra; ++seq) {
    store_be16(&reply[icmp_at + icmp::field::seq], seq);
    refresh_icmp_checksum(reply);
    f.receive(reply, f.t0);
  }
  const auto& replies = f.host.icmp().replies();
  REQUIRE(replies.size() == icmp_layer::max_replies);
  CHECK(replies.front().seq == extra + 1);
  CHECK(replies.back().seq == icmp_layer::max_replies + extra);
}

}  // namespace
}  // namespace tapstack::test
