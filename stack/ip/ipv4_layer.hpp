#pragma once
// IPv4 in and out for one host (RFC 791, RFC 1122 3.2.1). In: validates the header, accepts what is
// addressed to us (our address, the limited and the subnet broadcast) and hands the packet back to
// the stack for delivery by protocol, reassembling fragmented datagrams first (reassembly.hpp).
// Out: routes on-link or through the gateway, writes the header and passes the packet to ARP,
// fragmenting a datagram larger than the MTU (RFC 791 3.2) unless the sender forbids it.
#include <optional>

#include "stack/context.hpp"
#include "stack/held.hpp"
#include "stack/ip/reassembly.hpp"
#include "stack/link/arp_layer.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {

// A packet accepted for this host. The payload points into the received frame, or into the
// reassembler for a datagram that came in fragments: valid only for the call that delivers it.
struct ipv4_packet {
  ipv4_repr header;
  const_byte_span payload;
  // The header as received, options included: what an ICMP error about this packet quotes. For a
  // reassembled datagram, fragment zero's, with the length and fragment fields of the whole.
  const_byte_span header_bytes;
  bool to_broadcast = false;
  // The device checked the transport checksum (frame_meta): never for a reassembled datagram.
  bool checksum_verified = false;
};

// What a sender may ask of one datagram.
struct ipv4_send_options {
  // Sets DF and forbids fragmenting here too: a payload over max_payload() is dropped (ip_too_big)
  // rather than sent in pieces. For path MTU discovery (RFC 1191) and senders that size to it.
  bool dont_fragment = false;
  // Type of service. ICMP errors go with precedence "internetwork control" (0xc0), as Linux sends
  // them (RFC 1812 4.3.2.5 asks routers to).
  std::uint8_t tos = 0;
};

class ipv4_layer {
 public:
  // The largest payload one datagram can carry, in fragments: 65535 bytes less the header.
  static constexpr std::size_t max_datagram_payload = 65535 - ipv4_repr::header_len();

  ipv4_layer(host_context& ctx, arp_layer& arp);

  // checksum_verified: the device checked the transport checksum of this frame; a datagram
  // reassembled from fragments is not this frame's, and gets it summed.
  std::optional<ipv4_packet> receive(const_byte_span packet, bool checksum_verified, instant now);
  // Runs the timers of fragment reassembly.
  void poll(instant now);
  std::optional<instant> next_deadline() const;
  void add_held(held_resources& h) const { h.fragment_bytes += reassembly_.bytes_held(); }

  // The largest payload one packet can carry at our MTU.
  std::size_t max_payload() const { return ctx_.config.mtu - ipv4_repr::header_len(); }
  // A frame with room for every header below IP and payload_len bytes to fill in; payload_len must
  // not exceed max_datagram_payload. Up to max_payload() it comes from the pool; a larger one is
  // allocated for the purpose, as pool frames hold one packet at our MTU.
  frame allocate(std::size_t payload_len);
  // RFC 1122 3.2.1.3: "this network" (0/8) and loopback (127/8) never appear on a link as a
  // destination, and packets to our own address do not belong on the link either.
  bool can_send_to(ipv4_address dst) const {
    return !dst.is_this_network() && !dst.is_loopback() && dst != ctx_.config.address.address;
  }
  // Sends a payload built in a frame from allocate() to dst, in fragments when it is larger than
  // max_payload() and options allow.
  void send(frame&& payload, ipv4_address dst, ip_protocol protocol, instant now,
            ipv4_send_options options = {});

 private:
  std::optional<ipv4_packet> reassemble(const ipv4_repr& ip, const ipv4_view& view, bool broadcast,
                                        instant now);
  // Where a packet to dst goes on the link; nullopt when off-link and there is no gateway.
  std::optional<ipv4_address> next_hop(ipv4_address dst) const;
  void send_fragments(const_byte_span payload, ipv4_repr ip, ipv4_address next_hop, instant now);
  bool is_broadcast(ipv4_address a) const {
    // RFC 3021: a /31 has no subnet broadcast (both addresses are hosts); a /32 has none either.
    return a.is_broadcast() ||
           (ctx_.config.address.prefix_len <= 30 && a == ctx_.config.address.subnet_broadcast());
  }

  host_context& ctx_;
  arp_layer& arp_;
  reassembler reassembly_;
  std::uint16_t next_ident_;
};

}  // namespace tapstack
