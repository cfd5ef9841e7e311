#include "apps/common/tcp_host_flags.hpp"

#include "apps/common/flag_values.hpp"
#include "stack/tcp/socket_options.hpp"

namespace tapstack {
namespace po = boost::program_options;
using namespace std::chrono_literals;

po::options_description tcp_host_flags::description() {
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
       "unanswered probes before the connection fails with 'timed out'")
      ("tcp-nagle", po::value(&nagle_)->default_value(nagle_),
       "Nagle's algorithm: hold a short segment while an earlier short one is unacknowledged "
       "(on or off)")
      ("tcp-delayed-ack", po::value(&delayed_ack_)->default_value(delayed_ack_),
       "delay an ACK up to this long (it still goes at every second full segment), or 'off'")
      ("tcp-cc", po::value(&congestion_)->default_value(congestion_),
       "congestion control: newreno (RFC 5681, 6582) or cubic (RFC 9438)")
      ("tcp-initial-window", po::value(&initial_window_)->default_value(initial_window_),
       "initial congestion window in segments (RFC 6928's 10), or 0 for RFC 5681's 2 to 4")
      ("tcp-window-scaling", po::value(&window_scaling_)->default_value(window_scaling_),
       "offer window scaling on SYNs (RFC 7323), on or off")
      ("tcp-timestamps", po::value(&timestamps_)->default_value(timestamps_),
       "offer timestamps on SYNs (RFC 7323: RTT measurement, PAWS), on or off")
      ("tcp-sack", po::value(&sack_)->default_value(sack_),
       "offer selective acknowledgements on SYNs (RFC 2018, recovery by RFC 6675), on or off")
      ("tcp-min-mss", po::value(&min_mss_)->default_value(min_mss_),
       "smallest MSS a peer's SYN may set (raised to it, counted as tcp_peer_mss_raised; "
       "48 as Linux's tcp_min_snd_mss)")
      ("tcp-challenge-ack-limit", po::value(&challenge_ack_limit_)->default_value(challenge_ack_limit_),
       "challenge ACKs (RFC 5961) per second per connection, about: each second's budget is drawn "
       "at random from half to 1.5 times it; 0 sends none (tcp_challenge_acks_limited)")
      ("tcp-invalid-ack-interval",
       po::value(&invalid_ack_interval_)->default_value(invalid_ack_interval_),
       "per connection, at most one ACK per interval answers a pure ACK that is out of the window, "
       "fails PAWS or acknowledges unsent data (tcp_invalid_ack_replies_limited)")
      ("max-connections", po::value(&max_connections_)->default_value(max_connections_),
       "TCP connections the host holds at most, TIME-WAIT included: past it SYNs are dropped "
       "(tcp_connection_limit) and connect() fails");
  // clang-format on
  return d;
}

void tcp_host_flags::resolve(tcp_config& config) const {
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
  config.no_delay = !switch_flag("--tcp-nagle", nagle_);
  config.delayed_ack = delayed_ack_ != "off";
  if (config.delayed_ack)
    config.delayed_ack_timeout = duration_flag("--tcp-delayed-ack", delayed_ack_, 1ms, 500ms);
  const auto cc = parse_congestion_algorithm(congestion_);
  if (!cc) bad_flag("--tcp-cc", congestion_, "newreno or cubic");
  config.congestion = *cc;
  config.initial_window_segments = static_cast<unsigned>(unsigned_flag(
      "--tcp-initial-window", initial_window_, 0, 100, "a number of segments from 0 to 100"));
  config.window_scaling = switch_flag("--tcp-window-scaling", window_scaling_);
  config.timestamps = switch_flag("--tcp-timestamps", timestamps_);
  config.sack = switch_flag("--tcp-sack", sack_);
  config.min_snd_mss = static_cast<std::uint16_t>(
      unsigned_flag("--tcp-min-mss", min_mss_, 48, 65495, "a number of bytes from 48 to 65495"));
  config.challenge_acks_per_second =
      static_cast<std::uint32_t>(unsigned_flag("--tcp-challenge-ack-limit", challenge_ack_limit_, 0,
                                               1'000'000, "a number from 0 to 1000000"));
  config.invalid_ack_interval =
      duration_flag("--tcp-invalid-ack-interval", invalid_ack_interval_, 0s, 1min);
  config.max_connections = unsigned_flag("--max-connections", max_connections_, 1, 10'000'000,
                                         "a number from 1 to 10000000");
}

}  // namespace tapstack
