// TCP between two hosts over a link with latency and seeded loss, in virtual time: bulk transfers
// arrive byte-exact at every loss rate, a seed reproduces a run's capture, and a run of short
// connections leaves nothing behind in either host.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "drivers/pair_link.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

stack_config lab_config(std::uint8_t last_octet) {
  stack_config c = two_host_config(last_octet);
  c.tcp.min_rto = 200ms;  // Linux's minimum: a lossy run takes less virtual time
  return c;
}

// A deterministic payload: byte i is a function of i, so a misplaced byte shows.
std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> data(n);
  for (std::size_t i = 0; i < n; ++i)
    data[i] = static_cast<std::uint8_t>((i * 7 + (i >> 9)) & 0xff);
  return data;
}

struct lossy_pair {
  // With a pcap path, the client's side of the link is recorded.
  explicit lossy_pair(const link_config& l, const std::string& pcap = {}) : link{l} {
    if (!pcap.empty()) recorder.emplace(link.a(), pcap);
    sim.add(client, recorder ? static_cast<device&>(*recorder) : link.a());
    sim.add(server, link.b());
    sim.start();
  }
  pair_link link;
  std::optional<pcap_recorder> recorder;
  stack client{lab_config(1)};
  stack server{lab_config(2)};
  simulator sim;
};

// Sends data from client to server over one connection; returns what the server read.
std::vector<std::uint8_t> transfer(lossy_pair& net, const std::vector<std::uint8_t>& data,
                                   duration limit) {
  const auto listener = net.server.tcp().open();
  REQUIRE_FALSE(net.server.tcp().bind(listener, {ipv4_address::any(), 9}));
  REQUIRE_FALSE(net.server.tcp().listen(listener, 4));
  const auto c = net.client.tcp().open();
  REQUIRE_FALSE(net.client.tcp().connect(c, {ipv4_address{0x0a000002}, 9}, net.sim.now()));
  std::optional<tcp_socket_id> s;
  std::vector<std::uint8_t> received;
  std::vector<std::uint8_t> buf(64 * 1024);
  std::size_t sent = 0;
  bool shut = false;
  const bool done = net.sim.run_until(
      [&] {
        std::size_t n = 0;
        if (!s) {
          tcp_socket_id accepted = 0;
          if (!net.server.tcp().accept(listener, accepted)) s = accepted;
        }
        if (sent < data.size() && net.client.tcp().connected(c) &&
            !net.client.tcp().send(c, const_byte_span{data}.subspan(sent), n, net.sim.now()))
          sent += n;
        if (sent == data.size() && !shut) shut = !net.client.tcp().shutdown_send(c, net.sim.now());
        if (s) {
          while (!net.server.tcp().receive(*s, buf, n, net.sim.now()) && n > 0)
            received.insert(received.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        }
        return received.size() == data.size();
      },
      limit);
  CHECK(done);
  return received;
}

TEST_CASE("10 MB arrive byte-exact at 0%, 1%, 5% and 20% loss") {
  const auto data = pattern(10 * 1024 * 1024);
  for (const double loss : {0.0, 0.01, 0.05, 0.20}) {
    INFO("loss " << loss);
    lossy_pair net{{.latency = 1ms, .loss = loss, .seed = 7}};
    // At 20% each way the window stays at a few segments and backed-off timeouts set the pace, as
    // for any TCP that follows RFC 5681 and 6298: about an hour of virtual time, a blink of wall
    // time.
    const auto received = transfer(net, data, 24h);
    CHECK(received.size() == data.size());
    CHECK((received == data));
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
      lossy_pair net{{.latency = 2ms, .loss = 0.05, .seed = seed}, path.string()};
      CHECK((transfer(net, data, 600s) == data));
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
  lossy_pair net{{.latency = 1ms, .loss = 0.02, .seed = 3}};
  const auto listener = net.server.tcp().open();
  REQUIRE_FALSE(net.server.tcp().bind(listener, {ipv4_address::any(), 7}));
  REQUIRE_FALSE(net.server.tcp().listen(listener, 16));
  std::vector<std::uint8_t> buf(64);
  for (int i = 0; i < 200; ++i) {
    const auto c = net.client.tcp().open();
    REQUIRE_FALSE(net.client.tcp().connect(c, {ipv4_address{0x0a000002}, 7}, net.sim.now()));
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
