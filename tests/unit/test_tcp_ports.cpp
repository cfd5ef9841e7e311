// TCP's ports: the ephemeral ones it draws for connect(), bind() and listen() without a port.
#include <doctest/doctest.h>

#include <chrono>

#include "stack/stack.hpp"

namespace tapstack::test {
namespace {

const instant t0{};
const ipv4_endpoint peer{ipv4_address{0x0a000001}, 7};

TEST_CASE("TCP draws ephemeral ports from its own range, UDP from its own") {
  stack_config c;
  c.tcp.ephemeral_ports = {40000, 40001};
  c.udp.ephemeral_ports = {50000, 50001};
  stack host{c};
  auto& tcp = host.tcp();
  const auto connecting = tcp.open(), bound = tcp.open(), listening = tcp.open();
  REQUIRE_FALSE(tcp.connect(connecting, peer, t0));
  REQUIRE_FALSE(tcp.bind(bound, {ipv4_address::any(), 0}));
  CHECK(tcp.local_endpoint(connecting)->port >= 40000);
  CHECK(tcp.local_endpoint(connecting)->port <= 40001);
  CHECK(tcp.local_endpoint(bound)->port >= 40000);
  CHECK(tcp.local_endpoint(bound)->port <= 40001);
  // The two ports of the range are taken.
  CHECK(tcp.listen(listening, 1) == std::errc::address_in_use);

  auto& udp = host.udp();
  const auto datagrams = udp.open();
  REQUIRE_FALSE(udp.bind(datagrams, {ipv4_address::any(), 0}));
  CHECK(udp.local_endpoint(datagrams)->port >= 50000);
  CHECK(udp.local_endpoint(datagrams)->port <= 50001);
}

}  // namespace
}  // namespace tapstack::test
