#include "apps/lab/lab_network.hpp"

#include <stdexcept>
#include <string>
#include <system_error>

#include "apps/sim/sim_network.hpp"

namespace tapstack::lab {
namespace {

using namespace std::chrono_literals;

// tapstack-sim's hosts, 10.0.0.N, with the lab's TCP defaults and seed.
stack_config host_config(std::uint8_t last_octet, const tcp_config& tcp, std::uint64_t seed) {
  stack_config c = sim::host_config(last_octet);
  c.seed = seed;
  c.tcp = tcp;
  return c;
}

[[noreturn]] void fail(const std::string& what, std::error_code ec = {}) {
  throw std::runtime_error(what + (ec ? ": " + ec.message() : std::string{}));
}

}  // namespace

lab_network::lab_network(const link_config& l, const tcp_config& tcp, std::uint64_t seed)
    : link{l}, client{host_config(1, tcp, seed)}, server{host_config(2, tcp, seed + 1)} {
  sim.add(client, link.a());
  sim.add(server, link.b());
  sim.start();
}

std::pair<tcp_socket_id, tcp_socket_id> lab_network::connect(
    const tcp_socket_options& client_options, const tcp_socket_options& server_options) {
  tcp_layer& s = server.tcp();
  tcp_layer& c = client.tcp();
  const auto listener = s.open();
  const auto connecting = c.open();
  if (auto ec = s.set_options(listener, server_options, sim.now())) fail("listener options", ec);
  if (auto ec = s.bind(listener, {ipv4_address::any(), lab_port})) fail("bind", ec);
  if (auto ec = s.listen(listener, 1)) fail("listen", ec);
  if (auto ec = c.set_options(connecting, client_options, sim.now())) fail("client options", ec);
  if (auto ec = c.connect(connecting, {server.config().address.address, lab_port}, sim.now()))
    fail("connect", ec);
  tcp_socket_id accepted = 0;
  if (!sim.run_until([&] { return c.connected(connecting) && !s.accept(listener, accepted); },
                     3min))
    fail("the connection was not set up within 3 minutes of virtual time");
  // The listener's work is done; the accepted connection lives on without it.
  s.close(listener, sim.now());
  return {connecting, accepted};
}

void lab_network::send_all(stack& host, tcp_socket_id s, const_byte_span data) {
  std::size_t queued = 0;
  if (auto ec = host.tcp().send(s, data, queued, sim.now())) fail("send", ec);
  if (queued != data.size()) fail("send: the send buffer has no room for a request");
}

std::size_t lab_network::drain(stack& host, tcp_socket_id s) {
  std::size_t total = 0;
  for (;;) {
    std::size_t n = 0;
    const auto ec = host.tcp().receive(s, scratch_, n, sim.now());
    if (ec == std::errc::operation_would_block) return total;
    if (ec) fail("receive", ec);
    if (n == 0) fail("receive: the peer closed the connection early");
    total += n;
  }
}

}  // namespace tapstack::lab
