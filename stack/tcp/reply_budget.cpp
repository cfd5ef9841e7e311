#include "stack/tcp/reply_budget.hpp"

#include <algorithm>

namespace tapstack {

bool reply_budget::spend(instant now, duration interval, std::uint32_t limit, rng& random) {
  if (limit == 0) return false;
  if (!interval_start_ || now - *interval_start_ >= interval) {
    interval_start_ = now;
    // Linux draws its challenge-ACK budget the same way: limit / 2 + a uniform share of limit.
    left_ = static_cast<std::uint32_t>(
        std::max<std::uint64_t>(1, limit / 2 + random.uniform(0, limit - 1)));
  }
  if (left_ == 0) return false;
  --left_;
  return true;
}

}  // namespace tapstack
