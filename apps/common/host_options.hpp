#pragma once
// The flags every program that runs a host shares (--tap, --ip, --gateway, --mac, --mtu, --pcap,
// --trace, --tcp-trace, --log-level, --seed), declared once with Boost.Program_options and turned
// into a stack_config. Each bad value is reported as a usage_error naming the flag and the
// expected form.
#include <boost/program_options.hpp>
#include <optional>
#include <string>

#include "apps/common/fault_flags.hpp"
#include "stack/base/log.hpp"
#include "stack/config.hpp"

namespace tapstack {

struct host_options {
  std::string tap = "tap0";
  stack_config stack;
  std::optional<std::string> pcap;
  bool trace = false;
  // --offload: the tap's offloads (IFF_VNET_HDR) where the kernel accepts them; never with a
  // fault injector, which works on wire frames.
  bool offload = true;
  // A CSV of every connection's congestion figures, one row per ACK and event (drivers/tcp_trace).
  std::optional<std::string> tcp_trace;
  log_level level = log_level::info;
  // The Faults flags (fault_flags.hpp); parse_command_line fills them.
  fault_options faults;
};

class host_flags {
 public:
  // The "Host" section of --help.
  boost::program_options::options_description description();
  // Validates the parsed values; throws usage_error on the first bad one.
  host_options resolve(const boost::program_options::variables_map& vm) const;

 private:
  std::string tap_ = "tap0";
  std::string ip_ = "10.0.0.2/24";
  std::string gateway_ = "10.0.0.1";
  std::string mac_ = "02:74:73:00:00:02";
  std::string mtu_ = "1500";
  std::string pcap_;
  std::string offload_ = "on";
  std::string tcp_trace_;
  std::string icmp_error_rate_ = "1000";
  std::string icmp_error_burst_ = "50";
  std::string log_level_ = "info";
  std::string seed_ = "1";
};

}  // namespace tapstack
