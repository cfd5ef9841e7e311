// SEGMENT ARRIVES (RFC 9293 3.10.7) for a connection: in SYN-SENT (3.10.7.3), and in every other
// state (3.10.7.4, its eight steps), with RFC 5961's hardening of the RST, SYN and ACK checks and
// RFC 7323's timestamp rules (PAWS before the first step, TS.Recent after it, RTT from the echoed
// value). The layer's tcp_arrival.cpp finds the connection and takes the steps for no connection
// (3.10.7.1) and for a listener (3.10.7.2); tcp_time_wait.cpp takes TIME-WAIT's. What an ACK
// means for the congestion window is tcp_recovery.cpp's.
#include <algorithm>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

// The options the peer's SYN offers (RFC 9293 3.7.1, RFC 7323, RFC 2018): its MSS (536 without
// one), and window scaling, timestamps and SACK, each in force when both SYNs carry it. Congestion
// control starts here, once the segment size is known.
void tcp_connection::negotiate(const tcp_repr& syn) {
  const tcp_config& k = ctx_.config.tcp;
  // The peer's MSS is clamped where it is taken: raised to the floor (an MSS of 0 would divide
  // by zero, one of 1 send a segment per byte), then lowered to what our MTU carries, which wins
  // on a link too small for the floor.
  const std::size_t ours = ctx_.config.mtu - 40;
  std::size_t mss = syn.options.mss.value_or(536);
  if (mss < k.min_snd_mss) {
    ctx_.stats.count(event::tcp_peer_mss_raised);
    mss = k.min_snd_mss;
  }
  t.snd_mss = static_cast<std::uint16_t>(std::min(mss, ours));
  t.wscale_ok = t.offers.window_scaling && syn.options.window_scale;
  if (t.wscale_ok) {
    t.snd_wscale = *syn.options.window_scale;
    t.rcv_wscale = window_scale_for();
  } else {
    t.snd_wscale = 0;
    t.rcv_wscale = 0;
  }
  t.sack_ok = t.offers.sack && syn.options.sack_permitted;
  t.ts_ok = t.offers.timestamps && syn.options.timestamps;
  if (t.ts_ok) t.ts_recent = syn.options.timestamps->val;
  t.cc = t.new_congestion_control(k);
  // Room for a SACKed range per two segments of the send buffer: a window that lost every other
  // segment (slow start overshooting a queue) is still tracked whole. A full scoreboard forgets
  // SACKs, and the pipe it reports then keeps the sender silent until the timer fires.
  t.scoreboard = sack_scoreboard{sack_scoreboard_config{
      .smss = t.smss(),
      .max_ranges = std::max<std::size_t>(32, t.send_buffer.capacity() / (2 * t.smss()))}};
}

// 3.10.7.3: SYN-SENT.
void tcp_connection::segment_in_syn_sent(const tcp_repr& seg, instant now) {
  // First, the ACK: it must acknowledge our SYN and nothing beyond.
  const bool ack_ok = seg.flags.ack && seq_lt(t.snd_una, seg.ack) && seq_le(seg.ack, t.snd_nxt);
  if (seg.flags.ack && !ack_ok) {
    ctx_.drop(drop_reason::tcp_bad_ack, now);
    if (!seg.flags.rst) layer_.send_reset(t.tuple, seg.ack, std::nullopt, now);
    return;
  }
  // Second, a RST: valid only with an acceptable ACK (RFC 5961 3.2 for SYN-SENT).
  if (seg.flags.rst) {
    if (!ack_ok) return ctx_.drop(drop_reason::tcp_syn_sent_unexpected, now);
    return fail(std::errc::connection_refused, "RST", now);
  }
  // Fourth, the SYN (third, security, does not apply).
  if (!seg.flags.syn) return ctx_.drop(drop_reason::tcp_syn_sent_unexpected, now);
  t.irs = seg.seq;
  t.rcv_nxt = seg.seq + 1;
  // Our SYN offered its window before rcv.nxt was known: its right edge is only now placed.
  t.rcv_adv =
      t.rcv_nxt + static_cast<std::uint32_t>(std::min<std::size_t>(t.recv_buffer.free(), 0xffff));
  negotiate(seg);
  t.snd_wnd = seg.window;
  t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = seg.seq;
  if (ack_ok) {
    t.snd_una = seg.ack;
    t.snd_wl2 = seg.ack;
    t.timers.clear(tcp_timer::retransmit);
    if (t.retransmits == 0) t.rtt.sample(now - t.rtt_sent);
    t.retransmits = 0;
    layer_.establish(*this, "SYN-ACK", now);
    t.ack_now = true;
    return output(now);
  }
  // Simultaneous open: both sides sent a SYN; answer with a SYN-ACK.
  t.snd_wl2 = t.snd_una;
  layer_.change_state(*this, tcp_state::syn_received, "SYN", now);
  send_syn(now);
}

// The acceptability test of 3.10.7.4, first step: does any of the segment fall in the window?
bool tcp_connection::acceptable(const tcp_repr& seg) const {
  return acceptable(t.rcv_nxt, static_cast<std::uint32_t>(std::max(0, t.rcv_adv - t.rcv_nxt)), seg);
}

bool tcp_connection::acceptable(seq32 rcv_nxt, std::uint32_t wnd, const tcp_repr& seg) {
  const std::uint32_t len = seg.segment_len();
  const seq32 end = rcv_nxt + wnd;
  // A closed window takes nothing, "but special allowance should be made to accept valid ACKs,
  // URGs, and RSTs": a segment at rcv.nxt goes on for those, and the seventh step refuses its
  // text. A bare FIN there is taken too, as Linux does (tcp_data_queue()): it needs no room.
  if (wnd == 0) return seg.seq == rcv_nxt;
  // A segment without text at exactly the right edge is taken for its ACK, as Linux's
  // tcp_sequence() and BSD take it: a sender that filled our window and lost some of it stamps
  // its ACKs with its SND.NXT, which is our edge; the half-open test would throw away every
  // acknowledgment it sends until the loss is repaired.
  if (len == 0) return seq_in_window(seg.seq, rcv_nxt, end) || seg.seq == end;
  return seq_in_window(seg.seq, rcv_nxt, end) || seq_in_window(seg.seq + (len - 1), rcv_nxt, end);
}

void tcp_connection::send_challenge_ack(instant now) {
  if (layer_.may_challenge(t.challenge_acks, now)) send_ack(now);
}

void tcp_connection::answer_invalid(const tcp_repr& seg, instant now) {
  if (layer_.may_answer_invalid(t.challenge_acks, t.invalid_ack_replies, seg, now)) send_ack(now);
}

// 3.10.7.4: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK,
// TIME-WAIT.
void tcp_connection::segment_in_synchronized(const tcp_repr& seg, instant now) {
  // The peer sent its SYN again: our SYN-ACK was lost. Linux answers at once rather than waiting
  // for our retransmission timer, and counts the answer as the timer's retransmission: it backs
  // off, so the timer does not send the same SYN-ACK again moments later.
  if (t.state == tcp_state::syn_received && seg.flags.syn && !seg.flags.ack && seg.seq == t.irs) {
    ++t.retransmits;
    count_retransmission(now);
    t.rtt.back_off();
    t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
    return send_syn(now);
  }
  if (paws_rejects(seg, now)) return;
  // First, check the sequence number.
  if (!acceptable(seg)) {
    // A SYN gets a challenge ACK whatever its sequence number (RFC 5961 4.2), from the same
    // budget as one in the window (answer_invalid sees to that).
    ctx_.drop(seg.flags.syn && !seg.flags.rst ? drop_reason::tcp_syn_challenged
                                              : drop_reason::tcp_out_of_window,
              now);
    if (!seg.flags.rst) answer_invalid(seg, now);
    return;
  }
  // RFC 7323 4.3 (R3): TS.Recent follows the segment our last ACK asked for (SEG.SEQ =<
  // Last.ACK.sent), so a delayed ACK echoes the oldest timestamp it covers.
  if (t.ts_ok && seg.options.timestamps && seq_le(seg.seq, t.last_ack_sent) &&
      static_cast<std::int32_t>(seg.options.timestamps->val - t.ts_recent) >= 0)
    t.ts_recent = seg.options.timestamps->val;
  // Second, the RST bit (RFC 5961 3.2): a reset only at exactly rcv.nxt; elsewhere in the window,
  // a challenge ACK, so a blind attacker must guess the exact number.
  if (seg.flags.rst) {
    if (seg.seq != t.rcv_nxt) {
      ctx_.drop(drop_reason::tcp_rst_challenged, now);
      return send_challenge_ack(now);
    }
    switch (t.state) {
      case tcp_state::syn_received:
        // From a passive open: the listener carries on; from a simultaneous open: refused.
        if (listener) return layer_.change_state(*this, tcp_state::closed, "RST", now);
        return fail(std::errc::connection_refused, "RST", now);
      case tcp_state::established:
      case tcp_state::fin_wait_1:
      case tcp_state::fin_wait_2:
      case tcp_state::close_wait:
        return fail(std::errc::connection_reset, "RST", now);
      default:
        return layer_.change_state(*this, tcp_state::closed, "RST", now);
    }
  }
  // Third, security and precedence: no compartments here. Fourth, the SYN bit: from a listener,
  // SYN-RECEIVED goes back to LISTEN (the listener carries on, this connection is forgotten);
  // otherwise (RFC 5961 4) the SYN gets a challenge ACK, whatever its sequence number.
  if (seg.flags.syn) {
    if (t.state == tcp_state::syn_received && listener) {
      ctx_.drop(drop_reason::tcp_syn_in_syn_received, now);
      return layer_.change_state(*this, tcp_state::closed, "SYN", now);
    }
    ctx_.drop(drop_reason::tcp_syn_challenged, now);
    return send_challenge_ack(now);
  }
  // Fifth, the ACK field.
  if (!seg.flags.ack) return ctx_.drop(drop_reason::tcp_no_ack, now);
  if (!process_ack(seg, now)) return;
  // Sixth, the URG bit: the urgent pointer is read, and urgent data is delivered in line with the
  // rest (RFC 6093 advises applications against relying on it).
  // Seventh, the segment text.
  process_text(seg, now);
  // Eighth, the FIN bit, once everything before it is in order.
  if (seg.flags.fin && seg.seq + static_cast<std::uint32_t>(seg.payload.size()) == t.rcv_nxt)
    process_fin(now);
  if (t.state != tcp_state::closed && !layer_.defer_output(*this)) output(now);
}

// Step five of 3.10.7.4. False when the segment is to be dropped here.
bool tcp_connection::process_ack(const tcp_repr& seg, instant now) {
  if (t.state == tcp_state::syn_received) {
    if (!seq_lt(t.snd_una, seg.ack) || !seq_le(seg.ack, t.snd_nxt)) {
      ctx_.drop(drop_reason::tcp_bad_ack, now);
      layer_.send_reset(t.tuple, seg.ack, std::nullopt, now);
      return false;
    }
    t.snd_una = seg.ack;
    t.snd_wnd = static_cast<std::uint32_t>(seg.window) << t.snd_wscale;
    t.max_snd_wnd = std::max(t.max_snd_wnd, t.snd_wnd);
    t.snd_wl1 = seg.seq;
    t.snd_wl2 = seg.ack;
    t.timers.clear(tcp_timer::retransmit);
    if (t.retransmits == 0) t.rtt.sample(now - t.rtt_sent);
    t.retransmits = 0;
    layer_.establish(*this, "ACK", now);
    return true;
  }
  // RFC 5961 5.2: acceptable from snd.una - max.snd.wnd to what we sent (snd_max: snd.nxt may be
  // back at snd.una while we resend); past it or before that range, an ACK and a drop.
  const seq32 oldest = t.snd_una - t.max_snd_wnd;
  if (seq_gt(seg.ack, t.snd_max) || seq_lt(seg.ack, oldest)) {
    ctx_.drop(drop_reason::tcp_bad_ack, now);
    answer_invalid(seg, now);
    return false;
  }
  const std::uint32_t acked =
      seq_gt(seg.ack, t.snd_una) ? static_cast<std::uint32_t>(seg.ack - t.snd_una) : 0;
  const bool window_update = (static_cast<std::uint32_t>(seg.window) << t.snd_wscale) != t.snd_wnd;
  if (acked > 0) {
    // New data acknowledged: drop it from the send buffer (our FIN counts one, past the data).
    const std::uint32_t data =
        std::min<std::uint32_t>(acked, static_cast<std::uint32_t>(t.send_buffer.size()));
    if (t.send_shut && acked > data) t.fin_acked = true;
    t.send_buffer.consume(data);
    take_rtt_sample(seg, now);
    t.snd_una = seg.ack;
    if (seq_lt(t.snd_nxt, t.snd_una)) t.snd_nxt = t.snd_una;  // acknowledged while resending
    if (t.snd_una == t.snd_max) t.retransmitted_tsval.reset();
    t.retransmits = 0;
    // (5.2) all acknowledged: stop the timer; (5.3) otherwise restart it.
    if (t.snd_una == t.snd_max)
      t.timers.clear(tcp_timer::retransmit);
    else
      t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
    wake();
  }
  // The send window, from the newest segment only (snd.wl1, snd.wl2 as RFC 9293 3.10.7.4), and
  // never from an ACK older than snd.una ("If SND.UNA =< SEG.ACK =< SND.NXT"). An ACK of new data
  // is the newest too, whatever its sequence number (as Linux's tcp_may_update_window): the peer
  // sent it after every ACK we had, and its window is the one in force. By the sequence number
  // alone, a peer resending a hole below data it sent earlier would leave the window its earlier
  // segment offered in place, and that window, measured from our new snd.una, would end past
  // every right edge the peer ever offered.
  const bool newest = acked > 0 || seq_lt(t.snd_wl1, seg.seq) ||
                      (t.snd_wl1 == seg.seq && seq_le(t.snd_wl2, seg.ack));
  if (seq_ge(seg.ack, t.snd_una) && newest) {
    t.snd_wnd = static_cast<std::uint32_t>(seg.window) << t.snd_wscale;
    t.max_snd_wnd = std::max(t.max_snd_wnd, t.snd_wnd);
    t.snd_wl1 = seg.seq;
    t.snd_wl2 = seg.ack;
  }
  after_ack(seg, acked, window_update, now);
  // The states that wait for our FIN to be acknowledged.
  if (t.fin_acked) {
    switch (t.state) {
      case tcp_state::fin_wait_1:
        layer_.change_state(*this, tcp_state::fin_wait_2, "ACK of FIN", now);
        break;
      case tcp_state::closing:
        layer_.enter_time_wait(*this, "ACK of FIN", now);
        break;
      case tcp_state::last_ack:
        layer_.change_state(*this, tcp_state::closed, "ACK of FIN", now);
        return false;
      default:
        break;
    }
  }
  return true;
}

// RFC 7323 5.3 (R1), before the first step: PAWS drops a segment whose timestamp is older than
// TS.Recent (a duplicate from long ago, its sequence numbers wrapped since) and answers with an
// ACK. Once both SYNs carried timestamps, every segment but a RST must (RFC 7323 3.2): one
// without is dropped silently. RFC 7323's 24-day idle exemption does not arise: TS.Recent is
// refreshed by every segment, and keep-alive or the retransmission limit ends a quiet connection
// long before.
bool tcp_connection::paws_rejects(const tcp_repr& seg, instant now) {
  if (!t.ts_ok || seg.flags.rst) return false;
  if (!seg.options.timestamps) {
    ctx_.drop(drop_reason::tcp_no_timestamp, now);
    return true;
  }
  const auto lag = static_cast<std::int32_t>(t.ts_recent - seg.options.timestamps->val);
  if (lag <= 0 || disordered_ack(seg, lag)) return false;
  ctx_.drop(drop_reason::tcp_paws, now);
  answer_invalid(seg, now);
  return true;
}

// Linux: tcp_disordered_ack(). PAWS guards against an old duplicate whose sequence numbers have
// wrapped into the window since; a pure duplicate ACK at rcv.nxt that changes no window, and whose
// timestamp lags by less than an RTO, is no such thing: it is an ACK that a newer segment
// overtook on a reordering link, and its sequence number is exactly the one expected. Dropped, it
// would take its SACK blocks with it and cost the sender a duplicate ACK it counts on for fast
// retransmit; accepted, it can do no harm, as it moves nothing.
bool tcp_connection::disordered_ack(const tcp_repr& seg, std::int32_t lag) const {
  const auto window = static_cast<std::uint32_t>(seg.window) << t.snd_wscale;
  const bool pure_duplicate =
      seg.flags.ack && seg.segment_len() == 0 && seg.seq == t.rcv_nxt && seg.ack == t.snd_una;
  const bool updates_window =
      seq_gt(seg.seq, t.snd_wl1) || (seg.seq == t.snd_wl1 && (window > t.snd_wnd || window == 0));
  const auto rto_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.rtt.rto()).count();
  return pure_duplicate && !updates_window && lag <= rto_ms;
}

// RFC 6298 2: a round-trip sample from the ACK of new data. With timestamps, the echoed value
// times the segment that caused the ACK, even a resent one (RFC 7323 4); without, only a segment
// never resent is timed (Karn's rule). Two echoes time nothing, and the segment is then timed as
// without timestamps: one of a time we have not reached yet (a broken or forging peer: taken as
// a sample, it would read as weeks and pin the RTO at its maximum), and one older than our
// latest retransmission. The peer echoes the original of a segment it already held when the
// retransmission arrives (RFC 7323 3.4: a duplicate does not move TS.Recent, which is what lets
// a sender see that it retransmitted in vain), so such an echo may time a whole loss episode,
// its ACKs lost and our timer backing off, rather than a round trip: Karn's ambiguity, which
// the timestamp cannot resolve here.
void tcp_connection::take_rtt_sample(const tcp_repr& seg, instant now) {
  const bool ambiguous =
      t.retransmitted_tsval && seg.options.timestamps &&
      static_cast<std::int32_t>(seg.options.timestamps->ecr - *t.retransmitted_tsval) < 0;
  if (t.ts_ok && seg.options.timestamps && seg.options.timestamps->ecr != 0 && !ambiguous) {
    const auto elapsed =
        static_cast<std::int32_t>(ts_now(t.ts_offset, now) - seg.options.timestamps->ecr);
    if (elapsed >= 0) {
      t.rtt.sample(std::chrono::milliseconds{elapsed});
      t.rtt_seq.reset();
      return;
    }
  }
  if (t.rtt_seq && seq_ge(seg.ack, *t.rtt_seq)) {
    if (t.retransmits == 0) t.rtt.sample(now - t.rtt_sent);
    t.rtt_seq.reset();
  }
}

// RFC 2018 4: the blocks our next ACKs report follow what the segment changed.
void tcp_connection::report_sack(seq32 start, std::size_t len) {
  if (t.sack_ok)
    t.sack_report.on_segment(t.rcv_nxt, t.out_of_order.ranges(), start,
                             static_cast<std::uint32_t>(len));
}

// Step seven of 3.10.7.4: data in the window is kept, in order or, past a gap, held for later.
void tcp_connection::process_text(const tcp_repr& seg, instant now) {
  if (seg.payload.empty()) return;
  if (t.state != tcp_state::established && t.state != tcp_state::fin_wait_1 &&
      t.state != tcp_state::fin_wait_2)
    return;  // after the peer's FIN there is no more text to take
  // Trim what was already received and what lies beyond the window.
  const_byte_span data = seg.payload;
  seq32 start = seg.seq;
  if (seq_lt(start, t.rcv_nxt)) {
    const auto old = static_cast<std::size_t>(t.rcv_nxt - start);
    data = data.subspan(std::min(old, data.size()));
    start = t.rcv_nxt;
  }
  const auto window = static_cast<std::size_t>(std::max(0, t.rcv_adv - t.rcv_nxt));
  const auto offset = static_cast<std::size_t>(start - t.rcv_nxt);
  // Only a closed window leaves nothing to take (the first step let the segment on for its ACK):
  // the peer hears at once that it is still closed.
  if (offset >= window) {
    t.ack_now = true;
    return ctx_.drop(drop_reason::tcp_out_of_window, now);
  }
  data = data.first(std::min(data.size(), window - offset));
  // Only what the buffer took is recorded, so the assembler never vouches for bytes it lacks.
  const std::size_t stored = t.recv_buffer.write_at(offset, data);
  // RFC 5681 4.2: an ACK at once for a duplicate and for data past a gap, so that the sender's
  // duplicate ACKs (and SACK blocks) tell it of the loss without delay.
  if (stored == 0) {
    t.ack_now = true;
    return;
  }
  if (offset > 0) {
    t.ack_now = true;
    if (!t.out_of_order.add(offset, stored))
      return ctx_.drop(drop_reason::tcp_out_of_order_full, now);
    return report_sack(start, stored);
  }
  // What was held past the gap this fills comes into order with it; filling a gap is acknowledged
  // at once too (RFC 5681 4.2), ordinary data as the delayed-ACK rules say.
  const bool filled_gap = !t.out_of_order.empty();
  std::size_t in_order = stored;
  if (t.out_of_order.add(0, stored)) in_order = t.out_of_order.front();
  t.out_of_order.advance(in_order);
  t.recv_buffer.commit(in_order);
  t.rcv_nxt += static_cast<std::uint32_t>(in_order);
  if (filled_gap) {
    t.ack_now = true;
    report_sack(start, stored);
  } else {
    schedule_ack(static_cast<std::uint32_t>(stored), now);
  }
  wake();
}

// Step eight of 3.10.7.4.
void tcp_connection::process_fin(instant now) {
  if (t.fin_received) {
    t.ack_now = true;  // a retransmitted FIN: acknowledge it again
    return;
  }
  t.fin_received = true;
  t.rcv_nxt += 1;
  t.ack_now = true;
  switch (t.state) {
    case tcp_state::syn_received:
    case tcp_state::established:
      layer_.change_state(*this, tcp_state::close_wait, "FIN", now);
      break;
    case tcp_state::fin_wait_1:
      if (t.fin_acked) {
        layer_.enter_time_wait(*this, "FIN", now);
      } else {
        layer_.change_state(*this, tcp_state::closing, "FIN", now);
      }
      break;
    case tcp_state::fin_wait_2:
      layer_.enter_time_wait(*this, "FIN", now);
      break;
    default:
      break;
  }
  wake();
}

}  // namespace tapstack
