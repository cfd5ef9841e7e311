#include "stack/batch_io.hpp"

#include <algorithm>

namespace tapstack {

batch_io::batch_io(std::size_t frames, std::size_t frame_size)
    // Default-initialised: no byte is written, so untouched pages stay unmapped.
    : storage_{new std::uint8_t[frames * frame_size]} {
  places_.reserve(frames);
  for (std::size_t i = 0; i < frames; ++i)
    places_.push_back({byte_span{storage_.get() + i * frame_size, frame_size}});
  outgoing_.reserve(frames);
}

std::span<const received_frame> batch_io::receive(device& dev, instant now, std::size_t most) {
  const std::span<received_frame> places = std::span{places_}.first(std::min(most, places_.size()));
  return std::span<const received_frame>{places_}.first(dev.receive_batch(places, now));
}

std::size_t batch_io::transmit(stack& host, device& dev, instant now) {
  std::size_t moved = 0;
  for (;;) {
    while (outgoing_.size() < places_.size())
      if (auto f = host.pop_transmit())
        outgoing_.push_back(std::move(*f));
      else
        break;
    if (outgoing_.empty()) return moved;
    const std::size_t taken = dev.transmit_batch(outgoing_, now);
    host.stats().drop(drop_reason::tx_device_full, outgoing_.size() - taken);
    for (frame& f : outgoing_) host.recycle(std::move(f));
    moved += outgoing_.size();
    outgoing_.clear();
  }
}

}  // namespace tapstack
