#pragma once
// Two devices joined back to back in memory: what one end transmits, the other receives, in order,
// after the link's latency, unless the link's seeded loss drops it. With a rate, each direction
// sends one frame at a time at that many bits per second, and frames wait their turn in a queue
// of bounded length: past it they are dropped at the tail, as at a router's bottleneck. The
// simulator wires hosts with it; each end's next_deadline() says when its next frame in flight
// arrives. Richer faults (bursts, reordering, corruption) belong to a fault injector wrapping an
// end.
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
  std::uint64_t rate_bps = 0;  // 0: frames cross at once, however many
  // Frames waiting to be sent at the rate (or, without one, in flight) per direction.
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
  // When the next frame in flight, in either direction, becomes receivable.
  std::optional<instant> next_arrival() const;
  // Frames lost on the wire (the loss share), and dropped at the tail of a full queue.
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t queue_drops() const { return queue_drops_; }

 private:
  struct in_flight_frame {
    instant arrives;
    std::vector<std::uint8_t> bytes;
  };
  class end final : public device {
   public:
    std::size_t receive(byte_span out, instant now) override;
    bool transmit(const_byte_span frame, instant now) override;
    // When the frame at the head of this end's inbox arrives.
    std::optional<instant> next_deadline() const override;

    pair_link* link_ = nullptr;
    end* peer_ = nullptr;
    std::deque<in_flight_frame> inbox_;
    // With a rate: when each frame queued in this direction finishes going onto the wire.
    std::deque<instant> departures_;
  };

  link_config config_;
  rng random_;
  std::uint64_t dropped_ = 0;
  std::uint64_t queue_drops_ = 0;
  end a_;
  end b_;
};

}  // namespace tapstack
