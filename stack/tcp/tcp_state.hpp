#pragma once
// The eleven states of a TCP connection (RFC 9293 3.3.2), printed as the RFC spells them.
#include <cstdint>
#include <string_view>

namespace tapstack {

enum class tcp_state : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};

constexpr std::string_view to_string(tcp_state s) {
  switch (s) {
    case tcp_state::closed:
      return "CLOSED";
    case tcp_state::listen:
      return "LISTEN";
    case tcp_state::syn_sent:
      return "SYN-SENT";
    case tcp_state::syn_received:
      return "SYN-RECEIVED";
    case tcp_state::established:
      return "ESTABLISHED";
    case tcp_state::fin_wait_1:
      return "FIN-WAIT-1";
    case tcp_state::fin_wait_2:
      return "FIN-WAIT-2";
    case tcp_state::close_wait:
      return "CLOSE-WAIT";
    case tcp_state::closing:
      return "CLOSING";
    case tcp_state::last_ack:
      return "LAST-ACK";
    case tcp_state::time_wait:
      return "TIME-WAIT";
  }
  return "?";
}

// States in which the connection is synchronized: both ISNs known (RFC 9293 3.5.2, group 3).
constexpr bool is_synchronized(tcp_state s) {
  return s != tcp_state::closed && s != tcp_state::listen && s != tcp_state::syn_sent &&
         s != tcp_state::syn_received;
}

}  // namespace tapstack
