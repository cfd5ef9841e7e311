#include "stack/wire/describe.hpp"

#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {
namespace {

std::string malformed(drop_reason why) { return "[malformed: " + std::string{name(why)} + "]"; }

std::string describe_ipv4(const_byte_span packet) {
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
    if (!msg) return line + "ICMP type " + std::to_string(icmp->type()) + " " + malformed(msg.error());
    return line + to_string(*msg);
  }
  return line + "ip-proto-" + std::to_string(static_cast<unsigned>(repr->protocol)) + " " +
         std::to_string(repr->payload_len);
}

}  // namespace

std::string describe_frame(const_byte_span frame, bool link_level) {
  const auto eth = ethernet_view::check(frame);
  if (!eth) return "[|ether] length " + std::to_string(frame.size());
  const auto link = ethernet_repr::parse(*eth);
  const std::string prefix =
      link_level ? to_string(link) + ", length " + std::to_string(frame.size()) + ": " : "";
  switch (link.type) {
    case ethertype::arp: {
      const auto view = arp_view::check(eth->payload());
      if (!view) return prefix + "ARP " + malformed(view.error());
      const auto repr = arp_repr::parse(*view);
      return prefix + (repr ? to_string(*repr) : "ARP " + malformed(repr.error()));
    }
    case ethertype::ipv4: return prefix + describe_ipv4(eth->payload());
    default:
      return prefix + "ethertype " + to_string(link.type) + ", length " +
             std::to_string(frame.size());
  }
}

}  // namespace tapstack
