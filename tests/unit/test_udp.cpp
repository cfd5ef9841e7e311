// UDP through the host (RFC 768, RFC 1122 4.1): the header and checksum against the kernel's own
// datagram, delivery to a bound socket, port unreachable for closed ports exactly as the kernel
// sends it, queue bounds, ephemeral ports, connected sockets and the errors they are told.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "stack/stack.hpp"
#include "stack/wire/describe.hpp"
#include "stack/wire/udp.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t ip_at = ethernet::header_len;
constexpr std::size_t udp_at = ip_at + ipv4::min_header_len;

const byte_vector hello = {'h', 'e', 'l', 'l', 'o', '\n'};

// A datagram from the peer (10.0.0.1) to the host, as the kernel would send it.
byte_vector datagram_from_peer(std::uint16_t src_port, std::uint16_t dst_port,
                               const byte_vector& data, ipv4_address dst = capture::host_ip) {
  ipv4_repr ip;
  ip.src = capture::peer_ip;
  ip.dst = dst;
  ip.protocol = ip_protocol::udp;
  byte_vector udp(udp::header_len + data.size());
  udp_repr{src_port, dst_port, data}.emit(udp, ip.src, ip.dst);
  const mac_address to = dst.is_broadcast() || dst == ipv4_address{0x0a0000ff}
                             ? mac_address::broadcast()
                             : capture::host_mac;
  return emit_frame({capture::peer_mac, to, ethertype::ipv4}, emit_ipv4(ip, udp));
}

TEST_CASE("the kernel's datagram parses, and emitting it again gives its bytes") {
  const auto g = load_golden("udp-datagram");
  const auto ip = ipv4_view::check(const_byte_span{g.bytes}.subspan(ip_at));
  REQUIRE(ip);
  const auto view = udp_view::check(ip->payload());
  REQUIRE(view);
  const auto udp = udp_repr::parse(*view, ip->src(), ip->dst());
  REQUIRE(udp);
  CHECK(udp->src_port == 40000);
  CHECK(udp->dst_port == 7);
  CHECK(byte_vector(udp->payload.begin(), udp->payload.end()) == hello);
  byte_vector out(udp->buffer_len());
  udp->emit(out, ip->src(), ip->dst());
  CHECK(std::equal(out.begin(), out.end(), g.bytes.begin() + udp_at));
  CHECK(describe_frame(g.bytes) == g.tcpdump_line("-n"));
}

TEST_CASE("an ICMP error's quote of a datagram: its header gives the ports, less is truncated") {
  const auto g = load_golden("udp-datagram").bytes;
  const auto full = udp_view::check(const_byte_span{g}.subspan(udp_at));
  REQUIRE(full);
  REQUIRE(full->length() > udp::header_len);
  const const_byte_span quote = const_byte_span{g}.subspan(udp_at, udp::header_len);
  // The length field counts the payload the quote cut off.
  CHECK(udp_view::check(quote).error() == drop_reason::udp_bad_length);
  const auto quoted = quoted_udp_view::check(quote);
  REQUIRE(quoted);
  CHECK(quoted->src_port() == full->src_port());
  CHECK(quoted->dst_port() == full->dst_port());
  CHECK(quoted_udp_view::check(quote.first(7)).error() == drop_reason::udp_truncated);
}

TEST_CASE("UDP header checks: truncated, bad length, bad checksum; zero checksum means none") {
  auto g = load_golden("udp-datagram").bytes;
  const ipv4_address src = capture::peer_ip, dst = capture::host_ip;
  const auto datagram = [&](const byte_vector& f) { return const_byte_span{f}.subspan(udp_at); };

  CHECK(udp_view::check(datagram(g).first(7)).error() == drop_reason::udp_truncated);
  auto bad = g;
  store_be16(&bad[udp_at + udp::field::length], 7);
  CHECK(udp_view::check(datagram(bad)).error() == drop_reason::udp_bad_length);
  store_be16(&bad[udp_at + udp::field::length], 15);
  CHECK(udp_view::check(datagram(bad)).error() == drop_reason::udp_bad_length);

  bad = g;
  bad.back() ^= 0x01;
  CHECK(udp_repr::parse(*udp_view::check(datagram(bad)), src, dst).error() ==
        drop_reason::udp_bad_checksum);
  store_be16(&bad[udp_at + udp::field::checksum], 0);
  CHECK(udp_repr::parse(*udp_view::check(datagram(bad)), src, dst));
  // The pseudo header counts: the same datagram "from" another address does not verify.
  CHECK(udp_repr::parse(*udp_view::check(datagram(g)), ipv4_address{0x0a000009}, dst).error() ==
        drop_reason::udp_bad_checksum);
}

TEST_CASE_FIXTURE(host_fixture, "a closed port is answered with the kernel's port unreachable") {
  learn_peer(t0);
  const auto out = receive(load_golden("udp-datagram").bytes, t0);
  REQUIRE(out.size() == 1);
  // Byte for byte the kernel's, once the identification each sender picks is made equal.
  const auto expected = load_golden("udp-port-unreachable").bytes;
  CHECK_FRAME(out[0], with_ipv4_ident(expected, ipv4_ident(out[0])));
  CHECK(host.stats()[drop_reason::udp_no_socket] == 1);
  CHECK(host.stats()[event::icmp_unreachables_out] == 1);
}

TEST_CASE_FIXTURE(host_fixture, "a bound socket receives the datagram and who sent it") {
  learn_peer(t0);
  auto& udp = host.udp();
  const auto s = udp.open();
  REQUIRE_FALSE(udp.bind(s, {ipv4_address::any(), 7}));
  CHECK_FALSE(udp.ready(s));
  int woken = 0;
  udp.on_ready(s, [&] { ++woken; });
  CHECK(receive(load_golden("udp-datagram").bytes, t0).empty());
  CHECK(woken == 1);
  REQUIRE(udp.ready(s));
  udp_datagram d;
  REQUIRE_FALSE(udp.receive(s, d));
  CHECK(d.from == ipv4_endpoint{capture::peer_ip, 40000});
  CHECK(d.data == hello);
  CHECK(udp.receive(s, d) == std::errc::operation_would_block);
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE_FIXTURE(
    host_fixture,
    "a checksum the device verified or left partial is not summed again; others are") {
  learn_peer(t0);
  auto& udp = host.udp();
  const auto s = udp.open();
  REQUIRE_FALSE(udp.bind(s, {ipv4_address::any(), 7}));
  // The checksum off by one: only a host that sums it can tell.
  auto damaged = datagram_from_peer(40000, 7, hello);
  store_be16(&damaged[udp_at + udp::field::checksum],
             static_cast<std::uint16_t>(load_be16(&damaged[udp_at + udp::field::checksum]) + 1));
  host.receive(damaged, t0);
  CHECK(host.stats()[drop_reason::udp_bad_checksum] == 1);
  CHECK_FALSE(udp.ready(s));
  for (const auto state :
       {frame_meta::checksum_state::verified, frame_meta::checksum_state::partial}) {
    host.receive(damaged, frame_meta{.checksum = state}, t0);
    udp_datagram d;
    REQUIRE_FALSE(udp.receive(s, d));
    CHECK(d.data == hello);
  }
  CHECK(host.stats()[drop_reason::udp_bad_checksum] == 1);
}

TEST_CASE_FIXTURE(host_fixture, "sending: header, checksum and addresses as the peer expects") {
  learn_peer(t0);
  auto& udp = host.udp();
  const auto s = udp.open();
  REQUIRE_FALSE(udp.bind(s, {ipv4_address::any(), 7}));
  REQUIRE_FALSE(udp.send_to(s, hello, {capture::peer_ip, 40000}, t0));
  const auto out = drain(host);
  REQUIRE(out.size() == 1);
  CHECK(describe_frame(out[0]) == "IP 10.0.0.2.7 > 10.0.0.1.40000: UDP, length 6");
  CHECK(host.stats()[event::udp_datagrams_out] == 1);
}

TEST_CASE_FIXTURE(host_fixture, "a full receive queue drops what does not fit, and counts it") {
  learn_peer(t0);
  auto& udp = host.udp();
  const auto s = udp.open();
  REQUIRE_FALSE(udp.bind(s, {ipv4_address::any(), 7}));
  const std::size_t limit = host.config().udp.max_queued_datagrams;
  for (std::size_t i = 0; i < limit + 3; ++i) receive(datagram_from_peer(40000, 7, hello), t0);
  CHECK(host.stats()[event::udp_datagrams_in] == limit);
  CHECK(host.stats()[drop_reason::udp_queue_full] == 3);
}

TEST_CASE_FIXTURE(host_fixture, "ports: one socket each, ephemeral ones random in 49152-65535") {
  auto& udp = host.udp();
  const auto a = udp.open(), b = udp.open();
  REQUIRE_FALSE(udp.bind(a, {ipv4_address::any(), 5000}));
  CHECK(udp.bind(b, {ipv4_address::any(), 5000}) == std::errc::address_in_use);
  CHECK(udp.bind(b, {ipv4_address{0x0a000009}, 5001}) == std::errc::address_not_available);
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 20; ++i) {
    const auto s = udp.open();
    REQUIRE_FALSE(udp.bind(s, {ipv4_address::any(), 0}));
    const auto port = udp.local_endpoint(s)->port;
    CHECK(port >= 49152);
    ports.insert(port);
  }
  CHECK(ports.size() == 20);
  // Not handed out in sequence: RFC 6056 asks that they be hard to guess.
  CHECK(std::adjacent_find(ports.begin(), ports.end(), [](auto x, auto y) { return y != x + 1; }) !=
        ports.end());
  REQUIRE_FALSE(udp.close(a));
  CHECK_FALSE(udp.bind(b, {ipv4_address::any(), 5000}));
}

TEST_CASE_FIXTURE(host_fixture, "a connected socket hears only its peer, and is told of refusal") {
  learn_peer(t0);
  auto& udp = host.udp();
  const auto s = udp.open();
  REQUIRE_FALSE(udp.connect(s, {capture::peer_ip, 53}));
  const auto local = udp.local_endpoint(s)->port;
  REQUIRE_FALSE(udp.send(s, hello, t0));
  const auto sent = drain(host);
  REQUIRE(sent.size() == 1);

  // A stranger's datagram finds no socket: port unreachable, as Linux answers.
  const auto stranger = receive(datagram_from_peer(54, local, hello), t0);
  CHECK(stranger.size() == 1);
  CHECK_FALSE(udp.ready(s));

  // The peer's kernel answers our datagram with port unreachable, quoting it.
  icmp_repr refusal;
  refusal.type = icmp_type::dest_unreachable;
  refusal.code = 3;
  refusal.data = const_byte_span{sent[0]}.subspan(ip_at, ipv4::min_header_len + 8);
  ipv4_repr ip;
  ip.src = capture::peer_ip;
  ip.dst = capture::host_ip;
  CHECK(receive(emit_frame({capture::peer_mac, capture::host_mac, ethertype::ipv4},
                           emit_ipv4(ip, emit_icmp(refusal))),
                t0)
            .empty());
  REQUIRE(udp.ready(s));
  udp_datagram d;
  CHECK(udp.receive(s, d) == std::errc::connection_refused);
  CHECK(udp.receive(s, d) == std::errc::operation_would_block);
}

TEST_CASE_FIXTURE(host_fixture, "no port unreachable for a broadcast datagram (RFC 1122 4.1.3.1)") {
  learn_peer(t0);
  CHECK(receive(datagram_from_peer(40000, 9, hello, ipv4_address{0x0a0000ff}), t0).empty());
  CHECK(receive(datagram_from_peer(40000, 9, hello, ipv4_address::broadcast()), t0).empty());
  CHECK(host.stats()[drop_reason::udp_no_socket] == 2);
  CHECK(host.stats()[event::icmp_unreachables_out] == 0);
}

TEST_CASE_FIXTURE(host_fixture, "ICMP errors are rate limited: a burst, then the refill rate") {
  learn_peer(t0);
  const auto& c = host.config().icmp;
  const std::uint32_t extra = 10;
  for (std::uint32_t i = 0; i < c.error_burst + extra; ++i)
    receive(datagram_from_peer(40000, 9, hello), t0);
  CHECK(host.stats()[event::icmp_unreachables_out] == c.error_burst);
  CHECK(host.stats()[event::icmp_errors_rate_limited] == extra);
  // One error's worth of time later, exactly one more may go.
  const auto later = t0 + duration{std::chrono::seconds{1}} / c.errors_per_second;
  receive(datagram_from_peer(40000, 9, hello), later);
  receive(datagram_from_peer(40000, 9, hello), later);
  CHECK(host.stats()[event::icmp_unreachables_out] == c.error_burst + 1);
}

}  // namespace
}  // namespace tapstack::test
