#pragma once
// The bottom of a host: accepts frames addressed to it (its MAC or broadcast) and frames packets
// on the way out into its transmit queue. Demultiplexing by ethertype is the stack's job; this
// layer only says whether a frame is for us and what it carries.
#include <deque>
#include <optional>

#include "stack/context.hpp"
#include "stack/held.hpp"
#include "stack/wire/ethernet.hpp"

namespace tapstack {

class ethernet_layer {
 public:
  explicit ethernet_layer(host_context& ctx) : ctx_{ctx} {}

  // The frame's header when it is for this host; otherwise counted as a drop and nullopt.
  std::optional<ethernet_repr> accept(const_byte_span frame, instant now);
  // Prepends the Ethernet header and queues the frame for the device.
  void send(frame&& f, mac_address dst, ethertype type);

  std::optional<frame> pop_transmit();
  bool has_transmit() const { return !tx_.empty(); }
  void add_held(held_resources& h) const { h.transmit_queue += tx_.size(); }

 private:
  host_context& ctx_;
  std::deque<frame> tx_;
};

}  // namespace tapstack
