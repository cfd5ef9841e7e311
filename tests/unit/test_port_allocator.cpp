// The ports a transport's sockets hold and the ephemeral ones it hands out
// (stack/base/port_allocator.hpp): within the range, never twice while held, free again once
// released, and drawn at random (RFC 6056).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>  // doctest prints std::error_code through it
#include <set>

#include "stack/base/port_allocator.hpp"

namespace tapstack {
namespace {

constexpr port_range ten_ports{1000, 1009};

TEST_CASE("port allocator: each port of the range once while held, then address_in_use") {
  rng random{1};
  port_allocator ports{ten_ports, random};
  std::set<std::uint16_t> handed_out;
  for (int i = 0; i < 10; ++i) {
    std::uint16_t port = 0;
    REQUIRE_FALSE(ports.allocate(port));
    CHECK(port >= 1000);
    CHECK(port <= 1009);
    CHECK(ports.in_use(port));
    handed_out.insert(port);
  }
  CHECK(handed_out.size() == 10);
  std::uint16_t port = 0;
  CHECK(ports.allocate(port) == std::errc::address_in_use);
}

TEST_CASE("port allocator: a held port is not handed out, a released one is again") {
  rng random{1};
  port_allocator ports{ten_ports, random};
  ports.hold(1003);  // bound by its number
  std::uint16_t port = 0;
  for (int i = 0; i < 9; ++i) {
    REQUIRE_FALSE(ports.allocate(port));
    CHECK(port != 1003);
  }
  CHECK(ports.allocate(port) == std::errc::address_in_use);

  ports.release(1006);
  CHECK_FALSE(ports.in_use(1006));
  REQUIRE_FALSE(ports.allocate(port));
  CHECK(port == 1006);
  ports.release(1003);
  REQUIRE_FALSE(ports.allocate(port));
  CHECK(port == 1003);
}

TEST_CASE("port allocator: a port held twice is free only once both let it go") {
  rng random{1};
  port_allocator ports{ten_ports, random};
  CHECK_FALSE(ports.in_use(80));
  ports.hold(80);  // a listener
  ports.hold(80);  // a connection it accepted
  ports.release(80);
  CHECK(ports.in_use(80));
  ports.release(80);
  CHECK_FALSE(ports.in_use(80));
}

TEST_CASE("port allocator: only ports the caller finds usable are handed out") {
  rng random{1};
  port_allocator ports{ten_ports, random};
  const auto even = [](std::uint16_t p) { return p % 2 == 0; };
  std::uint16_t port = 0;
  for (int i = 0; i < 5; ++i) {
    REQUIRE_FALSE(ports.allocate(port, even));
    CHECK(port % 2 == 0);
  }
  // The odd ports are free, but none is usable.
  CHECK(ports.allocate(port, even) == std::errc::address_in_use);
  CHECK_FALSE(ports.in_use(1001));
  REQUIRE_FALSE(ports.allocate(port));
  CHECK(port % 2 == 1);
}

TEST_CASE("port allocator: ports are drawn at random from the range, not in sequence") {
  std::set<std::uint16_t> first_ports;  // the first port of each of 20 hosts' generators
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    rng random{seed};
    port_allocator ports{dynamic_ports, random};
    std::uint16_t port = 0;
    REQUIRE_FALSE(ports.allocate(port));
    CHECK(port >= dynamic_ports.first);
    first_ports.insert(port);
  }
  CHECK(first_ports.size() == 20);

  rng random{1};
  port_allocator ports{dynamic_ports, random};
  std::set<std::uint16_t> handed_out;
  for (int i = 0; i < 20; ++i) {
    std::uint16_t port = 0;
    REQUIRE_FALSE(ports.allocate(port));
    handed_out.insert(port);
  }
  CHECK(handed_out.size() == 20);
  CHECK(std::adjacent_find(handed_out.begin(), handed_out.end(),
                           [](auto x, auto y) { return y != x + 1; }) != handed_out.end());
}

}  // namespace
}  // namespace tapstack
