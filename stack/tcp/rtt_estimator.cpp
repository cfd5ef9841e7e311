#include "stack/tcp/rtt_estimator.hpp"

#include <algorithm>

namespace tapstack {

duration rtt_estimator::clamped(duration rto) const {
  return std::clamp(rto, config_.min_rto, config_.max_rto);
}

void rtt_estimator::sample(duration rtt) {
  if (!srtt_) {
    // (2.2) SRTT <- R, RTTVAR <- R/2.
    srtt_ = rtt;
    rttvar_ = rtt / 2;
  } else {
    // (2.3) RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT <- 7/8 SRTT + 1/8 R', in that order.
    const duration error = *srtt_ > rtt ? *srtt_ - rtt : rtt - *srtt_;
    rttvar_ = (rttvar_ * 3 + error) / 4;
    srtt_ = (*srtt_ * 7 + rtt) / 8;
  }
  // RTO <- SRTT + max(G, K*RTTVAR) with K = 4, then (2.4) and (2.5).
  rto_ = clamped(*srtt_ + std::max(config_.granularity, rttvar_ * 4));
}

void rtt_estimator::back_off() { rto_ = clamped(rto_ * 2); }

}  // namespace tapstack
