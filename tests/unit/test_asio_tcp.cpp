// tapstack::tcp::socket and acceptor as Asio code uses them, over two hosts on a socket pair:
// asio::async_write and async_read through a connection with a callback and with a coroutine,
// the end of the stream read as eof, a refused connect, cancellation.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "stack/asio/tcp_socket.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using tcp::error_code;

const tcp::endpoint server_endpoint{asio::ip::make_address_v4("10.0.0.2"), 7};

TEST_CASE("a coroutine connects, writes with async_write, and reads the echo until eof") {
  asio_pair net;
  tcp::acceptor acceptor{net.b, tcp::endpoint{asio::ip::tcp::v4(), 7}};
  tcp::socket served{net.b};
  std::string request(100000, 'x');
  for (std::size_t i = 0; i < request.size(); ++i) request[i] = static_cast<char>('a' + i % 26);
  std::string echoed;

  // The server: accept one connection, echo until the client's FIN, then close.
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        co_await acceptor.async_accept(served, asio::use_awaitable);
        std::array<char, 4096> buf;
        for (;;) {
          error_code ec;
          const std::size_t n = co_await served.async_read_some(
              asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
          if (ec == asio::error::eof) break;
          REQUIRE_FALSE(ec);
          co_await asio::async_write(served, asio::buffer(buf, n), asio::use_awaitable);
        }
        served.shutdown(asio::socket_base::shutdown_send);
      },
      asio::detached);
  // The client.
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket client{net.a};
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        CHECK(client.remote_endpoint() == server_endpoint);
        co_await asio::async_write(client, asio::buffer(request), asio::use_awaitable);
        client.shutdown(asio::socket_base::shutdown_send);
        error_code ec;
        co_await asio::async_read(client, asio::dynamic_buffer(echoed),
                                  asio::redirect_error(asio::use_awaitable, ec));
        CHECK(ec == asio::error::eof);
        net.stop();
      },
      asio::detached);
  net.io.run_for(10s);
  CHECK(echoed.size() == request.size());
  CHECK((echoed == request));  // bool: doctest would print 100 kB of both sides
}

TEST_CASE("a connect to a port with no listener completes with connection_refused") {
  asio_pair net;
  tcp::socket client{net.a};
  error_code result;
  client.async_connect(tcp::endpoint{asio::ip::make_address_v4("10.0.0.2"), 81},
                       [&](error_code ec) {
                         result = ec;
                         net.stop();
                       });
  net.io.run_for(5s);
  CHECK(result == asio::error::connection_refused);
}

TEST_CASE("cancel completes a pending read with operation_aborted") {
  asio_pair net;
  tcp::acceptor acceptor{net.b, tcp::endpoint{asio::ip::tcp::v4(), 7}};
  tcp::socket served{net.b};
  tcp::socket client{net.a};
  std::array<char, 16> buf{};
  error_code result;
  acceptor.async_accept(served, [&](error_code) {});
  client.async_connect(server_endpoint, [&](error_code ec) {
    REQUIRE_FALSE(ec);
    client.async_read_some(asio::buffer(buf), [&](error_code read_ec, std::size_t) {
      result = read_ec;
      net.stop();
    });
    asio::post(net.io, [&] { client.cancel(); });
  });
  net.io.run_for(5s);
  CHECK(result == asio::error::operation_aborted);
}

}  // namespace
}  // namespace tapstack::test
