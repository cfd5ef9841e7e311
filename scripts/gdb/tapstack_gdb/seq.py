"""Sequence numbers relative to the connection's ISNs, as tcpdump shows them by default.

A seq32 alone does not know which connection it belongs to, so the printer looks around: the
TCB is taken from the selected frame (an argument or local `t`, `c` or `conn`, or `this` when it
is a tcb), and in tcp_layer::segment_arrives, from the connection table by the `tuple` argument.
A value stored inside that TCB is made relative to it; any other value to whichever of iss and
irs it lies closest after, within 2^30 (a window of data far larger than any TCP sends), so a
stray 32-bit number is left raw rather than given a misleading offset.
"""

import gdb

from . import stdlib

NEAR = 1 << 30
TCB_NAMES = ("t", "c", "conn", "this")


def seq_value(value):
    """The unsigned 32-bit number a tapstack::seq32 holds."""
    return int(value["v_"]) & 0xFFFFFFFF


def distance(to, since):
    """How far to lies after since, modulo 2^32 (0 to 2^32 - 1)."""
    return (to - since) & 0xFFFFFFFF


def as_tcb(value):
    """The tapstack::tcb a value is or leads to (a connection, a pointer to either), or None."""
    target = stdlib.deref(value)
    if target is None:
        return None
    tag = target.type.strip_typedefs().tag or ""
    if tag == "tapstack::tcb":
        return target
    if tag == "tapstack::tcp_connection":
        return target["t"]
    return None


def tcbs_in_frame():
    """The TCBs the selected frame can see, as the module docstring says."""
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        return []
    found = []
    for name in TCB_NAMES:
        try:
            tcb = as_tcb(frame.read_var(name))
        except (gdb.error, ValueError, RuntimeError):
            continue
        if tcb is not None:
            found.append(tcb)
    return found + _tcb_by_tuple(frame)


def _tcb_by_tuple(frame):
    """In a tcp_layer member taking `tuple`, the connection the table holds for that tuple."""
    from . import table  # table imports this module for its lines

    try:
        layer = stdlib.deref(frame.read_var("this"))
        tuple_key = stdlib.deref(frame.read_var("tuple"))
    except (gdb.error, ValueError, RuntimeError):
        return []
    if layer is None or (layer.type.strip_typedefs().tag or "") != "tapstack::tcp_layer":
        return []
    try:
        tcb = table.tcb_for_tuple(layer, tuple_key)
    except gdb.error:  # a `tuple` an optimised build did not keep at this point
        return []
    return [tcb] if tcb is not None else []


def relative_to(value, tcbs):
    """"iss+1449" or "irs+1" for the seq32 value, or None when no ISN is near enough."""
    number = seq_value(value)
    owner = _owner(value, tcbs)
    candidates = [owner] if owner is not None else tcbs
    best = None
    for tcb in candidates:
        for name in ("iss", "irs"):
            isn = seq_value(tcb[name])
            if name == "irs" and isn == 0 and not _has_irs(tcb):
                continue
            gap = distance(number, isn)
            if gap < NEAR and (best is None or gap < best[0]):
                best = (gap, name)
    return None if best is None else "{}+{}".format(best[1], best[0])


def _owner(value, tcbs):
    """The TCB whose bytes hold value, when value is a member of one of them."""
    address = value.address
    if address is None:
        return None
    for tcb in tcbs:
        start = int(tcb.address) if tcb.address is not None else None
        if start is not None and start <= int(address) < start + tcb.type.sizeof:
            return tcb
    return None


def _has_irs(tcb):
    """Whether the peer's ISN is known: from SYN-RECEIVED on (an active opener learns it later)."""
    return int(tcb["state"]) not in (0, 1, 2)
