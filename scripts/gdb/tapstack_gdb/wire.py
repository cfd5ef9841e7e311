"""Addresses, TCP segments and whole frames in tcpdump notation, as stack/wire prints them.

Two sources: reprs and addresses are read field by field from the program's objects; frames are
decoded here from their bytes, layer by layer, because a frame does not know what it holds. The
text follows the C++ to_string functions (stack/wire/*.cpp), so what gdb shows reads like the
tracer's lines and the test failures.
"""

import struct

from . import stdlib

FLAG_LETTERS = (("fin", "F"), ("syn", "S"), ("rst", "R"), ("psh", "P"), ("ack", "."),
                ("urg", "U"), ("ece", "E"), ("cwr", "W"))
ETHERTYPES = {0x0800: "IPv4", 0x0806: "ARP", 0x8100: "802.1Q", 0x86DD: "IPv6"}
IP_PROTOCOLS = {1: "ICMP", 6: "TCP", 17: "UDP"}
ETHERNET_HEADER = 14
# An ARP message for IPv4 over Ethernet opens with these six bytes (RFC 826: hardware type 1,
# protocol type 0x0800, address lengths 6 and 4).
ARP_ETHERNET_IPV4 = bytes([0, 1, 8, 0, 6, 4])


# --- addresses ----------------------------------------------------------------------------------

def ipv4_text(number):
    """A host-order 32-bit address as a dotted quad."""
    return ".".join(str((number >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def mac_text(octets):
    return ":".join("%02x" % octet for octet in octets)


def address_text(value):
    """A tapstack::ipv4_address."""
    return ipv4_text(int(value["value"]))


def endpoint_text(value):
    """A tapstack::ipv4_endpoint as tcpdump joins address and port: "10.0.0.2.80"."""
    return "{}.{}".format(address_text(value["address"]), int(value["port"]))


def tuple_text(value):
    """A tapstack::tcp_tuple, local first: "10.0.0.2.80 > 10.0.0.1.40000"."""
    return "{} > {}".format(endpoint_text(value["local"]), endpoint_text(value["remote"]))


def mac_address_text(value):
    """A tapstack::mac_address."""
    octets = stdlib.find_member(value, "_M_elems")
    return mac_text(int(octets[i]) for i in range(6))


# --- a tcp_repr, read from its fields -----------------------------------------------------------

def flags_text(flags):
    """tcpdump's letters for a tcp_flags ("S.", "P."), or "none"."""
    letters = "".join(letter for name, letter in FLAG_LETTERS if bool(flags[name]))
    return letters or "none"


def options_text(options):
    """A tcp_options, listed in the order and with the NOPs that tcp_options::emit writes."""
    items = []
    mss = stdlib.optional_get(options["mss"])
    if mss is not None:
        items.append("mss %d" % int(mss))
    timestamps = stdlib.optional_get(options["timestamps"])
    sack_permitted = bool(options["sack_permitted"])
    if timestamps is not None:
        items += ["sackOK"] if sack_permitted else ["nop", "nop"]
        items.append("TS val %d ecr %d" % (int(timestamps["val"]), int(timestamps["ecr"])))
    elif sack_permitted:
        items += ["nop", "nop", "sackOK"]
    window_scale = stdlib.optional_get(options["window_scale"])
    if window_scale is not None:
        items += ["nop", "wscale %d" % int(window_scale)]
    count = int(options["sack_count"])
    if count:
        blocks = stdlib.find_member(options["sack_blocks"], "_M_elems")
        edges = "".join("{%d:%d}" % (int(blocks[i]["left"]["v_"]), int(blocks[i]["right"]["v_"]))
                        for i in range(count))
        items += ["nop", "nop", "sack %d %s" % (count, edges)]
    return ",".join(items)


def repr_text(seg):
    """A tcp_repr as tcpdump -S prints it after the ports (stack/wire/tcp.cpp, to_string)."""
    flags = seg["flags"]
    _, length = stdlib.span_range(seg["payload"])
    return segment_text(
        flags_text(flags), bool(flags["syn"]) or bool(flags["fin"]) or bool(flags["rst"]),
        int(seg["seq"]["v_"]), int(seg["ack"]["v_"]) if bool(flags["ack"]) else None,
        int(seg["window"]), int(seg["urgent"]) if bool(flags["urg"]) else None,
        options_text(seg["options"]), length)


def segment_text(flags, takes_seq, seq, ack, window, urgent, options, length):
    """The common text of a segment, from a repr or from bytes. A bare ACK shows no seq."""
    text = "Flags [%s]" % flags
    if length or takes_seq:
        text += ", seq %d" % seq
        if length:
            text += ":%d" % ((seq + length) & 0xFFFFFFFF)
    if ack is not None:
        text += ", ack %d" % ack
    text += ", win %d" % window
    if urgent is not None:
        text += ", urg %d" % urgent
    if options:
        text += ", options [%s]" % options
    return text + ", length %d" % length


# --- a frame, decoded from its bytes ------------------------------------------------------------

def frame_layers(data):
    """One line per layer of the bytes of a frame, from the outermost one recognised.

    A frame holds different things on its way: a TCP or UDP segment under construction, an IPv4
    packet once IP prepended its header (or an ARP message), an Ethernet frame at the device. An
    IPv4 header is recognised by its version, length and checksum, ARP by its fixed hardware and
    protocol fields, an Ethernet header by an ethertype this stack speaks. Anything else is shown
    as its first bytes in hex.
    """
    if _is_ipv4(data):
        return ipv4_layers(data)
    if data[:6] == ARP_ETHERNET_IPV4:
        return [arp_text(data)]
    if len(data) >= ETHERNET_HEADER and struct.unpack_from("!H", data, 12)[0] in (0x0800, 0x0806):
        return ethernet_layers(data)
    return ["%d bytes, no Ethernet or IPv4 header (a segment still being built?): %s"
            % (len(data), data[:20].hex())]


def ethernet_layers(data):
    ethertype = struct.unpack_from("!H", data, 12)[0]
    line = "Ethernet %s > %s, ethertype %s (0x%04x), length %d" % (
        mac_text(data[6:12]), mac_text(data[0:6]), ETHERTYPES.get(ethertype, "Unknown"),
        ethertype, len(data))
    payload = data[ETHERNET_HEADER:]
    if ethertype == 0x0806:
        return [line, arp_text(payload)]
    if ethertype == 0x0800 and _is_ipv4(payload, exact=False):
        return [line] + ipv4_layers(payload)
    return [line, "[malformed IPv4] " + payload[:20].hex()]


def arp_text(data):
    if len(data) < 28:
        return "ARP, [|arp]"
    operation = struct.unpack_from("!H", data, 6)[0]
    sender_mac, sender_ip = data[8:14], struct.unpack_from("!I", data, 14)[0]
    target_ip = struct.unpack_from("!I", data, 24)[0]
    if operation == 1:
        return "ARP, Request who-has %s tell %s, length 28" % (ipv4_text(target_ip),
                                                               ipv4_text(sender_ip))
    return "ARP, Reply %s is-at %s, length 28" % (ipv4_text(sender_ip), mac_text(sender_mac))


def ipv4_line(src, dst, protocol, ttl, ident, total_len, offset, more):
    """One IPv4 header, from a frame's bytes or from an ipv4_repr's fields alike."""
    line = "IPv4 %s > %s, proto %s (%d), ttl %d, id %d, length %d" % (
        ipv4_text(src), ipv4_text(dst), IP_PROTOCOLS.get(protocol, "?"), protocol, ttl, ident,
        total_len)
    if more or offset:
        line += ", fragment offset %d%s" % (offset, ", more" if more else "")
    return line


def ipv4_repr_text(value):
    """A tapstack::ipv4_repr: the header the IP layer parsed or is about to emit."""
    return ipv4_line(int(value["src"]["value"]), int(value["dst"]["value"]),
                     int(value["protocol"]), int(value["ttl"]), int(value["ident"]),
                     20 + int(value["payload_len"]), int(value["frag_offset"]),
                     bool(value["more_fragments"]))


def ipv4_layers(data):
    header_len = (data[0] & 0x0F) * 4
    total_len, ident, fragment = struct.unpack_from("!HHH", data, 2)
    ttl, protocol = data[8], data[9]
    src, dst = struct.unpack_from("!II", data, 12)
    offset = (fragment & 0x1FFF) * 8
    line = ipv4_line(src, dst, protocol, ttl, ident, total_len, offset, bool(fragment & 0x2000))
    payload = data[header_len:total_len]
    if offset:
        return [line]
    return [line, transport_text(protocol, payload)]


def transport_text(protocol, data):
    if protocol == 6:
        return tcp_text(data)
    if protocol == 17 and len(data) >= 8:
        src, dst, length = struct.unpack_from("!HHH", data, 0)
        return "UDP %d > %d, length %d" % (src, dst, length - 8)
    if protocol == 1 and len(data) >= 8:
        return icmp_text(data)
    return "%s, %d bytes" % (IP_PROTOCOLS.get(protocol, "ip-proto-%d" % protocol), len(data))


def tcp_text(data):
    """A TCP segment's ports and tcpdump summary, its options as they lie in the bytes."""
    if len(data) < 20 or (data[12] >> 4) * 4 > len(data) or data[12] >> 4 < 5:
        return "TCP [|tcp] " + data[:20].hex()
    src, dst, seq, ack = struct.unpack_from("!HHII", data, 0)
    header_len = (data[12] >> 4) * 4
    bits = data[13]
    window, _, urgent = struct.unpack_from("!HHH", data, 14)
    flags = "".join(letter for i, (_, letter) in enumerate(FLAG_LETTERS) if bits & (1 << i))
    return "TCP %d > %d: %s" % (src, dst, segment_text(
        flags or "none", bool(bits & 0x07), seq, ack if bits & 0x10 else None, window,
        urgent if bits & 0x20 else None, wire_options_text(data[20:header_len]),
        len(data) - header_len))


def wire_options_text(data):
    """Options as they lie in bytes, named as tcpdump names them."""
    items, at = [], 0
    while at < len(data):
        kind = data[at]
        if kind in (0, 1):
            items.append("eol" if kind == 0 else "nop")
            at += 1
            if kind == 0:
                break
            continue
        if at + 1 >= len(data) or data[at + 1] < 2 or at + data[at + 1] > len(data):
            items.append("[bad opt]")
            break
        items.append(_option_text(kind, data[at + 2:at + data[at + 1]]))
        at += data[at + 1]
    return ",".join(items)


def _option_text(kind, body):
    if kind == 2 and len(body) == 2:
        return "mss %d" % struct.unpack("!H", body)[0]
    if kind == 3 and len(body) == 1:
        return "wscale %d" % body[0]
    if kind == 4:
        return "sackOK"
    if kind == 8 and len(body) == 8:
        return "TS val %d ecr %d" % struct.unpack("!II", body)
    if kind == 5 and body and len(body) % 8 == 0:
        edges = struct.unpack("!%dI" % (len(body) // 4), body)
        return "sack %d %s" % (len(edges) // 2, "".join(
            "{%d:%d}" % edges[i:i + 2] for i in range(0, len(edges), 2)))
    return "unknown-%d%s" % (kind, " 0x" + body.hex() if body else "")


def icmp_text(data):
    kind, code = data[0], data[1]
    ident, seq = struct.unpack_from("!HH", data, 4)
    if kind in (0, 8):
        return "ICMP echo %s, id %d, seq %d, length %d" % (
            "request" if kind == 8 else "reply", ident, seq, len(data))
    return "ICMP type %d code %d, length %d" % (kind, code, len(data))


def _is_ipv4(data, exact=True):
    """An IPv4 header: version 4, a sane header length, a total length that fits (exactly, when
    the bytes are the packet alone) and a header checksum that adds up."""
    if len(data) < 20 or data[0] >> 4 != 4 or (data[0] & 0x0F) < 5:
        return False
    header_len = (data[0] & 0x0F) * 4
    total_len = struct.unpack_from("!H", data, 2)[0]
    if header_len > len(data) or total_len < header_len:
        return False
    if total_len != len(data) if exact else total_len > len(data):
        return False
    return _ones_complement_sum(data[:header_len]) == 0xFFFF


def _ones_complement_sum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total
