#include "apps/common/tcp_flags.hpp"

#include "apps/common/flag_values.hpp"
#include "stack/tcp/socket_options.hpp"

namespace tapstack {
namespace po = boost::program_options;
using namespace std::chrono_literals;

po::options_description tcp_flags::description() {
  po::options_description d{"TCP (defaults for every connection)"};
  // clang-format off
  d.add_options()
      ("tcp-buffer", po::value(&buffer_)->default_value(buffer_),
       "send and receive buffer of each connection (the most the peer may send ahead of reads)")
      ("tcp-min-rto", po::value(&min_rto_)->default_value(min_rto_),
       "smallest retransmission timeout: 1s per RFC 6298, 200ms as Linux")
      ("tcp-time-wait", po::value(&time_wait_)->default_value(time_wait_),
       "how long a closed connection's addresses stay reserved (2 MSL, RFC 9293 3.4.2)")
      ("tcp-keepalive", po::value(&keepalive_)->default_value(keepalive_),
       "probe connections idle this long (like 30s), or 'off'; SO_KEEPALIVE per socket too")
      ("tcp-keepalive-interval", po::value(&keepalive_interval_)->default_value(keepalive_interval_),
       "time between unanswered keep-alive probes")
      ("tcp-keepalive-probes", po::value(&keepalive_probes_)->default_value(keepalive_probes_),
       "unanswered probes before the connection fails with 'timed out'");
  // clang-format on
  return d;
}

void tcp_flags::resolve(tcp_config& config) const {
  const std::size_t buffer =
      size_flag("--tcp-buffer", buffer_, min_socket_buffer, max_socket_buffer);
  config.send_buffer = buffer;
  config.receive_buffer = buffer;
  config.min_rto = duration_flag("--tcp-min-rto", min_rto_, 1ms, config.max_rto);
  config.time_wait = duration_flag("--tcp-time-wait", time_wait_, 0s, 10min);
  config.keepalive = keepalive_ != "off";
  if (config.keepalive)
    config.keepalive_idle = duration_flag("--tcp-keepalive", keepalive_, 1s, 24h);
  config.keepalive_interval =
      duration_flag("--tcp-keepalive-interval", keepalive_interval_, 1s, 24h);
  config.keepalive_probes = static_cast<unsigned>(
      unsigned_flag("--tcp-keepalive-probes", keepalive_probes_, 1, 100, "a number from 1 to 100"));
}

}  // namespace tapstack
