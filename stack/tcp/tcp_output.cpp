// What a connection sends: SYN and SYN-ACK with their options, data as the windows (the peer's
// and the congestion window) and the sender's silly-window avoidance (RFC 1122 4.2.3.4, Nagle's
// algorithm in Minshall's variant, as Linux's) allow, FIN after the data, ACKs (at once or
// delayed), and resets. Every segment of a connection with timestamps carries them; every ACK of
// one with SACK and data held past a gap carries the blocks.
#include <algorithm>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

// The window we offer, in the header's units. The right edge never moves left (RFC 9293 3.8.6),
// and moves right only by min(half the buffer, one MSS) at a time: receiver silly-window
// avoidance (RFC 1122 4.2.3.3).
std::uint16_t tcp_connection::advertised_window() {
  const auto step =
      static_cast<std::int32_t>(std::min<std::size_t>(t.recv_buffer.capacity() / 2, t.snd_mss));
  seq32 right = t.rcv_nxt + static_cast<std::uint32_t>(t.recv_buffer.free());
  if (right - t.rcv_adv < step) right = seq_max(t.rcv_adv, t.rcv_nxt);
  const auto window = static_cast<std::uint32_t>(right - t.rcv_nxt);
  const auto field = std::min<std::uint32_t>(window >> t.rcv_wscale, 0xffff);
  t.rcv_adv = seq_max(t.rcv_adv, t.rcv_nxt + (field << t.rcv_wscale));
  return static_cast<std::uint16_t>(field);
}

// Our timestamp clock (RFC 7323 5.4): milliseconds, from a random start per connection.
std::uint32_t tcp_connection::ts_now(std::uint32_t offset, instant now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return offset + static_cast<std::uint32_t>(ms.count());
}

tcp_options tcp_connection::segment_options(instant now) const {
  tcp_options o;
  if (t.ts_ok) o.timestamps = tcp_timestamps{ts_now(t.ts_offset, now), t.ts_recent};
  if (t.sack_ok) {
    const auto blocks = t.sack_report.blocks(tcp::max_sack_blocks - (o.timestamps ? 1 : 0));
    o.sack_count = blocks.size();
    std::copy(blocks.begin(), blocks.end(), o.sack_blocks.begin());
  }
  return o;
}

std::size_t tcp_connection::payload_room(const tcp_options& o) const {
  // RFC 6691: the MSS counts no options, so what they take comes out of the data.
  return t.snd_mss - std::min<std::size_t>(o.encoded_len(), t.snd_mss - 1);
}

std::size_t tcp_connection::super_room(const tcp_options& o) const {
  const std::size_t room = payload_room(o);
  const device_offloads& d = ctx_.config.offloads;
  // A device that cuts super-segments needs their checksums left partial too.
  if (!d.tcp_segmentation || !d.checksum) return room;
  // As many whole segments as one IPv4 packet holds.
  const std::size_t most = 65535 - ipv4_repr::header_len() - tcp::min_header_len - o.encoded_len();
  return std::max(room, most / room * room);
}

void tcp_connection::send_segment(tcp_flags flags, seq32 seq, std::size_t offset, std::size_t len,
                                  const tcp_options& options, instant now,
                                  std::size_t segment_size) {
  tcp_repr seg;
  seg.src_port = t.tuple.local.port;
  seg.dst_port = t.tuple.remote.port;
  seg.seq = seq;
  seg.flags = flags;
  seg.options = options;
  if (flags.ack) seg.ack = t.rcv_nxt;
  seg.window = advertised_window();
  frame f = layer_.ip_.allocate(seg.header_len() + len);
  const byte_span payload = f.bytes().subspan(seg.header_len(), len);
  t.send_buffer.peek(offset, payload);
  seg.payload = payload;
  f.meta.segment_size = static_cast<std::uint16_t>(segment_size);
  layer_.segment_departs(t.tuple, seg, std::move(f), now);
  t.last_send = now;
  if (flags.ack) {
    // Whatever ACK was owed or delayed rides on this segment.
    t.ack_now = t.ack_due = false;
    t.timers.clear(tcp_timer::delayed_ack);
    t.unacked_bytes = 0;
    t.last_ack_sent = t.rcv_nxt;
  }
}

// SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with our MSS and, where the peer may use it, our
// window scale; the SYN's own window is never scaled.
void tcp_connection::send_syn(instant now) {
  tcp_repr seg;
  seg.src_port = t.tuple.local.port;
  seg.dst_port = t.tuple.remote.port;
  seg.seq = t.iss;
  seg.flags.syn = true;
  seg.options.mss = static_cast<std::uint16_t>(ctx_.config.mtu - 40);
  const tcp_socket_options& k = t.offers;
  if (t.state == tcp_state::syn_sent) {
    // Offer what the host allows; each is in force only if the SYN-ACK carries it too
    // (negotiate()).
    if (k.window_scaling) seg.options.window_scale = t.rcv_wscale = window_scale_for();
    seg.options.sack_permitted = k.sack;
    if (k.timestamps) seg.options.timestamps = tcp_timestamps{ts_now(t.ts_offset, now), 0};
  } else {
    seg.flags.ack = true;
    seg.ack = t.rcv_nxt;
    // Last.ACK.sent (RFC 7323 4.3): without it, TS.Recent would stay the SYN's TSval until our
    // first ACK after the handshake, and that ACK would echo it.
    t.last_ack_sent = t.rcv_nxt;
    if (t.wscale_ok) seg.options.window_scale = t.rcv_wscale;
    seg.options.sack_permitted = t.sack_ok;
    if (t.ts_ok) seg.options.timestamps = tcp_timestamps{ts_now(t.ts_offset, now), t.ts_recent};
  }
  seg.window = static_cast<std::uint16_t>(std::min<std::size_t>(t.recv_buffer.free(), 0xffff));
  // In SYN-SENT rcv.nxt is not known yet: the edge is placed when the SYN-ACK comes.
  if (t.state != tcp_state::syn_sent) t.rcv_adv = t.rcv_nxt + seg.window;
  frame f = layer_.ip_.allocate(seg.header_len());
  if (t.retransmits == 0) t.rtt_sent = now;
  layer_.segment_departs(t.tuple, seg, std::move(f), now);
}

// An ACK carries the highest sequence number sent, as BSD's tcp_output() stamps pure ACKs. After
// a timeout snd.nxt goes back to snd.una to resend (go-back-N), but the peer may already hold
// data past it: stamped with that old snd.nxt, the ACK would be below the peer's RCV.NXT, an old
// segment it drops unread (RFC 9293 3.10.7.4), its acknowledgment and window with it, and two
// ends each resending into the other's past would never hear each other again. Linux gets the
// same by never moving snd.nxt back; we keep go-back-N's snd.nxt and stamp ACKs with snd.max.
void tcp_connection::send_ack(instant now) {
  send_segment(tcp_flags{.ack = true}, t.snd_max, 0, 0, segment_options(now), now);
}

// The smallest shift that lets the whole receive buffer be offered (RFC 7323 2.3).
std::uint8_t tcp_connection::window_scale_for() const {
  std::uint8_t shift = 0;
  while (shift < tcp::max_window_scale && (t.recv_buffer.capacity() >> shift) > 0xffff) ++shift;
  return shift;
}

// In-order data arrived (RFC 1122 4.2.3.2, RFC 5681 4.2): acknowledge at once every second
// full-sized segment, or when delayed ACKs are off; otherwise within the delayed-ACK timeout.
void tcp_connection::schedule_ack(std::uint32_t bytes, instant now) {
  t.rcv_mss = std::max(t.rcv_mss, bytes);
  t.unacked_bytes += bytes;
  if (!t.delayed_ack || t.quick_ack || t.unacked_bytes >= 2 * t.rcv_mss) {
    t.ack_due = true;
    return;
  }
  t.timers.arm_if_off(tcp_timer::delayed_ack, now + ctx_.config.tcp.delayed_ack_timeout);
}

// Sender silly-window avoidance and Nagle (RFC 1122 4.2.3.4), with Minshall's change to Nagle's
// test as Linux makes it (tcp_nagle_check(), tcp_minshall_check(); draft-minshall-nagle): a short
// segment goes when it is all there is and no earlier short segment is unacknowledged (or Nagle is
// off, or the FIN follows it), or when it is at least half the largest window the peer has
// offered. RFC 1122's Nagle holds it while anything at all is unacknowledged: the short tail of a
// write longer than a segment would then wait for the ACK of the full segments before it, which a
// receiver that delays ACKs sends only when its timer fires (40 ms on Linux), and every HTTP
// response a little longer than a segment would pay that. Two short writes in a row still wait
// as before, the second for the first's ACK: the lesson of the Nagle lab.
bool tcp_connection::short_segment_may_go(std::size_t len, bool all) const {
  // Unacknowledged: snd.una < snd.sml <= snd.max. The upper bound, as Linux's, stops a snd.sml
  // that full segments have left 2^31 bytes behind from reading as ahead; only when the wrap
  // brings it back inside the data in flight can it hold a short segment, for one ACK.
  const bool short_unacked = seq_lt(t.snd_una, t.snd_sml) && seq_le(t.snd_sml, t.snd_max);
  if (all && (t.no_delay || t.send_shut || !short_unacked)) return true;
  return len >= t.max_snd_wnd / 2;
}

bool tcp_connection::send_new_data(std::uint32_t window, instant now) {
  const auto offset = static_cast<std::size_t>(t.snd_nxt - t.snd_una);
  if (offset > t.send_buffer.size()) return false;  // our FIN is out
  const std::size_t available = t.send_buffer.size() - offset;
  const auto usable = static_cast<std::size_t>(std::max(0, (t.snd_una + window) - t.snd_nxt));
  const tcp_options options = segment_options(now);
  const std::size_t room = payload_room(options);
  const bool resend = seq_lt(t.snd_nxt, t.snd_max);
  std::size_t len = std::min({available, usable, resend ? room : super_room(options)});
  // A super-segment is cut by the device into segments of room bytes: its short last one goes
  // only when it could go alone, after the whole ones.
  if (len > room && len % room != 0 && !short_segment_may_go(len % room, len == available))
    len -= len % room;
  const bool fin = t.send_shut && !t.fin_acked && len == available;
  if (len == 0 && !fin) return false;
  // Data going again after a timeout is not held back: it was sent once already, into a window
  // the peer offered, and holding it would leave the timer nothing to resend (a peer whose window
  // now ends short of a full segment would never hear from us again, and the connection would
  // time out with both ends well).
  if (len < room && !resend && !short_segment_may_go(len, len == available)) return false;
  // RFC 5681 4.1: after an idle period longer than the RTO, start again from the initial window.
  if (t.snd_nxt == t.snd_una && now - t.last_send > t.rtt.rto()) t.cc->on_idle_restart(now);
  send_segment(tcp_flags{.fin = fin, .psh = len > 0 && len == available, .ack = true}, t.snd_nxt,
               offset, len, options, now, len > room ? room : 0);
  if (resend) count_retransmission(now);
  const seq32 end = t.snd_nxt + static_cast<std::uint32_t>(len + (fin ? 1 : 0));
  if (!t.rtt_seq && t.retransmits == 0 && len > 0 && !resend) {
    t.rtt_seq = end;
    t.rtt_sent = now;
  }
  t.snd_nxt = end;
  // A short segment, or a super-segment with a short last one, of new data: Nagle's mark.
  if (len % room != 0 && seq_gt(end, t.snd_max)) t.snd_sml = end;
  t.snd_max = seq_max(t.snd_max, end);
  t.timers.arm_if_off(tcp_timer::retransmit, now + t.rtt.rto());
  return !fin;
}

void tcp_connection::output(instant now) {
  const bool may_send_data = t.state == tcp_state::established ||
                             t.state == tcp_state::close_wait || t.state == tcp_state::fin_wait_1 ||
                             t.state == tcp_state::closing || t.state == tcp_state::last_ack;
  if (may_send_data) {
    if (t.in_recovery && t.sack_ok) {
      send_in_sack_recovery(now);
    } else {
      // RFC 5681 (2): no more in flight than the smaller of the peer's and the congestion window.
      const std::uint32_t window = std::min(t.snd_wnd, congestion_window());
      while (send_new_data(window, now)) {
      }
    }
  }
  // Data waiting, nothing in flight, and still nothing could go: the peer's window is zero, or
  // smaller than silly window avoidance sends into. Probe it (RFC 9293 3.8.6.1): with nothing in
  // flight no ACK is coming, and a window update that was lost would otherwise stall the
  // connection for good (RFC 1122 4.2.2.17). Once something is in flight, its timer takes over.
  const bool window_blocked =
      may_send_data && t.snd_max == t.snd_una &&
      t.send_buffer.size() > static_cast<std::size_t>(t.snd_nxt - t.snd_una);
  if (!window_blocked) {
    t.timers.clear(tcp_timer::persist);
  } else if (!t.timers.armed(tcp_timer::persist)) {
    t.persist_backoff = t.rtt.rto();
    t.timers.arm(tcp_timer::persist, now + t.persist_backoff);
  }
  if ((t.ack_now || t.ack_due) && is_synchronized(t.state)) send_ack(now);
}

bool tcp_connection::send_fin(std::string_view cause, instant now) {
  switch (t.state) {
    case tcp_state::established:
      layer_.change_state(*this, tcp_state::fin_wait_1, cause, now);
      break;
    case tcp_state::close_wait:
      layer_.change_state(*this, tcp_state::last_ack, cause, now);
      break;
    default:
      return false;
  }
  t.send_shut = true;
  output(now);
  return true;
}

}  // namespace tapstack
