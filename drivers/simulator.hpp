#pragma once
// The virtual-time driver: the one place in the project that advances virtual time. It runs hosts
// wired by in-memory devices in rounds: each host drains what its device received, runs its due
// timers and transmits, moving frames across the device seam in batches as the Asio runner does.
// Unlike the runner, it hands the host each frame on its own (stack::receive, not receive_batch):
// a link with no serialisation delay delivers a whole flight at one instant, which as one batch
// would get one ACK, where the lessons and experiments run here are about what a TCP does
// segment by segment (the ACK every second segment, the duplicate ACKs, slow start's growth). When
// a round moves no frame, time jumps to the earliest deadline of any host or device (a frame
// arriving over a link, a frame a fault injector holds), so a minute of protocol time takes
// microseconds. Hosts and devices outlive the simulator. Used by the sim tests and by the programs
// that run experiments in virtual time.
#include <cstdint>
#include <functional>
#include <vector>

#include "stack/batch_io.hpp"
#include "stack/device.hpp"
#include "stack/stack.hpp"

namespace tapstack {

class simulator {
 public:
  // What someone watching the run event by event sees (tapstack-sim --step): a frame handed to a
  // host, or a host whose timers were due and ran. Hosts are numbered in the order add() saw them.
  struct event {
    enum class kind : std::uint8_t { frame, timers };
    kind what;
    std::size_t host;
    const_byte_span frame;  // kind::frame: the frame as the host received it
    instant at;
    // kind::timers: the frames the timers queued to send, and the host's counters before they
    // ran, to tell from its counters now which timer it was.
    std::size_t sent = 0;
    const counters* before = nullptr;
  };
  // Called after the host took the event in; the frame is valid during the call only.
  using observer = std::function<void(const event&)>;

  // The simulator wakes for the device's next_deadline() as for the host's.
  void add(stack& host, device& dev);
  void on_event(observer o) { observer_ = std::move(o); }
  instant now() const { return now_; }

  // Starts every host at the current instant.
  void start();
  // Runs rounds until done() holds or virtual time passes now() + limit; returns done().
  bool run_until(const std::function<bool()>& done, duration limit);
  // Runs until no frame moves and no host has a deadline within limit.
  void run_for(duration limit);

 private:
  struct attached {
    stack* host;
    device* dev;
  };
  // One round; false when nothing moved and nothing is due before until.
  bool step(instant until);
  // Runs host i's timers, telling the observer when one was due: the work only a watcher needs.
  void poll_watched(std::size_t i);

  std::vector<attached> hosts_;
  observer observer_;
  batch_io batches_{64, 65536 + 64};
  instant now_{};
};

}  // namespace tapstack
