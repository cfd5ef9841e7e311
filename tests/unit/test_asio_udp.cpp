// tapstack::udp::socket as Asio code uses it: two hosts joined by a socket pair (real descriptors
// the runners wait on; no tap, no root), one io_context, and each completion token kind: a
// callback, a coroutine with use_awaitable, and a blocking caller on another thread with
// use_future. run_for bounds each test should a completion never come; nothing sleeps.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "stack/asio/udp_socket.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using udp::endpoint;
using udp::error_code;

const endpoint echo_endpoint{asio::ip::make_address_v4("10.0.0.2"), 7};

// Host a (10.0.0.1) and host b (10.0.0.2) with a UDP echo service on port 7.
struct two_hosts : asio_pair {
  udp::socket echo{b};
  std::array<char, 2048> echo_buffer{};
  endpoint echo_peer;

  two_hosts() {
    echo.bind(endpoint{asio::ip::udp::v4(), 7});
    serve_echo();
  }
  void serve_echo() {
    echo.async_receive_from(asio::buffer(echo_buffer), echo_peer, [this](error_code ec, size_t n) {
      if (ec) return;
      echo.async_send_to(asio::buffer(echo_buffer, n), echo_peer,
                         [this](error_code, size_t) { serve_echo(); });
    });
  }
  asio::ip::address_v4 b_address() const { return asio::ip::make_address_v4("10.0.0.2"); }
  void stop() {
    echo.close();
    asio_pair::stop();
  }
};

TEST_CASE("a callback sends a datagram and receives its echo, with the sender's endpoint") {
  two_hosts net;
  udp::socket client{net.a};
  client.open();
  std::array<char, 64> reply{};
  endpoint from;
  std::string got;
  client.async_send_to(
      asio::buffer(std::string_view{"hello"}), echo_endpoint, [&](error_code ec, size_t n) {
        CHECK_FALSE(ec);
        CHECK(n == 5);
        client.async_receive_from(asio::buffer(reply), from, [&](error_code ec2, size_t m) {
          CHECK_FALSE(ec2);
          got.assign(reply.data(), m);
          net.stop();
        });
      });
  net.io.run_for(5s);
  CHECK(got == "hello");
  CHECK(from == echo_endpoint);
  CHECK(client.local_endpoint().port() >= 49152);
}

TEST_CASE("a coroutine with use_awaitable: connect, send, receive") {
  two_hosts net;
  std::string got;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        udp::socket client{net.a};
        client.connect(echo_endpoint);
        co_await client.async_send(asio::buffer(std::string_view{"ping"}), asio::use_awaitable);
        std::array<char, 64> reply{};
        const size_t n = co_await client.async_receive(asio::buffer(reply), asio::use_awaitable);
        got.assign(reply.data(), n);
        net.stop();
      },
      asio::detached);
  net.io.run_for(5s);
  CHECK(got == "ping");
}

TEST_CASE("a blocking caller on another thread with use_future") {
  two_hosts net;
  udp::socket client{net.a};
  client.open();
  std::thread runner{[&] { net.io.run_for(5s); }};
  auto sent = client.async_send_to(asio::buffer(std::string_view{"future"}), echo_endpoint,
                                   asio::use_future);
  REQUIRE(sent.wait_for(5s) == std::future_status::ready);
  CHECK(sent.get() == 6);
  std::array<char, 64> reply{};
  auto received = client.async_receive(asio::buffer(reply), asio::use_future);
  REQUIRE(received.wait_for(5s) == std::future_status::ready);
  CHECK(std::string(reply.data(), received.get()) == "future");
  asio::post(net.io, [&] {
    client.close();
    net.stop();
  });
  runner.join();
}

TEST_CASE("cancel and close complete a pending receive with operation_aborted") {
  two_hosts net;
  udp::socket client{net.a};
  client.bind(endpoint{asio::ip::udp::v4(), 4000});
  std::array<char, 16> buf{};
  error_code first, second;
  client.async_receive(asio::buffer(buf), [&](error_code ec, size_t) {
    first = ec;
    client.async_receive(asio::buffer(buf), [&](error_code ec2, size_t) {
      second = ec2;
      net.stop();
    });
    asio::post(net.io, [&] { client.close(); });
  });
  asio::post(net.io, [&] { client.cancel(); });
  net.io.run_for(5s);
  CHECK(first == asio::error::operation_aborted);
  CHECK(second == asio::error::operation_aborted);
  CHECK_FALSE(client.is_open());
}

TEST_CASE("a connected socket hears connection_refused from a closed port") {
  two_hosts net;
  udp::socket client{net.a};
  client.connect(endpoint{asio::ip::make_address_v4("10.0.0.2"), 9});
  std::array<char, 16> buf{};
  error_code result;
  client.async_send(asio::buffer(std::string_view{"x"}), [&](error_code ec, size_t) {
    CHECK_FALSE(ec);
    client.async_receive(asio::buffer(buf), [&](error_code ec2, size_t) {
      result = ec2;
      net.stop();
    });
  });
  net.io.run_for(5s);
  CHECK(result == asio::error::connection_refused);
}

TEST_CASE("a handler drains queued datagrams with the non-blocking receive_from") {
  two_hosts net;
  udp::socket server{net.b};
  server.bind(endpoint{asio::ip::udp::v4(), 9});
  udp::socket client{net.a};
  client.open();
  std::array<char, 16> buf{};
  endpoint from;
  std::vector<std::string> got;
  udp::error_code last;
  std::function<void()> wait = [&] {
    server.async_receive_from(asio::buffer(buf), from, [&](error_code ec, size_t n) {
      while (!ec) {
        got.emplace_back(buf.data(), n);
        n = server.receive_from(asio::buffer(buf), from, ec);
      }
      last = ec;
      if (got.size() < 3) return wait();
      net.stop();
    });
  };
  wait();
  for (const char* m : {"one", "two", "three"})
    client.async_send_to(asio::buffer(std::string_view{m}), endpoint{net.b_address(), 9},
                         [](error_code, size_t) {});
  net.io.run_for(5s);
  CHECK(got == std::vector<std::string>{"one", "two", "three"});
  CHECK(last == asio::error::would_block);
}

TEST_CASE("errors are Asio's: a port in use, an IPv6 endpoint") {
  two_hosts net;
  udp::socket other{net.b};
  error_code ec;
  other.bind(endpoint{asio::ip::udp::v4(), 7}, ec);
  CHECK(ec == asio::error::address_in_use);
  other.bind(endpoint{asio::ip::udp::v6(), 8}, ec);
  CHECK(ec == asio::error::address_family_not_supported);
  net.stop();
}

}  // namespace
}  // namespace tapstack::test
