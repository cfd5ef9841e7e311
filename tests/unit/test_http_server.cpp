// The toy host's HTTP server over two hosts on a socket pair, its limits set short so that the
// io_context runs through them in a fraction of a second (real time: the timers are Asio's, but
// nothing here sleeps): a client that stops halfway through a header gets 408 and a close, a
// silent one and an idle kept-alive one a close, an oversized header 431, an oversized body 413.
// Routes take decoded targets without their query, and files come from --http-root's mapping
// (the unit tests' golden directory serves as the root).
#include <doctest/doctest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "apps/tapstack/http_server.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp::error_code;
using clock_type = std::chrono::steady_clock;

const tcp::endpoint server_endpoint{asio::ip::make_address_v4("10.0.0.2"), 80};
const std::filesystem::path golden = TAPSTACK_SOURCE_DIR "/tests/unit/golden";

// Short limits, each far from the others, so a test tells which one ended a connection.
constexpr http_limits short_limits{.header_timeout = 100ms,
                                   .keepalive_timeout = 100ms,
                                   .header_limit = 8 * 1024,
                                   .body_limit = 1024};

struct served {
  std::string received;
  error_code end;             // what ended the reading: eof when the server closed
  clock_type::duration took;  // from the first byte sent to the end
};

// Sends raw bytes to a server on host b, then reads whatever comes until the connection ends.
served talk(const http_limits& limits, const std::string& request) {
  asio_pair net;
  http_server server{net.b, http_root{golden}, limits};
  server.start();
  served out;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket client{net.a};
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        const auto start = clock_type::now();
        co_await asio::async_write(client, asio::buffer(request), asio::use_awaitable);
        co_await asio::async_read(client, asio::dynamic_buffer(out.received),
                                  asio::redirect_error(asio::use_awaitable, out.end));
        out.took = clock_type::now() - start;
        net.stop();
      },
      asio::detached);
  net.io.run_for(10s);
  return out;
}

// The status line of the first response.
std::string status_line(const std::string& received) {
  return received.substr(0, received.find("\r\n"));
}

TEST_CASE("http a request header that stops halfway gets 408 and a close after the timeout") {
  auto limits = short_limits;
  limits.keepalive_timeout = 10s;
  const auto got = talk(limits, "GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nX-Slow: ");
  CHECK(status_line(got.received) == "HTTP/1.1 408 Request Timeout");
  CHECK(got.received.find("Connection: close") != std::string::npos);
  CHECK(got.end == asio::error::eof);
  CHECK(got.took >= 100ms);
  CHECK(got.took < 5s);
}

TEST_CASE("http a connection that never sends a byte is closed without an answer") {
  const auto got = talk(short_limits, "");
  CHECK(got.received.empty());
  CHECK(got.end == asio::error::eof);
  CHECK(got.took >= 100ms);
  CHECK(got.took < 5s);
}

TEST_CASE("http a kept-alive connection idle past the keep-alive timeout is closed quietly") {
  auto limits = short_limits;
  limits.header_timeout = 10s;  // so a close within seconds is the keep-alive timeout's
  limits.keepalive_timeout = 50ms;
  const auto got = talk(limits, "GET /bytes/3 HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n");
  CHECK(status_line(got.received) == "HTTP/1.1 200 OK");
  CHECK(got.received.ends_with("\r\n\r\n\x00\x01\x02"s));  // one response, nothing after it
  CHECK(got.end == asio::error::eof);
  CHECK(got.took >= 50ms);
  CHECK(got.took < 5s);
}

TEST_CASE("http a 20 KiB header gets 431") {
  const std::string request =
      "GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  const auto got = talk(short_limits, request);
  CHECK(status_line(got.received) == "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(got.end == asio::error::eof);
}

TEST_CASE("http a body over the limit gets 413, one within it is read and ignored") {
  const auto too_big =
      talk(short_limits, "GET / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'b'));
  CHECK(status_line(too_big.received) == "HTTP/1.1 413 Payload Too Large");
  CHECK(too_big.end == asio::error::eof);

  const auto small = talk(short_limits,
                          "GET /bytes/1 HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
                          "GET /bytes/2 HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(status_line(small.received) == "HTTP/1.1 200 OK");
  CHECK(small.received.ends_with("\r\n\r\n\x00\x01"s));  // the second request's answer
}

TEST_CASE("http a request that does not parse gets 400 and a close") {
  const auto got = talk(short_limits, "NOT HTTP AT ALL\r\n\r\n");
  CHECK(status_line(got.received) == "HTTP/1.1 400 Bad Request");
  CHECK(got.end == asio::error::eof);
}

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

TEST_CASE("http routes take decoded targets without their query, on one kept-alive connection") {
  asio_pair net;
  http_server server{net.b, http_root{golden}, short_limits};
  server.start();
  const std::pair<std::string, unsigned> expected[] = {{"/bytes/10?x=1", 200},
                                                       {"/bytes/%31%30", 200},
                                                       {"/status.json?pretty", 200},
                                                       {"/status%2Ejson", 200},
                                                       {"/?a=b", 200},
                                                       {"/#top", 200},
                                                       {"/dns/a-query.hex#f", 200},
                                                       {"/arp-request.hex?x=1", 200},
                                                       {"/dns", 301},
                                                       {"/dns/", 404},
                                                       {"//etc/passwd", 404},
                                                       {"/../CMakeLists.txt", 400},
                                                       {"/%zz", 400},
                                                       {"/bytes/ten", 400}};
  std::map<std::string, http::response<http::string_body>> got;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket client{net.a};
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        beast::flat_buffer buffer;
        for (const auto& [target, status] : expected) {
          http::request<http::string_body> req{http::verb::get, target, 11};
          req.set(http::field::host, "10.0.0.2");
          co_await http::async_write(client, req, asio::use_awaitable);
          co_await http::async_read(client, buffer, got[target], asio::use_awaitable);
        }
        net.stop();
      },
      asio::detached);
  net.io.run_for(10s);
  REQUIRE(got.size() == std::size(expected));
  for (const auto& [target, status] : expected) {
    CAPTURE(target);
    CHECK(got[target].result_int() == status);
  }
  CHECK(got["/bytes/10?x=1"].body() == std::string{"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10});
  CHECK(got["/bytes/%31%30"].body() == got["/bytes/10?x=1"].body());
  CHECK(got["/status%2Ejson"][http::field::content_type] == "application/json");
  CHECK(got["/?a=b"][http::field::content_type] == "text/html; charset=utf-8");
  CHECK(got["/arp-request.hex?x=1"].body() == file_text(golden / "arp-request.hex"));
  CHECK(got["/dns/a-query.hex#f"].body() == file_text(golden / "dns/a-query.hex"));
  CHECK(got["/dns"][http::field::location] == "/dns/");
}

}  // namespace
}  // namespace tapstack::test
