// tapstack::tcp::socket and acceptor as Asio code uses them, over two hosts on a socket pair:
// asio::async_write and async_read through a connection with a callback and with a coroutine,
// the end of the stream read as eof, a refused connect, cancellation, async_read_until, the
// socket options Asio names, the synchronous calls (which never block), available(), async_wait
// and lowest_layer().
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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

TEST_CASE("stopping the hosts aborts what coroutines wait for, so io.run() runs out of work") {
  asio_pair net;
  tcp::acceptor acceptor{net.b, tcp::endpoint{asio::ip::tcp::v4(), 7}};
  tcp::socket served{net.b};
  error_code accept_result, read_result;
  std::array<char, 16> buf{};
  // One coroutine waits for a second connection that never comes, the other for data: each keeps
  // io.run() going for as long as it lives.
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        co_await acceptor.async_accept(served, asio::use_awaitable);
        tcp::socket second{net.b};
        co_await acceptor.async_accept(second,
                                       asio::redirect_error(asio::use_awaitable, accept_result));
      },
      asio::detached);
  tcp::socket client{net.a};
  bool waiting = false;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        waiting = true;
        co_await client.async_read_some(asio::buffer(buf),
                                        asio::redirect_error(asio::use_awaitable, read_result));
      },
      asio::detached);
  // Until both wait, and a little longer: nothing more is coming.
  for (int i = 0; i < 1000 && !waiting; ++i) net.io.run_one_for(10ms);
  net.io.run_for(50ms);
  REQUIRE(waiting);
  REQUIRE_FALSE(net.io.stopped());
  net.stop();
  net.io.run_for(10s);
  CHECK(net.io.stopped());  // out of work, not out of time
  CHECK(accept_result == asio::error::operation_aborted);
  CHECK(read_result == asio::error::operation_aborted);
}

TEST_CASE("async_read_until splits lines that arrive in pieces") {
  asio_pair net;
  tcp::acceptor acceptor{net.b, tcp::endpoint{asio::ip::tcp::v4(), 7}};
  tcp::socket served{net.b};
  std::vector<std::string> lines;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        co_await acceptor.async_accept(served, asio::use_awaitable);
        served.set_option(asio::ip::tcp::no_delay(true));  // each piece its own segment
        for (const std::string_view piece : {"GET / HT", "TP/1.1\r\nHost: a\r", "\n\r\n"})
          co_await asio::async_write(served, asio::buffer(piece), asio::use_awaitable);
        served.shutdown(asio::socket_base::shutdown_send);
      },
      asio::detached);
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket client{net.a};
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        std::string buffer;
        for (;;) {
          error_code ec;
          const std::size_t n =
              co_await asio::async_read_until(client, asio::dynamic_buffer(buffer), "\r\n",
                                              asio::redirect_error(asio::use_awaitable, ec));
          if (ec) {
            CHECK(ec == asio::error::eof);
            break;
          }
          lines.push_back(buffer.substr(0, n - 2));
          buffer.erase(0, n);
        }
        net.stop();
      },
      asio::detached);
  net.io.run_for(10s);
  CHECK(lines == std::vector<std::string>{"GET / HTTP/1.1", "Host: a", ""});
}

TEST_CASE("buffer sizes set before connecting bound the window; an acceptor's pass to its peers") {
  asio_pair net;
  tcp::acceptor acceptor{net.b};
  acceptor.open();
  acceptor.set_option(asio::socket_base::send_buffer_size(4096));
  error_code ec;
  acceptor.bind(tcp::endpoint{asio::ip::tcp::v4(), 7}, ec);
  REQUIRE_FALSE(ec);
  acceptor.listen(8, ec);
  REQUIRE_FALSE(ec);
  tcp::socket served{net.b};
  tcp::socket client{net.a};
  client.open();
  client.set_option(asio::socket_base::receive_buffer_size(8192));
  client.set_option(asio::ip::tcp::no_delay(true));
  asio::socket_base::receive_buffer_size receive;
  client.get_option(receive);
  CHECK(receive.value() == 8192);

  bool accepted = false, connected = false;
  std::optional<tcp_connection_info> client_info, served_info;
  // Each side's info once both have seen the handshake end.
  const auto when_both = [&] {
    if (!accepted || !connected) return;
    client_info = client.info();
    served_info = served.info();
    net.stop();
  };
  acceptor.async_accept(served, [&](error_code e) {
    accepted = !e;
    when_both();
  });
  client.async_connect(server_endpoint, [&](error_code e) {
    REQUIRE_FALSE(e);
    connected = true;
    when_both();
  });
  net.io.run_for(5s);
  REQUIRE(accepted);
  asio::socket_base::send_buffer_size send;
  served.get_option(send);
  CHECK(send.value() == 4096);
  asio::ip::tcp::no_delay no_delay;
  client.get_option(no_delay);
  CHECK(no_delay.value());
  REQUIRE(client_info);
  CHECK(client_info->rcv_wnd == 8192);  // what the client offered
  REQUIRE(served_info);
  CHECK(served_info->snd_wnd == 8192);  // and what the server was told

  // A connection's receive buffer grows but never shrinks below the window it offered.
  client.set_option(asio::socket_base::receive_buffer_size(4096), ec);
  CHECK(ec == asio::error::invalid_argument);
  client.set_option(asio::socket_base::receive_buffer_size(16384), ec);
  CHECK_FALSE(ec);
}

TEST_CASE("options reject what a socket cannot take, each with its own error") {
  asio_pair net;
  tcp::socket s{net.a};
  error_code ec;
  s.set_option(asio::ip::tcp::no_delay(true), ec);
  CHECK(ec == asio::error::bad_descriptor);  // not open yet
  s.open(asio::ip::tcp::v6(), ec);
  CHECK(ec == asio::error::address_family_not_supported);
  s.open();
  s.open(asio::ip::tcp::v4(), ec);
  CHECK(ec == asio::error::already_open);
  for (const int size : {-1, 100, 1 << 30}) {
    s.set_option(asio::socket_base::send_buffer_size(size), ec);
    CHECK(ec == asio::error::invalid_argument);
  }
  CHECK_THROWS_AS(s.set_option(asio::socket_base::receive_buffer_size(1)),
                  boost::system::system_error);
}

TEST_CASE("read_some and write_some move what they can now, and would_block when that is nothing") {
  tcp_pair net;
  tcp::socket& client = net.client;
  tcp::socket& served = net.served;
  std::array<char, 16> buf{};
  error_code ec;
  CHECK(client.read_some(asio::buffer(buf), ec) == 0);
  CHECK(ec == asio::error::bad_descriptor);  // not open
  CHECK(client.available(ec) == 0);
  CHECK(ec == asio::error::bad_descriptor);
  client.shutdown(asio::socket_base::shutdown_send, ec);
  CHECK(ec == asio::error::bad_descriptor);
  REQUIRE(net.connect());

  CHECK(served.read_some(asio::buffer(buf), ec) == 0);
  CHECK(ec == asio::error::would_block);
  CHECK_THROWS_AS(served.read_some(asio::buffer(buf)), boost::system::system_error);
  CHECK(client.write_some(asio::buffer(std::string_view{"hello"})) == 5);
  REQUIRE(run_until(net.io, [&] { return served.available() == 5; }));
  CHECK(served.read_some(asio::buffer(buf)) == 5);
  CHECK(std::string_view{buf.data(), 5} == "hello");
  CHECK(served.available() == 0);

  // A write of many buffers goes as one.
  const std::array<asio::const_buffer, 2> pieces{asio::buffer(std::string_view{"ab"}),
                                                 asio::buffer(std::string_view{"cd"})};
  CHECK(client.write_some(pieces, ec) == 4);
  CHECK_FALSE(ec);
  REQUIRE(run_until(net.io, [&] { return served.available() == 4; }));
  CHECK(served.read_some(asio::buffer(buf)) == 4);
  CHECK(std::string_view{buf.data(), 4} == "abcd");

  client.shutdown(asio::socket_base::shutdown_send);
  REQUIRE(run_until(net.io, [&] {
    served.read_some(asio::buffer(buf), ec);
    return ec != asio::error::would_block;
  }));
  CHECK(ec == asio::error::eof);

  CHECK(client.non_blocking());
  client.non_blocking(true);
  client.non_blocking(false, ec);
  CHECK(ec == asio::error::operation_not_supported);
  net.stop();
}

TEST_CASE("acceptor::accept takes every connection waiting at once, and would_block after") {
  tcp_pair net;
  error_code ec;
  tcp::socket none{net.b};
  net.acceptor.accept(none, ec);
  CHECK(ec == asio::error::would_block);
  CHECK_FALSE(none.is_open());

  std::array<tcp::socket, 3> clients{tcp::socket{net.a}, tcp::socket{net.a}, tcp::socket{net.a}};
  int connected = 0;
  for (auto& c : clients)
    c.async_connect({asio::ip::make_address_v4("10.0.0.2"), 7},
                    [&](const error_code& e) { connected += e ? 0 : 1; });
  // The clients connect when they send the handshake's last ACK; the server, once it has it.
  const auto established_at_server = [&] {
    const auto all = net.b.core().tcp().connections();
    return std::count_if(all.begin(), all.end(), [](const tcp_connection_info& c) {
      return c.state == tcp_state::established;
    });
  };
  REQUIRE(run_until(net.io, [&] { return connected == 3 && established_at_server() == 3; }));
  std::vector<tcp::socket> served;
  for (tcp::socket next{net.b}; (net.acceptor.accept(next, ec), !ec); next = tcp::socket{net.b})
    served.push_back(std::move(next));
  CHECK(ec == asio::error::would_block);
  REQUIRE(served.size() == 3);
  std::set<std::uint16_t> ports;
  for (auto& s : served) ports.insert(s.remote_endpoint().port());
  std::set<std::uint16_t> want;
  for (auto& c : clients) want.insert(c.local_endpoint().port());
  CHECK(ports == want);
  net.stop();
}

TEST_CASE("async_wait completes when the socket can be read, can be written, or has failed") {
  tcp_pair net;
  tcp::socket& client = net.client;
  tcp::socket& served = net.served;
  REQUIRE(net.connect());

  std::optional<error_code> writable, readable, failed, cancelled;
  client.async_wait(tcp::socket::wait_write, [&](error_code ec) { writable = ec; });
  served.async_wait(tcp::socket::wait_read, [&](error_code ec) { readable = ec; });
  client.async_wait(tcp::socket::wait_error, [&](error_code ec) { failed = ec; });
  REQUIRE(run_until(net.io, [&] { return writable.has_value(); }));
  CHECK_FALSE(*writable);
  net.io.run_for(std::chrono::milliseconds{20});
  CHECK_FALSE(readable);  // nothing sent yet
  CHECK_FALSE(failed);

  client.write_some(asio::buffer(std::string_view{"x"}));
  REQUIRE(run_until(net.io, [&] { return readable.has_value(); }));
  CHECK_FALSE(*readable);
  CHECK(served.available() == 1);

  // Closed with the byte unread, the server resets the connection (as Linux does).
  served.close();
  REQUIRE(run_until(net.io, [&] { return failed.has_value(); }));
  CHECK_FALSE(*failed);
  std::array<char, 4> buf{};
  error_code ec;
  client.read_some(asio::buffer(buf), ec);
  CHECK(ec == asio::error::connection_reset);

  tcp::socket idle{net.a};
  idle.open();
  idle.async_wait(tcp::socket::wait_read, [&](error_code e) { cancelled = e; });
  asio::post(net.io, [&] { idle.cancel(); });
  REQUIRE(run_until(net.io, [&] { return cancelled.has_value(); }));
  CHECK(*cancelled == asio::error::operation_aborted);
  net.stop();
}

TEST_CASE("lowest_layer is the socket itself, as asio::ssl::stream and Beast expect") {
  static_assert(std::is_same_v<tcp::socket::lowest_layer_type, tcp::socket>);
  asio_pair net;
  tcp::socket s{net.a};
  s.open();
  CHECK(&s.lowest_layer() == &s);
  s.lowest_layer().close();
  CHECK_FALSE(s.is_open());
}

}  // namespace
}  // namespace tapstack::test
