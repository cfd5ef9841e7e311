"""Commands for a learner stepping through TCP: the socket table and the TCB in scope.

Both look for what they show in the selected frame and outward through the older frames, so they
work wherever the program stopped inside a host: at the three named breakpoints
(tcp_layer::change_state, segment_arrives, segment_departs) and anywhere below them.
"""

import gdb

from . import clock, seq, stdlib, table, tcb

MAX_FRAMES = clock.MAX_FRAMES


def _tcp_layer_in_scope():
    """The tcp_layer of the nearest frame whose `this` is one, or None."""
    frame = gdb.selected_frame()
    for _ in range(MAX_FRAMES):
        if frame is None:
            return None
        try:
            layer = stdlib.deref(frame.read_var("this"))
        except (gdb.error, ValueError, RuntimeError):
            layer = None
        if layer is not None and (layer.type.strip_typedefs().tag or "") == "tapstack::tcp_layer":
            return layer
        frame = frame.older()
    return None


class TcpConnections(gdb.Command):
    """Print the TCP socket table of the host the program stopped in.

Usage: tcp-connections
One line per connection (tuple, state, snd.una/snd.nxt/rcv.nxt relative to the ISNs, cwnd,
socket), then the listeners. Found from the nearest frame inside tapstack::tcp_layer."""

    def __init__(self):
        super().__init__("tcp-connections", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        layer = _tcp_layer_in_scope()
        if layer is None:
            raise gdb.GdbError("tcp-connections: no tapstack::tcp_layer in the frames in scope "
                               "(stop at change_state, segment_arrives or segment_departs)")
        gdb.write(table.table_text(layer) + "\n")


class TcpTcb(gdb.Command):
    """Print the TCB in scope with all its details.

Usage: tcp-tcb
The connection of the selected frame (its `t`, `c` or `conn`, or in segment_arrives and
segment_departs the one the table holds for `tuple`): the summary line, then raw and relative
sequence numbers, the options in force, congestion control, the RTT estimate and every timer
against the current time. Where a TIME-WAIT record `r` is in scope instead (change_state at
TIME-WAIT's end), the record: its tuple, sequence numbers and deadline."""

    def __init__(self):
        super().__init__("tcp-tcb", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        found = seq.tcbs_in_frame()
        record = tcb.time_wait_record_in_frame()
        if not found and record is not None:
            try:
                gdb.write(tcb.record_summary(record) + "\n")
            except gdb.error as e:  # an optimised build may not keep it: say so, go on
                gdb.write("TIME-WAIT record: %s\n" % e)
            return
        if not found:
            # A message, not an error: in a breakpoint's command list an error would stop the
            # list, and a segment for a listener or for no connection has no TCB yet.
            gdb.write("no TCB in this frame (a segment for a listener or for no connection?)\n")
            return
        gdb.write(tcb.summary(found[0]) + "\n")
        for name, text in tcb.details(found[0]):
            gdb.write("  %-12s %s\n" % (name, text))


def register():
    TcpConnections()
    TcpTcb()
