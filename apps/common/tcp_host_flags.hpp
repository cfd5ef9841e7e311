#pragma once
// The TCP section of every program's --help: the host-wide defaults of tcp_config that labs and
// experiments change (buffer sizes, minimum RTO, TIME-WAIT, keep-alive, Nagle, delayed ACK,
// congestion control, the SYN options, the limits on what a peer can make us send), declared once
// with Boost.Program_options. Each bad value is a usage_error naming the flag and the expected
// form.
#include <boost/program_options.hpp>
#include <string>

#include "stack/config.hpp"

namespace tapstack {

class tcp_host_flags {
 public:
  boost::program_options::options_description description();
  // Writes the parsed values over config's; throws usage_error on the first bad one.
  void resolve(tcp_config& config) const;

 private:
  std::string buffer_ = "256k";
  std::string min_rto_ = "1s";
  std::string time_wait_ = "60s";
  std::string keepalive_ = "off";
  std::string keepalive_interval_ = "75s";
  std::string keepalive_probes_ = "9";
  std::string nagle_ = "on";
  std::string delayed_ack_ = "40ms";
  std::string congestion_ = "newreno";
  std::string initial_window_ = "10";
  std::string window_scaling_ = "on";
  std::string timestamps_ = "on";
  std::string sack_ = "on";
  std::string min_mss_ = "48";
  std::string challenge_ack_limit_ = "10";
  std::string invalid_ack_interval_ = "500ms";
  std::string max_connections_ = "500000";
};

}  // namespace tapstack
