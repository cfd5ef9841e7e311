// Ethernet II framing against frames the kernel sent: what the view reads, what the repr writes.
#include <doctest/doctest.h>

#include "stack/wire/ethernet.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

TEST_CASE("a broadcast ARP frame parses to its addresses and type") {
  const auto g = load_golden("arp-request");
  const auto view = ethernet_view::check(g.bytes);
  REQUIRE(view);
  CHECK(view->dst() == mac_address::broadcast());
  CHECK(view->src() == capture::peer_mac);
  CHECK(view->ethertype() == 0x0806);
  CHECK(view->payload().size() == g.bytes.size() - ethernet::header_len);
  CHECK(view->payload().data() == g.bytes.data() + ethernet::header_len);
  CHECK(ethernet_repr::parse(*view) ==
        ethernet_repr{capture::peer_mac, mac_address::broadcast(), ethertype::arp});
}

TEST_CASE("unicast IPv4 and multicast IPv6 frames parse to their addresses and type") {
  const auto echo = load_golden("echo-request");
  const auto v4 = ethernet_view::check(echo.bytes);
  REQUIRE(v4);
  CHECK(ethernet_repr::parse(*v4) ==
        ethernet_repr{capture::peer_mac, capture::host_mac, ethertype::ipv4});

  const auto ns = load_golden("ipv6-neighbor-solicitation");
  const auto v6 = ethernet_view::check(ns.bytes);
  REQUIRE(v6);
  const auto repr = ethernet_repr::parse(*v6);
  CHECK(repr.type == ethertype::ipv6);
  CHECK(repr.dst == mac_address{{0x33, 0x33, 0xff, 0x00, 0x00, 0x02}});
}

TEST_CASE("a frame shorter than the header is frame_too_short, exactly the header is empty") {
  const auto g = load_golden("arp-request");
  for (std::size_t n = 0; n < ethernet::header_len; ++n) {
    const auto view = ethernet_view::check(const_byte_span{g.bytes}.first(n));
    REQUIRE_FALSE(view);
    CHECK(view.error() == drop_reason::frame_too_short);
  }
  const auto bare = ethernet_view::check(const_byte_span{g.bytes}.first(ethernet::header_len));
  REQUIRE(bare);
  CHECK(bare->payload().empty());
}

TEST_CASE("emit writes the kernel's header byte for byte") {
  for (const char* name :
       {"arp-request", "arp-reply", "echo-reply", "ipv6-neighbor-solicitation"}) {
    INFO(name);
    const auto g = load_golden(name);
    const auto repr = ethernet_repr::parse(*ethernet_view::check(g.bytes));
    byte_vector header(ethernet::header_len, 0xee);
    repr.emit(header);
    CHECK(header == byte_vector(g.bytes.begin(), g.bytes.begin() + ethernet::header_len));
  }
}

TEST_CASE("parse(emit(x)) == x, an unknown ethertype included") {
  for (const ethernet_repr r :
       {ethernet_repr{capture::host_mac, capture::peer_mac, ethertype::ipv4},
        ethernet_repr{capture::host_mac, mac_address::broadcast(), ethertype::arp},
        ethernet_repr{capture::peer_mac, capture::host_mac, static_cast<ethertype>(0x88b5)}}) {
    byte_vector frame(ethernet::header_len);
    r.emit(frame);
    CHECK(ethernet_repr::parse(*ethernet_view::check(frame)) == r);
  }
}

TEST_CASE("to_string is tcpdump -e's link-level part") {
  for (const char* name : {"arp-request", "echo-reply", "ipv6-neighbor-solicitation"}) {
    INFO(name);
    const auto g = load_golden(name);
    const auto repr = ethernet_repr::parse(*ethernet_view::check(g.bytes));
    // tcpdump -en: "<src> > <dst>, ethertype ARP (0x0806), length 42: ..."
    const std::string expected =
        to_string(repr) + ", length " + std::to_string(g.bytes.size()) + ": ";
    CHECK(g.tcpdump_line("-en").starts_with(expected));
  }
}

}  // namespace
}  // namespace tapstack::test
