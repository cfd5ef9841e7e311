"""A tcp_layer as a compact socket table: one line per connection, then the listeners.

The connection table (tcp_layer::connections_, a std::unordered_map from tuple to
shared_ptr<tcp_connection>) is walked directly, so the table prints whether or not libstdc++'s printers
are loaded; its lines come in the table's hash order.
"""

from . import stdlib, tcb, wire


def connections(layer):
    """(tuple, connection) for every entry of the layer's connection table."""
    for key, pointer in stdlib.unordered_map_items(layer["connections_"]):
        connection = stdlib.deref(pointer)
        if connection is not None:
            yield key, connection


def tcb_for_tuple(layer, tuple_key):
    """The TCB the table holds for tuple_key (a tcp_tuple value), or None."""
    wanted = wire.tuple_text(tuple_key)
    for key, connection in connections(layer):
        if wire.tuple_text(key) == wanted:
            return connection["t"]
    return None


def connection_line(connection):
    """"10.0.0.1.40000 > 10.0.0.2.5001 ESTABLISHED snd.una=1 snd.nxt=1 rcv.nxt=1 cwnd=14480
    socket 3": the tuple first, as in tcpdump; sequence numbers relative to the ISNs."""
    t = connection["t"]
    line = "%s %s snd.una=%d snd.nxt=%d rcv.nxt=%d" % (
        wire.tuple_text(t["tuple"]), tcb.state_name(t["state"]), tcb.offset(t, "snd_una", "iss"),
        tcb.offset(t, "snd_nxt", "iss"), tcb.offset(t, "rcv_nxt", "irs"))
    window = tcb.congestion(t)
    if window is not None:
        line += " cwnd=%d" % window[0]
    return line + " " + _owner_text(connection)


def _owner_text(connection):
    """Who holds the connection: a socket, a listener's accept queue, or no one any more."""
    handle = stdlib.optional_get(connection["handle"])
    if handle is not None:
        return "socket %d" % int(handle)
    listener = stdlib.optional_get(connection["listener"])
    if listener is not None:
        return "(to be accepted on socket %d)" % int(listener)
    return "(closed by the application)"


def listener_lines(layer):
    """"listening 0.0.0.0.5001 socket 1, 0 in SYN-RECEIVED" for each listening socket."""
    # The sockets by handle are a hash table: the listeners are listed in the order of their
    # handles, as they were opened.
    listening = sorted(((int(handle), socket)
                        for handle, socket in stdlib.unordered_map_items(layer["sockets_"])
                        if bool(socket["listening"])), key=lambda item: item[0])
    for handle, socket in listening:
        local = stdlib.optional_get(socket["local"])
        where = wire.endpoint_text(local) if local is not None else "?"
        yield "listening %s socket %d, %d in SYN-RECEIVED" % (where, handle,
                                                               int(socket["pending"]))


def table_text(layer):
    """The whole table: the counts, then one line per connection and per listener."""
    lines = [connection_line(c) for _, c in connections(layer)]
    listeners = list(listener_lines(layer))
    head = "tcp_layer: %s, %s" % (_count(len(lines), "connection"),
                                  _count(len(listeners), "listener"))
    return "\n  ".join([head] + lines + listeners)


def _count(number, noun):
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")
