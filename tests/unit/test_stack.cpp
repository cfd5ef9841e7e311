// The host as a whole: its configuration, what it counts, what it holds, and which frames its
// Ethernet layer takes (ours and broadcast) or drops (too short, another MAC, an ethertype it does
// not speak).
#include <chrono>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

#include "stack/stack.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("the default host is the capture's host b, so golden frames fit it as they are") {
  const stack_config defaults;
  CHECK(defaults.mac == capture::host_mac);
  CHECK(defaults.address == ipv4_cidr{capture::host_ip, 24});
  CHECK(defaults.mtu == 1500);
}

TEST_CASE("a configuration no host can run with is refused at construction") {
  stack_config small;
  small.mtu = min_mtu - 1;
  CHECK_THROWS_AS(stack{small}, std::invalid_argument);
  stack_config large;
  large.mtu = max_mtu + 1;
  CHECK_THROWS_AS(stack{large}, std::invalid_argument);
  stack_config off_link;
  off_link.gateway = ipv4_address{0x0a000101};  // 10.0.1.1, outside 10.0.0.0/24
  CHECK_THROWS_AS(stack{off_link}, std::invalid_argument);
  stack_config reversed_udp_ports;
  reversed_udp_ports.udp.ephemeral_ports = {50000, 49999};
  CHECK_THROWS_AS(stack{reversed_udp_ports}, std::invalid_argument);
  stack_config tcp_port_zero;
  tcp_port_zero.tcp.ephemeral_ports = {0, 100};
  CHECK_THROWS_AS(stack{tcp_port_zero}, std::invalid_argument);

  stack_config edges;
  edges.mtu = min_mtu;
  CHECK_NOTHROW(stack{edges});
  edges.mtu = max_mtu;
  edges.gateway.reset();
  edges.udp.ephemeral_ports = {1, 1};
  edges.tcp.ephemeral_ports = {65535, 65535};
  CHECK_NOTHROW(stack{edges});
}

TEST_CASE("a driver's drain takes the transmit queue whenever it reaches the backlog") {
  stack host{stack_config{}};
  std::vector<std::size_t> drained;  // frames taken at each call
  host.on_transmit_backlog(2, [&] {
    std::size_t n = 0;
    while (auto f = host.pop_transmit()) {
      host.recycle(std::move(*f));
      ++n;
    }
    drained.push_back(n);
  });
  const instant t0{};
  host.start(t0);  // the gratuitous ARP: one frame, under the backlog
  CHECK(drained.empty());
  host.receive(load_golden("arp-request").bytes, t0);  // the reply makes two
  CHECK(drained == std::vector<std::size_t>{2});
  CHECK_FALSE(host.pop_transmit());
}

TEST_CASE("with a device that completes checksums, TCP leaves its own partial for it") {
  for (const bool offload : {false, true}) {
    CAPTURE(offload);
    stack_config config;
    config.offloads.checksum = offload;
    host_fixture f{config};
    f.learn_peer(f.t0);
    auto& tcp = f.host.tcp();
    const auto listener = tcp.open();
    REQUIRE_FALSE(tcp.bind(listener, {ipv4_address::any(), 9000}));
    REQUIRE_FALSE(tcp.listen(listener, 4));
    f.host.receive(load_golden("tcp-syn").bytes, f.t0);
    auto syn_ack = f.host.pop_transmit();
    REQUIRE(syn_ack);
    const byte_span bytes = syn_ack->bytes();
    constexpr std::size_t tcp_at = ethernet::header_len + ipv4::min_header_len;
    const byte_span segment = bytes.subspan(tcp_at);
    if (!offload) {
      CHECK(syn_ack->meta.plain());
      CHECK(transport_checksum(ip_protocol::tcp, capture::host_ip, capture::peer_ip, segment) == 0);
      continue;
    }
    // Where the device finds it, counted from the frame's start past every header in front.
    CHECK(syn_ack->meta.checksum == frame_meta::checksum_state::partial);
    CHECK(syn_ack->meta.checksum_start == tcp_at);
    CHECK(syn_ack->meta.checksum_offset == tcp::field::checksum);
    CHECK(load_be16(&segment[tcp::field::checksum]) ==
          pseudo_header_sum(ip_protocol::tcp, capture::host_ip, capture::peer_ip, segment.size()));
    // Completed as the device does, the segment is what the host would have summed itself.
    complete_partial_checksum(bytes, syn_ack->meta.checksum_start, syn_ack->meta.checksum_offset);
    CHECK(transport_checksum(ip_protocol::tcp, capture::host_ip, capture::peer_ip, segment) == 0);
    f.host.recycle(std::move(*syn_ack));
  }
}

TEST_CASE_FIXTURE(host_fixture, "frames and bytes are counted both ways") {
  const auto request = load_golden("arp-request").bytes;
  const auto out = receive(request, t0);
  REQUIRE(out.size() == 1);
  // The announcement at start was the first frame out.
  const std::size_t announcement_len = load_golden("gratuitous-arp").bytes.size();
  CHECK(host.stats()[event::frames_in] == 1);
  CHECK(host.stats()[event::bytes_in] == request.size());
  CHECK(host.stats()[event::frames_out] == 2);
  CHECK(host.stats()[event::bytes_out] == announcement_len + out[0].size());
}

TEST_CASE_FIXTURE(host_fixture, "a frame shorter than an Ethernet header is frame_too_short") {
  const auto g = load_golden("echo-request");
  CHECK(receive(const_byte_span{g.bytes}.first(13), t0).empty());
  CHECK(receive(const_byte_span{}, t0).empty());
  CHECK(host.stats()[drop_reason::frame_too_short] == 2);
  CHECK(host.stats()[event::frames_in] == 2);
}

TEST_CASE_FIXTURE(host_fixture,
                  "a frame for another MAC is eth_not_for_us, even with our IP in it") {
  learn_peer(t0);
  auto frame = load_golden("echo-request").bytes;
  frame[5] = 0x09;  // destination 02:74:73:00:00:09
  CHECK(receive(frame, t0).empty());
  CHECK(host.stats()[drop_reason::eth_not_for_us] == 1);
  CHECK(host.stats()[event::ip_packets_in] == 0);
}

TEST_CASE_FIXTURE(host_fixture,
                  "a multicast frame (IPv6 neighbour solicitation) is eth_not_for_us") {
  CHECK(receive(load_golden("ipv6-neighbor-solicitation").bytes, t0).empty());
  CHECK(host.stats()[drop_reason::eth_not_for_us] == 1);
}

TEST_CASE_FIXTURE(host_fixture, "an IPv6 frame to our MAC is eth_unknown_ethertype") {
  CHECK(receive(load_golden("ipv6-echo-request").bytes, t0).empty());
  CHECK(host.stats()[drop_reason::eth_unknown_ethertype] == 1);
  CHECK(host.stats().total_drops() == 1);
}

TEST_CASE_FIXTURE(host_fixture,
                  "each dropped frame is counted once, under the reason of its layer") {
  receive(load_golden("ipv6-echo-request").bytes, t0);
  receive(load_golden("arp-request-other").bytes, t0);
  receive(load_golden("echo-request-broadcast").bytes, t0);
  CHECK(host.stats()[drop_reason::eth_unknown_ethertype] == 1);
  CHECK(host.stats()[drop_reason::arp_not_for_us] == 1);
  CHECK(host.stats()[drop_reason::icmp_broadcast_echo] == 1);
  CHECK(host.stats().total_drops() == 3);
}

TEST_CASE_FIXTURE(host_fixture,
                  "next_deadline says when poll has work, and poll before it does nothing") {
  CHECK_FALSE(host.next_deadline());
  receive(load_golden("echo-request").bytes, t0);  // the reply waits for ARP
  const auto deadline = host.next_deadline();
  REQUIRE(deadline);
  CHECK(*deadline == t0 + host.config().arp.retry_interval);
  CHECK(poll(*deadline - 1ns).empty());
  CHECK(host.next_deadline() == deadline);
  CHECK(poll(*deadline).size() == 1);
  CHECK(host.next_deadline() > deadline);
}

TEST_CASE_FIXTURE(host_fixture, "held(): a reply waiting for ARP, a datagram nobody has read") {
  CHECK(host.held().none());
  CHECK(host.held().to_string() == "nothing");
  receive(load_golden("echo-request").bytes, t0);  // the reply waits for the peer's MAC
  CHECK(host.held().to_string() == "arp_waiting=1");
  learn_peer(t0);  // the reply goes
  CHECK(host.held().none());

  const udp_socket_id s = host.udp().open();
  REQUIRE_FALSE(host.udp().bind(s, {ipv4_address::any(), 7}));
  receive(load_golden("udp-datagram").bytes, t0);
  udp_datagram d;
  const held_resources before = host.held();
  CHECK(before.udp_sockets == 1);
  CHECK(before.udp_bytes > 0);
  REQUIRE_FALSE(host.udp().receive(s, d));
  CHECK(before.udp_bytes == d.data.size());
  CHECK(host.held().to_string() == "udp_sockets=1");
  REQUIRE_FALSE(host.udp().close(s));
  CHECK(host.held().none());
}

}  // namespace
}  // namespace tapstack::test
