"""The pretty-printers gdb sees, one small class per tapstack type, and their registration.

They are registered on the program's own objfile, not globally: gdb asks objfile printers before
global ones, and libstdc++'s printers (registered on libstdc++'s objfile) would otherwise win for
std::optional<instant>, which should read "fires in 12.3ms", not as an optional.
"""

import gdb
import gdb.printing

from . import clock, seq, stdlib, table, tcb, wire


class TextPrinter:
    """A printer whose whole output is one text, computed when gdb asks for it."""

    def __init__(self, value, describe):
        self.value = value
        self.describe = describe

    def to_string(self):
        return self.describe(self.value)


class TcbPrinter:
    """tapstack::tcb: the summary line, then its details as named children."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return tcb.summary(self.value)

    def children(self):
        return tcb.details(self.value)


def seq_text(value):
    """tapstack::seq32: "3735928559 (iss+1449)", or the raw number when no ISN is near."""
    relative = seq.relative_to(value, seq.tcbs_in_frame())
    number = seq.seq_value(value)
    return "%d (%s)" % (number, relative) if relative else str(number)


def instant_text(value):
    """An instant: "12.345678s", and "(in 12.3ms)" or "(3ms ago)" when now is known."""
    ns = clock.instant_ns(value)
    now_ns = clock.current_now()
    text = clock.format_instant(ns) + "s"
    return text if now_ns is None else "%s (%s)" % (text, clock.relative(ns, now_ns))


def timer_text(value):
    """std::optional<instant>, the shape of every TCB timer: "fires in 12.3ms" or "off"."""
    return clock.timer_text(value, clock.current_now())


def frame_text(value):
    """tapstack::frame: its size and headroom, then one line per layer found in its bytes."""
    start, _ = stdlib.vector_range(value["storage_"])
    head, length = int(value["head_"]), int(value["len_"])
    data = stdlib.read_bytes(start + head, length)
    return "\n  ".join(["frame of %d bytes, headroom %d:" % (length, head)]
                       + wire.frame_layers(data))


def build():
    """The collection: exact type names where they are fixed, regexps for the templates."""
    printers = gdb.printing.RegexpCollectionPrettyPrinter("tapstack")
    text_printers = (
        ("seq32", "^tapstack::seq32$", seq_text),
        ("tcp_state", "^tapstack::tcp_state$", tcb.state_name),
        ("tcp_repr", "^tapstack::tcp_repr$", wire.repr_text),
        ("ipv4_repr", "^tapstack::ipv4_repr$", wire.ipv4_repr_text),
        ("tcp_flags", "^tapstack::tcp_flags$", wire.flags_text),
        ("tcp_options", "^tapstack::tcp_options$", wire.options_text),
        ("tcp_tuple", "^tapstack::tcp_tuple$", wire.tuple_text),
        ("ipv4_endpoint", "^tapstack::ipv4_endpoint$", wire.endpoint_text),
        ("ipv4_address", "^tapstack::ipv4_address$", wire.address_text),
        ("mac_address", "^tapstack::mac_address$", wire.mac_address_text),
        ("frame", "^tapstack::frame$", frame_text),
        ("tcp_layer", "^tapstack::tcp_layer$", table.table_text),
        ("instant", "^std::chrono::time_point<tapstack::stack_clock,", instant_text),
        ("timer", "^std::optional<std::chrono::time_point<tapstack::stack_clock,", timer_text),
    )
    for name, pattern, describe in text_printers:
        printers.add_printer(name, pattern, _text_printer(describe))
    printers.add_printer("tcb", "^tapstack::tcb$", TcbPrinter)
    return printers


def _text_printer(describe):
    return lambda value: TextPrinter(value, describe)


def register(objfile):
    """Puts the printers on objfile (the program), in front of libstdc++'s."""
    gdb.printing.register_pretty_printer(objfile, build(), replace=True)
