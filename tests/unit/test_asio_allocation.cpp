// Steady-state async reads and writes allocate nothing per operation: a 1-byte ping-pong between
// two tapstack::tcp::sockets on a socket pair, with the heap allocations of its steady state
// counted. Replaces the global operator new for the whole unit-test binary; it only counts, and
// only while a test asks it to.
#include <doctest/doctest.h>

#include <array>
#include <cstdlib>
#include <new>

#include "stack/asio/tcp_socket.hpp"
#include "stack/buffers/byte_ring.hpp"
#include "tests/support/asio_pair.hpp"

namespace {

// Allocations while counting, apart from the byte rings' chunks: a connection's ring takes a
// chunk when a drained ring is written and frees it as it drains (memory follows use,
// byte_ring.hpp), so a ping-pong takes one per write in each direction by design. Those are
// counted apart, by their size.
struct allocation_counter {
  bool counting = false;
  std::size_t other = 0, ring_chunks = 0;
  std::array<std::size_t, 16> other_sizes{};  // the first few, for the failure message
};
allocation_counter counter;

void* counted_new(std::size_t size) {
  if (counter.counting) {
    if (size == tapstack::byte_ring::chunk_size) {
      ++counter.ring_chunks;
    } else {
      if (counter.other < counter.other_sizes.size()) counter.other_sizes[counter.other] = size;
      ++counter.other;
    }
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}

}  // namespace

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

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
  counter = {};
  counter.counting = true;
  const bool ran = loop.run(net.io);
  counter.counting = false;
  REQUIRE(ran);
  INFO("sizes of the first allocations: " << counter.other_sizes[0] << " " << counter.other_sizes[1]
                                          << " " << counter.other_sizes[2] << " "
                                          << counter.other_sizes[3]);
  CHECK(counter.other == 0);
  // The rings' chunks: one per write into a drained ring at most, four per round trip.
  CHECK(counter.ring_chunks <= 4 * rounds);
  net.stop();
}

}  // namespace
}  // namespace tapstack::test
