// SEGMENT ARRIVES (RFC 9293 3.10.7), the layer's part: a valid segment finds its connection (by
// a keyed hash of its tuple), a TIME-WAIT record (tcp_time_wait.cpp), a listener, or nothing. The
// steps for no connection (3.10.7.1) and for a listener (3.10.7.2, with SYN cookies, RFC 4987
// 3.6) are here; a connection takes its own (tcp_input.cpp, 3.10.7.3 and 3.10.7.4).
#include <algorithm>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

void tcp_layer::receive(const ipv4_packet& packet, instant now) {
  const auto view = tcp_view::check(packet.payload);
  if (!view) return ctx_.drop(view.error(), now);
  const auto parsed =
      tcp_repr::parse(*view, packet.header.src, packet.header.dst, packet.checksum_verified);
  if (!parsed) return ctx_.drop(parsed.error(), now);
  if (packet.to_broadcast) return ctx_.drop(drop_reason::tcp_broadcast, now);
  ctx_.stats.count(event::tcp_segments_in);
  segment_arrives({{packet.header.dst, parsed->dst_port}, {packet.header.src, parsed->src_port}},
                  *parsed, now);
}

void tcp_layer::segment_arrives(const tcp_tuple& tuple, const tcp_repr& seg, instant now) {
  closed_.clear();
  if (const auto* entry = find_connection(tuple)) {
    const auto conn = *entry;  // keeps it alive while it may leave the table
    conn->t.last_heard = now;
    if (conn->t.state == tcp_state::syn_sent)
      conn->segment_in_syn_sent(seg, now);
    else
      conn->segment_in_synchronized(seg, now);
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
  conn->send_syn(now);
  t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
  schedule(*conn);
}

std::shared_ptr<tcp_connection> tcp_layer::make_child(socket& l, tcp_socket_id listener,
                                                      const tcp_tuple& tuple, const tcp_repr& syn,
                                                      seq32 iss, std::uint32_t ts_offset,
                                                      instant now) {
  auto conn = std::make_shared<tcp_connection>(*this, ctx_, l.options);
  tcb& t = conn->t;
  t.tuple = tuple;
  t.irs = syn.seq;
  t.rcv_nxt = syn.seq + 1;
  t.iss = iss;
  t.snd_una = t.iss;
  t.snd_nxt = t.iss + 1;
  t.snd_max = t.snd_nxt;
  t.snd_sml = t.iss;
  t.recover = t.iss;
  t.ts_offset = ts_offset;
  t.last_heard = now;
  conn->negotiate(syn);
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

// The SYN-ACK is the one the connection would send, from a connection made for it and dropped
// after: its ISN the cookie, its TSval (when the SYN offered timestamps) from the clock a
// connection on this tuple made from the cookie will run, its low bits the peer's window scale and
// SACK.
void tcp_layer::send_cookie(socket& l, const tcp_tuple& tuple, const tcp_repr& syn, instant now) {
  const auto cookie = cookies_.encode(tuple, syn.seq, syn.options.mss.value_or(536), now);
  tcp_connection c{*this, ctx_, l.options};
  tcb& t = c.t;
  t.tuple = tuple;
  t.state = tcp_state::syn_received;
  t.irs = syn.seq;
  t.rcv_nxt = syn.seq + 1;
  t.iss = cookie.isn;
  t.snd_una = t.iss;
  c.negotiate(syn);
  // Without timestamps the cookie cannot carry window scaling or SACK, and the ACK would make a
  // connection without them: the SYN-ACK offers neither, as Linux's does.
  if (!t.ts_ok) t.wscale_ok = t.sack_ok = false;
  t.ts_offset = cookies_.ts_offset(tuple);
  if (t.ts_ok) {
    const std::uint32_t clock = tcp_connection::ts_now(t.ts_offset, now);
    const auto tsval = syn_cookies::encode_ts_options(
        clock, t.wscale_ok ? std::optional{t.snd_wscale} : std::nullopt, t.sack_ok);
    t.ts_offset -= clock - tsval.value_or(clock);
  }
  c.send_syn(now);
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
  conn->segment_in_synchronized(seg, now);
  schedule(*conn);
  return true;
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

}  // namespace tapstack
