"""A TCB as the RFC would write it: one summary line, then its details as children.

Sequence numbers in the summary are relative to the ISNs (snd.* to iss, rcv.* to irs), as the
stack's own to_string(tcb) prints them; the children give the raw values beside the relative ones,
the options in force, congestion control, the RTT estimate and each timer against "now".
"""

import gdb

from . import clock, seq, stdlib, wire

STATES = ("CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
          "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT")
# The timer record's deadlines, in the order of enum class tcp_timer (TIME-WAIT's is its record's).
TIMERS = ("retransmit", "delayed ack", "persist", "keepalive")
# RFC 5681's "arbitrarily high" initial ssthresh, as congestion_control starts it.
SSTHRESH_UNSET = 0xFFFFFFFF


def state_name(value):
    """A tcp_state as RFC 9293 spells it."""
    number = int(value)
    return STATES[number] if 0 <= number < len(STATES) else "tcp_state(%d)" % number


def signed32(number):
    number &= 0xFFFFFFFF
    return number - (1 << 32) if number >= 1 << 31 else number


def offset(tcb, field, isn):
    """tcb.field - tcb.isn as the signed distance the C++ computes."""
    return signed32(seq.seq_value(tcb[field]) - seq.seq_value(tcb[isn]))


def congestion(tcb):
    """(cwnd, ssthresh) from the congestion_control the TCB owns, or None when it has none."""
    control = stdlib.deref(tcb["cc"])
    if control is None:
        return None
    return int(control["cwnd_"]), int(control["ssthresh_"])


def ssthresh_text(ssthresh):
    return "inf" if ssthresh == SSTHRESH_UNSET else str(ssthresh)


def summary(tcb):
    """"ESTABLISHED 10.0.0.2.80 > 10.0.0.1.40000 snd.una=1 snd.nxt=1 snd.wnd=64240 rcv.nxt=1
    rcv.wnd=65535 cwnd=14480 ssthresh=inf rto=1s": to_string(tcb) with congestion control."""
    text = "%s %s snd.una=%d snd.nxt=%d snd.wnd=%d rcv.nxt=%d rcv.wnd=%d" % (
        state_name(tcb["state"]), wire.tuple_text(tcb["tuple"]), offset(tcb, "snd_una", "iss"),
        offset(tcb, "snd_nxt", "iss"), int(tcb["snd_wnd"]), offset(tcb, "rcv_nxt", "irs"),
        max(0, signed32(seq.seq_value(tcb["rcv_adv"]) - seq.seq_value(tcb["rcv_nxt"]))))
    window = congestion(tcb)
    if window is not None:
        text += " cwnd=%d ssthresh=%s" % (window[0], ssthresh_text(window[1]))
    return text + " rto=" + clock.format_duration(clock.duration_ns(tcb["rtt"]["rto_"]))


def details(tcb):
    """(name, text) pairs: what a learner looks up after the summary line."""
    now_ns = clock.current_now()
    pairs = [(name, _raw_and_relative(tcb, field, isn)) for name, field, isn in (
        ("iss", "iss", "iss"), ("irs", "irs", "irs"), ("snd.una", "snd_una", "iss"),
        ("snd.nxt", "snd_nxt", "iss"), ("snd.max", "snd_max", "iss"),
        ("snd.sml", "snd_sml", "iss"),
        ("snd.wl1", "snd_wl1", "irs"), ("snd.wl2", "snd_wl2", "iss"),
        ("rcv.nxt", "rcv_nxt", "irs"), ("rcv.adv", "rcv_adv", "irs"))]
    pairs += [("mss", "snd %d, rcv %d" % (int(tcb["snd_mss"]), int(tcb["rcv_mss"]))),
              ("options", _options_in_force(tcb)),
              ("congestion", _congestion_text(tcb)),
              ("rtt", _rtt_text(tcb["rtt"]))]
    deadlines = stdlib.find_member(tcb["timers"]["at_"], "_M_elems")
    pairs += [(name, clock.timer_text(deadlines[i], now_ns)) for i, name in enumerate(TIMERS)]
    pairs += [("buffers", _buffers_text(tcb)), ("now", _now_text(now_ns))]
    return pairs


def _raw_and_relative(tcb, field, isn):
    raw = seq.seq_value(tcb[field])
    return "%d (%s%+d)" % (raw, isn, offset(tcb, field, isn))


def _options_in_force(tcb):
    """What both SYNs agreed on (RFC 7323, RFC 2018)."""
    agreed = []
    if bool(tcb["wscale_ok"]):
        agreed.append("wscale snd %d rcv %d" % (int(tcb["snd_wscale"]), int(tcb["rcv_wscale"])))
    if bool(tcb["sack_ok"]):
        agreed.append("sackOK")
    if bool(tcb["ts_ok"]):
        agreed.append("timestamps (TS.Recent %d)" % int(tcb["ts_recent"]))
    return ", ".join(agreed) if agreed else "none"


def _congestion_text(tcb):
    window = congestion(tcb)
    if window is None:
        return "none"
    cwnd, ssthresh = window
    text = "cwnd=%d ssthresh=%s" % (cwnd, ssthresh_text(ssthresh))
    if bool(tcb["in_recovery"]):
        return text + ", in recovery until %s" % _raw_and_relative(tcb, "recover", "iss")
    text += ", slow start" if cwnd < ssthresh else ", congestion avoidance"
    return text + ", %d dupacks" % int(tcb["dupacks"])


def _rtt_text(rtt):
    srtt = stdlib.optional_get(rtt["srtt_"])
    rto = "rto=" + clock.format_duration(clock.duration_ns(rtt["rto_"]))
    if srtt is None:
        return "no sample yet, " + rto
    return "srtt=%s rttvar=%s %s" % (clock.format_duration(clock.duration_ns(srtt)),
                                     clock.format_duration(clock.duration_ns(rtt["rttvar_"])), rto)


def _buffers_text(tcb):
    """"send 0/262144, receive 10/262144 bytes (16384 allocated)": held of capacity, then the
    memory the rings hold now (they grow as data comes and give it back when drained)."""
    def ring(name):
        return "%d/%d" % (int(tcb[name]["size_"]), int(tcb[name]["capacity_"]))

    allocated = sum(int(tcb[name]["allocated_"]) for name in ("send_buffer", "recv_buffer"))
    return "send %s, receive %s bytes (%d allocated)" % (ring("send_buffer"), ring("recv_buffer"),
                                                       allocated)


def _now_text(now_ns):
    return "unknown" if now_ns is None else clock.format_instant(now_ns)


def time_wait_record_in_frame():
    """The tapstack::time_wait_record the selected frame calls `r`, or None."""
    try:
        record = stdlib.deref(gdb.selected_frame().read_var("r"))
    except (gdb.error, ValueError, RuntimeError):
        return None
    if record is None or (record.type.strip_typedefs().tag or "") != "tapstack::time_wait_record":
        return None
    return record


def record_summary(record):
    """"TIME-WAIT record 10.0.0.1.40000 > 10.0.0.2.80 snd.nxt=123 rcv.nxt=456 until 1.234567":
    what a connection keeps once it is in TIME-WAIT (raw sequence numbers: the ISNs are gone)."""
    return "TIME-WAIT record %s snd.nxt=%d rcv.nxt=%d until %s" % (
        wire.tuple_text(record["tuple"]), seq.seq_value(record["snd_nxt"]),
        seq.seq_value(record["rcv_nxt"]), clock.format_instant(clock.instant_ns(record["until"])))
