#include "tests/support/sim_transfer.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "apps/sim/stream_pattern.hpp"

namespace tapstack::test {

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> data(n);
  sim::fill_pattern(0, 0, data);
  return data;
}

namespace {

// Where bytes read at offset `at` of the stream first differ from the data (past its end counts
// as a difference); nullopt when they agree.
std::optional<std::size_t> mismatch(const std::vector<std::uint8_t>& data, std::size_t at,
                                    const_byte_span got) {
  const std::size_t start = std::min(at, data.size());
  const std::size_t common = std::min(got.size(), data.size() - start);
  const auto first = std::mismatch(got.begin(), got.begin() + static_cast<long>(common),
                                   data.begin() + static_cast<long>(start))
                         .first;
  const auto same = static_cast<std::size_t>(first - got.begin());
  if (same == got.size()) return std::nullopt;
  return at + same;
}

}  // namespace

sim_sockets start_connect(sim_net& net, std::uint16_t port) {
  sim_sockets s;
  s.listener = net.server.tcp().open();
  REQUIRE_FALSE(net.server.tcp().bind(s.listener, {ipv4_address::any(), port}));
  REQUIRE_FALSE(net.server.tcp().listen(s.listener, 4));
  s.client = net.client.tcp().open();
  s.started = net.sim.now();
  REQUIRE_FALSE(net.client.tcp().connect(s.client, {sim_server_address, port}, s.started));
  return s;
}

transfer_result transfer(sim_net& net, const std::vector<std::uint8_t>& data,
                         const transfer_options& options) {
  tcp_layer& server = net.server.tcp();
  tcp_layer& client = net.client.tcp();
  const sim_sockets sockets = start_connect(net, options.port);
  const tcp_socket_id listener = sockets.listener;
  transfer_result r;
  r.client = sockets.client;
  r.started = sockets.started;

  std::vector<std::uint8_t> buf(64 * 1024);
  std::size_t sent = 0;
  bool shut = false;
  // Reads what the server holds, comparing it with the data at its place in the stream.
  const auto read = [&](tcp_socket_id s) {
    std::size_t n = 0;
    while (!server.receive(s, buf, n, net.sim.now()) && n > 0) {
      if (!r.first_mismatch)
        r.first_mismatch = mismatch(data, r.received, const_byte_span{buf}.first(n));
      r.received += n;
    }
  };
  r.done = net.sim.run_until(
      [&] {
        const instant now = net.sim.now();
        if (!r.connected && client.connected(r.client)) r.connected = now;
        if (!r.server) {
          tcp_socket_id accepted = 0;
          if (!server.accept(listener, accepted)) r.server = accepted;
        }
        std::size_t n = 0;
        if (sent < data.size() && r.connected &&
            !client.send(r.client, const_byte_span{data}.subspan(sent), n, now))
          sent += n;
        if (sent == data.size() && r.connected && !shut)
          shut = !client.shutdown_send(r.client, now);
        if (r.server) read(*r.server);
        if (options.each_round) options.each_round(r, now);
        return r.received >= data.size();
      },
      options.limit);
  r.finished = net.sim.now();
  return r;
}

}  // namespace tapstack::test
