#pragma once
// CUBIC (RFC 9438): after a loss the window climbs back along a cubic curve in time, fast at
// first, flat near the window where the loss struck (W_max), then probing beyond it; never slower
// than an estimate of what Reno would have (the Reno-friendly region). Slow start is RFC 5681's
// with byte counting (RFC 9438 4.10 allows it in place of HyStart++). Fast recovery itself is the
// TCP layer's. Time is the instants passed in; owned by the TCB through congestion_control.
#include "stack/tcp/congestion_control.hpp"

namespace tapstack {

class cubic final : public congestion_control {
 public:
  // RFC 9438 4.1.1's constants: C in segments per second cubed, and the decrease factor.
  static constexpr double c = 0.4;
  static constexpr double beta = 0.7;

  cubic(std::uint32_t mss, std::uint32_t initial_window);

  congestion_algorithm algorithm() const override { return congestion_algorithm::cubic; }
  void on_ack(std::uint32_t bytes_acked, instant now, std::optional<duration> srtt) override;
  void on_loss(std::uint32_t flight_size, instant now) override;
  void on_recovery_end(instant now) override;
  void on_timeout(std::uint32_t flight_size, instant now) override;
  void on_idle_restart(instant now) override;

  // W_max in bytes: the window the curve plateaus at (0 until congestion avoidance first begins).
  double w_max() const { return w_max_; }

 private:
  void begin_epoch(instant now);
  // W_cubic(t) of RFC 9438 eq. (1), in bytes, t in seconds since the epoch began.
  double w_cubic(double t) const;

  // The congestion avoidance stage ("epoch") in progress: nullopt until the first ACK or the end
  // of recovery starts one.
  std::optional<instant> epoch_start_;
  double w_max_ = 0;
  double cwnd_prior_ = 0;  // cwnd when ssthresh was last set (RFC 9438 4.1.2)
  double k_ = 0;           // seconds from the epoch's start until W_cubic reaches W_max
  double w_est_ = 0;       // the Reno-friendly estimate, bytes
  double carry_ = 0;       // growth owed but less than a byte, so small ACKs still add up
};

}  // namespace tapstack
