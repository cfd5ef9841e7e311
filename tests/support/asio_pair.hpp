#pragma once
// Two tapstack hosts on one io_context, joined by a socket pair: real descriptors that the
// runners wait on, with no tap and no root. Host a is 10.0.0.1 and host b 10.0.0.2, both started,
// neither handling signals. Where the Asio face is tested. run_until drives it without
// sleeping: they run the io_context until what they wait for has happened, or give up. What host
// b transmits is kept in sent_by_b once a test sets its keeping. tcp_pair adds a connection
// between them.
#include <chrono>
#include <utility>

#include "apps/sim/sim_network.hpp"
#include "drivers/fd_device.hpp"
#include "stack/asio/host.hpp"
#include "stack/asio/tcp_socket.hpp"
#include "tests/support/frame_log.hpp"

namespace tapstack::test {

// 10.0.0.N/24 at 02:74:73:00:00:N, with no gateway: the hosts of a two-host test network, as
// tapstack-sim makes them.
inline stack_config two_host_config(std::uint8_t last_octet) {
  return sim::host_config(last_octet);
}

struct asio_pair {
  asio_pair() {
    a.start();
    b.start();
  }
  void stop() {
    a.stop();
    b.stop();
  }

  asio::io_context io;
  real_clock clock;
  std::pair<int, int> fds = make_frame_socket_pair();
  fd_device dev_a{fds.first};
  fd_device dev_b{fds.second};
  frame_log sent_by_b{dev_b};
  host a{io, clock, two_host_config(1), dev_a, {}, false};
  host b{io, clock, two_host_config(2), sent_by_b, {}, false};
};

// Runs io until done() holds (true) or for at most 10 s (false).
template <class Done>
bool run_until(asio::io_context& io, Done done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!done() && std::chrono::steady_clock::now() < give_up)
    io.run_one_for(std::chrono::milliseconds{100});
  return done();
}

// The pair with a TCP connection to make: client on host a, served accepted on host b through
// acceptor (10.0.0.2:7).
struct tcp_pair : asio_pair {
  // True once both ends are connected.
  bool connect() {
    int done = 0;
    bool failed = false;
    const auto count = [&](const boost::system::error_code& ec) {
      failed |= static_cast<bool>(ec);
      ++done;
    };
    acceptor.async_accept(served, count);
    client.async_connect({asio::ip::make_address_v4("10.0.0.2"), 7}, count);
    return run_until(io, [&] { return done == 2; }) && !failed;
  }

  tcp::acceptor acceptor{b, tcp::endpoint{asio::ip::tcp::v4(), 7}};
  tcp::socket served{b};
  tcp::socket client{a};
};

}  // namespace tapstack::test
