#pragma once
// Frames between a host and its device a batch at a time, for the drivers (the Asio runner, the
// simulator): received frames land in a batch of places and go up together
// (stack::receive_batch, which acknowledges the batch as a whole), and what the host queued goes
// down in batches of the same size (device::transmit_batch). The places are allocated once and
// left untouched until a frame lands in them, so a batch of 64 KB places costs memory only as far
// as frames reach into them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/device.hpp"
#include "stack/stack.hpp"

namespace tapstack {

class batch_io {
 public:
  // Batches of up to frames frames of up to frame_size bytes each.
  batch_io(std::size_t frames, std::size_t frame_size);

  // One batch from dev of at most `most` frames (at most the batch size), in the order received;
  // empty when nothing waits. Valid until the next call.
  std::span<const received_frame> receive(device& dev, instant now, std::size_t most = SIZE_MAX);
  // The first place, where a read made for the device ahead of receive() can land (device::landed)
  // for the next batch to take it without a copy.
  byte_span first_place() const { return places_.front().storage; }
  // Hands dev everything host queued; frames the device could not take are dropped and counted
  // (drop_reason::tx_device_full). Returns how many were handed over.
  std::size_t transmit(stack& host, device& dev, instant now);

 private:
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<received_frame> places_;
  std::vector<frame> outgoing_;
};

}  // namespace tapstack
