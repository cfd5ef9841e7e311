#pragma once
// IPv4 in and out for one host (RFC 791, RFC 1122 3.2.1). In: validates the header, accepts what is
// addressed to us (our address, the limited and the subnet broadcast) and hands the packet back to
// the stack for delivery by protocol. Out: routes on-link or through the gateway, writes the header
// and passes the packet to ARP. Fragments are counted and dropped until reassembly exists.
#include <optional>

#include "stack/context.hpp"
#include "stack/link/arp_layer.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {

// A packet accepted for this host. The payload points into the received frame: valid only for the
// call that delivers it.
struct ipv4_packet {
  ipv4_repr header;
  const_byte_span payload;
  // The header as received, options included: what an ICMP error about this packet quotes.
  const_byte_span header_bytes;
  bool to_broadcast = false;
};

class ipv4_layer {
 public:
  ipv4_layer(host_context& ctx, arp_layer& arp);

  std::optional<ipv4_packet> receive(const_byte_span packet, instant now);
  // Runs the timers of fragment reassembly.
  void poll(instant now);
  std::optional<instant> next_deadline() const;

  // The largest payload one packet can carry at our MTU.
  std::size_t max_payload() const { return ctx_.config.mtu - ipv4_repr::header_len(); }
  // A frame with room for every header below IP and payload_len bytes to fill in; payload_len must
  // not exceed max_payload().
  frame allocate(std::size_t payload_len);
  // RFC 1122 3.2.1.3: "this network" (0/8) and loopback (127/8) never appear on a link as a
  // destination, and packets to our own address do not belong on the link either.
  bool can_send_to(ipv4_address dst) const {
    return !dst.is_this_network() && !dst.is_loopback() && dst != ctx_.config.address.address;
  }
  // Sends a payload built in a frame from allocate() to dst.
  void send(frame&& payload, ipv4_address dst, ip_protocol protocol, instant now);

 private:
  bool is_broadcast(ipv4_address a) const {
    // RFC 3021: a /31 has no subnet broadcast (both addresses are hosts); a /32 has none either.
    return a.is_broadcast() ||
           (ctx_.config.address.prefix_len <= 30 && a == ctx_.config.address.subnet_broadcast());
  }

  host_context& ctx_;
  arp_layer& arp_;
  std::uint16_t next_ident_;
};

}  // namespace tapstack
