#pragma once
// Two devices joined back to back in memory: what one end transmits, the other receives, in order,
// after the link's latency, unless the link's seeded loss drops it. The simulator wires hosts with
// it and asks next_arrival() when to wake for a frame in flight. Richer faults (bursts,
// reordering, corruption) belong to a fault injector wrapping an end. Each end holds at most a
// bounded number of frames, like a real device's queue.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/device.hpp"

namespace tapstack {

struct link_config {
  duration latency{};
  double loss = 0;  // the share of frames dropped, each direction, 0 to 1
  std::uint64_t seed = 1;
  std::size_t queue_limit = 1024;
};

class pair_link {
 public:
  explicit pair_link(const link_config& config = {});
  pair_link(const pair_link&) = delete;
  pair_link& operator=(const pair_link&) = delete;

  device& a() { return a_; }
  device& b() { return b_; }
  // Frames waiting in either direction: zero when the link is idle.
  std::size_t in_flight() const { return a_.inbox_.size() + b_.inbox_.size(); }
  // When the next frame in flight becomes receivable.
  std::optional<instant> next_arrival() const;
  std::uint64_t dropped() const { return dropped_; }

 private:
  struct in_flight_frame {
    instant arrives;
    std::vector<std::uint8_t> bytes;
  };
  class end final : public device {
   public:
    std::size_t receive(byte_span out, instant now) override;
    bool transmit(const_byte_span frame, instant now) override;

    pair_link* link_ = nullptr;
    end* peer_ = nullptr;
    std::deque<in_flight_frame> inbox_;
  };

  link_config config_;
  rng random_;
  std::uint64_t dropped_ = 0;
  end a_;
  end b_;
};

}  // namespace tapstack
