// Two hosts on an in-memory link in virtual time, talking TCP through the core's socket calls: a
// handshake, data both ways, and an orderly close that ends in TIME-WAIT and then CLOSED; a
// connect to a closed port is refused; a transfer larger than both buffers arrives byte-exact; and
// at the end, with every handle closed, neither host holds anything.
#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "drivers/pair_link.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

struct tcp_pair {
  pair_link link;
  stack client{two_host_config(1)};
  stack server{two_host_config(2)};
  simulator sim;
  tcp_socket_id listener = 0;

  tcp_pair() {
    sim.add(client, link.a());
    sim.add(server, link.b());
    sim.start();
    listener = server.tcp().open();
    REQUIRE_FALSE(server.tcp().bind(listener, {ipv4_address::any(), 80}));
    REQUIRE_FALSE(server.tcp().listen(listener, 8));
  }
  const ipv4_endpoint server_endpoint{ipv4_address{0x0a000002}, 80};

  // Connects a client socket and accepts it on the server; both ESTABLISHED.
  std::pair<tcp_socket_id, tcp_socket_id> connect() {
    const auto c = client.tcp().open();
    REQUIRE_FALSE(client.tcp().connect(c, server_endpoint, sim.now()));
    tcp_socket_id s = 0;
    REQUIRE(sim.run_until([&] { return !server.tcp().accept(listener, s); }, 5s));
    REQUIRE(sim.run_until([&] { return client.tcp().connected(c); }, 5s));
    return {c, s};
  }
};

TEST_CASE("handshake, data both ways, orderly close through TIME-WAIT to CLOSED") {
  tcp_pair net;
  auto [c, s] = net.connect();
  CHECK(net.client.tcp().info(c)->state == tcp_state::established);
  CHECK(net.server.tcp().info(s)->state == tcp_state::established);

  const std::vector<std::uint8_t> hello{'h', 'e', 'l', 'l', 'o'};
  std::size_t queued = 0;
  REQUIRE_FALSE(net.client.tcp().send(c, hello, queued, net.sim.now()));
  CHECK(queued == 5);
  std::vector<std::uint8_t> buf(64);
  std::size_t got = 0;
  REQUIRE(net.sim.run_until([&] { return net.server.tcp().readable(s); }, 5s));
  // The listener and the accepted socket, one connection, and five bytes nobody has read.
  CHECK(net.server.held().to_string() == "tcp_sockets=2 tcp_connections=1 tcp_bytes=5");
  REQUIRE_FALSE(net.server.tcp().receive(s, buf, got, net.sim.now()));
  CHECK(std::vector<std::uint8_t>(buf.begin(), buf.begin() + 5) == hello);
  REQUIRE_FALSE(net.server.tcp().send(s, hello, queued, net.sim.now()));
  REQUIRE(net.sim.run_until([&] { return net.client.tcp().readable(c); }, 5s));
  REQUIRE_FALSE(net.client.tcp().receive(c, buf, got, net.sim.now()));
  CHECK(got == 5);

  // The client closes first: FIN-WAIT-1, FIN-WAIT-2; the server reads the end of the stream.
  REQUIRE_FALSE(net.client.tcp().shutdown_send(c, net.sim.now()));
  REQUIRE(net.sim.run_until([&] { return net.server.tcp().readable(s); }, 5s));
  CHECK_FALSE(net.server.tcp().receive(s, buf, got, net.sim.now()));
  CHECK(got == 0);  // end of stream
  CHECK(net.server.tcp().info(s)->state == tcp_state::close_wait);
  CHECK(net.sim.run_until([&] { return net.client.tcp().info(c)->state == tcp_state::fin_wait_2; },
                          5s));
  REQUIRE_FALSE(net.server.tcp().close(s, net.sim.now()));
  REQUIRE(net.sim.run_until([&] { return net.client.tcp().info(c)->state == tcp_state::time_wait; },
                            5s));
  CHECK(net.server.tcp().connections().empty());  // LAST-ACK ended in CLOSED
  // The round that ends TIME-WAIT moves no frame; run_until still sees the table empty.
  CHECK(net.sim.run_until([&] { return net.client.tcp().connections().empty(); },
                          net.client.config().tcp.time_wait + 1s));
  CHECK(net.client.tcp().info(c)->state == tcp_state::closed);
  CHECK(net.client.tcp().connections().empty());
  // Once the handles are closed too, neither host holds anything.
  CHECK(net.client.held().to_string() == "tcp_sockets=1");
  REQUIRE_FALSE(net.client.tcp().close(c, net.sim.now()));
  REQUIRE_FALSE(net.server.tcp().close(net.listener, net.sim.now()));
  CHECK(net.client.held().none());
  CHECK(net.server.held().none());
}

TEST_CASE("a connect to a closed port is refused at once") {
  tcp_pair net;
  const auto c = net.client.tcp().open();
  REQUIRE_FALSE(net.client.tcp().connect(c, {ipv4_address{0x0a000002}, 81}, net.sim.now()));
  REQUIRE(net.sim.run_until([&] { return net.client.tcp().readable(c); }, 5s));
  std::vector<std::uint8_t> buf(8);
  std::size_t got = 0;
  CHECK(net.client.tcp().receive(c, buf, got, net.sim.now()) == std::errc::connection_refused);
  CHECK(net.sim.now() < instant{} + 1s);
}

TEST_CASE("a transfer larger than both buffers arrives byte-exact") {
  tcp_pair net;
  auto [c, s] = net.connect();
  std::vector<std::uint8_t> data(2 * 1024 * 1024);
  std::iota(data.begin(), data.end(), std::uint8_t{0});
  for (std::size_t i = 0; i < data.size(); i += 7) data[i] ^= static_cast<std::uint8_t>(i >> 8);
  std::vector<std::uint8_t> received;
  std::size_t sent = 0;
  std::vector<std::uint8_t> buf(64 * 1024);
  const bool done = net.sim.run_until(
      [&] {
        std::size_t n = 0;
        if (sent < data.size() &&
            !net.client.tcp().send(c, const_byte_span{data}.subspan(sent), n, net.sim.now()))
          sent += n;
        if (!net.server.tcp().receive(s, buf, n, net.sim.now()))
          received.insert(received.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        return received.size() == data.size();
      },
      60s);
  REQUIRE(done);
  CHECK(received == data);
}

}  // namespace
}  // namespace tapstack::test
