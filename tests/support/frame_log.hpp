#pragma once
// A device decorator for tests that keeps a copy of every frame its host transmits while keeping
// is set: what left a host during a short exchange (how many segments, what each carried). Not
// for bulk transfers, whose every frame it would hold. Frames pass through unchanged.
#include <vector>

#include "drivers/device_decorator.hpp"
#include "tests/support/frames.hpp"

namespace tapstack::test {

class frame_log final : public device_decorator {
 public:
  using device_decorator::device_decorator;

  std::size_t receive_offloaded(byte_span out, frame_meta& meta, instant now) override {
    return inner_.receive_offloaded(out, meta, now);
  }
  bool transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant now) override {
    const bool taken = inner_.transmit_offloaded(frame, meta, now);
    if (taken && keeping) sent.emplace_back(frame.begin(), frame.end());
    return taken;
  }
  void flush() override { inner_.flush(); }

  bool keeping = false;
  std::vector<byte_vector> sent;
};

}  // namespace tapstack::test
