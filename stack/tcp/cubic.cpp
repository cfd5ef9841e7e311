#include "stack/tcp/cubic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tapstack {
namespace {

// RFC 9438 4.3: the additive increase that, with beta's gentler decrease, gives Reno's average
// window (AIMD(1, 0.5)) under the same loss rate.
constexpr double alpha_cubic = 3 * (1 - cubic::beta) / (1 + cubic::beta);

double seconds(duration d) { return std::chrono::duration<double>(d).count(); }

// A window computed in floating point, as whole bytes within what cwnd can hold.
std::uint64_t whole_bytes(double bytes) {
  const double largest = std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint64_t>(std::clamp(std::floor(bytes), 0.0, largest));
}

}  // namespace

cubic::cubic(std::uint32_t mss, std::uint32_t initial_window)
    : congestion_control{mss, initial_window} {}

double cubic::w_cubic(double t) const {
  const double from_k = t - k_;
  return c * from_k * from_k * from_k * mss_ + w_max_;
}

void cubic::begin_epoch(instant now) {
  epoch_start_ = now;
  const double cwnd_epoch = cwnd_;
  if (w_max_ < cwnd_epoch) {
    // RFC 9438 4.8 (the first stage after a timeout) and 4.10 (no loss yet): no plateau lies
    // ahead, so the curve starts at its inflection point, here (K = 0, W_max = cwnd_epoch).
    w_max_ = cwnd_epoch;
    k_ = 0;
  } else {
    // RFC 9438 4.2 eq. (2), in segments since C is: the time to climb back from cwnd_epoch,
    // which the layer may have left below ssthresh, to W_max.
    k_ = std::cbrt((w_max_ - cwnd_epoch) / mss_ / c);
  }
  // RFC 9438 4.3: Reno's estimate starts from the same window.
  w_est_ = cwnd_epoch;
  carry_ = 0;
}

void cubic::on_ack(std::uint32_t bytes_acked, instant now, std::optional<duration> srtt) {
  // RFC 9438 4.10: standard slow start below ssthresh.
  if (in_slow_start()) return slow_start(bytes_acked);
  if (!epoch_start_) begin_epoch(now);
  const double t = std::max(0.0, seconds(now - *epoch_start_));
  const double cwnd = cwnd_;

  // RFC 9438 4.3 eq. (4), counting bytes since we use ABC: Reno's window grows alpha_cubic
  // segments per round trip until it regains the window of the last reduction, then one, as
  // Reno's own does.
  const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : alpha_cubic;
  w_est_ += alpha * mss_ * bytes_acked / cwnd;
  if (w_cubic(t) < w_est_) {
    // The Reno-friendly region: short round trips and small windows, where the cubic curve is
    // slower than Reno. Never shrinks cwnd on an ACK, even if the curve once took it higher.
    return raise_cwnd(whole_bytes(w_est_));
  }

  // RFC 9438 4.2: aim at where the curve will be one round trip from now, no lower than cwnd
  // (growth never reverses) and no higher than 1.5 cwnd (never faster than slow start). Without
  // an RTT sample yet, aim at the curve now.
  const double horizon = t + (srtt ? seconds(*srtt) : 0.0);
  const double target = std::clamp(w_cubic(horizon), cwnd, 1.5 * cwnd);
  // RFC 9438 4.4 (concave) and 4.5 (convex): (target - cwnd) / cwnd per acknowledged segment,
  // so that one round trip of ACKs brings cwnd to target.
  carry_ += (target - cwnd) * bytes_acked / cwnd;
  const double whole = std::floor(carry_);
  carry_ -= whole;
  raise_cwnd(std::uint64_t{cwnd_} + whole_bytes(whole));
}

void cubic::on_loss(std::uint32_t flight_size, instant) {
  // RFC 9438 4.7, before the reduction: a loss below the last W_max means the share of this
  // flow is shrinking (a new flow joined), so the next plateau is set lower still, to make room.
  const double cwnd = cwnd_;
  w_max_ = cwnd < w_max_ ? cwnd * (1 + beta) / 2 : cwnd;
  // RFC 9438 4.6: ssthresh from what was in flight, as RFC 5681 does, at least two segments.
  cwnd_prior_ = cwnd;
  ssthresh_ = reduced_ssthresh(whole_bytes(flight_size * beta));
  cwnd_ = ssthresh_;
  // t counts from the end of recovery (on_recovery_end), not from the loss.
  epoch_start_.reset();
}

void cubic::on_recovery_end(instant now) {
  // A new congestion avoidance stage begins here, unless the layer left cwnd below ssthresh: then
  // slow start runs first and the stage begins with the first ACK beyond it.
  epoch_start_.reset();
  if (!in_slow_start()) begin_epoch(now);
}

void cubic::on_timeout(std::uint32_t flight_size, instant) {
  // RFC 9438 4.8: cwnd as Reno (the loss window), ssthresh with beta as in 4.6. The next stage
  // plateaus where it starts (begin_epoch), so the old W_max is forgotten.
  cwnd_prior_ = cwnd_;
  ssthresh_ = reduced_ssthresh(whole_bytes(flight_size * beta));
  cwnd_ = mss_;
  w_max_ = 0;
  epoch_start_.reset();
}

void cubic::on_idle_restart(instant now) {
  congestion_control::on_idle_restart(now);
  // RFC 9438 5.8: t must not include the idle period, or W_cubic(t) would be far above the
  // window once sending resumes; the next stage starts afresh from the window kept.
  epoch_start_.reset();
}

}  // namespace tapstack
