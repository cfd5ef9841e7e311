#pragma once
// Time as the core sees it: instants on a clock that has no now(). Whoever drives the stack (the
// Asio runner with the real clock, the simulator with virtual time) passes the current instant in;
// nothing in the core can read a clock. Instants are nanoseconds since the driver's own epoch.
#include <chrono>
#include <cstdint>
#include <string>

namespace tapstack {

struct stack_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<stack_clock>;
  static constexpr bool is_steady = true;
};

using duration = stack_clock::duration;
using instant = stack_clock::time_point;

// Seconds with microseconds, as tcpdump prints relative times: "12.345678".
std::string to_string(instant t);
// The largest unit that keeps the figure readable: "40ms", "1.5s", "250us".
std::string to_string(duration d);

}  // namespace tapstack
