#pragma once
// Two tapstack hosts on one io_context, joined by a socket pair: real descriptors that the
// runners wait on, with no tap and no root. Host a is 10.0.0.1 and host b 10.0.0.2, both started,
// neither handling signals. Where the Asio face is tested.
#include <utility>

#include "apps/sim/sim_network.hpp"
#include "drivers/fd_device.hpp"
#include "stack/asio/host.hpp"

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
  host a{io, clock, two_host_config(1), dev_a, {}, false};
  host b{io, clock, two_host_config(2), dev_b, {}, false};
};

}  // namespace tapstack::test
