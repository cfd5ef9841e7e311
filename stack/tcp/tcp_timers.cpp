// A connection's timers, as deadlines in its TCB: retransmission (RFC 6298), the delayed ACK, the
// zero-window probe (RFC 9293 3.8.6.1) and keep-alive (RFC 1122 4.2.3.6). TIME-WAIT's is its
// record's (tcp_time_wait.cpp).
#include <algorithm>

#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

void tcp_connection::run_timers(instant now) {
  const auto fires = [&](tcp_timer which) {
    if (!t.timers.due(which, now)) return false;
    if (layer_.timer_observer_) layer_.timer_observer_(t.tuple, which, now);
    return true;
  };
  if (fires(tcp_timer::retransmit)) on_retransmit_timeout(now);
  if (t.state == tcp_state::closed) return;
  if (fires(tcp_timer::delayed_ack)) send_ack(now);
  if (fires(tcp_timer::persist)) {
    // A segment the peer must answer with its window: one already acknowledged (snd.una - 1),
    // as Linux probes. The interval backs off, but a peer that answers is never given up on.
    send_segment(tcp_flags{.ack = true}, t.snd_una - 1, 0, 0, segment_options(now), now);
    t.persist_backoff = std::min(t.persist_backoff * 2, ctx_.config.tcp.max_rto);
    t.timers.arm(tcp_timer::persist, now + t.persist_backoff);
  }
  arm_keepalive();
  if (fires(tcp_timer::keepalive)) {
    const tcp_config& k = ctx_.config.tcp;
    if (t.keepalive_unanswered >= k.keepalive_probes) {
      ctx_.stats.count(event::tcp_timeouts);
      layer_.send_reset(t.tuple, t.snd_max, t.rcv_nxt, now);
      return fail(std::errc::timed_out, "keep-alive", now);
    }
    ++t.keepalive_unanswered;
    send_segment(tcp_flags{.ack = true}, t.snd_una - 1, 0, 0, segment_options(now), now);
    t.timers.arm(tcp_timer::keepalive, now + k.keepalive_interval);
  }
}

// Keep-alive probes an ESTABLISHED connection idle for keepalive_idle (RFC 1122 4.2.3.6): the
// deadline follows the last segment heard, and is armed as soon as the connection is established
// or the option turned on, so that a connection nobody touches is probed too. Outside
// ESTABLISHED there is nothing to probe, and a deadline left set would be due for ever.
void tcp_connection::arm_keepalive() {
  if (!t.keepalive || t.state != tcp_state::established) {
    t.timers.clear(tcp_timer::keepalive);
    return;
  }
  const tcp_config& k = ctx_.config.tcp;
  if (const auto at = t.timers.at(tcp_timer::keepalive);
      !at || t.last_heard + k.keepalive_idle > *at) {
    t.keepalive_unanswered = 0;
    t.timers.arm(tcp_timer::keepalive, t.last_heard + k.keepalive_idle);
  }
}

// RFC 6298 section 5: (5.4) retransmit the earliest unacknowledged segment, (5.5) back off,
// (5.6) restart the timer; after the retry limit the connection fails.
void tcp_connection::on_retransmit_timeout(instant now) {
  const bool opening = t.state == tcp_state::syn_sent || t.state == tcp_state::syn_received;
  const unsigned limit =
      opening ? ctx_.config.tcp.max_syn_retransmits : ctx_.config.tcp.max_retransmits;
  if (t.retransmits >= limit) {
    ctx_.stats.count(event::tcp_timeouts);
    if (t.state != tcp_state::syn_sent) layer_.send_reset(t.tuple, t.snd_max, t.rcv_nxt, now);
    if (listener) return layer_.change_state(*this, tcp_state::closed, "timeout", now);
    return fail(std::errc::timed_out, "retransmission timeout", now);
  }
  ++t.retransmits;
  ++t.timeouts;
  t.rtt.back_off();
  t.rtt_seq.reset();  // Karn: no sample from what is resent
  t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
  if (opening) {
    count_retransmission(now);
    return send_syn(now);
  }
  ctx_.stats.count(event::tcp_rtos);
  // RFC 5681 (4) and 3.1: one segment in flight from now on, slow start up to the new ssthresh.
  // Only the first expiry of a burst measures the flight; later ones keep ssthresh (RFC 5681).
  if (t.retransmits == 1)
    t.cc->on_timeout(static_cast<std::uint32_t>(t.snd_max - t.snd_una), now);
  else
    t.cc->set_cwnd(t.smss());
  // RFC 6582 3.2 (4): recover is what was sent before the timeout, so that its duplicate ACKs
  // cannot start another fast retransmit (section 4).
  t.in_recovery = false;
  t.dupacks = 0;
  t.recover = t.snd_max;
  // Go back and resend from the oldest unacknowledged byte; the peer may have dropped what it
  // SACKed (RFC 6675 5.1), so that goes again too.
  t.scoreboard.clear();
  t.snd_nxt = t.snd_una;
  notify_event(tcp_event::timeout, now);
  output(now);
}

}  // namespace tapstack
