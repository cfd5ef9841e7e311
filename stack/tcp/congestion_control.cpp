#include "stack/tcp/congestion_control.hpp"

#include <algorithm>
#include <limits>

#include "stack/tcp/cubic.hpp"
#include "stack/tcp/newreno.hpp"

namespace tapstack {

congestion_control::congestion_control(std::uint32_t mss, std::uint32_t initial_window)
    : mss_{mss},
      initial_window_{initial_window},
      cwnd_{std::max(initial_window, mss)},
      ssthresh_{std::numeric_limits<std::uint32_t>::max()} {}

void congestion_control::set_cwnd(std::uint32_t bytes) { cwnd_ = std::max(bytes, mss_); }

void congestion_control::on_idle_restart(instant) {
  // RFC 5681 4.1: the restart window is min(IW, cwnd); the ACK clock that justified a larger
  // window has stopped, while a smaller one (after a timeout) is kept.
  cwnd_ = std::min(cwnd_, std::max(initial_window_, mss_));
}

void congestion_control::slow_start(std::uint32_t bytes_acked) {
  // RFC 5681 3.1 eq. (2) counts bytes as RFC 3465 does, with that RFC's L = 2 in place of eq.
  // (2)'s one segment: what was acknowledged, so that delayed ACKs still double cwnd per round
  // trip, but never more than two segments per ACK, so that a stretch ACK (or one whose
  // predecessors were lost) cannot release a burst. Linux: tcp_slow_start() stops at ssthresh, so
  // that congestion avoidance begins where the last loss response put the threshold.
  const std::uint64_t grown =
      std::uint64_t{cwnd_} + std::min<std::uint64_t>(bytes_acked, std::uint64_t{2} * mss_);
  cwnd_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(grown, ssthresh_));
}

void congestion_control::raise_cwnd(std::uint64_t bytes) {
  const std::uint64_t capped =
      std::min<std::uint64_t>(bytes, std::numeric_limits<std::uint32_t>::max());
  cwnd_ = std::max(cwnd_, static_cast<std::uint32_t>(capped));
}

std::uint32_t congestion_control::reduced_ssthresh(std::uint64_t bytes) const {
  const std::uint64_t two_segments = std::uint64_t{2} * mss_;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(
      std::max(bytes, two_segments), std::numeric_limits<std::uint32_t>::max()));
}

std::uint32_t initial_window(std::uint32_t mss, unsigned segments) {
  const std::uint64_t smss = mss;
  std::uint64_t bytes = 0;
  if (segments == 0) {
    // RFC 5681 3.1: the larger the segment, the fewer of them, so the first flight stays near
    // 4 KB (RFC 3390's figure).
    bytes = mss > 2190 ? 2 * smss : mss > 1095 ? 3 * smss : 4 * smss;
  } else {
    // RFC 6928 2: min(10 * MSS, max(2 * MSS, 14600)), with `segments` in place of the 10.
    bytes = std::min(segments * smss, std::max<std::uint64_t>(2 * smss, 14600));
  }
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(bytes, std::numeric_limits<std::uint32_t>::max()));
}

std::unique_ptr<congestion_control> make_congestion_control(congestion_algorithm a,
                                                            std::uint32_t mss,
                                                            std::uint32_t initial_window) {
  switch (a) {
    case congestion_algorithm::newreno:
      return std::make_unique<newreno>(mss, initial_window);
    case congestion_algorithm::cubic:
      return std::make_unique<cubic>(mss, initial_window);
  }
  return nullptr;
}

}  // namespace tapstack
