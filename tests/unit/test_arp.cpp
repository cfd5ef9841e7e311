// ARP packets (RFC 826) against the kernel's: parsing, validation, byte-exact emit.
#include <doctest/doctest.h>

#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

byte_vector arp_payload(const golden_frame& g) {
  return {g.bytes.begin() + ethernet::header_len, g.bytes.end()};
}

parse_result<arp_repr> parse_arp(const_byte_span packet) {
  const auto view = arp_view::check(packet);
  if (!view) return view.error();
  return arp_repr::parse(*view);
}

TEST_CASE("the kernel's request, reply and announcement parse to their five fields") {
  const auto request = parse_arp(arp_payload(load_golden("arp-request")));
  REQUIRE(request);
  CHECK(*request == arp_repr{arp_operation::request, capture::peer_mac, capture::peer_ip,
                             mac_address{}, capture::host_ip});

  const auto reply = parse_arp(arp_payload(load_golden("arp-reply")));
  REQUIRE(reply);
  CHECK(*reply == arp_repr{arp_operation::reply, capture::host_mac, capture::host_ip,
                           capture::peer_mac, capture::peer_ip});

  const auto announcement = parse_arp(arp_payload(load_golden("gratuitous-arp")));
  REQUIRE(announcement);
  CHECK(*announcement == arp_repr{arp_operation::request, capture::host_mac, capture::host_ip,
                                  mac_address{}, capture::host_ip});
}

TEST_CASE("the view reads each field where RFC 826 puts it") {
  const auto packet = arp_payload(load_golden("arp-reply"));
  const auto view = arp_view::check(packet);
  REQUIRE(view);
  CHECK(view->operation() == 2);
  CHECK(view->sender_mac() == capture::host_mac);
  CHECK(view->sender_ip() == capture::host_ip);
  CHECK(view->target_mac() == capture::peer_mac);
  CHECK(view->target_ip() == capture::peer_ip);
}

TEST_CASE("Ethernet padding after the 28 bytes is ignored") {
  auto packet = arp_payload(load_golden("arp-request"));
  const auto plain = parse_arp(packet);
  packet.resize(ethernet::min_frame_len - ethernet::header_len, 0xaa);
  const auto padded = parse_arp(packet);
  REQUIRE(padded);
  CHECK(*padded == *plain);
}

TEST_CASE("a packet cut anywhere before its last byte is arp_truncated") {
  const auto packet = arp_payload(load_golden("arp-request"));
  for (std::size_t n = 0; n < arp::packet_len; ++n) {
    CAPTURE(n);
    const auto view = arp_view::check(const_byte_span{packet}.first(n));
    REQUIRE_FALSE(view);
    CHECK(view.error() == drop_reason::arp_truncated);
  }
}

TEST_CASE("hardware or protocol other than Ethernet/IPv4 is arp_unsupported") {
  struct edit {
    const char* what;
    std::size_t at;
    std::uint8_t value;
  };
  for (const edit e : {edit{"hardware type 6 (IEEE 802)", arp::field::htype + 1, 6},
                       edit{"protocol type 0x8600", arp::field::ptype, 0x86},
                       edit{"hardware length 8", arp::field::hlen, 8},
                       edit{"protocol length 16", arp::field::plen, 16}}) {
    INFO(e.what);
    auto packet = arp_payload(load_golden("arp-request"));
    packet[e.at] = e.value;
    const auto view = arp_view::check(packet);
    REQUIRE_FALSE(view);
    CHECK(view.error() == drop_reason::arp_unsupported);
  }
}

TEST_CASE("an operation other than request or reply is arp_bad_opcode") {
  for (const int op : {0, 3, 4, 8}) {  // 3/4: RARP, 8: InARP
    CAPTURE(op);
    auto packet = arp_payload(load_golden("arp-request"));
    packet[arp::field::oper + 1] = static_cast<std::uint8_t>(op);
    const auto view = arp_view::check(packet);
    REQUIRE(view);
    const auto repr = arp_repr::parse(*view);
    REQUIRE_FALSE(repr);
    CHECK(repr.error() == drop_reason::arp_bad_opcode);
  }
}

TEST_CASE("emit writes the kernel's packets byte for byte") {
  for (const char* name : {"arp-request", "arp-reply", "gratuitous-arp", "arp-request-for-peer",
                           "arp-reply-from-peer", "arp-request-other"}) {
    INFO(name);
    const auto g = load_golden(name);
    const auto repr = parse_arp(arp_payload(g));
    REQUIRE(repr);
    const auto eth = ethernet_repr::parse(*ethernet_view::check(g.bytes));
    CHECK_FRAME(emit_frame(eth, emit_arp(*repr)), g.bytes);
  }
}

TEST_CASE("parse(emit(x)) == x") {
  const arp_repr probe{arp_operation::request, capture::peer_mac, ipv4_address::any(),
                       mac_address{}, capture::host_ip};
  const arp_repr reply{arp_operation::reply, capture::host_mac, capture::host_ip, capture::peer_mac,
                       capture::peer_ip};
  for (const arp_repr& r : {probe, reply}) {
    const auto packet = emit_arp(r);
    CHECK(packet.size() == arp_repr::packet_len());
    const auto back = parse_arp(packet);
    REQUIRE(back);
    CHECK(*back == r);
  }
}

TEST_CASE("to_string is what tcpdump -n printed") {
  for (const char* name : {"arp-request", "arp-reply", "gratuitous-arp", "arp-request-other"}) {
    INFO(name);
    const auto g = load_golden(name);
    CHECK(to_string(*parse_arp(arp_payload(g))) == g.tcpdump_line("-n"));
  }
}

}  // namespace
}  // namespace tapstack::test
