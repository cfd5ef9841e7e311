#include "stack/wire/icmp.hpp"

#include <algorithm>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"

namespace tapstack {

parse_result<icmp_view> icmp_view::check(const_byte_span message) {
  if (message.size() < icmp::header_len) return drop_reason::icmp_truncated;
  return icmp_view{message};
}

bool icmp_view::verify_checksum() const { return internet_checksum(bytes_) == 0; }

parse_result<icmp_repr> icmp_repr::parse(const icmp_view& v) {
  if (!v.verify_checksum()) return drop_reason::icmp_bad_checksum;
  icmp_repr r;
  r.type = static_cast<icmp_type>(v.type());
  r.code = v.code();
  r.data = v.data();
  switch (r.type) {
    case icmp_type::echo_request:
    case icmp_type::echo_reply:
      r.ident = v.ident();
      r.seq = v.seq();
      return r;
    case icmp_type::dest_unreachable:
      r.next_hop_mtu = v.next_hop_mtu();
      return r;
    case icmp_type::time_exceeded:
      return r;
  }
  return drop_reason::icmp_unhandled;
}

void icmp_repr::emit(byte_span out) const {
  out[icmp::field::type] = static_cast<std::uint8_t>(type);
  out[icmp::field::code] = code;
  store_be16(&out[icmp::field::checksum], 0);
  store_be32(&out[icmp::field::ident], 0);
  if (type == icmp_type::echo_request || type == icmp_type::echo_reply) {
    store_be16(&out[icmp::field::ident], ident);
    store_be16(&out[icmp::field::seq], seq);
  } else if (type == icmp_type::dest_unreachable) {
    store_be16(&out[icmp::field::next_hop_mtu], next_hop_mtu);
  }
  if (data.data() != out.data() + icmp::header_len)
    std::copy(data.begin(), data.end(), &out[icmp::header_len]);
  store_be16(&out[icmp::field::checksum], internet_checksum(out.first(buffer_len())));
}

namespace {

// As tcpdump words them, naming what the quoted packet was sent to.
std::string describe_unreachable(const icmp_repr& r) {
  const auto original = parse_quoted_ipv4(r.data);
  if (!original) return "unreachable, code " + std::to_string(r.code);
  const std::string dst = to_string(original->dst);
  switch (r.code) {
    case 0:
      return "net " + dst + " unreachable";
    case 1:
      return "host " + dst + " unreachable";
    case 2:
      return dst + " protocol " + std::to_string(static_cast<unsigned>(original->protocol)) +
             " unreachable";
    case 3: {
      const char* proto = original->protocol == ip_protocol::udp   ? "udp"
                          : original->protocol == ip_protocol::tcp ? "tcp"
                                                                   : "ip";
      return dst + " " + proto + " port " +
             std::to_string(load_be16(&original->payload_start[udp::field::dst_port])) +
             " unreachable";
    }
    case 4:
      return dst + " unreachable - need to frag (mtu " + std::to_string(r.next_hop_mtu) + ")";
    default:
      return dst + " unreachable, code " + std::to_string(r.code);
  }
}

}  // namespace

std::string to_string(const icmp_repr& r) {
  const std::string length = ", length " + std::to_string(r.buffer_len());
  switch (r.type) {
    case icmp_type::echo_request:
    case icmp_type::echo_reply:
      return std::string{"ICMP echo "} + (r.type == icmp_type::echo_request ? "request" : "reply") +
             ", id " + std::to_string(r.ident) + ", seq " + std::to_string(r.seq) + length;
    case icmp_type::dest_unreachable:
      return "ICMP " + describe_unreachable(r) + length;
    case icmp_type::time_exceeded:
      return std::string{"ICMP "} +
             (r.code == 1 ? "ip reassembly time exceeded" : "time exceeded in-transit") + length;
  }
  return "ICMP type " + std::to_string(static_cast<unsigned>(r.type)) + length;
}

}  // namespace tapstack
