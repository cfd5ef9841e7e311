#include "stack/tcp/newreno.hpp"

namespace tapstack {

newreno::newreno(std::uint32_t mss, std::uint32_t initial_window)
    : congestion_control{mss, initial_window} {}

void newreno::on_ack(std::uint32_t bytes_acked, instant, std::optional<duration>) {
  if (in_slow_start()) return slow_start(bytes_acked);
  // RFC 5681 3.1, the recommended byte counting (RFC 3465): one segment per window's worth of
  // acknowledged bytes, so that cwnd grows by one segment per round trip however the receiver
  // spaces its ACKs. The counter drops by one window per step, never more, so that one stretch
  // ACK adds at most one segment; the rest carries over.
  bytes_acked_ += bytes_acked;
  if (bytes_acked_ >= cwnd_) {
    bytes_acked_ -= cwnd_;
    raise_cwnd(std::uint64_t{cwnd_} + mss_);
  }
}

void newreno::on_loss(std::uint32_t flight_size, instant) {
  // RFC 5681 3.2 (2), eq. (4): half of what was in flight, not of cwnd, which an application-
  // limited sender may never have filled. The layer adds the inflation of step (3).
  ssthresh_ = reduced_ssthresh(flight_size / 2);
  cwnd_ = ssthresh_;
  // Bytes counted towards the old, larger window say nothing about the new one.
  bytes_acked_ = 0;
}

// RFC 6582 3.2 (3), a full acknowledgment: the layer has deflated cwnd; congestion avoidance (or
// slow start, if the layer left cwnd below ssthresh) simply continues from it.
void newreno::on_recovery_end(instant) {}

void newreno::on_timeout(std::uint32_t flight_size, instant) {
  // RFC 5681 3.1: eq. (4) for ssthresh, and the loss window of one segment, from which slow start
  // rebuilds the ACK clock.
  ssthresh_ = reduced_ssthresh(flight_size / 2);
  cwnd_ = mss_;
  bytes_acked_ = 0;
}

}  // namespace tapstack
