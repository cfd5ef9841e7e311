// Two hosts on an in-memory link in virtual time: the first pings the second, resolving it by ARP
// on the way, and the reply comes back; the same run with the same seed gives the same frames.
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "drivers/pair_link.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

stack_config host_config(std::uint8_t last_octet, std::uint64_t seed = 1) {
  stack_config c;
  c.seed = seed;
  c.mac = mac_address{{0x02, 0x74, 0x73, 0x00, 0x00, last_octet}};
  c.address = ipv4_cidr{ipv4_address{0x0a000000u | last_octet}, 24};
  c.gateway.reset();
  return c;
}

struct two_hosts {
  pair_link link;
  stack a{host_config(1)};
  stack b{host_config(2)};
  simulator sim;

  two_hosts() {
    sim.add(a, link.a());
    sim.add(b, link.b());
    sim.start();
  }
};

const std::array<std::uint8_t, 56> payload = [] {
  std::array<std::uint8_t, 56> p{};
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i);
  return p;
}();

}  // namespace

TEST_CASE("a host resolves its neighbour by ARP and gets an echo reply") {
  two_hosts net;
  net.sim.run_for(10ms);  // the gratuitous announcements cross the link
  REQUIRE(
      net.a.icmp().send_echo_request(net.b.config().address.address, 7, 1, payload, net.sim.now()));
  const bool replied = net.sim.run_until([&] { return !net.a.icmp().replies().empty(); }, 2s);
  REQUIRE(replied);

  const echo_reply& reply = net.a.icmp().replies().front();
  CHECK(reply.from == net.b.config().address.address);
  CHECK(reply.ident == 7);
  CHECK(reply.seq == 1);
  CHECK(reply.data_len == payload.size());
  CHECK(net.a.stats()[event::arp_requests_out] == 1);
  CHECK(net.b.stats()[event::arp_replies_out] == 1);
  CHECK(net.b.stats()[event::icmp_echo_replies_out] == 1);
  CHECK(net.a.stats().total_drops() == 0);
  // b learned a's MAC from the ARP request, so its reply needed no request of its own.
  CHECK(net.b.stats()[event::arp_requests_out] == 0);
}

TEST_CASE("a ping to an address nobody holds is given up after the ARP retries") {
  two_hosts net;
  REQUIRE(net.a.icmp().send_echo_request(ipv4_address{0x0a000063}, 7, 1, payload, net.sim.now()));
  net.sim.run_for(10s);
  CHECK(net.a.stats()[event::arp_requests_out] == net.a.config().arp.max_requests);
  CHECK(net.a.stats()[drop_reason::arp_unresolved] == 1);
  CHECK(net.a.icmp().replies().empty());
  CHECK(net.a.arp().size() == 0);
}

namespace {

// The pcap of one ping as host a sees it, byte for byte.
std::string ping_capture(std::uint64_t seed) {
  const auto path =
      std::filesystem::temp_directory_path() / ("tapstack-sim-" + std::to_string(seed) + ".pcap");
  {
    pair_link link;
    pcap_recorder capture{link.a(), path.string()};
    stack a{host_config(1, seed)};
    stack b{host_config(2, seed)};
    simulator sim;
    sim.add(a, capture);
    sim.add(b, link.b());
    sim.start();
    a.icmp().send_echo_request(b.config().address.address, 7, 1, payload, sim.now());
    sim.run_for(1s);
    REQUIRE(a.icmp().replies().size() == 1);
  }
  std::ifstream in{path, std::ios::binary};
  std::string bytes{std::istreambuf_iterator<char>{in}, {}};
  std::filesystem::remove(path);
  return bytes;
}

}  // namespace

TEST_CASE("the same seed gives the same frames; another seed changes the random fields") {
  const std::string first = ping_capture(42);
  CHECK(first.size() > 24);
  CHECK(ping_capture(42) == first);
  CHECK(ping_capture(43) != first);  // the IP identification starts elsewhere
}
