#pragma once
// The transmission control block (RFC 9293 3.3.1): everything one connection knows, with the
// RFC's names, so a debugger's view of it reads like the RFC. Timers are deadlines (nullopt when
// not running) in one record, compared with the instant the host is driven with. Plain data: the
// connection that owns it (tcp_connection) acts on it.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "stack/base/seq.hpp"
#include "stack/base/time.hpp"
#include "stack/buffers/assembler.hpp"
#include "stack/buffers/byte_ring.hpp"
#include "stack/config.hpp"
#include "stack/tcp/congestion_control.hpp"
#include "stack/tcp/reply_budget.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_blocks.hpp"
#include "stack/tcp/sack_scoreboard.hpp"
#include "stack/tcp/socket_options.hpp"
#include "stack/tcp/tcp_state.hpp"
#include "stack/tcp/tcp_timer_set.hpp"
#include "stack/tcp/tcp_tuple.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

struct tcb {
  // The buffers take their chunks from spares, the host's.
  tcb(const tcp_config& c, const tcp_socket_options& o, chunk_cache& spares)
      : offers{o},
        send_buffer{o.send_buffer, spares},
        recv_buffer{o.receive_buffer, spares},
        out_of_order{std::max(c.max_out_of_order_ranges, o.receive_buffer / 2896)},
        no_delay{o.no_delay},
        keepalive{o.keepalive},
        delayed_ack{o.delayed_ack},
        quick_ack{o.quick_ack},
        congestion{o.congestion},
        cc{new_congestion_control(c)},
        rtt{rto_config{c.min_rto, c.max_rto, std::chrono::seconds{1},
                       std::chrono::milliseconds{1}}} {}

  tcp_state state = tcp_state::closed;
  tcp_tuple tuple;

  // Send sequence variables.
  seq32 iss;
  seq32 snd_una;
  seq32 snd_nxt;
  // The highest sequence number sent: after a timeout snd.nxt goes back to snd.una to resend, and
  // ACKs up to snd_max are still for data we sent. Segments that carry no data (ACKs, window
  // updates, resets) carry snd_max, not snd.nxt: the peer may hold everything up to it.
  seq32 snd_max;
  // The end of the last short segment of new data sent (Linux's snd_sml): Nagle holds a short
  // segment only while this one is unacknowledged (Minshall's variant, short_segment_may_go()).
  seq32 snd_sml;
  std::uint32_t snd_wnd = 0;      // scaled: bytes, not the header's field
  seq32 snd_wl1;                  // seq of the segment that last updated snd_wnd
  seq32 snd_wl2;                  // ack of the segment that last updated snd_wnd
  std::uint32_t max_snd_wnd = 0;  // the largest window the peer offered (RFC 1122 4.2.3.4)
  std::uint16_t snd_mss = 536;    // the peer's MSS, 536 when it sent none (RFC 9293 3.7.1)

  // Receive sequence variables.
  seq32 irs;
  seq32 rcv_nxt;
  seq32 rcv_adv;  // the right edge we last advertised: it never moves left (RFC 9293 3.8.6)

  // Window scaling (RFC 7323), in force only when both SYNs carried it.
  std::uint8_t snd_wscale = 0;  // how the peer's windows are shifted
  std::uint8_t rcv_wscale = 0;  // how ours are
  // What our SYN offers: the socket's window_scaling, timestamps and sack options.
  tcp_socket_options offers;
  bool wscale_ok = false;
  // SACK (RFC 2018) and timestamps (RFC 7323), likewise.
  bool sack_ok = false;
  bool ts_ok = false;
  // Timestamps: our clock counts milliseconds from a random start per connection (RFC 7323 5.4),
  // TS.Recent is the peer's value to echo, Last.ACK.sent the ack field we last sent (RFC 7323 4.3).
  std::uint32_t ts_offset = 0;
  std::uint32_t ts_recent = 0;
  seq32 last_ack_sent;

  // Data. send_buffer holds from snd_una on (what is unacknowledged, then what is unsent);
  // recv_buffer what is in order and unread, with out-of-order data held past it.
  byte_ring send_buffer;
  byte_ring recv_buffer;
  assembler out_of_order;
  bool send_shut = false;     // the application will send no more: FIN follows the data
  bool fin_acked = false;     // our FIN was acknowledged
  bool fin_received = false;  // the peer will send no more: reads end at what is buffered
  bool ack_now = false;       // an ACK is owed at once (data or a FIN arrived, or a challenge)
  bool ack_due = false;       // ... or by count (a second full segment): a batch's end will do
  bool no_delay = false;      // Nagle's algorithm off
  bool keepalive = false;     // idle connections are probed
  bool delayed_ack = true;    // ACKs may wait (RFC 1122 4.2.3.2)
  bool quick_ack = false;     // ... but not on this connection
  // Delayed ACK: in-order bytes received since our last ACK, and the largest segment the peer has
  // sent (its "full-sized" segment, as Linux's rcv_mss estimates it).
  std::uint32_t unacked_bytes = 0;
  std::uint32_t rcv_mss = 536;

  // Congestion control (RFC 5681) and loss recovery (RFC 6582, RFC 6675).
  congestion_algorithm congestion;
  std::unique_ptr<congestion_control> cc;
  unsigned dupacks = 0;
  bool in_recovery = false;
  seq32 recover;  // RFC 6582's "recover", RFC 6675's RecoveryPoint: snd.max when recovery began
  instant last_send{};  // for the restart after idle (RFC 5681 4.1)
  sack_scoreboard scoreboard{sack_scoreboard_config{}};
  sack_blocks sack_report;  // what our ACKs report of the data held past a gap

  // Timers.
  tcp_timer_set timers;
  rtt_estimator rtt;
  unsigned retransmits = 0;    // of the oldest unacknowledged segment, in a row
  duration persist_backoff{};  // the current probe interval
  unsigned keepalive_unanswered = 0;
  instant last_heard{};  // for keep-alive idleness
  // Karn's rule: the segment being timed, while not retransmitted.
  std::optional<seq32> rtt_seq;
  instant rtt_sent{};
  // The TSval of our latest retransmission, while some of what we sent is unacknowledged. An ACK
  // echoing an older TSval may answer the retransmission all the same (the peer had the data and
  // echoes the original, RFC 7323 3.4), so the echo cannot time it.
  std::optional<std::uint32_t> retransmitted_tsval;

  // What tcp_info reports: totals over the connection's life, and the delivery rate (bytes
  // acknowledged per second over about one round trip).
  std::uint64_t total_retransmits = 0;
  std::uint64_t fast_retransmits = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t bytes_acked = 0;
  std::uint64_t rate_start_acked = 0;
  instant rate_start{};
  std::uint64_t delivery_rate = 0;  // bytes per second

  // What the peer may make us send (RFC 5961 7, and ACKs answering invalid ACKs), per interval.
  reply_budget challenge_acks;
  reply_budget invalid_ack_replies;

  // Set when the connection failed (reset, refused, timed out); read once by the application.
  std::error_code error;

  // SMSS (RFC 5681): the data a full-sized segment carries, the MSS less the timestamps every
  // segment then bears (as Linux's mss_cache). What congestion control counts in.
  std::uint32_t smss() const { return snd_mss - (ts_ok ? tcp::timestamps_option_len : 0u); }

  // Congestion control of the connection's algorithm, from the initial window for its SMSS.
  std::unique_ptr<congestion_control> new_congestion_control(const tcp_config& c) const {
    return make_congestion_control(congestion, smss(),
                                   initial_window(smss(), c.initial_window_segments));
  }
};

// "ESTABLISHED 10.0.0.2.80 > 10.0.0.1.40000 snd.una=1 snd.nxt=1 snd.wnd=64240 rcv.nxt=1
//  rcv.wnd=65535 rto=1s", sequence numbers relative to the ISNs.
std::string to_string(const tcb& t);

}  // namespace tapstack
