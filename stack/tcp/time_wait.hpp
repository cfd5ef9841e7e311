#pragma once
// TIME-WAIT (RFC 9293 3.6.1) as a compact record rather than a TCB: what a connection must still
// know for 2 MSL once both FINs are acknowledged, so that the tuple is not reused too early and a
// retransmitted FIN is acknowledged again. Its sequence numbers (for the ACKs it sends and the
// SYNs that may reopen the tuple, RFC 6191), its timestamp state (the TSval clock and TS.Recent,
// for PAWS), the window it last offered, its deadline and the budgets for what a peer can make it
// send. About a hundred bytes, where a TCB with its congestion control is ten times that: a busy
// server holds many more of these than of anything else.
//
// Plain data: the TCP layer keeps the records in a table of their own, and in a deadline heap of
// their own (heap_slot); a record is created when its connection enters TIME-WAIT and leaves both
// when 2 MSL have passed, a RST at rcv.nxt comes, or a SYN reopens the tuple.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/deadline_heap.hpp"
#include "stack/base/seq.hpp"
#include "stack/base/time.hpp"
#include "stack/tcp/reply_budget.hpp"
#include "stack/tcp/tcp_tuple.hpp"

namespace tapstack {

struct time_wait_record {
  tcp_tuple tuple;
  seq32 snd_nxt;                  // past our FIN: the SEG.SEQ of the ACKs it sends
  seq32 rcv_nxt;                  // past the peer's FIN
  std::uint16_t window = 0;       // the window field of our last ACK, offered again
  std::uint32_t rcv_wnd = 0;      // the window it covers, in bytes: the first step's test
  std::uint32_t max_snd_wnd = 0;  // the largest window the peer offered: the fifth step's
  // The application's socket, while it still holds the connection's TCB (which reads TIME-WAIT,
  // then CLOSED when the record goes).
  std::optional<std::uint32_t> handle;
  bool ts_ok = false;  // timestamps in force (RFC 7323)
  std::uint32_t ts_offset = 0;
  std::uint32_t ts_recent = 0;
  instant until{};  // 2 MSL from the last FIN
  reply_budget challenge_acks;
  reply_budget invalid_ack_replies;
  std::size_t heap_slot = no_heap_slot;
};

}  // namespace tapstack
