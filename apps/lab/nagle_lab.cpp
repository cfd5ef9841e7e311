#include "apps/lab/nagle_lab.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "apps/lab/lab_network.hpp"

namespace tapstack::lab {

using namespace std::chrono_literals;

std::vector<duration> run_requests(const nagle_lab_config& config, nagle_case setting) {
  lab_network net{{.latency = config.latency, .seed = config.seed}, config.tcp, config.seed};
  tcp_socket_options client_options = tcp_socket_options::defaults(config.tcp);
  client_options.no_delay = !setting.nagle;
  tcp_socket_options server_options = tcp_socket_options::defaults(config.tcp);
  server_options.delayed_ack = setting.delayed_ack;
  const auto [client, server] = net.connect(client_options, server_options);

  const request_pattern& p = config.pattern;
  const std::vector<std::uint8_t> header(p.header, 'h'), body(p.body, 'b'),
      response(p.response, 'r');
  std::vector<duration> latencies;
  latencies.reserve(config.requests);
  for (std::size_t i = 0; i < config.requests; ++i) {
    const instant start = net.sim.now();
    net.send_all(net.client, client, header);
    net.send_all(net.client, client, body);
    std::size_t request_read = 0, response_read = 0;
    bool replied = false;
    const bool answered = net.sim.run_until(
        [&] {
          request_read += net.drain(net.server, server);
          if (!replied && request_read == p.request()) {
            net.send_all(net.server, server, response);
            replied = true;
          }
          response_read += net.drain(net.client, client);
          return response_read == p.response;
        },
        10s);
    if (!answered)
      throw std::runtime_error("request " + std::to_string(i + 1) +
                               " was not answered within 10 s of virtual time");
    latencies.push_back(net.sim.now() - start);
  }
  return latencies;
}

latency_summary summarize(std::vector<duration> latencies) {
  if (latencies.empty()) throw std::invalid_argument("summarize: no latencies");
  std::sort(latencies.begin(), latencies.end());
  const std::size_t n = latencies.size();
  latency_summary s;
  s.requests = n;
  s.median = n % 2 ? latencies[n / 2] : (latencies[n / 2 - 1] + latencies[n / 2]) / 2;
  // Nearest rank: the smallest latency that at least 99% of the requests did not exceed.
  s.p99 = latencies[(99 * n + 99) / 100 - 1];
  return s;
}

}  // namespace tapstack::lab
