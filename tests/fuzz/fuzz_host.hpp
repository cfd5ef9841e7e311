#pragma once
// What the fuzz targets that drive a whole host (stack/stack.hpp) share: a reader that turns the
// fuzzer's bytes into values, a log sink that formats every message, the host made from an input's
// first byte, and the checks every frame
// the host sends must pass whatever the target drives it with: it parses cleanly, comes from the
// host's own addresses, goes to an address a host may send to and fits the MTU. For the fuzz
// targets only; a frame checked here is only read, and no span outlives the call that got it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "stack/base/log.hpp"
#include "stack/config.hpp"
#include "stack/stack.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace tapstack::fuzz {

// Formats every message the host logs, so the code that builds them runs too.
class checking_sink final : public log_sink {
 public:
  void write(log_level, instant, std::string_view message) override {
    TAPSTACK_FUZZ_CHECK(!message.empty());
  }
};

class input_reader {
 public:
  explicit input_reader(const_byte_span bytes) : rest_{bytes} {}
  bool empty() const { return rest_.empty(); }
  // Past the end, bytes read as zero and spans come back short.
  std::uint8_t byte() {
    const const_byte_span b = take(1);
    return b.empty() ? 0 : b[0];
  }
  std::uint16_t be16() {
    const std::uint16_t high = byte();
    return static_cast<std::uint16_t>(high << 8 | byte());
  }
  std::uint32_t be32() {
    const std::uint32_t high = be16();
    return high << 16 | be16();
  }
  const_byte_span take(std::size_t n) {
    const const_byte_span out = rest_.first(std::min(n, rest_.size()));
    rest_ = rest_.subspan(out.size());
    return out;
  }

 private:
  const_byte_span rest_;
};

// What a target does with an input: a host configured by make_config from the input's first byte,
// started at time zero and logging every message through a checking_sink, handed to
// drive(host, reader) with the rest of the input. An empty input makes no host.
template <class MakeConfig, class Drive>
void drive_host(const_byte_span input, MakeConfig make_config, Drive drive) {
  input_reader in{input};
  if (in.empty()) return;
  checking_sink sink;
  stack host{make_config(in.byte()), logger{&sink, log_level::trace}};
  host.start(instant{});
  drive(host, in);
}

// The packet fills the Ethernet payload, unless the frame was padded to the 60-byte minimum.
inline bool fills_frame(std::size_t packet_len, const_byte_span frame) {
  const std::size_t room = frame.size() - ethernet::header_len;
  return room == packet_len || (room > packet_len && frame.size() == ethernet::min_frame_len);
}

// RFC 1122 3.2.1.3: "this network" (0/8) and loopback (127/8) addresses never appear on a link as
// a destination, and a host does not send itself packets over the link.
inline bool may_send_to(const stack_config& c, ipv4_address dst) {
  const std::uint32_t first_octet = dst.value >> 24;
  return first_octet != 0 && first_octet != 127 && dst != c.address.address;
}

inline void check_sent_arp(const stack_config& c, const ethernet_repr& link,
                           const_byte_span frame) {
  const auto view = arp_view::check(frame.subspan(ethernet::header_len));
  TAPSTACK_FUZZ_CHECK(view.ok());
  const auto arp = arp_repr::parse(*view);
  TAPSTACK_FUZZ_CHECK(arp.ok());
  TAPSTACK_FUZZ_CHECK(fills_frame(arp::packet_len, frame));
  TAPSTACK_FUZZ_CHECK(arp->sender_mac == c.mac && arp->sender_ip == c.address.address);
  if (arp->operation == arp_operation::reply) TAPSTACK_FUZZ_CHECK(link.dst == arp->target_mac);
}

inline void check_sent_ipv4(const stack_config& c, const_byte_span frame) {
  const auto view = ipv4_view::check(frame.subspan(ethernet::header_len));
  TAPSTACK_FUZZ_CHECK(view.ok());
  const auto ip = ipv4_repr::parse(*view);
  TAPSTACK_FUZZ_CHECK(ip.ok());
  TAPSTACK_FUZZ_CHECK(fills_frame(ip->total_len(), frame));
  TAPSTACK_FUZZ_CHECK(ip->total_len() <= c.mtu);
  TAPSTACK_FUZZ_CHECK(ip->src == c.address.address);
  TAPSTACK_FUZZ_CHECK(may_send_to(c, ip->dst));
  if (ip->is_fragment()) {
    // Only the whole datagram parses; a fragment must at least be one a receiver can place.
    TAPSTACK_FUZZ_CHECK(ip->frag_offset % 8 == 0);
    TAPSTACK_FUZZ_CHECK(!ip->more_fragments || ip->payload_len % 8 == 0);
    TAPSTACK_FUZZ_CHECK(ip->frag_offset + ip->payload_len <= 65535 - ipv4_repr::header_len());
    return;
  }
  if (ip->protocol == ip_protocol::tcp) {
    const auto tcp = tcp_view::check(view->payload());
    TAPSTACK_FUZZ_CHECK(tcp.ok());
    const auto seg = tcp_repr::parse(*tcp, ip->src, ip->dst);
    TAPSTACK_FUZZ_CHECK(seg.ok());
    // Our segments carry no more than the MSS the connection may use, and a RST carries no data.
    TAPSTACK_FUZZ_CHECK(seg->payload.size() <= c.mtu - 40);
    if (seg->flags.rst) TAPSTACK_FUZZ_CHECK(seg->payload.empty());
    return;
  }
  TAPSTACK_FUZZ_CHECK(ip->protocol == ip_protocol::icmp);
  const auto icmp = icmp_view::check(view->payload());
  TAPSTACK_FUZZ_CHECK(icmp.ok());
  TAPSTACK_FUZZ_CHECK(icmp_repr::parse(*icmp).ok());
}

inline void check_sent(const stack_config& c, const_byte_span frame) {
  const auto eth = ethernet_view::check(frame);
  TAPSTACK_FUZZ_CHECK(eth.ok());
  const ethernet_repr link = ethernet_repr::parse(*eth);
  TAPSTACK_FUZZ_CHECK(link.src == c.mac);
  TAPSTACK_FUZZ_CHECK(frame.size() <= ethernet::header_len + c.mtu);
  switch (link.type) {
    case ethertype::arp:
      return check_sent_arp(c, link, frame);
    case ethertype::ipv4:
      return check_sent_ipv4(c, frame);
    default:
      TAPSTACK_FUZZ_CHECK(!"the host sent an ethertype it does not speak");
  }
}

}  // namespace tapstack::fuzz
