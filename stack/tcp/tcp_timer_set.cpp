#include "stack/tcp/tcp_timer_set.hpp"

namespace tapstack {

std::string_view to_string(tcp_timer t) {
  switch (t) {
    case tcp_timer::retransmit:
      return "retransmission";
    case tcp_timer::delayed_ack:
      return "delayed ACK";
    case tcp_timer::persist:
      return "zero-window probe";
    case tcp_timer::keepalive:
      return "keep-alive";
    case tcp_timer::time_wait:
      return "TIME-WAIT";
  }
  return "timer";
}

std::optional<instant> tcp_timer_set::next() const {
  std::optional<instant> earliest;
  for (const auto& at : at_)
    if (at && (!earliest || *at < *earliest)) earliest = at;
  return earliest;
}

}  // namespace tapstack
