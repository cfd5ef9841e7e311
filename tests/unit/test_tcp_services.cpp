// The toy host's echo and discard services over two hosts on a socket pair: the echo sends back
// every byte in order even when its peer stops reading (the session holds what the connection
// cannot take and reads no more meanwhile), discard takes everything and sends nothing, both
// close after the peer's FIN, and an idle session holds no buffer of its own.
#include <doctest/doctest.h>
#include <malloc.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "apps/tapstack/tcp_services.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using tcp::error_code;

// Bytes that repeat every 251 (a prime, so no read or segment size lines up with it): a byte
// lost, repeated or moved shows as a difference.
std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i % 251);
  return out;
}

// The host's only connection's window left to the peer is less than a segment: the peer sends no
// more into it (sender-side silly window avoidance) until its application reads.
bool window_closed(host& h) {
  const auto all = h.core().tcp().connections();
  return all.size() == 1 && all[0].rcv_wnd < all[0].snd_mss;
}

// The service on host b, port 7, and what its clients on host a do.
struct served : asio_pair {
  explicit served(tcp_service::kind k) : service{b, k, 7} { service.start(); }

  // True once client is connected to the service.
  bool connect(tcp::socket& client) {
    bool done = false;
    error_code ec;
    client.async_connect({asio::ip::make_address_v4("10.0.0.2"), 7}, [&](error_code e) {
      ec = e;
      done = true;
    });
    return run_until(io, [&] { return done; }) && !ec;
  }

  // Starts writing all of data, which must outlive the write; written becomes true once it is all
  // queued.
  static void write(tcp::socket& client, const std::vector<std::uint8_t>& data, bool& written) {
    asio::async_write(client, asio::buffer(data),
                      [&](error_code ec, std::size_t n) { written = !ec && n == data.size(); });
  }

  // Half-closes the client and reads what is left until the service closes too: how many bytes
  // came after the client's FIN, and how the reading ended.
  std::pair<std::size_t, error_code> finish(tcp::socket& client) {
    client.shutdown(tcp::socket::shutdown_send);
    std::vector<std::uint8_t> rest;
    error_code end;
    bool done = false;
    asio::async_read(client, asio::dynamic_buffer(rest), [&](error_code ec, std::size_t) {
      end = ec;
      done = true;
    });
    run_until(io, [&] { return done; });
    return {rest.size(), end};
  }

  tcp_service service;
};

TEST_CASE("tcp echo returns 2 MB whole and in order to a peer that reads only once it is stalled") {
  served net{tcp_service::kind::echo};
  tcp::socket client{net.a};
  REQUIRE(net.connect(client));

  // More than both directions' buffers hold (256 KiB each, on each host) and the service's read:
  // the echo cannot take all of it before the client reads.
  const auto sent = pattern(2 * 1024 * 1024);
  bool written = false;
  served::write(client, sent, written);
  // The client's window is full of echoed bytes, and then the service's of bytes it did not read.
  REQUIRE(run_until(net.io, [&] { return window_closed(net.a) && window_closed(net.b); }));
  CHECK_FALSE(written);

  std::vector<std::uint8_t> received(sent.size());
  bool read = false;
  asio::async_read(client, asio::buffer(received),
                   [&](error_code ec, std::size_t n) { read = !ec && n == sent.size(); });
  REQUIRE(run_until(net.io, [&] { return read && written; }));
  CHECK(received == sent);
  const auto [after_fin, end] = net.finish(client);
  CHECK(after_fin == 0);
  CHECK(end == asio::error::eof);
}

TEST_CASE("tcp discard takes 1 MB, sends nothing back, and closes after the peer's FIN") {
  served net{tcp_service::kind::discard};
  tcp::socket client{net.a};
  REQUIRE(net.connect(client));

  const auto sent = pattern(1024 * 1024);
  bool written = false;
  served::write(client, sent, written);
  REQUIRE(run_until(net.io, [&] { return written; }));
  const auto [received, end] = net.finish(client);
  CHECK(received == 0);
  CHECK(end == asio::error::eof);
}

// The heap in use, from glibc's own count: what sessions hold, whoever allocated it.
std::size_t heap_in_use() { return mallinfo2().uordblks; }

TEST_CASE("idle tcp echo sessions hold no buffer: a connection costs both hosts under 8 KiB") {
  served net{tcp_service::kind::echo};
  // Each idle connection costs both hosts their TCBs and sockets (a few KiB); a session that
  // kept a buffer of the service's read size (16 KiB) would more than double that.
  constexpr std::size_t connections = 100;
  std::vector<std::unique_ptr<tcp::socket>> clients;
  clients.reserve(connections);
  const std::size_t before = heap_in_use();
  for (std::size_t i = 0; i < connections; ++i) {
    clients.push_back(std::make_unique<tcp::socket>(net.a));
    REQUIRE(net.connect(*clients.back()));
  }
  // Every accept's completion, and the session it makes, has run.
  while (net.io.poll() > 0) {
  }
  REQUIRE(net.b.core().tcp().connections().size() == connections);
  const std::size_t per_connection = (heap_in_use() - before) / connections;
  CAPTURE(per_connection);
  CHECK(per_connection < 8 * 1024);

  // And each session still echoes.
  const auto sent = pattern(1000);
  std::vector<std::uint8_t> received(sent.size());
  tcp::socket& last = *clients.back();
  bool written = false;
  bool read = false;
  served::write(last, sent, written);
  asio::async_read(last, asio::buffer(received), [&](error_code ec, std::size_t) { read = !ec; });
  REQUIRE(run_until(net.io, [&] { return written && read; }));
  CHECK(received == sent);
  // A waiting session lives in its own socket's wait, and the hosts go before the io_context:
  // stopping them ends every wait, and running what that completes ends the sessions.
  net.stop();
  net.io.run();
}

}  // namespace
}  // namespace tapstack::test
