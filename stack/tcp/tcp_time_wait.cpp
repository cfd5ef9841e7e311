// TIME-WAIT as the layer keeps it (RFC 9293 3.6.1, 3.10.7.4): a connection entering it gives way
// to a compact record (time_wait.hpp) in a table and deadline heap of their own; the record
// answers segments, restarts its 2 MSL for the peer's FIN again, and ends after 2 MSL, at a RST,
// or when a newer SYN reopens the tuple (RFC 6191).
#include <algorithm>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

// 3.10.7.4 in TIME-WAIT, from the record: the same steps as for a TCB, with what TIME-WAIT
// leaves of them. The peer's FIN again (just before rcv.nxt) is acknowledged and restarts the
// 2 MSL, as Linux does; text and FINs in the window are ignored, the peer's FIN being in. A SYN
// may open a new incarnation only when timestamps say it is newer than the old connection
// (RFC 9293 3.10.7.4, fourth step; RFC 6191), with an ISN past all the old one sent, as Linux's;
// any other gets a challenge ACK. Replies come from the record's own budgets.
void tcp_layer::segment_in_time_wait(time_wait_record& r, const tcp_repr& seg, instant now) {
  const auto lag = r.ts_ok && seg.options.timestamps
                       ? static_cast<std::int32_t>(r.ts_recent - seg.options.timestamps->val)
                       : 0;
  const auto answer = [&] {
    if (may_answer_invalid(r.challenge_acks, r.invalid_ack_replies, seg, now))
      send_time_wait_ack(r, now);
  };
  if (seg.flags.syn && !seg.flags.ack && !seg.flags.rst && seg.options.timestamps && lag < 0)
    if (const auto l = listeners_.find(seg.dst_port); r.ts_ok && l != listeners_.end()) {
      const tcp_tuple tuple = r.tuple;
      const seq32 iss = r.snd_nxt + 65535 + 2;
      change_state(r, tcp_state::closed, "SYN", now);
      return segment_to_listener(l->second, tuple, seg, now, iss);
    }
  if (r.ts_ok && !seg.flags.rst) {
    if (!seg.options.timestamps) return ctx_.drop(drop_reason::tcp_no_timestamp, now);
    if (lag > 0) {
      ctx_.drop(drop_reason::tcp_paws, now);
      return answer();
    }
  }
  if (seg.flags.fin && !seg.flags.rst && !seg.flags.syn &&
      seg.seq + static_cast<std::uint32_t>(seg.payload.size()) + 1 == r.rcv_nxt) {
    restart_time_wait(r, now);
    return send_time_wait_ack(r, now);
  }
  // First, the sequence number.
  if (!tcp_connection::acceptable(r.rcv_nxt, r.rcv_wnd, seg)) {
    ctx_.drop(seg.flags.syn && !seg.flags.rst ? drop_reason::tcp_syn_challenged
                                              : drop_reason::tcp_out_of_window,
              now);
    if (!seg.flags.rst) answer();
    return;
  }
  // Second, the RST bit; fourth, the SYN bit.
  if (seg.flags.rst && seg.seq == r.rcv_nxt) return change_state(r, tcp_state::closed, "RST", now);
  if (seg.flags.rst || seg.flags.syn) {
    ctx_.drop(seg.flags.rst ? drop_reason::tcp_rst_challenged : drop_reason::tcp_syn_challenged,
              now);
    if (may_challenge(r.challenge_acks, now)) send_time_wait_ack(r, now);
    return;
  }
  // Fifth, the ACK field: everything of ours is acknowledged, so SND.UNA is our snd.nxt.
  if (!seg.flags.ack) return ctx_.drop(drop_reason::tcp_no_ack, now);
  if (seq_gt(seg.ack, r.snd_nxt) || seq_lt(seg.ack, r.snd_nxt - r.max_snd_wnd)) {
    ctx_.drop(drop_reason::tcp_bad_ack, now);
    return answer();
  }
}

void tcp_layer::enter_time_wait(tcp_connection& c, std::string_view cause, instant now) {
  tcb& t = c.t;
  change_state(c, tcp_state::time_wait, cause, now);
  t.timers.clear_all();
  time_wait_record& r = time_wait_[t.tuple];
  r.tuple = t.tuple;
  r.snd_nxt = t.snd_max;
  r.rcv_nxt = t.rcv_nxt;
  r.window = static_cast<std::uint16_t>(
      std::min<std::size_t>(t.recv_buffer.free() >> t.rcv_wscale, 0xffff));
  r.rcv_wnd = static_cast<std::uint32_t>(std::max(0, t.rcv_adv - t.rcv_nxt));
  r.max_snd_wnd = t.max_snd_wnd;
  r.ts_ok = t.ts_ok;
  r.ts_offset = t.ts_offset;
  r.ts_recent = t.ts_recent;
  r.handle = c.handle;
  restart_time_wait(r, now);
  leave_table(c);
}

void tcp_layer::restart_time_wait(time_wait_record& r, instant now) {
  r.until = now + ctx_.config.tcp.time_wait;
  time_wait_timers_.schedule(r, r.until);
}

void tcp_layer::change_state(time_wait_record& r, tcp_state to, std::string_view cause,
                             instant now) {
  // Told before the record goes, as a connection's change is told before it leaves the table.
  report_state(r.tuple, tcp_state::time_wait, to, cause, now);
  // The TCB the application's socket still holds reads CLOSED from now on.
  if (r.handle)
    if (tcp_connection* c = connection_of(*r.handle); c && c->t.tuple == r.tuple)
      c->t.state = tcp_state::closed;
  time_wait_timers_.cancel(r);
  // A copy: the key must outlive the record it erases.
  const tcp_tuple key = r.tuple;
  time_wait_.erase(key);
}

// TIME-WAIT's ACK, from its record: our last sequence number, the peer's FIN acknowledged, the
// window we last offered, and the timestamps still in force.
void tcp_layer::send_time_wait_ack(const time_wait_record& r, instant now) {
  tcp_repr seg;
  seg.src_port = r.tuple.local.port;
  seg.dst_port = r.tuple.remote.port;
  seg.seq = r.snd_nxt;
  seg.ack = r.rcv_nxt;
  seg.flags.ack = true;
  seg.window = r.window;
  if (r.ts_ok)
    seg.options.timestamps = tcp_timestamps{tcp_connection::ts_now(r.ts_offset, now), r.ts_recent};
  segment_departs(r.tuple, seg, ip_.allocate(seg.header_len()), now);
}

}  // namespace tapstack
