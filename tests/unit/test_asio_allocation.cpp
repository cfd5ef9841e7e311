// Steady-state async reads and writes allocate nothing per operation: a 1-byte ping-pong between
// two tapstack::tcp::sockets on a socket pair, with the heap allocations of its steady state
// counted (tests/support/allocation_counter.hpp).
#include <doctest/doctest.h>

#include <array>

#include "stack/asio/tcp_socket.hpp"
#include "tests/support/allocation_counter.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using tcp::error_code;

// The client writes a byte and reads its echo; the server reads and writes it back.
struct ping_pong {
  void client_write() {
    client.async_write_some(asio::buffer(client_byte), [this](error_code ec, std::size_t) {
      failed |= static_cast<bool>(ec);
      client_read();
    });
  }
  void client_read() {
    client.async_read_some(asio::buffer(client_byte), [this](error_code ec, std::size_t) {
      failed |= static_cast<bool>(ec);
      if (++rounds < target && !failed) client_write();
    });
  }
  void serve() {
    served.async_read_some(asio::buffer(served_byte), [this](error_code ec, std::size_t n) {
      if (ec) return;
      served.async_write_some(asio::buffer(served_byte, n), [this](error_code e, std::size_t) {
        if (!e) serve();
      });
    });
  }
  // Starts `more` round trips more from the host's thread, as a steady loop runs (an operation
  // started elsewhere takes the heap); run() then runs them.
  void start(asio::io_context& io, int more) {
    target = rounds + more;
    asio::post(io, [this] { client_write(); });
  }
  // False if the round trips failed or took too long.
  bool run(asio::io_context& io) {
    return run_until(io, [&] { return rounds == target || failed; }) && !failed;
  }

  tcp::socket& client;
  tcp::socket& served;
  std::array<char, 1> client_byte{'x'}, served_byte{};
  int rounds = 0, target = 0;
  bool failed = false;
};

TEST_CASE("a steady async_read_some/async_write_some loop allocates nothing per operation") {
  tcp_pair net;
  REQUIRE(net.connect());
  net.client.set_option(asio::ip::tcp::no_delay(true));
  net.served.set_option(asio::ip::tcp::no_delay(true));

  ping_pong loop{net.client, net.served};
  loop.serve();
  loop.start(net.io, 50);
  REQUIRE(loop.run(net.io));  // warm up: every cache has what it keeps

  constexpr int rounds = 2000;  // 8000 operations
  loop.start(net.io, rounds);
  start_counting_allocations();
  const bool ran = loop.run(net.io);
  const allocation_count allocations = stop_counting_allocations();
  REQUIRE(ran);
  INFO(allocations);
  // The byte rings' chunks included: a write into a drained ring takes one from the host's
  // chunk_cache, and the read that drains it gives it back.
  CHECK(allocations.calls == 0);
  net.stop();
}

}  // namespace
}  // namespace tapstack::test
