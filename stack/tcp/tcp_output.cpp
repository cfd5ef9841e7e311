// What a connection sends: SYN and SYN-ACK with their options, data as the windows and the
// sender's silly-window avoidance (RFC 1122 4.2.3.4, Nagle's algorithm) allow, FIN after the data,
// ACKs, and resets.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

// The window we offer, in the header's units. The right edge never moves left (RFC 9293 3.8.6),
// and moves right only by min(half the buffer, one MSS) at a time: receiver silly-window
// avoidance (RFC 1122 4.2.3.3).
std::uint16_t tcp_layer::advertised_window(tcb& t) const {
  const auto step =
      static_cast<std::int32_t>(std::min<std::size_t>(t.recv_buffer.capacity() / 2, t.snd_mss));
  seq32 right = t.rcv_nxt + static_cast<std::uint32_t>(t.recv_buffer.free());
  if (right - t.rcv_adv < step) right = seq_max(t.rcv_adv, t.rcv_nxt);
  const auto window = static_cast<std::uint32_t>(right - t.rcv_nxt);
  const auto field = std::min<std::uint32_t>(window >> t.rcv_wscale, 0xffff);
  t.rcv_adv = seq_max(t.rcv_adv, t.rcv_nxt + (field << t.rcv_wscale));
  return static_cast<std::uint16_t>(field);
}

void tcp_layer::send_segment(tcb& t, tcp_flags flags, seq32 seq, std::size_t offset,
                             std::size_t len, instant now) {
  tcp_repr seg;
  seg.src_port = t.tuple.local.port;
  seg.dst_port = t.tuple.remote.port;
  seg.seq = seq;
  seg.flags = flags;
  if (flags.ack) seg.ack = t.rcv_nxt;
  seg.window = advertised_window(t);
  frame f = ip_.allocate(seg.header_len() + len);
  const byte_span payload = f.bytes().subspan(seg.header_len(), len);
  t.send_buffer.peek(offset, payload);
  seg.payload = payload;
  seg.emit(f.bytes(), t.tuple.local.address, t.tuple.remote.address);
  ctx_.stats.count(event::tcp_segments_out);
  ip_.send(std::move(f), t.tuple.remote.address, ip_protocol::tcp, now);
  if (flags.ack) t.ack_now = false;
}

// SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with our MSS and, where the peer may use it, our
// window scale; the SYN's own window is never scaled.
void tcp_layer::send_syn(tcb& t, instant now) {
  tcp_repr seg;
  seg.src_port = t.tuple.local.port;
  seg.dst_port = t.tuple.remote.port;
  seg.seq = t.iss;
  seg.flags.syn = true;
  seg.options.mss = static_cast<std::uint16_t>(ctx_.config.mtu - 40);
  if (t.state == tcp_state::syn_sent) {
    // Offer scaling; it is in force only if the SYN-ACK carries it too (negotiate()).
    while (t.rcv_wscale < tcp::max_window_scale &&
           (t.recv_buffer.capacity() >> t.rcv_wscale) > 0xffff)
      ++t.rcv_wscale;
    seg.options.window_scale = t.rcv_wscale;
  } else {
    seg.flags.ack = true;
    seg.ack = t.rcv_nxt;
    if (t.rcv_wscale != 0 || t.snd_wscale != 0) seg.options.window_scale = t.rcv_wscale;
  }
  seg.window = static_cast<std::uint16_t>(std::min<std::size_t>(t.recv_buffer.free(), 0xffff));
  // In SYN-SENT rcv.nxt is not known yet: the edge is placed when the SYN-ACK comes.
  if (t.state != tcp_state::syn_sent) t.rcv_adv = t.rcv_nxt + seg.window;
  frame f = ip_.allocate(seg.header_len());
  seg.emit(f.bytes(), t.tuple.local.address, t.tuple.remote.address);
  ctx_.stats.count(event::tcp_segments_out);
  if (t.retransmits == 0) t.rtt_sent = now;
  ip_.send(std::move(f), t.tuple.remote.address, ip_protocol::tcp, now);
}

void tcp_layer::send_ack(tcb& t, instant now) {
  send_segment(t, tcp_flags{.ack = true}, t.snd_nxt, 0, 0, now);
}

// A reset for a segment that has no connection, or for one we abort (RFC 9293 3.10.7.1).
void tcp_layer::send_reset(const tcp_tuple& tuple, seq32 seq, std::optional<seq32> ack,
                           instant now) {
  tcp_repr seg;
  seg.src_port = tuple.local.port;
  seg.dst_port = tuple.remote.port;
  seg.seq = seq;
  seg.flags.rst = true;
  if (ack) {
    seg.flags.ack = true;
    seg.ack = *ack;
  }
  frame f = ip_.allocate(seg.header_len());
  seg.emit(f.bytes(), tuple.local.address, tuple.remote.address);
  ctx_.stats.count(event::tcp_segments_out);
  ctx_.stats.count(event::tcp_resets_out);
  ip_.send(std::move(f), tuple.remote.address, ip_protocol::tcp, now);
}

void tcp_layer::output(connection& c, instant now) {
  tcb& t = c.t;
  const bool may_send_data = t.state == tcp_state::established ||
                             t.state == tcp_state::close_wait || t.state == tcp_state::fin_wait_1 ||
                             t.state == tcp_state::closing || t.state == tcp_state::last_ack;
  while (may_send_data) {
    const auto offset = static_cast<std::size_t>(t.snd_nxt - t.snd_una);
    if (offset > t.send_buffer.size()) break;  // our FIN is out
    const std::size_t available = t.send_buffer.size() - offset;
    const auto usable = static_cast<std::size_t>(std::max(0, (t.snd_una + t.snd_wnd) - t.snd_nxt));
    const std::size_t len = std::min({available, usable, std::size_t{t.snd_mss}});
    const bool fin = t.send_shut && !t.fin_acked && len == available;
    if (len == 0 && !fin) break;
    // Sender silly-window avoidance and Nagle (RFC 1122 4.2.3.4): a short segment goes only when
    // it is all there is and nothing is unacknowledged (or Nagle is off), or it is at least half
    // the largest window the peer has offered.
    if (len < t.snd_mss && !fin) {
      const bool idle = t.snd_nxt == t.snd_una;
      const bool all = len == available;
      if (!(all && (idle || t.no_delay)) && len < t.max_snd_wnd / 2) break;
    }
    send_segment(t, tcp_flags{.fin = fin, .psh = len > 0 && len == available, .ack = true},
                 t.snd_nxt, offset, len, now);
    if (seq_lt(t.snd_nxt, t.snd_max)) ctx_.stats.count(event::tcp_retransmits);
    const seq32 end = t.snd_nxt + static_cast<std::uint32_t>(len + (fin ? 1 : 0));
    if (!t.rtt_seq && t.retransmits == 0 && len > 0 && !seq_lt(t.snd_nxt, t.snd_max)) {
      t.rtt_seq = end;
      t.rtt_sent = now;
    }
    t.snd_nxt = end;
    t.snd_max = seq_max(t.snd_max, end);
    if (!t.retransmit_at) t.retransmit_at = now + t.rtt.rto();
    if (fin) break;
  }
  // Zero window with data waiting and nothing in flight: probe it (RFC 9293 3.8.6.1).
  if (may_send_data && t.snd_wnd == 0 && t.snd_nxt == t.snd_una &&
      t.send_buffer.size() > static_cast<std::size_t>(t.snd_nxt - t.snd_una) && !t.persist_at) {
    t.persist_backoff = t.rtt.rto();
    t.persist_at = now + t.persist_backoff;
  }
  if (t.ack_now && is_synchronized(t.state)) send_ack(t, now);
}

}  // namespace tapstack
