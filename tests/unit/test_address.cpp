// MAC addresses, IPv4 addresses and subnets: the text forms users type in flags and read in logs.
#include <array>
#include <optional>
#include <string_view>

#include <doctest/doctest.h>

#include "stack/wire/address.hpp"

namespace tapstack::test {
namespace {

TEST_CASE("a MAC parses from six colon-separated hex pairs, in either case") {
  const auto m = mac_address::parse("02:74:73:0a:Bc:fF");
  REQUIRE(m);
  CHECK(m->octets == std::array<std::uint8_t, 6>{0x02, 0x74, 0x73, 0x0a, 0xbc, 0xff});
  CHECK(to_string(*m) == "02:74:73:0a:bc:ff");
  CHECK(mac_address::parse("00:00:00:00:00:00") == mac_address{});
  CHECK(mac_address::parse("ff:ff:ff:ff:ff:ff") == mac_address::broadcast());
}

TEST_CASE("anything but a MAC's exact text form is refused") {
  for (const std::string_view text :
       {"", "02:74:73:00:00", "02:74:73:00:00:02:", "02:74:73:00:00:002", "02-74-73-00-00-02",
        "0274.7300.0002", "02:74:73:00:00:0g", "2:74:73:00:00:02:", " 02:74:73:00:00:02",
        "02:74:73:00:00:02 ", "02:74:73:00:00:2", "027473000002xxxxx"}) {
    INFO(text);
    CHECK_FALSE(mac_address::parse(text));
  }
}

TEST_CASE("MAC kinds: broadcast, multicast (the group bit), zero") {
  CHECK(mac_address::broadcast().is_broadcast());
  CHECK(mac_address::broadcast().is_multicast());
  const mac_address ipv6_multicast{{0x33, 0x33, 0xff, 0x00, 0x00, 0x02}};
  CHECK(ipv6_multicast.is_multicast());
  CHECK_FALSE(ipv6_multicast.is_broadcast());
  const mac_address local{{0x02, 0x74, 0x73, 0x00, 0x00, 0x02}};
  CHECK_FALSE(local.is_multicast());
  CHECK_FALSE(local.is_zero());
  CHECK(mac_address{}.is_zero());
}

TEST_CASE("an IPv4 address parses from a dotted quad and prints back the same") {
  for (const std::string_view text : {"10.0.0.2", "0.0.0.0", "255.255.255.255", "192.168.100.1"}) {
    const auto a = ipv4_address::parse(text);
    REQUIRE(a);
    CHECK(to_string(*a) == text);
  }
  CHECK(ipv4_address::parse("10.0.0.2")->value == 0x0a000002u);
  CHECK(ipv4_address::parse("255.255.255.255") == ipv4_address::broadcast());
}

TEST_CASE("anything but four decimal parts of 0..255 is refused") {
  for (const std::string_view text :
       {"", "10.0.0", "10.0.0.2.1", "10.0.0.256", "10..0.2", ".10.0.0.2", "10.0.0.2.", "10.0.0.-1",
        "10.0.0.+1", "10.0.0.0x1", "a.b.c.d", "10.0.0.2 ", " 10.0.0.2", "10,0,0,2", "1000.0.0.1",
        "10.0.0.2/24", "010.0.0.1", "10.0.0.02"}) {
    INFO(text);
    CHECK_FALSE(ipv4_address::parse(text));
  }
}

TEST_CASE("IPv4 kinds: unspecified, broadcast, multicast, and ordering by value") {
  CHECK(ipv4_address::any().is_unspecified());
  CHECK(ipv4_address::broadcast().is_broadcast());
  CHECK(ipv4_address::parse("224.0.0.1")->is_multicast());
  CHECK(ipv4_address::parse("239.255.255.255")->is_multicast());
  CHECK_FALSE(ipv4_address::parse("223.255.255.255")->is_multicast());
  CHECK_FALSE(ipv4_address::parse("240.0.0.0")->is_multicast());
  CHECK(*ipv4_address::parse("10.0.0.1") < *ipv4_address::parse("10.0.0.2"));
  CHECK(*ipv4_address::parse("9.255.255.255") < *ipv4_address::parse("10.0.0.0"));
}

TEST_CASE("a subnet parses from address/prefix and knows its mask, network and broadcast") {
  const auto c = ipv4_cidr::parse("10.0.0.2/24");
  REQUIRE(c);
  CHECK(c->address == ipv4_address{0x0a000002});
  CHECK(c->prefix_len == 24);
  CHECK(to_string(c->netmask()) == "255.255.255.0");
  CHECK(to_string(c->network()) == "10.0.0.0");
  CHECK(to_string(c->subnet_broadcast()) == "10.0.0.255");
  CHECK(c->contains(*ipv4_address::parse("10.0.0.1")));
  CHECK(c->contains(*ipv4_address::parse("10.0.0.255")));
  CHECK_FALSE(c->contains(*ipv4_address::parse("10.0.1.1")));
  CHECK(to_string(*c) == "10.0.0.2/24");
}

TEST_CASE("the extreme prefixes: /0 holds everything, /32 only itself") {
  const auto all = ipv4_cidr::parse("10.0.0.2/0");
  REQUIRE(all);
  CHECK(all->netmask() == ipv4_address{0});
  CHECK(all->contains(ipv4_address::broadcast()));
  const auto one = ipv4_cidr::parse("10.0.0.2/32");
  REQUIRE(one);
  CHECK(one->netmask() == ipv4_address::broadcast());
  CHECK(one->contains(ipv4_address{0x0a000002}));
  CHECK_FALSE(one->contains(ipv4_address{0x0a000003}));
  CHECK(to_string(*ipv4_cidr::parse("172.16.5.4/12")) == "172.16.5.4/12");
  CHECK(to_string(ipv4_cidr::parse("172.16.5.4/12")->network()) == "172.16.0.0");
}

TEST_CASE("a subnet without a valid address or a prefix of 0..32 is refused") {
  for (const std::string_view text :
       {"10.0.0.2", "10.0.0.2/", "/24", "10.0.0.2/33", "10.0.0.2/-1", "10.0.0.2/24/8", "10.0.0/24",
        "10.0.0.2/2a", "10.0.0.2 /24", "10.0.0.2/0x8"}) {
    INFO(text);
    CHECK_FALSE(ipv4_cidr::parse(text));
  }
}

}  // namespace
}  // namespace tapstack::test
