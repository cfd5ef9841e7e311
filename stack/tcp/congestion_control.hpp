#pragma once
// Congestion control behind one small interface, the one virtual seam inside TCP: how cwnd and
// ssthresh answer acknowledgements, detected losses and timeouts. Loss recovery itself (counting
// duplicate ACKs, choosing what to resend, NewReno's window inflation during fast recovery, the
// SACK pipe) belongs to the TCP layer, which sets cwnd directly while it recovers; an algorithm
// here decides how the window grows and how far it falls. Not a pacer and not a sender: nothing
// here knows what is in flight beyond the figures the layer passes in. One object per connection,
// owned by the TCB; sizes are in bytes, time is the instant the host is driven with (the
// algorithms keep instants, never read a clock). The algorithms: newreno.hpp, cubic.hpp.
#include <cstdint>
#include <memory>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/tcp/congestion_algorithm.hpp"

namespace tapstack {

class congestion_control {
 public:
  virtual ~congestion_control() = default;
  virtual congestion_algorithm algorithm() const = 0;

  std::uint32_t cwnd() const { return cwnd_; }
  std::uint32_t ssthresh() const { return ssthresh_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }
  // Loss recovery sets the window itself (RFC 6582 3.2, RFC 6675 5); never below one segment.
  void set_cwnd(std::uint32_t bytes);

  // bytes_acked of new data were cumulatively acknowledged outside loss recovery (RFC 5681 3.1);
  // srtt is the connection's smoothed RTT once it has one. Call it only while the sender is
  // limited by cwnd: a window that was not used has not been probed (RFC 9438 5.8, RFC 7661).
  virtual void on_ack(std::uint32_t bytes_acked, instant now, std::optional<duration> srtt) = 0;
  // Fast retransmit: a loss was detected by duplicate ACKs or SACK with flight_size bytes
  // outstanding. Sets ssthresh (RFC 5681 eq. 4, RFC 9438 4.6) and cwnd to it; the layer then
  // inflates cwnd as its recovery algorithm says.
  virtual void on_loss(std::uint32_t flight_size, instant now) = 0;
  // Fast recovery ended with every loss repaired: growth resumes from the window the layer left
  // (slow start first if that is below ssthresh).
  virtual void on_recovery_end(instant now) = 0;
  // The retransmission timer expired for the first time for the oldest segment: ssthresh as for a
  // loss, cwnd one segment (RFC 5681 3.1, the loss window). A later expiry for the same segment
  // holds ssthresh (RFC 5681 3.1), so the layer then only sets cwnd to one segment.
  virtual void on_timeout(std::uint32_t flight_size, instant now) = 0;
  // Restart after an idle period longer than the RTO (RFC 5681 4.1): cwnd back to at most the
  // initial window.
  virtual void on_idle_restart(instant now);

 protected:
  congestion_control(std::uint32_t mss, std::uint32_t initial_window);

  // Slow start with appropriate byte counting (RFC 3465 with L = 2), shared by the algorithms
  // (RFC 9438 4.10 lets CUBIC use RFC 5681's).
  void slow_start(std::uint32_t bytes_acked);
  // cwnd grows to `bytes`, saturating where the type ends rather than wrapping to a tiny window.
  void raise_cwnd(std::uint64_t bytes);
  // A reduced ssthresh is never below two segments (RFC 5681 eq. 4, RFC 9438 4.6).
  std::uint32_t reduced_ssthresh(std::uint64_t bytes) const;

  std::uint32_t mss_;
  std::uint32_t initial_window_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_;  // "arbitrarily high" at the start (RFC 5681 3.1)
};

// RFC 5681 3.1's initial window for this MSS (segments == 0: 2 to 4 segments by size), or RFC
// 6928's `segments` segments (10), capped as that RFC says at max(2 * mss, 14600) bytes.
std::uint32_t initial_window(std::uint32_t mss, unsigned segments);

// The MSS is the object's for life: make it once the handshake has settled the MSS.
std::unique_ptr<congestion_control> make_congestion_control(congestion_algorithm a,
                                                            std::uint32_t mss,
                                                            std::uint32_t initial_window);

}  // namespace tapstack
