#pragma once
// The bottom of a host: accepts frames addressed to it (its MAC or broadcast) and frames packets
// on the way out into its transmit queue. Demultiplexing by ethertype is the stack's job; this
// layer only says whether a frame is for us and what it carries.
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

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
  bool has_transmit() const { return tx_head_ < tx_.size(); }
  // drain is called whenever the queue reaches `frames`, to take them then, while the host is
  // still at work: a burst of output (a stopping host's FIN on every connection) then holds a
  // few frames at a time rather than one per segment. It may only pop and hand frames on.
  void on_backlog(std::size_t frames, std::function<void()> drain) {
    backlog_ = frames;
    drain_ = std::move(drain);
  }
  void add_held(held_resources& h) const { h.transmit_queue += tx_.size() - tx_head_; }

 private:
  host_context& ctx_;
  // Taken from tx_head_ on; emptied when all are taken, keeping its capacity, so that a steady
  // flow of frames allocates nothing (a deque takes and frees a block every few frames). Drivers
  // take every frame after each batch of work.
  std::vector<frame> tx_;
  std::size_t tx_head_ = 0;
  std::size_t backlog_ = 0;
  std::function<void()> drain_;
};

}  // namespace tapstack
