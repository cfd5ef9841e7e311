// SEGMENT ARRIVES (RFC 9293 3.10.7), in the RFC's order: a segment for no connection (3.10.7.1),
// for a listener (3.10.7.2), in SYN-SENT (3.10.7.3), and in every other state (3.10.7.4, its eight
// steps), with RFC 5961's hardening of the RST, SYN and ACK checks and RFC 7323's timestamp
// rules (PAWS before the first step, TS.Recent after it, RTT from the echoed value). What an ACK
// means for the congestion window is tcp_recovery.cpp's.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

void tcp_layer::receive(const ipv4_packet& packet, instant now) {
  const auto view = tcp_view::check(packet.payload);
  if (!view) return ctx_.drop(view.error(), now);
  const auto parsed = tcp_repr::parse(*view, packet.header.src, packet.header.dst);
  if (!parsed) return ctx_.drop(parsed.error(), now);
  if (packet.to_broadcast) return ctx_.drop(drop_reason::tcp_broadcast, now);
  ctx_.stats.count(event::tcp_segments_in);
  segment_arrives({{packet.header.dst, parsed->dst_port}, {packet.header.src, parsed->src_port}},
                  *parsed, now);
}

void tcp_layer::segment_arrives(const tcp_tuple& tuple, const tcp_repr& seg, instant now) {
  closed_.clear();
  if (const auto it = connections_.find(tuple); it != connections_.end()) {
    const auto conn = it->second;  // keeps it alive while it may leave the table
    conn->t.last_heard = now;
    if (conn->t.state == tcp_state::syn_sent)
      segment_in_syn_sent(*conn, seg, now);
    else
      segment_in_synchronized(*conn, seg, now);
    schedule(*conn);
  } else if (const auto w = time_wait_.find(tuple); w != time_wait_.end()) {
    segment_in_time_wait(w->second, seg, now);
  } else if (const auto l = listeners_.find(seg.dst_port); l != listeners_.end()) {
    segment_to_listener(l->second, tuple, seg, now);
  } else {
    segment_to_closed(tuple, seg, now);
  }
}

// 3.10.7.1: CLOSED. Anything but a RST is answered with one that the sender will accept.
void tcp_layer::segment_to_closed(const tcp_tuple& tuple, const tcp_repr& seg, instant now) {
  ctx_.drop(drop_reason::tcp_closed_port, now);
  if (seg.flags.rst) return;
  if (seg.flags.ack)
    send_reset(tuple, seg.ack, std::nullopt, now);
  else
    send_reset(tuple, seq32{0}, seg.seq + seg.segment_len(), now);
}

// 3.10.7.2: LISTEN.
void tcp_layer::segment_to_listener(tcp_socket_id listener, const tcp_tuple& tuple,
                                    const tcp_repr& seg, instant now, std::optional<seq32> iss) {
  socket& l = sockets_.at(listener);
  // First, check for a RST: ignored. Second, an ACK: reset, as nothing was sent to acknowledge,
  // unless it hands back a SYN cookie of ours.
  if (seg.flags.rst) return ctx_.drop(drop_reason::tcp_listen_unexpected, now);
  if (seg.flags.ack) {
    if (!seg.flags.syn && cookie_ack(l, listener, tuple, seg, now)) return;
    ctx_.drop(drop_reason::tcp_listen_unexpected, now);
    return send_reset(tuple, seg.ack, std::nullopt, now);
  }
  // Third, a SYN (the security check does not apply: no compartments here).
  if (!seg.flags.syn) return ctx_.drop(drop_reason::tcp_listen_unexpected, now);
  // A full accept queue is the application's to drain: a SYN now would only wait on it, so it is
  // dropped and the peer tries again, as Linux does. A full SYN queue (the handshakes under way
  // take the rest of the backlog) is what a flood of SYNs from nowhere makes: those get a cookie
  // and cost nothing.
  if (l.accept_queue.size() >= l.backlog) return ctx_.drop(drop_reason::tcp_listen_overflow, now);
  if (l.pending + l.accept_queue.size() >= l.backlog) return send_cookie(l, tuple, seg, now);
  if (at_connection_limit(now)) return ctx_.drop(drop_reason::tcp_connection_limit, now);
  auto conn =
      make_child(l, listener, tuple, seg, iss.value_or(isn_(tuple.local, tuple.remote, now)),
                 static_cast<std::uint32_t>(ctx_.random.next()), now);
  tcb& t = conn->t;
  change_state(*conn, tcp_state::syn_received, "SYN", now);
  // Data or a FIN riding on the SYN is not kept: the peer sends it again once we are set up.
  send_syn(t, now);
  t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
  schedule(*conn);
}

std::shared_ptr<tcp_layer::connection> tcp_layer::make_child(socket& l, tcp_socket_id listener,
                                                             const tcp_tuple& tuple,
                                                             const tcp_repr& syn, seq32 iss,
                                                             std::uint32_t ts_offset, instant now) {
  auto conn = std::make_shared<connection>(ctx_.config.tcp, l.options);
  tcb& t = conn->t;
  t.tuple = tuple;
  t.irs = syn.seq;
  t.rcv_nxt = syn.seq + 1;
  t.iss = iss;
  t.snd_una = t.iss;
  t.snd_nxt = t.iss + 1;
  t.snd_max = t.snd_nxt;
  t.recover = t.iss;
  t.ts_offset = ts_offset;
  t.last_heard = now;
  negotiate(t, syn);
  // The SYN's window is never scaled (RFC 7323 2.2).
  t.snd_wnd = syn.window;
  t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = syn.seq;
  t.snd_wl2 = t.iss;
  conn->listener = listener;
  // The new connection starts as a copy of the listener's TCB (RFC 9293 3.10.7.2), so its trace
  // reads LISTEN -> SYN-RECEIVED.
  t.state = tcp_state::listen;
  ++l.pending;
  connections_.emplace(tuple, conn);
  return conn;
}

// The SYN-ACK is the one the connection would send, from a TCB made for it and dropped after:
// its ISN the cookie, its TSval (when the SYN offered timestamps) from the clock a connection on
// this tuple made from the cookie will run, its low bits the peer's window scale and SACK.
void tcp_layer::send_cookie(socket& l, const tcp_tuple& tuple, const tcp_repr& syn, instant now) {
  const auto cookie = cookies_.encode(tuple, syn.seq, syn.options.mss.value_or(536), now);
  tcb t{ctx_.config.tcp, l.options};
  t.tuple = tuple;
  t.state = tcp_state::syn_received;
  t.irs = syn.seq;
  t.rcv_nxt = syn.seq + 1;
  t.iss = cookie.isn;
  t.snd_una = t.iss;
  negotiate(t, syn);
  // Without timestamps the cookie cannot carry window scaling or SACK, and the ACK would make a
  // connection without them: the SYN-ACK offers neither, as Linux's does.
  if (!t.ts_ok) t.wscale_ok = t.sack_ok = false;
  t.ts_offset = cookies_.ts_offset(tuple);
  if (t.ts_ok) {
    const std::uint32_t clock = ts_now(t.ts_offset, now);
    const auto tsval = syn_cookies::encode_ts_options(
        clock, t.wscale_ok ? std::optional{t.snd_wscale} : std::nullopt, t.sack_ok);
    t.ts_offset -= clock - tsval.value_or(clock);
  }
  send_syn(t, now);
  l.cookie_sent = now;
  ctx_.stats.count(event::tcp_syn_cookies_sent);
}

// Checked only while a cookie of the listener's may still be valid; then, if it checks out, the
// connection is made as the SYN would have made it (the MSS from the cookie, window scale and
// SACK from the TSval the ACK echoes), in SYN-RECEIVED, and the ACK goes through the RFC's steps
// as any other: it completes the handshake and may carry data.
bool tcp_layer::cookie_ack(socket& l, tcp_socket_id listener, const tcp_tuple& tuple,
                           const tcp_repr& seg, instant now) {
  if (!l.cookie_sent || now - *l.cookie_sent >= syn_cookies::max_age * syn_cookies::period)
    return false;
  const seq32 peer_isn = seg.seq - 1;
  const auto mss = cookies_.validate(tuple, peer_isn, seg.ack - 1, now);
  if (!mss) {
    ctx_.drop(drop_reason::tcp_syn_cookie_rejected, now);
    return false;
  }
  // The peer believes itself connected; dropped now, its next segment will bring the cookie
  // back again while the cookie lasts.
  if (l.accept_queue.size() >= l.backlog) {
    ctx_.drop(drop_reason::tcp_listen_overflow, now);
    return true;
  }
  if (at_connection_limit(now)) {
    ctx_.drop(drop_reason::tcp_connection_limit, now);
    return true;
  }
  tcp_repr syn;
  syn.seq = peer_isn;
  syn.window = seg.window;
  syn.options.mss = *mss;
  if (seg.options.timestamps) {
    const auto offered = syn_cookies::decode_ts_options(seg.options.timestamps->ecr);
    syn.options.window_scale = offered.wscale;
    syn.options.sack_permitted = offered.sack;
    syn.options.timestamps = tcp_timestamps{seg.options.timestamps->val, 0};
  }
  auto conn = make_child(l, listener, tuple, syn, seg.ack - 1, cookies_.ts_offset(tuple), now);
  tcb& t = conn->t;
  // What the SYN-ACK did to the TCB it was sent from: the window it offered, the ACK it sent. Its
  // departure was not kept: no round-trip sample from it (timestamps give one).
  t.rcv_adv =
      t.rcv_nxt + static_cast<std::uint32_t>(std::min<std::size_t>(t.recv_buffer.free(), 0xffff));
  t.last_ack_sent = t.rcv_nxt;
  t.retransmits = 1;
  ctx_.stats.count(event::tcp_syn_cookies_validated);
  change_state(*conn, tcp_state::syn_received, "SYN cookie", now);
  segment_in_synchronized(*conn, seg, now);
  schedule(*conn);
  return true;
}

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
  if (!acceptable(r.rcv_nxt, r.rcv_wnd, seg)) {
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

// The options the peer's SYN offers (RFC 9293 3.7.1, RFC 7323, RFC 2018): its MSS (536 without
// one), and window scaling, timestamps and SACK, each in force when both SYNs carry it. Congestion
// control starts here, once the segment size is known.
void tcp_layer::negotiate(tcb& t, const tcp_repr& syn) {
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
    t.rcv_wscale = window_scale_for(t);
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
void tcp_layer::segment_in_syn_sent(connection& c, const tcp_repr& seg, instant now) {
  tcb& t = c.t;
  // First, the ACK: it must acknowledge our SYN and nothing beyond.
  const bool ack_ok = seg.flags.ack && seq_lt(t.snd_una, seg.ack) && seq_le(seg.ack, t.snd_nxt);
  if (seg.flags.ack && !ack_ok) {
    ctx_.drop(drop_reason::tcp_bad_ack, now);
    if (!seg.flags.rst) send_reset(t.tuple, seg.ack, std::nullopt, now);
    return;
  }
  // Second, a RST: valid only with an acceptable ACK (RFC 5961 3.2 for SYN-SENT).
  if (seg.flags.rst) {
    if (!ack_ok) return ctx_.drop(drop_reason::tcp_syn_sent_unexpected, now);
    return fail(c, std::errc::connection_refused, "RST", now);
  }
  // Fourth, the SYN (third, security, does not apply).
  if (!seg.flags.syn) return ctx_.drop(drop_reason::tcp_syn_sent_unexpected, now);
  t.irs = seg.seq;
  t.rcv_nxt = seg.seq + 1;
  // Our SYN offered its window before rcv.nxt was known: its right edge is only now placed.
  t.rcv_adv =
      t.rcv_nxt + static_cast<std::uint32_t>(std::min<std::size_t>(t.recv_buffer.free(), 0xffff));
  negotiate(t, seg);
  t.snd_wnd = seg.window;
  t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = seg.seq;
  if (ack_ok) {
    t.snd_una = seg.ack;
    t.snd_wl2 = seg.ack;
    t.timers.clear(tcp_timer::retransmit);
    if (t.retransmits == 0) t.rtt.sample(now - t.rtt_sent);
    t.retransmits = 0;
    establish(c, "SYN-ACK", now);
    t.ack_now = true;
    return output(c, now);
  }
  // Simultaneous open: both sides sent a SYN; answer with a SYN-ACK.
  t.snd_wl2 = t.snd_una;
  change_state(c, tcp_state::syn_received, "SYN", now);
  send_syn(t, now);
}

// The acceptability test of 3.10.7.4, first step: does any of the segment fall in the window?
bool tcp_layer::acceptable(const tcb& t, const tcp_repr& seg) {
  return acceptable(t.rcv_nxt, static_cast<std::uint32_t>(std::max(0, t.rcv_adv - t.rcv_nxt)), seg);
}

bool tcp_layer::acceptable(seq32 rcv_nxt, std::uint32_t wnd, const tcp_repr& seg) {
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

bool tcp_layer::may_challenge(reply_budget& challenges, instant now) {
  if (!challenges.spend(now, std::chrono::seconds{1}, ctx_.config.tcp.challenge_acks_per_second,
                        ctx_.random)) {
    ctx_.stats.count(event::tcp_challenge_acks_limited);
    return false;
  }
  ctx_.stats.count(event::tcp_challenge_acks);
  return true;
}

void tcp_layer::send_challenge_ack(tcb& t, instant now) {
  if (may_challenge(t.challenge_acks, now)) send_ack(t, now);
}

// Linux: tcp_oow_rate_limited(). A segment that carries data or a FIN is answered every time: the
// peer resends it because our ACK of it was lost, and needs one to move on. A pure ACK gets one
// answer per interval: enough to resynchronize a peer that is behind, too few to storm with
// another end that answers our answers. A SYN is answered from the challenge-ACK budget, wherever
// it was refused (RFC 5961 4.2; Linux's tcp_validate_incoming() sends a SYN that fails PAWS there
// too): it carries nothing a peer needs acknowledged, and a flood of them would otherwise draw an
// ACK each.
bool tcp_layer::may_answer_invalid(reply_budget& challenges, reply_budget& answers,
                                   const tcp_repr& seg, instant now) {
  if (seg.flags.syn) return may_challenge(challenges, now);
  if (!seg.payload.empty() || seg.flags.fin) return true;
  if (!answers.spend(now, ctx_.config.tcp.invalid_ack_interval, 1, ctx_.random)) {
    ctx_.stats.count(event::tcp_invalid_ack_replies_limited);
    return false;
  }
  ctx_.stats.count(event::tcp_invalid_ack_replies);
  return true;
}

void tcp_layer::answer_invalid(tcb& t, const tcp_repr& seg, instant now) {
  if (may_answer_invalid(t.challenge_acks, t.invalid_ack_replies, seg, now)) send_ack(t, now);
}

// 3.10.7.4: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK,
// TIME-WAIT.
void tcp_layer::segment_in_synchronized(connection& c, const tcp_repr& seg, instant now) {
  tcb& t = c.t;
  // The peer sent its SYN again: our SYN-ACK was lost. Linux answers at once rather than waiting
  // for our retransmission timer, and counts the answer as the timer's retransmission: it backs
  // off, so the timer does not send the same SYN-ACK again moments later.
  if (t.state == tcp_state::syn_received && seg.flags.syn && !seg.flags.ack && seg.seq == t.irs) {
    ++t.retransmits;
    count_retransmission(t, now);
    t.rtt.back_off();
    t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
    return send_syn(t, now);
  }
  if (paws_rejects(t, seg, now)) return;
  // First, check the sequence number.
  if (!acceptable(t, seg)) {
    // A SYN gets a challenge ACK whatever its sequence number (RFC 5961 4.2), from the same
    // budget as one in the window (answer_invalid sees to that).
    ctx_.drop(seg.flags.syn && !seg.flags.rst ? drop_reason::tcp_syn_challenged
                                              : drop_reason::tcp_out_of_window,
              now);
    if (!seg.flags.rst) answer_invalid(t, seg, now);
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
      return send_challenge_ack(t, now);
    }
    switch (t.state) {
      case tcp_state::syn_received:
        // From a passive open: the listener carries on; from a simultaneous open: refused.
        if (c.listener) return change_state(c, tcp_state::closed, "RST", now);
        return fail(c, std::errc::connection_refused, "RST", now);
      case tcp_state::established:
      case tcp_state::fin_wait_1:
      case tcp_state::fin_wait_2:
      case tcp_state::close_wait:
        return fail(c, std::errc::connection_reset, "RST", now);
      default:
        return change_state(c, tcp_state::closed, "RST", now);
    }
  }
  // Third, security and precedence: no compartments here. Fourth, the SYN bit: from a listener,
  // SYN-RECEIVED goes back to LISTEN (the listener carries on, this connection is forgotten);
  // otherwise (RFC 5961 4) the SYN gets a challenge ACK, whatever its sequence number.
  if (seg.flags.syn) {
    if (t.state == tcp_state::syn_received && c.listener) {
      ctx_.drop(drop_reason::tcp_syn_in_syn_received, now);
      return change_state(c, tcp_state::closed, "SYN", now);
    }
    ctx_.drop(drop_reason::tcp_syn_challenged, now);
    return send_challenge_ack(t, now);
  }
  // Fifth, the ACK field.
  if (!seg.flags.ack) return ctx_.drop(drop_reason::tcp_no_ack, now);
  if (!process_ack(c, seg, now)) return;
  // Sixth, the URG bit: the urgent pointer is read, and urgent data is delivered in line with the
  // rest (RFC 6093 advises applications against relying on it).
  // Seventh, the segment text.
  process_text(c, seg, now);
  // Eighth, the FIN bit, once everything before it is in order.
  if (seg.flags.fin && seg.seq + static_cast<std::uint32_t>(seg.payload.size()) == t.rcv_nxt)
    process_fin(c, now);
  if (t.state != tcp_state::closed) output(c, now);
}

// Step five of 3.10.7.4. False when the segment is to be dropped here.
bool tcp_layer::process_ack(connection& c, const tcp_repr& seg, instant now) {
  tcb& t = c.t;
  if (t.state == tcp_state::syn_received) {
    if (!seq_lt(t.snd_una, seg.ack) || !seq_le(seg.ack, t.snd_nxt)) {
      ctx_.drop(drop_reason::tcp_bad_ack, now);
      send_reset(t.tuple, seg.ack, std::nullopt, now);
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
    establish(c, "ACK", now);
    return true;
  }
  // RFC 5961 5.2: acceptable from snd.una - max.snd.wnd to what we sent (snd_max: snd.nxt may be
  // back at snd.una while we resend); past it or before that range, an ACK and a drop.
  const seq32 oldest = t.snd_una - t.max_snd_wnd;
  if (seq_gt(seg.ack, t.snd_max) || seq_lt(seg.ack, oldest)) {
    ctx_.drop(drop_reason::tcp_bad_ack, now);
    answer_invalid(t, seg, now);
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
    take_rtt_sample(t, seg, now);
    t.snd_una = seg.ack;
    if (seq_lt(t.snd_nxt, t.snd_una)) t.snd_nxt = t.snd_una;  // acknowledged while resending
    if (t.snd_una == t.snd_max) t.retransmitted_tsval.reset();
    t.retransmits = 0;
    // (5.2) all acknowledged: stop the timer; (5.3) otherwise restart it.
    if (t.snd_una == t.snd_max)
      t.timers.clear(tcp_timer::retransmit);
    else
      t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
    wake(c);
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
  after_ack(c, seg, acked, window_update, now);
  // The states that wait for our FIN to be acknowledged.
  if (t.fin_acked) {
    switch (t.state) {
      case tcp_state::fin_wait_1:
        change_state(c, tcp_state::fin_wait_2, "ACK of FIN", now);
        break;
      case tcp_state::closing:
        enter_time_wait(c, "ACK of FIN", now);
        break;
      case tcp_state::last_ack:
        change_state(c, tcp_state::closed, "ACK of FIN", now);
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
bool tcp_layer::paws_rejects(tcb& t, const tcp_repr& seg, instant now) {
  if (!t.ts_ok || seg.flags.rst) return false;
  if (!seg.options.timestamps) {
    ctx_.drop(drop_reason::tcp_no_timestamp, now);
    return true;
  }
  const auto lag = static_cast<std::int32_t>(t.ts_recent - seg.options.timestamps->val);
  if (lag <= 0 || disordered_ack(t, seg, lag)) return false;
  ctx_.drop(drop_reason::tcp_paws, now);
  answer_invalid(t, seg, now);
  return true;
}

// Linux: tcp_disordered_ack(). PAWS guards against an old duplicate whose sequence numbers have
// wrapped into the window since; a pure duplicate ACK at rcv.nxt that changes no window, and whose
// timestamp lags by less than an RTO, is no such thing: it is an ACK that a newer segment
// overtook on a reordering link, and its sequence number is exactly the one expected. Dropped, it
// would take its SACK blocks with it and cost the sender a duplicate ACK it counts on for fast
// retransmit; accepted, it can do no harm, as it moves nothing.
bool tcp_layer::disordered_ack(const tcb& t, const tcp_repr& seg, std::int32_t lag) const {
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
void tcp_layer::take_rtt_sample(tcb& t, const tcp_repr& seg, instant now) {
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
void tcp_layer::report_sack(tcb& t, seq32 start, std::size_t len) {
  if (t.sack_ok)
    t.sack_report.on_segment(t.rcv_nxt, t.out_of_order.ranges(), start,
                             static_cast<std::uint32_t>(len));
}

// Step seven of 3.10.7.4: data in the window is kept, in order or, past a gap, held for later.
void tcp_layer::process_text(connection& c, const tcp_repr& seg, instant now) {
  tcb& t = c.t;
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
    return report_sack(t, start, stored);
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
    report_sack(t, start, stored);
  } else {
    schedule_ack(t, static_cast<std::uint32_t>(stored), now);
  }
  wake(c);
}

// Step eight of 3.10.7.4.
void tcp_layer::process_fin(connection& c, instant now) {
  tcb& t = c.t;
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
      change_state(c, tcp_state::close_wait, "FIN", now);
      break;
    case tcp_state::fin_wait_1:
      if (t.fin_acked) {
        enter_time_wait(c, "FIN", now);
      } else {
        change_state(c, tcp_state::closing, "FIN", now);
      }
      break;
    case tcp_state::fin_wait_2:
      enter_time_wait(c, "FIN", now);
      break;
    default:
      break;
  }
  wake(c);
}

}  // namespace tapstack
