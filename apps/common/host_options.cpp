#include "apps/common/host_options.hpp"

#include "apps/common/flag_values.hpp"

namespace tapstack {
namespace po = boost::program_options;

po::options_description host_flags::description() {
  po::options_description d{"Host"};
  // clang-format off
  d.add_options()
      ("tap", po::value(&tap_)->default_value(tap_),
       "tap device to attach to; it must exist (scripts/tap-up creates one)")
      ("ip", po::value(&ip_)->default_value(ip_), "this host's address and prefix length")
      ("gateway", po::value(&gateway_)->default_value(gateway_),
       "router for off-link destinations, on-link with --ip; 'none' for no router")
      ("mac", po::value(&mac_)->default_value(mac_), "this host's MAC (locally administered)")
      ("mtu", po::value(&mtu_)->default_value(mtu_), "largest IP packet sent, 68 to 65535")
      ("pcap", po::value(&pcap_),
       "record every frame in and out to this capture file: pcapng, with a comment on each "
       "frame a fault met, when a fault flag is given or the name ends .pcapng; classic pcap "
       "otherwise")
      ("offload", po::value(&offload_)->default_value(offload_),
       "on: the tap completes TCP checksums and hands over the kernel's super-segments of up "
       "to 64 KB unsummed (IFF_VNET_HDR, where the kernel accepts it; never with a fault flag); "
       "off: wire-exact frames of at most the MTU, every checksum summed by tapstack")
      ("trace", po::bool_switch(), "print one tcpdump-style line per frame in and out, and every TCP state change")
      ("tcp-trace", po::value(&tcp_trace_),
       "write a CSV row per ACK and congestion event of every TCP connection to this file "
       "(scripts/plot-tcp draws it)")
      ("log-level", po::value(&log_level_)->default_value(log_level_),
       "trace, debug, info, warn, error or off (drops are logged at debug)")
      ("seed", po::value(&seed_)->default_value(seed_),
       "seed for every random choice (IP identification, later ports and ISNs)")
      ("icmp-error-rate", po::value(&icmp_error_rate_)->default_value(icmp_error_rate_),
       "ICMP errors (port unreachable) sent per second at most: a token bucket for the whole "
       "host, as Linux's icmp_msgs_per_sec (icmp_errors_rate_limited counts the rest)")
      ("icmp-error-burst", po::value(&icmp_error_burst_)->default_value(icmp_error_burst_),
       "ICMP errors the bucket lets out at once after a quiet spell");
  // clang-format on
  return d;
}

host_options host_flags::resolve(const po::variables_map& vm) const {
  host_options o;
  o.tap = tap_;
  if (tap_.empty() || tap_.size() > 15)
    bad_flag("--tap", tap_, "an interface name of 1 to 15 characters");

  const auto cidr = ipv4_cidr::parse(ip_);
  if (!cidr || cidr->prefix_len == 0 || cidr->prefix_len > 30)
    bad_flag("--ip", ip_, "ADDR/PREFIX with a prefix of 1 to 30, like 10.0.0.2/24");
  if (cidr->address == cidr->network() || cidr->address == cidr->subnet_broadcast())
    bad_flag("--ip", ip_, "a host address, not the subnet's network or broadcast address");
  o.stack.address = *cidr;

  if (gateway_ == "none") {
    o.stack.gateway.reset();
  } else {
    const auto gw = ipv4_address::parse(gateway_);
    if (!gw) bad_flag("--gateway", gateway_, "an IPv4 address like 10.0.0.1, or 'none'");
    if (!cidr->contains(*gw) || *gw == cidr->address)
      bad_flag("--gateway", gateway_, "another address on " + to_string(*cidr) + "'s subnet");
    o.stack.gateway = *gw;
  }

  const auto mac = mac_address::parse(mac_);
  if (!mac || mac->is_multicast() || mac->is_zero())
    bad_flag("--mac", mac_, "a unicast MAC like 02:74:73:00:00:02");
  o.stack.mac = *mac;

  o.stack.mtu = unsigned_flag("--mtu", mtu_, min_mtu, max_mtu, "a number from 68 to 65535");
  o.stack.seed = unsigned_flag("--seed", seed_, 0, UINT64_MAX, "an unsigned 64-bit number");
  if (!parse_log_level(log_level_, o.level))
    bad_flag("--log-level", log_level_, "trace, debug, info, warn, error or off");
  if (vm.count("pcap")) {
    if (pcap_.empty()) bad_flag("--pcap", pcap_, "a file name");
    o.pcap = pcap_;
  }
  if (vm.count("tcp-trace")) {
    if (tcp_trace_.empty()) bad_flag("--tcp-trace", tcp_trace_, "a file name");
    // Both writers would interleave their bytes in one file, and neither reader could open it.
    if (o.pcap == tcp_trace_) bad_flag("--tcp-trace", tcp_trace_, "a file other than --pcap's");
    o.tcp_trace = tcp_trace_;
  }
  o.stack.icmp.errors_per_second = static_cast<std::uint32_t>(unsigned_flag(
      "--icmp-error-rate", icmp_error_rate_, 1, 1'000'000, "a number from 1 to 1000000"));
  o.stack.icmp.error_burst = static_cast<std::uint32_t>(unsigned_flag(
      "--icmp-error-burst", icmp_error_burst_, 1, 1'000'000, "a number from 1 to 1000000"));
  o.trace = vm["trace"].as<bool>();
  if (offload_ != "on" && offload_ != "off") bad_flag("--offload", offload_, "on or off");
  o.offload = offload_ == "on";
  return o;
}

}  // namespace tapstack
