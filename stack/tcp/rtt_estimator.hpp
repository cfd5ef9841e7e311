#pragma once
// The retransmission timeout of RFC 6298: SRTT and RTTVAR from round-trip samples, RTO from them,
// clamped to a minimum and a maximum, doubled on each expiry (exponential backoff). Which samples
// may be taken (Karn's rule: none from retransmitted segments, unless timestamps say otherwise) is
// the caller's decision. Pure arithmetic on durations; no clock.
#include <optional>

#include "stack/base/time.hpp"

namespace tapstack {

struct rto_config {
  // RFC 6298 (2.4) says 1 s; Linux uses 200 ms. Configurable for labs that want to see either.
  duration min_rto = std::chrono::seconds{1};
  // RFC 6298 (2.5): a maximum of at least 60 s may be placed on the RTO.
  duration max_rto = std::chrono::seconds{60};
  // RFC 6298 (2.1): before any sample.
  duration initial_rto = std::chrono::seconds{1};
  // G, the clock granularity of (2.3): our clock is in nanoseconds, but a floor keeps RTTVAR's
  // term from vanishing on a link with no jitter.
  duration granularity = std::chrono::milliseconds{1};
};

class rtt_estimator {
 public:
  explicit rtt_estimator(const rto_config& c) : config_{c}, rto_{c.initial_rto} {}

  // RFC 6298 (2.2) for the first measurement, (2.3) for the rest; the backoff ends.
  void sample(duration rtt);
  // RFC 6298 (5.5): the timer expired, so the RTO doubles, up to the maximum.
  void back_off();

  duration rto() const { return rto_; }
  std::optional<duration> srtt() const { return srtt_; }
  duration rttvar() const { return rttvar_; }

 private:
  duration clamped(duration rto) const;

  rto_config config_;
  std::optional<duration> srtt_;
  duration rttvar_{};
  duration rto_;
};

}  // namespace tapstack
