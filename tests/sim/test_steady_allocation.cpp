// A bulk transfer in its steady state allocates nothing per frame on either host: two hosts on an
// in-memory link in virtual time, the client sending 8 MiB to the server through the core's socket
// calls, with the heap allocations counted while the middle half of the bytes arrives (after the
// handshake, slow start and the buffers' first fill). Everything the hosts, the simulator and the
// socket calls do in that time is counted; only the link is not (see uncounted_device).
#include <doctest/doctest.h>

#include <vector>

#include "drivers/pair_link.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"
#include "tests/support/allocation_counter.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// The link stands in for a tap, whose transmit is a write(2); it copies every frame into a vector
// of its own, which is the test's apparatus and not the hosts' work.
class uncounted_device final : public device {
 public:
  explicit uncounted_device(device& inner) : inner_{inner} {}
  std::size_t receive(byte_span out, instant now) override {
    const allocations_not_counted link;
    return inner_.receive(out, now);
  }
  bool transmit(const_byte_span frame, instant now) override {
    const allocations_not_counted link;
    return inner_.transmit(frame, now);
  }
  std::optional<instant> next_deadline() const override { return inner_.next_deadline(); }

 private:
  device& inner_;
};

// Frames that crossed the link, either way.
std::uint64_t frames(const stack& a, const stack& b) {
  return a.stats()[event::frames_in] + b.stats()[event::frames_in];
}

TEST_CASE("a steady bulk transfer allocates nothing per frame on either host") {
  link_config setup;
  SUBCASE("a millisecond each way at 1 Gbit/s") {
    // About a receive buffer (256 KiB) in flight, ACKs clocking the sender one by one, the
    // delayed-ACK and retransmission timers armed and moved all along.
    setup = {.latency = 1ms, .rate_bps = 1'000'000'000};
  }
  SUBCASE("no latency") {
    // A whole window crosses in one round: the receiver's buffer fills and drains whole.
  }
  pair_link link{setup};
  uncounted_device client_end{link.a()}, server_end{link.b()};
  stack client{two_host_config(1)}, server{two_host_config(2)};
  simulator sim;
  sim.add(client, client_end);
  sim.add(server, server_end);
  sim.start();

  tcp_layer& sender = client.tcp();
  tcp_layer& receiver = server.tcp();
  const tcp_socket_id listener = receiver.open();
  REQUIRE_FALSE(receiver.bind(listener, {ipv4_address::any(), 9}));
  REQUIRE_FALSE(receiver.listen(listener, 1));
  const tcp_socket_id c = sender.open();
  REQUIRE_FALSE(sender.connect(c, {sim::server_address, 9}, sim.now()));
  tcp_socket_id s = 0;
  REQUIRE(sim.run_until([&] { return !receiver.accept(listener, s); }, 5s));

  const std::vector<std::uint8_t> data(8 * 1024 * 1024, 0x5a);
  std::vector<std::uint8_t> buf(64 * 1024);
  std::size_t sent = 0, received = 0;
  // Counting starts once a quarter of the data was read and stops at three quarters.
  bool counting = false;
  std::uint64_t frames_before = 0, frames_counted = 0;
  allocation_count allocations;
  const bool done = sim.run_until(
      [&] {
        const instant now = sim.now();
        std::size_t n = 0;
        if (sent < data.size() && !sender.send(c, const_byte_span{data}.subspan(sent), n, now))
          sent += n;
        while (!receiver.receive(s, buf, n, now) && n > 0) {
          received += n;
          if (!counting && frames_counted == 0 && received >= data.size() / 4) {
            counting = true;
            frames_before = frames(client, server);
            start_counting_allocations();
          } else if (counting && received >= data.size() * 3 / 4) {
            counting = false;
            allocations = stop_counting_allocations();
            frames_counted = frames(client, server) - frames_before;
          }
        }
        return received == data.size();
      },
      10s);
  REQUIRE(done);
  INFO(frames_counted << " frames crossed the link while counting: " << allocations);
  CHECK(frames_counted > 2000);
  CHECK(allocations.calls == 0);
}

}  // namespace
}  // namespace tapstack::test
