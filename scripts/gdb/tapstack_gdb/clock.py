"""Instants and durations as the stack prints them, and the "now" they are measured against.

The core never reads a clock: every function that needs the time takes an `instant now` argument,
and the simulator keeps the virtual time in `simulator::now_`. So "now" for the printers is found
in the program being debugged, not on the wall clock: the `now` argument or local of the selected
frame, else of the nearest older frame that has one, else `now_` of a simulator met on the way
(a frame whose `this` is a tapstack::simulator). Without any of them, instants print without the
"in 12.3ms" part. Values that are <optimized out> are passed over.
"""

import gdb

from . import stdlib

# How many frames outward to look for a `now`: the stack's entry points are a few calls from
# anything a breakpoint stops in; further out lie the program's main loop and main().
MAX_FRAMES = 40


def is_instant_type(value_type):
    """Whether value_type is tapstack::instant, a time_point on stack_clock."""
    tag = value_type.strip_typedefs().tag or ""
    return tag.startswith("std::chrono::time_point<tapstack::stack_clock")


def instant_ns(value):
    """Nanoseconds since the driver's epoch of an instant (or of a duration)."""
    duration = stdlib.find_member(value, "__d")
    return duration_ns(duration if duration is not None else value)


def duration_ns(value):
    """The count of a std::chrono::duration in nanoseconds (the only period the stack uses)."""
    return int(stdlib.find_member(value, "__r"))


def format_instant(ns):
    """Seconds with microseconds, as the stack's to_string(instant): "12.345678"."""
    us = int(ns / 1000)
    sign = "-" if us < 0 else ""
    return "{}{}.{:06d}".format(sign, abs(us) // 1000000, abs(us) % 1000000)


def format_duration(ns):
    """The largest unit that keeps the figure readable, as the stack's to_string(duration)."""
    for scale, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "us")):
        if abs(ns) >= scale:
            return "%g%s" % (ns / scale, unit)
    return "%gns" % ns


def relative(ns, now_ns):
    """"in 12.3ms", "3ms ago" or "now": an instant against the current time."""
    if ns == now_ns:
        return "now"
    if ns > now_ns:
        return "in " + format_duration(ns - now_ns)
    return format_duration(now_ns - ns) + " ago"


def current_now():
    """The current virtual time in nanoseconds, found as the module docstring says; or None."""
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        return None
    for _ in range(MAX_FRAMES):
        if frame is None:
            return None
        found = _now_in_frame(frame)
        if found is not None:
            return found
        frame = frame.older()
    return None


def _now_in_frame(frame):
    """The `now` of one frame, or its simulator's now_, when readable."""
    for name, member in (("now", None), ("this", "now_")):
        try:
            value = frame.read_var(name)
            if member is not None:
                value = _simulator_member(value, member)
            if value is not None and is_instant_type(value.type) and not value.is_optimized_out:
                return instant_ns(value)
        except (gdb.error, ValueError, RuntimeError):
            continue
    return None


def _simulator_member(this, member):
    """this->member when this points to a tapstack::simulator, else None."""
    target = this.dereference()
    if (target.type.strip_typedefs().tag or "") != "tapstack::simulator":
        return None
    return target[member]


def timer_text(deadline, now_ns):
    """A std::optional<instant> timer: "off", "fires in 12.3ms (at 1.234567)", "due 2ms ago"."""
    at = stdlib.optional_get(deadline)
    if at is None:
        return "off"
    ns = instant_ns(at)
    if now_ns is None:
        return "fires at " + format_instant(ns)
    if ns < now_ns:
        return "due %s ago (at %s)" % (format_duration(now_ns - ns), format_instant(ns))
    return "fires %s (at %s)" % (relative(ns, now_ns), format_instant(ns))
