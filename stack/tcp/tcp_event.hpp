#pragma once
// The moments a congestion trace records: every ACK processed, and the events that change the
// course of a transfer.
#include <string_view>

namespace tapstack {

enum class tcp_event { ack, fast_retransmit, recovery_end, timeout };
std::string_view to_string(tcp_event e);  // "ack", "fast-retransmit", "recovery-end", "rto"

}  // namespace tapstack
