#pragma once
// NewReno's window sizes: RFC 5681's slow start and congestion avoidance with byte counting
// (RFC 3465), and its halving on loss. The fast recovery that gives NewReno its name (RFC 6582:
// inflation, partial ACKs, "recover") is the TCP layer's; this class only answers how large the
// window is before and after it. Owned by the TCB through congestion_control.
#include "stack/tcp/congestion_control.hpp"

namespace tapstack {

class newreno final : public congestion_control {
 public:
  newreno(std::uint32_t mss, std::uint32_t initial_window);

  congestion_algorithm algorithm() const override { return congestion_algorithm::newreno; }
  void on_ack(std::uint32_t bytes_acked, instant now, std::optional<duration> srtt) override;
  void on_loss(std::uint32_t flight_size, instant now) override;
  void on_recovery_end(instant now) override;
  void on_timeout(std::uint32_t flight_size, instant now) override;

 private:
  // RFC 3465's bytes_acked: what congestion avoidance has been acknowledged towards the next
  // segment of growth.
  std::uint32_t bytes_acked_ = 0;
};

}  // namespace tapstack
