#pragma once
// A connection's timers in one record (RFC 9293 3.8, DESIGN rule 3): retransmission (RFC 6298),
// the delayed ACK (RFC 1122 4.2.3.2), the zero-window probe (RFC 9293 3.8.6.1) and keep-alive
// (RFC 1122 4.2.3.6). Each is a deadline or off, compared with the instant the host is driven
// with; arm, clear and due are the only ways to touch one, so a debugger breakpoint on arm sees
// every timer started, and to_string names the one that fired. TIME-WAIT's 2 MSL (RFC 9293 3.6.1)
// is named here too, but runs in the connection's time_wait_record, not in this set.
// Plain data: the connection decides when each runs, and the TCP layer keeps it in its deadline
// heap at next().
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "stack/base/time.hpp"

namespace tapstack {

enum class tcp_timer : std::uint8_t { retransmit, delayed_ack, persist, keepalive, time_wait };
// The timers a set holds: all but time_wait.
inline constexpr std::size_t tcp_timer_count = 4;
// "retransmission", "delayed ACK", "zero-window probe", "keep-alive", "TIME-WAIT"
std::string_view to_string(tcp_timer t);

class tcp_timer_set {
 public:
  void arm(tcp_timer t, instant at) { at_[index(t)] = at; }
  // Arms t unless it is running already (RFC 6298 (5.1): a running timer is not restarted).
  void arm_if_off(tcp_timer t, instant at) {
    if (!armed(t)) arm(t, at);
  }
  void clear(tcp_timer t) { at_[index(t)].reset(); }
  void clear_all() { at_.fill(std::nullopt); }
  bool armed(tcp_timer t) const { return at_[index(t)].has_value(); }
  bool due(tcp_timer t, instant now) const { return armed(t) && *at_[index(t)] <= now; }
  std::optional<instant> at(tcp_timer t) const { return at_[index(t)]; }
  // The earliest deadline of all, nullopt when every timer is off.
  std::optional<instant> next() const;

 private:
  static std::size_t index(tcp_timer t) {
    assert(t != tcp_timer::time_wait);
    return static_cast<std::size_t>(t);
  }
  std::array<std::optional<instant>, tcp_timer_count> at_{};
};

}  // namespace tapstack
