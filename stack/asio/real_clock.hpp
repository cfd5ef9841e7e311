#pragma once
// The real clock, read in exactly one place. Instants count from the moment the clock was made
// (steady, so a wall-clock step never moves a timer), and wall_epoch() places that moment on the
// calendar for files that want dates, such as pcap timestamps.
#include <chrono>

#include "stack/base/time.hpp"

namespace tapstack {

class real_clock {
 public:
  real_clock()
      : steady_epoch_{std::chrono::steady_clock::now()},
        wall_epoch_{std::chrono::system_clock::now()} {}

  instant now() const { return instant{std::chrono::steady_clock::now() - steady_epoch_}; }
  std::chrono::steady_clock::time_point to_steady(instant t) const {
    return steady_epoch_ +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch());
  }
  std::chrono::system_clock::time_point wall_epoch() const { return wall_epoch_; }

 private:
  std::chrono::steady_clock::time_point steady_epoch_;
  std::chrono::system_clock::time_point wall_epoch_;
};

}  // namespace tapstack
