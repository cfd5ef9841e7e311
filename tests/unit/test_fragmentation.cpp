// Outgoing fragmentation (RFC 791 3.2): a datagram larger than the MTU leaves in fragments of whole
// 8-byte blocks, each within the MTU, with one identification and the right offsets and MF; DF
// forbids it. Then whole round trips through a host: a ping the kernel sent in fragments is
// reassembled and its reply fragmented, byte for byte.
#include <algorithm>
#include <chrono>
#include <vector>

#include <doctest/doctest.h>

#include "stack/ip/ipv4_layer.hpp"
#include "stack/link/arp_layer.hpp"
#include "stack/link/ethernet_layer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const instant t0{};
constexpr std::size_t ip_at = ethernet::header_len;
constexpr std::size_t icmp_at = ip_at + ipv4::min_header_len;

byte_vector pattern(std::size_t n) {
  byte_vector v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 13 + i / 256);
  return v;
}

// Payload bytes [offset, offset + len) of a datagram, MF set when more follow.
struct piece {
  std::size_t offset;
  std::size_t len;
  bool more;
};

// The frame that carries one fragment of a datagram with header ip and payload whole.
byte_vector fragment_frame(mac_address src, mac_address dst, ipv4_repr ip, const byte_vector& whole,
                           piece p) {
  ip.frag_offset = p.offset;
  ip.more_fragments = p.more;
  return emit_frame(ethernet_repr{src, dst, ethertype::ipv4},
                    emit_ipv4(ip, const_byte_span{whole}.subspan(p.offset, p.len)));
}

// Checks that frames are exactly the fragments of a datagram from us to the peer, in order, with
// the identification the first one carries.
void check_fragments(const std::vector<byte_vector>& frames, ipv4_repr ip, const byte_vector& whole,
                     const std::vector<piece>& pieces) {
  INFO(describe_all(frames));
  REQUIRE(frames.size() == pieces.size());
  ip.ident = ipv4_ident(frames[0]);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    CAPTURE(i);
    CHECK_FRAME(frames[i],
                fragment_frame(capture::host_mac, capture::peer_mac, ip, whole, pieces[i]));
  }
}

// An IPv4 layer on its own, the peer's MAC already learned, for what the host does not reach yet
// (DF, payloads of any size and protocol).
struct ip_fixture {
  explicit ip_fixture(std::size_t mtu) : config{with_mtu(mtu)} {
    const auto request = load_golden("arp-request").bytes;
    arp.receive(const_byte_span{request}.subspan(ethernet::header_len), t0);
    sent();  // the ARP reply
  }
  static stack_config with_mtu(std::size_t mtu) {
    stack_config c;
    c.mtu = mtu;
    return c;
  }

  std::vector<byte_vector> send(const byte_vector& payload, ipv4_send_options options = {}) {
    frame f = ip.allocate(payload.size());
    std::copy(payload.begin(), payload.end(), f.bytes().begin());
    ip.send(std::move(f), capture::peer_ip, ip_protocol::udp, t0, options);
    return sent();
  }
  std::vector<byte_vector> sent() {
    std::vector<byte_vector> out;
    while (auto f = eth.pop_transmit()) {
      out.emplace_back(f->bytes().begin(), f->bytes().end());
      ctx.pool.give(std::move(*f));
    }
    return out;
  }
  ipv4_repr header() const {
    ipv4_repr h;
    h.src = capture::host_ip;
    h.dst = capture::peer_ip;
    h.protocol = ip_protocol::udp;
    return h;
  }

  stack_config config;
  host_context ctx{config, logger{}};
  ethernet_layer eth{ctx};
  arp_layer arp{ctx, eth};
  ipv4_layer ip{ctx, arp};
};

TEST_CASE("a datagram larger than the MTU leaves in fragments of whole 8-byte blocks") {
  struct layout {
    std::size_t mtu;
    std::size_t payload;
    std::vector<piece> pieces;
  };
  const std::vector<layout> cases{
      // Fits: one packet, not a fragment.
      {1500, 1480, {{0, 1480, false}}},
      // One byte over: a fragment of 1480 and one of 1.
      {1500, 1481, {{0, 1480, true}, {1480, 1, false}}},
      // ping -s 4000: what Linux sends at this MTU too.
      {1500, 4008, {{0, 1480, true}, {1480, 1480, true}, {2960, 1048, false}}},
      // 556 bytes fit after the header, but only 552 are whole blocks.
      {576, 1480, {{0, 552, true}, {552, 552, true}, {1104, 376, false}}},
      // IPv4's smallest MTU: 48 bytes a fragment.
      {68, 100, {{0, 48, true}, {48, 48, true}, {96, 4, false}}},
  };
  for (const layout& c : cases) {
    CAPTURE(c.mtu);
    CAPTURE(c.payload);
    ip_fixture f{c.mtu};
    const byte_vector payload = pattern(c.payload);
    const auto out = f.send(payload);
    check_fragments(out, f.header(), payload, c.pieces);
    for (const auto& frame : out) CHECK(frame.size() <= ethernet::header_len + c.mtu);
    CHECK(f.ctx.stats[event::ip_packets_out] == 1);
    CHECK(f.ctx.stats[event::ip_fragments_out] == (c.pieces.size() > 1 ? c.pieces.size() : 0));
    CHECK(f.ctx.stats.total_drops() == 0);
  }
}

TEST_CASE("the largest datagram, 65535 bytes, leaves in 45 fragments at a 1500-byte MTU") {
  ip_fixture f{1500};
  const byte_vector payload = pattern(ipv4_layer::max_datagram_payload);
  std::vector<piece> pieces;
  for (std::size_t offset = 0; offset < 44 * 1480; offset += 1480)
    pieces.push_back({offset, 1480, true});
  pieces.push_back({44 * 1480, 395, false});
  check_fragments(f.send(payload), f.header(), payload, pieces);
}

TEST_CASE("each datagram's fragments share an identification no other datagram has") {
  ip_fixture f{1500};
  const auto first = f.send(pattern(3000));
  const auto second = f.send(pattern(3000));
  REQUIRE(first.size() == 3);
  REQUIRE(second.size() == 3);
  for (std::size_t i = 1; i < 3; ++i) {
    CHECK(ipv4_ident(first[i]) == ipv4_ident(first[0]));
    CHECK(ipv4_ident(second[i]) == ipv4_ident(second[0]));
  }
  CHECK(ipv4_ident(first[0]) != ipv4_ident(second[0]));
}

TEST_CASE("dont_fragment sets DF, and drops what does not fit the MTU instead of fragmenting") {
  ip_fixture f{1500};
  const byte_vector fits = pattern(1480);
  ipv4_repr df = f.header();
  df.dont_fragment = true;
  check_fragments(f.send(fits, {.dont_fragment = true}), df, fits, {{0, 1480, false}});

  CHECK(f.send(pattern(1481), {.dont_fragment = true}).empty());
  CHECK(f.ctx.stats[drop_reason::ip_too_big] == 1);
  CHECK(f.ctx.stats[event::ip_fragments_out] == 0);
}

// An echo message of the type given, with this data, as the peer and we write them.
byte_vector echo_message(icmp_type type, const byte_vector& data) {
  icmp_repr m;
  m.type = type;
  m.ident = 0x0f54;
  m.seq = 1;
  m.data = data;
  return emit_icmp(m);
}

// The peer's IPv4 header for its echo requests; Linux clears DF on what it must fragment.
ipv4_repr peer_header() {
  ipv4_repr h;
  h.src = capture::peer_ip;
  h.dst = capture::host_ip;
  h.protocol = ip_protocol::icmp;
  h.ident = 0x4242;
  return h;
}

ipv4_repr our_header() {
  ipv4_repr h;
  h.src = capture::host_ip;
  h.dst = capture::peer_ip;
  h.protocol = ip_protocol::icmp;
  return h;
}

TEST_CASE("ping -s 4000 in fragments, in any order, gets its reply in fragments") {
  const byte_vector data = pattern(4000);
  const byte_vector request = echo_message(icmp_type::echo_request, data);
  const byte_vector reply = echo_message(icmp_type::echo_reply, data);
  const std::vector<piece> pieces{{0, 1480, true}, {1480, 1480, true}, {2960, 1048, false}};
  const std::vector<std::vector<std::size_t>> orders{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}};
  for (const auto& order : orders) {
    CAPTURE(order[0]);
    host_fixture f;
    f.learn_peer(f.t0);
    std::vector<byte_vector> out;
    for (std::size_t i : order) {
      CHECK(out.empty());  // nothing until the last fragment is in
      out = f.receive(
          fragment_frame(capture::peer_mac, capture::host_mac, peer_header(), request, pieces[i]),
          f.t0);
    }
    check_fragments(out, our_header(), reply, pieces);
    const counters& stats = f.host.stats();
    CHECK(stats[event::ip_fragments_in] == 3);
    CHECK(stats[event::ip_reassembled] == 1);
    CHECK(stats[event::ip_packets_in] == 1);
    CHECK(stats[event::icmp_echo_requests_in] == 1);
    CHECK(stats[event::icmp_echo_replies_out] == 1);
    CHECK(stats[event::ip_packets_out] == 1);
    CHECK(stats[event::ip_fragments_out] == 3);
    CHECK(stats.total_drops() == 0);
    // Nothing is left waiting but the peer's ARP entry.
    CHECK(f.host.next_deadline() == f.t0 + 60s);
  }
}

TEST_CASE_FIXTURE(host_fixture, "ping -s 20000: 14 fragments in, 14 out") {
  learn_peer(t0);
  const byte_vector data = pattern(20000);
  const byte_vector request = echo_message(icmp_type::echo_request, data);
  const byte_vector reply = echo_message(icmp_type::echo_reply, data);
  std::vector<piece> pieces;
  for (std::size_t offset = 0; offset < 13 * 1480; offset += 1480)
    pieces.push_back({offset, 1480, true});
  pieces.push_back({13 * 1480, 768, false});
  std::vector<byte_vector> out;
  for (const piece& p : pieces)
    out = receive(fragment_frame(capture::peer_mac, capture::host_mac, peer_header(), request, p),
                  t0);
  check_fragments(out, our_header(), reply, pieces);
  CHECK(host.stats()[event::ip_fragments_out] == 14);
}

TEST_CASE("a reply larger than our MTU goes out in fragments: the kernel's bytes, in pieces") {
  stack_config config;
  config.mtu = 576;
  host_fixture f{config};
  f.learn_peer(f.t0);
  // A 1500-byte echo request arrives whole; the reply's 1480 ICMP bytes leave in three fragments.
  const auto out = f.receive(load_golden("echo-request-max").bytes, f.t0);
  const auto kernel_reply = load_golden("echo-reply-max").bytes;
  const byte_vector message(kernel_reply.begin() + icmp_at, kernel_reply.end());
  check_fragments(out, our_header(), message,
                  {{0, 552, true}, {552, 552, true}, {1104, 376, false}});
  CHECK(f.host.stats()[drop_reason::ip_too_big] == 0);
}

}  // namespace
}  // namespace tapstack::test
