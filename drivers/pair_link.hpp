#pragma once
// Two devices joined back to back in memory: what one end transmits, the other receives, in order
// and at once. The simulator wires hosts with it; later the fault injector wraps an end to add loss
// and delay. Each end holds at most a bounded number of frames, like a real device's queue.
#include <cstdint>
#include <deque>
#include <vector>

#include "stack/device.hpp"

namespace tapstack {

class pair_link {
 public:
  explicit pair_link(std::size_t queue_limit = 1024);
  pair_link(const pair_link&) = delete;
  pair_link& operator=(const pair_link&) = delete;

  device& a() { return a_; }
  device& b() { return b_; }
  // Frames waiting in either direction: zero when the link is idle.
  std::size_t in_flight() const { return a_.inbox_.size() + b_.inbox_.size(); }

 private:
  class end final : public device {
   public:
    std::size_t receive(byte_span out, instant now) override;
    bool transmit(const_byte_span frame, instant now) override;

    end* peer_ = nullptr;
    std::size_t limit_ = 0;
    std::deque<std::vector<std::uint8_t>> inbox_;
  };

  end a_;
  end b_;
};

}  // namespace tapstack
