#include "stack/wire/describe.hpp"

#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

namespace tapstack {
namespace {

std::string malformed(drop_reason why) { return "[malformed: " + std::string{name(why)} + "]"; }

// tcpdump names the ports after the addresses: "IP 10.0.0.1.5353 > 10.0.0.2.7: ".
std::string with_ports(const ipv4_view& ip, std::uint16_t src_port, std::uint16_t dst_port) {
  return "IP " + to_string(ipv4_endpoint{ip.src(), src_port}) + " > " +
         to_string(ipv4_endpoint{ip.dst(), dst_port}) + ": ";
}

std::string describe_ipv4(const_byte_span packet, bool checksum_unsummed) {
  const auto view = ipv4_view::check(packet);
  if (!view) return "IP " + malformed(view.error());
  const auto repr = ipv4_repr::parse(*view);
  std::string line = "IP " + to_string(view->src()) + " > " + to_string(view->dst()) + ": ";
  if (!repr) return line + malformed(repr.error());
  if (repr->frag_offset != 0)
    return line + "fragment of " + to_string(repr->protocol) + ", offset " +
           std::to_string(repr->frag_offset) + ", length " + std::to_string(repr->payload_len);
  if (repr->protocol == ip_protocol::icmp) {
    const auto icmp = icmp_view::check(view->payload());
    if (!icmp) return line + malformed(icmp.error());
    const auto msg = icmp_repr::parse(*icmp);
    if (!msg)
      return line + "ICMP type " + std::to_string(icmp->type()) + " " + malformed(msg.error());
    return line + to_string(*msg);
  }
  if (repr->protocol == ip_protocol::udp) {
    const auto udp = udp_view::check(view->payload());
    if (!udp) return line + "UDP " + malformed(udp.error());
    const auto datagram = udp_repr::parse(*udp, view->src(), view->dst(), checksum_unsummed);
    if (!datagram) return line + "UDP " + malformed(datagram.error());
    return with_ports(*view, datagram->src_port, datagram->dst_port) + to_string(*datagram);
  }
  if (repr->protocol == ip_protocol::tcp) {
    const auto tcp = tcp_view::check(view->payload());
    if (!tcp) return line + "TCP " + malformed(tcp.error());
    const auto segment = tcp_repr::parse(*tcp, view->src(), view->dst(), checksum_unsummed);
    if (!segment) return line + "TCP " + malformed(segment.error());
    // The options as received, in their order and with any kinds the repr does not keep.
    return with_ports(*view, segment->src_port, segment->dst_port) +
           to_string(*segment, tcp->options());
  }
  return line + "ip-proto-" + std::to_string(static_cast<unsigned>(repr->protocol)) + " " +
         std::to_string(repr->payload_len);
}

}  // namespace

std::string describe_frame(const_byte_span frame, bool link_level, bool checksum_unsummed) {
  const auto eth = ethernet_view::check(frame);
  if (!eth) return "[|ether] length " + std::to_string(frame.size());
  const auto link = ethernet_repr::parse(*eth);
  std::string line;
  switch (link.type) {
    case ethertype::arp: {
      const auto view = arp_view::check(eth->payload());
      const auto repr = view ? arp_repr::parse(*view) : parse_result<arp_repr>{view.error()};
      line = repr ? to_string(*repr) : "ARP, " + malformed(repr.error());
      break;
    }
    case ethertype::ipv4:
      line = describe_ipv4(eth->payload(), checksum_unsummed);
      break;
    default:
      line = "ethertype " + to_string(link.type) + ", length " + std::to_string(frame.size());
  }
  if (!link_level) return line;
  // tcpdump -e leaves out the protocol name that the ethertype has just given.
  for (const std::string_view named : {"IP ", "ARP, "})
    if (line.starts_with(named)) line.erase(0, named.size());
  return to_string(link) + ", length " + std::to_string(frame.size()) + ": " + line;
}

}  // namespace tapstack
