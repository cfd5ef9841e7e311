#pragma once
// One TCP connection: its TCB and what it does with it. The RFC 9293 3.10.7 steps for a segment
// in SYN-SENT and in the synchronized states (tcp_input.cpp), what it sends (tcp_output.cpp),
// what each ACK means for congestion control and loss recovery (tcp_recovery.cpp), and its timers
// (tcp_timers.cpp). The TCP layer finds the connection a segment is for, runs it, and keeps the
// tables; a connection asks the layer only for what concerns more than itself: a state change
// (the table, the accept queue, the observers, the `change_state` breakpoint), TIME-WAIT (its
// record replaces the connection), a reset, and every segment's departure (the
// `segment_departs` breakpoint). It reaches those as the layer's friend, not through an
// interface: there is one kind of owner, and a debugger steps straight into it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>

#include "stack/base/deadline_heap.hpp"
#include "stack/context.hpp"
#include "stack/tcp/tcb.hpp"
#include "stack/tcp/tcp_event.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {

class tcp_layer;
using tcp_socket_id = std::uint32_t;

class tcp_connection {
 public:
  tcp_connection(tcp_layer& layer, host_context& ctx, const tcp_socket_options& o);

  tcb t;
  std::optional<tcp_socket_id> handle;    // nullopt once the application closed it
  std::optional<tcp_socket_id> listener;  // set while waiting to be accepted
  bool accept_queued = false;             // on the listener's accept queue, past its pending
  std::function<void()> notify;           // the application's readiness callback
  std::size_t heap_slot = no_heap_slot;   // its place in the layer's deadline heap
  bool output_deferred = false;           // waiting for the end of a batch (tcp_layer)

  // tcp_input.cpp. The options the peer's SYN offers, in force from now on.
  void negotiate(const tcp_repr& syn);
  // 3.10.7.3, and 3.10.7.4 (SYN-RECEIVED through LAST-ACK; TIME-WAIT is the layer's record).
  void segment_in_syn_sent(const tcp_repr& seg, instant now);
  void segment_in_synchronized(const tcp_repr& seg, instant now);
  // The first step's test: does any of the segment fall in the window rcv_nxt + wnd?
  static bool acceptable(seq32 rcv_nxt, std::uint32_t wnd, const tcp_repr& seg);

  // tcp_output.cpp. Sends what the windows allow, then an ACK if one is owed.
  void output(instant now);
  // SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED).
  void send_syn(instant now);
  // Our FIN after the queued data (ESTABLISHED or CLOSE-WAIT); false in any other state.
  bool send_fin(std::string_view cause, instant now);
  // Our TSval clock (RFC 7323 5.4): milliseconds, from the connection's offset.
  static std::uint32_t ts_now(std::uint32_t offset, instant now);

  // tcp_timers.cpp. Runs the timers due at now.
  void run_timers(instant now);
  // Keep-alive's deadline after the last segment heard, or off outside ESTABLISHED.
  void arm_keepalive();

  // A failure the application hears of: the error, then CLOSED.
  void fail(std::errc why, std::string_view cause, instant now);
  // The application's readiness callback, if it set one.
  void wake();

 private:
  // tcp_input.cpp.
  bool acceptable(const tcp_repr& seg) const;
  bool process_ack(const tcp_repr& seg, instant now);
  void process_text(const tcp_repr& seg, instant now);
  void process_fin(instant now);
  // RFC 5961 7: a challenge ACK, if the connection's budget allows one.
  void send_challenge_ack(instant now);
  // The ACK that answers an unacceptable segment (RFC 9293 3.10.7.4), limited for pure ACKs.
  void answer_invalid(const tcp_repr& seg, instant now);
  bool paws_rejects(const tcp_repr& seg, instant now);
  bool disordered_ack(const tcp_repr& seg, std::int32_t lag) const;
  void report_sack(seq32 start, std::size_t len);
  void take_rtt_sample(const tcp_repr& seg, instant now);

  // tcp_recovery.cpp: congestion control and loss recovery on each ACK.
  void after_ack(const tcp_repr& seg, std::uint32_t acked, bool window_update, instant now);
  void enter_recovery(instant now);
  void on_partial_ack(std::uint32_t acked, instant now);
  void end_recovery(instant now);
  // The window that congestion control allows in flight now, limited transmit included.
  std::uint32_t congestion_window() const;
  // RFC 6675's transmission loop during SACK recovery: resend the holes, then new data, while the
  // pipe leaves room for a segment.
  void send_in_sack_recovery(instant now);
  std::size_t retransmit(seq32 seq, std::size_t max_len, instant now);
  void notify_event(tcp_event e, instant now);
  // Every segment or SYN sent again: counted, and remembered for take_rtt_sample.
  void count_retransmission(instant now);

  // tcp_output.cpp.
  // Sends one segment of new data (or the FIN) if the windows, Nagle and the SWS rules allow: a
  // super-segment of several when the device cuts them (stack_config::offloads).
  bool send_new_data(std::uint32_t window, instant now);
  // Sender silly-window avoidance and Nagle: whether a short segment of new data, len bytes, may
  // go now; all: it is all there is to send. Decides a super-segment's short last piece too.
  bool short_segment_may_go(std::size_t len, bool all) const;
  // segment_size: for a super-segment, the payload of each wire segment the device cuts it into.
  void send_segment(tcp_flags flags, seq32 seq, std::size_t offset, std::size_t len,
                    const tcp_options& options, instant now, std::size_t segment_size = 0);
  void send_ack(instant now);
  std::uint16_t advertised_window();
  // The options every segment carries: timestamps, SACK blocks.
  tcp_options segment_options(instant now) const;
  // The payload a segment with these options may carry.
  std::size_t payload_room(const tcp_options& o) const;
  // The payload one send may carry: payload_room, or whole segments of it up to an IPv4
  // packet's 64 KB when the device cuts super-segments.
  std::size_t super_room(const tcp_options& o) const;
  std::uint8_t window_scale_for() const;
  void schedule_ack(std::uint32_t bytes, instant now);

  // tcp_timers.cpp.
  void on_retransmit_timeout(instant now);

  tcp_layer& layer_;
  host_context& ctx_;
};

}  // namespace tapstack
