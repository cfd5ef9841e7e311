// TCP between two hosts over a link with latency and seeded loss, in virtual time: bulk transfers
// arrive byte-exact at every loss rate, a seed reproduces a run's capture, and a run of short
// connections leaves nothing behind in either host.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/sim_transfer.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("10 MB arrive byte-exact at 0%, 1%, 5% and 20% loss") {
  const auto data = pattern(10 * 1024 * 1024);
  for (const double loss : {0.0, 0.01, 0.05, 0.20}) {
    INFO("loss " << loss);
    sim_net net{{.link = {.latency = 1ms, .loss = loss, .seed = 7}}};
    // At 20% each way the window stays at a few segments and backed-off timeouts set the pace, as
    // for any TCP that follows RFC 5681 and 6298: about an hour of virtual time, a blink of wall
    // time.
    const auto r = transfer(net, data, {.limit = 24h});
    CHECK(r.received == data.size());
    CHECK(r.intact(data.size()));
    if (loss > 0) CHECK(net.link.dropped() > 0);
    MESSAGE("loss " << loss << ": " << to_string(net.sim.now() - instant{}) << " virtual, "
                    << net.client.stats()[event::tcp_retransmits] << " retransmits, "
                    << net.link.dropped() << " frames lost");
  }
}

TEST_CASE("the same seed gives the same capture of a lossy transfer; another seed does not") {
  const auto data = pattern(256 * 1024);
  const auto capture = [&](std::uint64_t seed) {
    const auto path =
        std::filesystem::temp_directory_path() / ("tapstack-tcp-" + std::to_string(seed) + ".pcap");
    {
      sim_net net{{.link = {.latency = 2ms, .loss = 0.05, .seed = seed}, .pcap = path.string()}};
      CHECK(transfer(net, data, {.limit = 600s}).intact(data.size()));
    }
    std::ifstream in{path, std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    std::filesystem::remove(path);
    return bytes;
  };
  const std::string first = capture(11);
  CHECK(first.size() > 256 * 1024);
  CHECK((capture(11) == first));
  CHECK((capture(12) != first));
}

TEST_CASE("200 short connections, each closed in turn, leave nothing behind") {
  sim_net net{{.link = {.latency = 1ms, .loss = 0.02, .seed = 3}}};
  const auto listener = net.server.tcp().open();
  REQUIRE_FALSE(net.server.tcp().bind(listener, {ipv4_address::any(), 7}));
  REQUIRE_FALSE(net.server.tcp().listen(listener, 16));
  std::vector<std::uint8_t> buf(64);
  for (int i = 0; i < 200; ++i) {
    const auto c = net.client.tcp().open();
    REQUIRE_FALSE(net.client.tcp().connect(c, {sim_server_address, 7}, net.sim.now()));
    tcp_socket_id s = 0;
    REQUIRE(net.sim.run_until([&] { return !net.server.tcp().accept(listener, s); }, 60s));
    std::size_t n = 0;
    REQUIRE(net.sim.run_until([&] { return net.client.tcp().connected(c); }, 60s));
    REQUIRE_FALSE(net.client.tcp().send(c, std::vector<std::uint8_t>{'q'}, n, net.sim.now()));
    REQUIRE(net.sim.run_until(
        [&] { return !net.server.tcp().receive(s, buf, n, net.sim.now()) && n == 1; }, 60s));
    REQUIRE_FALSE(net.client.tcp().close(c, net.sim.now()));
    REQUIRE(net.sim.run_until([&] { return net.server.tcp().readable(s); }, 60s));
    REQUIRE_FALSE(net.server.tcp().close(s, net.sim.now()));
  }
  // Past TIME-WAIT and every retransmission, both tables are empty.
  net.sim.run_for(5min);
  CHECK(net.client.tcp().connections().empty());
  CHECK(net.server.tcp().connections().empty());
}

}  // namespace
}  // namespace tapstack::test
