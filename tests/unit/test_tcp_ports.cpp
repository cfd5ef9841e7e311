// TCP's ports: the ephemeral ones it draws for connect(), bind() and listen() without a port.
#include <doctest/doctest.h>

#include <chrono>

#include "stack/stack.hpp"
#include "tests/support/tcp_harness.hpp"

namespace tapstack::test {
namespace {

const instant t0{};
const ipv4_address peer_ip{0x0a000001};

TEST_CASE("TCP draws ephemeral ports from its own range, UDP from its own") {
  stack_config c;
  c.tcp.ephemeral_ports = {40000, 40001};
  c.udp.ephemeral_ports = {50000, 50001};
  stack host{c};
  auto& tcp = host.tcp();
  const auto connecting = tcp.open(), bound = tcp.open(), listening = tcp.open();
  REQUIRE_FALSE(tcp.connect(connecting, {peer_ip, 7}, t0));
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

TEST_CASE("a TCP port is taken while any socket holds it, a connection its listener accepted too") {
  tcp_harness t;
  auto& tcp = t.host.tcp();
  const auto accepted = t.reach(tcp_state::established);
  const auto other = tcp.open();
  const ipv4_endpoint port_80{ipv4_address::any(), tcp_harness::host_port};
  CHECK(tcp.bind(other, port_80) == std::errc::address_in_use);
  REQUIRE_FALSE(tcp.close(t.listener, t.now()));
  CHECK(tcp.bind(other, port_80) == std::errc::address_in_use);
  REQUIRE_FALSE(tcp.close(accepted, t.now()));
  CHECK_FALSE(tcp.bind(other, port_80));
}

TEST_CASE("connect() takes no ephemeral port whose tuple to the peer is in TIME-WAIT") {
  stack_config c = tcp_harness::default_config();
  c.tcp.ephemeral_ports = {tcp_harness::host_port, tcp_harness::host_port + 1};
  tcp_harness t{c};
  auto& tcp = t.host.tcp();
  const ipv4_endpoint peer{peer_ip, tcp_harness::peer_port};
  // 10.0.0.2.80 > 10.0.0.1.40000 in TIME-WAIT, its socket closed: port 80 is free, the tuple not.
  REQUIRE_FALSE(tcp.close(t.reach(tcp_state::time_wait, open_kind::active), t.now()));
  REQUIRE(t.state() == tcp_state::time_wait);
  // Each draw starts at a random port of the two; every one must end at 81.
  for (int i = 0; i < 10; ++i) {
    const auto s = tcp.open();
    REQUIRE_FALSE(tcp.connect(s, peer, t.now()));
    CHECK(tcp.local_endpoint(s)->port == tcp_harness::host_port + 1);
    REQUIRE_FALSE(tcp.abort(s, t.now()));
  }
  const auto holder = tcp.open();
  REQUIRE_FALSE(tcp.bind(holder, {ipv4_address::any(), tcp_harness::host_port + 1}));
  CHECK(tcp.connect(tcp.open(), peer, t.now()) == std::errc::address_in_use);
  // To another of the peer's ports, 80 makes a new tuple.
  const auto elsewhere = tcp.open();
  REQUIRE_FALSE(tcp.connect(elsewhere, {peer_ip, 40001}, t.now()));
  CHECK(tcp.local_endpoint(elsewhere)->port == tcp_harness::host_port);
}

}  // namespace
}  // namespace tapstack::test
