#pragma once
// How many replies of one kind a connection may still send in the current interval: the rate limit
// on what a peer can provoke (challenge ACKs, ACKs to invalid ACKs). One per connection and per
// kind, never shared, so that one connection's budget running out tells an observer nothing about
// another's (the shared counter of CVE-2016-5696). The size of each interval's budget is drawn at
// random around the limit (from half to one and a half times it, at least one), so that even a
// connection's own peer cannot count its way to the edge of an interval. Plain data in the TCB.
#include <cstdint>
#include <optional>

#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"

namespace tapstack {

class reply_budget {
 public:
  // Whether one more reply may go now, spending it if so: at most about `limit` per `interval`.
  // A limit of 0 allows none.
  bool spend(instant now, duration interval, std::uint32_t limit, rng& random);

 private:
  std::optional<instant> interval_start_;
  std::uint32_t left_ = 0;
};

}  // namespace tapstack
