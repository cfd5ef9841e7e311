#pragma once
// ARP for this host (RFC 826, RFC 1122 2.3.2): answers requests for our address, learns from the
// requests and replies it sees (the merge rule), announces itself with a gratuitous ARP at start,
// and resolves next hops for the IP layer, holding packets while it asks.
#include <optional>

#include "stack/context.hpp"
#include "stack/held.hpp"
#include "stack/link/arp_cache.hpp"
#include "stack/link/ethernet_layer.hpp"
#include "stack/wire/arp.hpp"

namespace tapstack {

class arp_layer {
 public:
  arp_layer(host_context& ctx, ethernet_layer& eth)
      : ctx_{ctx}, eth_{eth}, cache_{ctx.config.arp} {}

  void receive(const_byte_span packet, instant now);
  // Sends an IPv4 packet to a neighbour, asking for its MAC first when the cache does not know it.
  // The limited broadcast address goes to the broadcast MAC without asking.
  void send_ipv4(frame&& packet, ipv4_address next_hop, instant now);
  // A gratuitous ARP request for our own address (RFC 5227's announcement), so neighbours update.
  void announce(instant now);

  void poll(instant now);
  std::optional<instant> next_deadline() const { return cache_.next_deadline(); }
  const arp_cache& cache() const { return cache_; }
  void add_held(held_resources& h) const {
    for (const auto& [ip, e] : cache_.entries()) h.arp_waiting += e.pending.size();
  }

 private:
  void send_request(ipv4_address target, instant now);
  void send_reply(const arp_repr& request);
  void send_packet(const arp_repr& r, mac_address dst);
  void transmit_released(std::vector<frame>& released, mac_address dst);

  host_context& ctx_;
  ethernet_layer& eth_;
  arp_cache cache_;
};

}  // namespace tapstack
