// What each ACK means for congestion control and loss recovery: window growth (RFC 5681 3.1,
// through the connection's congestion_control), duplicate ACKs and limited transmit (RFC 3042),
// fast retransmit and fast recovery, by NewReno (RFC 6582) without SACK and by the SACK scoreboard
// and its pipe (RFC 6675) with it, and the figures tcp_info reports.
#include <algorithm>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

std::string_view to_string(tcp_event e) {
  switch (e) {
    case tcp_event::ack:
      return "ack";
    case tcp_event::fast_retransmit:
      return "fast-retransmit";
    case tcp_event::recovery_end:
      return "recovery-end";
    case tcp_event::timeout:
      return "rto";
  }
  return "?";
}

void tcp_connection::notify_event(tcp_event e, instant now) {
  if (layer_.event_observer_) layer_.event_observer_(t, e, now);
}

void tcp_connection::count_retransmission(instant now) {
  ctx_.stats.count(event::tcp_retransmits);
  ++t.total_retransmits;
  if (t.ts_ok) t.retransmitted_tsval = ts_now(t.ts_offset, now);
}

std::uint32_t tcp_connection::congestion_window() const {
  // RFC 3042: the first two duplicate ACKs each let one new segment out, beyond cwnd.
  const unsigned limited = t.in_recovery ? 0 : std::min(t.dupacks, dup_thresh - 1);
  return t.cc->cwnd() + limited * t.smss();
}

void tcp_connection::after_ack(const tcp_repr& seg, std::uint32_t acked, bool window_update,
                               instant now) {
  const std::uint32_t newly_sacked =
      t.sack_ok ? t.scoreboard.update(t.snd_una, t.snd_max, seg.options.sack()) : 0;
  if (acked > 0) {
    t.bytes_acked += acked;
    // The delivery rate: bytes acknowledged over at least one smoothed round trip.
    const duration span = now - t.rate_start;
    if (const auto srtt = t.rtt.srtt(); srtt && span >= *srtt && span.count() > 0) {
      t.delivery_rate = (t.bytes_acked - t.rate_start_acked) * 1'000'000'000ull /
                        static_cast<std::uint64_t>(span.count());
      t.rate_start = now;
      t.rate_start_acked = t.bytes_acked;
    }
    if (t.in_recovery) {
      if (seq_ge(t.snd_una, t.recover))
        end_recovery(now);
      else
        on_partial_ack(acked, now);
    } else {
      t.dupacks = 0;
      // The window grows only while it limits what is sent (RFC 7661, RFC 9438 5.8): an
      // application that sends little must not earn a window it never tried.
      const auto flight_before = static_cast<std::uint32_t>(t.snd_max - t.snd_una) + acked;
      if (flight_before + t.smss() >= t.cc->cwnd()) t.cc->on_ack(acked, now, t.rtt.srtt());
    }
    return notify_event(tcp_event::ack, now);
  }
  // RFC 5681 section 2: a duplicate ACK acknowledges nothing new while data is outstanding, and
  // carries no data, no SYN or FIN, and no window change. With SACK (RFC 6675 section 2), it is
  // one that SACKs data not SACKed before.
  const bool outstanding = t.snd_una != t.snd_max;
  const bool duplicate =
      outstanding && (t.sack_ok ? newly_sacked > 0
                                : seg.payload.empty() && !seg.flags.syn && !seg.flags.fin &&
                                      !window_update && seg.ack == t.snd_una);
  if (!duplicate) return;
  if (t.in_recovery) {
    // RFC 5681 3.2 (4), which RFC 6582 3.2 (3) keeps in force until the full ACK: each further
    // duplicate inflates cwnd by a segment, which has left the network. With SACK the pipe
    // accounts for it instead.
    if (!t.sack_ok) t.cc->set_cwnd(t.cc->cwnd() + t.smss());
    return notify_event(tcp_event::ack, now);
  }
  ++t.dupacks;
  // RFC 6675 5 (1)-(2): DupThresh duplicates or a scoreboard that already deems the first segment
  // lost. RFC 6582 3.2 (2): only when the ACK covers more than "recover", so that losses from
  // before the last recovery or timeout do not start another. RFC 6582's recover is the highest
  // sequence number sent, snd.max - 1, and ours is snd.max: an ACK of exactly snd.max covers it
  // all, and the segment lost next was sent after that recovery began.
  const bool lost = t.dupacks >= dup_thresh || (t.sack_ok && t.scoreboard.is_lost(t.snd_una));
  if (lost && seq_ge(t.snd_una, t.recover)) enter_recovery(now);
  notify_event(tcp_event::ack, now);
}

// RFC 5681 3.2 (2)-(3), RFC 6582 3.2 (2), RFC 6675 5 (4.1)-(4.3).
void tcp_connection::enter_recovery(instant now) {
  // RFC 5681 3.2 (2), RFC 6675 5 (4.2): what limited transmit sent is not counted in the
  // FlightSize that ssthresh halves. It is what lies beyond cwnd, as nothing else is sent there.
  const auto flight = static_cast<std::uint32_t>(t.snd_max - t.snd_una);
  const std::uint32_t limited =
      std::min(flight - std::min(flight, t.cc->cwnd()), (dup_thresh - 1) * t.smss());
  t.in_recovery = true;
  t.recover = t.snd_max;
  t.cc->on_loss(flight - limited, now);
  ++t.fast_retransmits;
  ctx_.stats.count(event::tcp_fast_retransmits);
  notify_event(tcp_event::fast_retransmit, now);
  // RFC 6675 5 (4.3) and RFC 5681 (3): the segment at snd.una goes again at once.
  const std::size_t resent = retransmit(t.snd_una, t.smss(), now);
  if (t.sack_ok) {
    t.scoreboard.enter_recovery(t.snd_una, t.snd_max);
    t.scoreboard.on_retransmit(t.snd_una, static_cast<std::uint32_t>(resent));
    return send_in_sack_recovery(now);
  }
  // The three segments that left the network, as RFC 5681 (3) counts them.
  t.cc->set_cwnd(t.cc->ssthresh() + dup_thresh * t.smss());
}

// RFC 6582 3.2 (3), partial acknowledgments. Without SACK, the next hole is resent at once and
// the window deflated by what was acknowledged, plus one segment if that was at least one; with
// SACK, the pipe loop finds the next hole itself. RFC 6582 asks that the first partial ACK
// restart the retransmission timer; process_ack restarts it on every one (RFC 6298 (5.3)).
void tcp_connection::on_partial_ack(std::uint32_t acked, instant now) {
  if (t.sack_ok) return;
  retransmit(t.snd_una, t.smss(), now);
  const std::uint32_t cwnd = t.cc->cwnd();
  t.cc->set_cwnd(cwnd - std::min(acked, cwnd) + (acked >= t.smss() ? t.smss() : 0));
}

// RFC 6582 3.2 (3), full acknowledgments: recovery ends, with cwnd at min(ssthresh,
// max(FlightSize, SMSS) + SMSS), its option (1), so that no burst follows; RFC 6675 leaves cwnd
// at ssthresh.
void tcp_connection::end_recovery(instant now) {
  t.in_recovery = false;
  t.dupacks = 0;
  t.scoreboard.exit_recovery();
  if (!t.sack_ok) {
    const auto flight = static_cast<std::uint32_t>(t.snd_max - t.snd_una);
    t.cc->set_cwnd(std::min(t.cc->ssthresh(), std::max(flight, t.smss()) + t.smss()));
  } else {
    t.cc->set_cwnd(t.cc->ssthresh());
  }
  t.cc->on_recovery_end(now);
  notify_event(tcp_event::recovery_end, now);
}

// RFC 6675 5 (C): while cwnd - pipe leaves a segment's room, send what NextSeg() names.
void tcp_connection::send_in_sack_recovery(instant now) {
  for (;;) {
    const std::uint32_t pipe = t.scoreboard.pipe(t.snd_una, t.snd_max);
    if (pipe + t.smss() > t.cc->cwnd()) return;
    // Unsent data (or the FIN) that the peer's window lets out: NextSeg's rule (2).
    const auto offset = static_cast<std::size_t>(t.snd_max - t.snd_una);
    const bool new_data = offset < t.send_buffer.size() + (t.send_shut ? 1 : 0) &&
                          seq_lt(t.snd_max, t.snd_una + t.snd_wnd);
    const next_segment next = t.scoreboard.next_seg(t.snd_una, t.snd_max, new_data);
    // What went may be less than NextSeg named (the SACK blocks beside it take room): HighRxt
    // moves only over what was sent, and nothing sent ends the loop rather than repeating it.
    switch (next.kind) {
      case next_seg_kind::retransmit: {
        const auto sent = static_cast<std::uint32_t>(retransmit(next.seq, next.len, now));
        if (sent == 0) return;
        t.scoreboard.on_retransmit(next.seq, sent);
        break;
      }
      case next_seg_kind::rescue:
        if (retransmit(next.seq, next.len, now) == 0) return;
        t.scoreboard.on_rescue_retransmit();
        break;
      case next_seg_kind::new_data:
        t.snd_nxt = t.snd_max;
        if (!send_new_data(t.snd_wnd, now)) return;
        break;
      case next_seg_kind::none:
        return;
    }
  }
}

// Resends up to max_len bytes (our FIN too, if they reach it) from seq, without moving snd.nxt;
// returns the sequence space resent, the FIN counting one.
std::size_t tcp_connection::retransmit(seq32 seq, std::size_t max_len, instant now) {
  const auto offset = static_cast<std::size_t>(seq - t.snd_una);
  const tcp_options options = segment_options(now);
  // Only what was sent goes again: data past snd.max is new, and may lie beyond the peer's window
  // (it is new data's to send, when the windows allow).
  const std::size_t queued = t.send_buffer.size() - std::min(offset, t.send_buffer.size());
  const auto sent = static_cast<std::size_t>(std::max(0, t.snd_max - seq));
  const std::size_t len = std::min({queued, sent, max_len, payload_room(options)});
  const bool fin = t.send_shut && len == queued && seq_lt(seq + len, t.snd_max);
  if (len == 0 && !fin) return 0;
  send_segment(tcp_flags{.fin = fin, .psh = len > 0 && len == queued, .ack = true}, seq, offset,
               len, options, now);
  count_retransmission(now);
  // Karn: the segment being timed may be the one resent.
  if (t.rtt_seq && seq_lt(seq, *t.rtt_seq)) t.rtt_seq.reset();
  t.timers.arm_if_off(tcp_timer::retransmit, now + t.rtt.rto());
  return len + (fin ? 1 : 0);
}

}  // namespace tapstack
