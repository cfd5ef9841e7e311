#!/usr/bin/env python3
"""Writes the seed corpora in corpus/<target>/: a handful of valid and nearly valid inputs per fuzz
target, built here byte by byte (with its own checksum, not the stack's) so that a bug in the
stack's emitters cannot leak into its seeds. Rerun after changing it and check the files in:
    python3 tests/fuzz/make_corpus.py
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
STACK_MAC = bytes.fromhex("027473000002")  # stack_config's defaults: 10.0.0.2 at this MAC
PEER_MAC = bytes.fromhex("027473000001")  # the kernel side of the tap, 10.0.0.1
BROADCAST_MAC = b"\xff" * 6
STACK_IP = bytes([10, 0, 0, 2])
PEER_IP = bytes([10, 0, 0, 1])
LOOPBACK_IP = bytes([127, 0, 0, 1])


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet(dst: bytes, src: bytes, ethertype: int, payload: bytes) -> bytes:
    return dst + src + struct.pack("!H", ethertype) + payload


def arp(op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes) -> bytes:
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def ipv4(src: bytes, dst: bytes, payload: bytes, proto: int = 1, ident: int = 7,
         flags_frag: int = 0x4000, options: bytes = b"") -> bytes:
    ihl = 5 + len(options) // 4
    header = struct.pack("!BBHHHBBH", 0x40 | ihl, 0, ihl * 4 + len(payload), ident, flags_frag,
                         64, proto, 0) + src + dst + options
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def icmp(icmp_type: int, code: int, rest: bytes, data: bytes) -> bytes:
    message = bytes([icmp_type, code, 0, 0]) + rest + data
    return message[:2] + struct.pack("!H", checksum(message)) + message[4:]


def echo(icmp_type: int, ident: int = 0x1234, seq: int = 1, data: bytes = bytes(range(56))):
    return icmp(icmp_type, 0, struct.pack("!HH", ident, seq), data)


def to_stack(packet: bytes) -> bytes:
    return ethernet(STACK_MAC, PEER_MAC, 0x0800, packet)


def record(payload: bytes, steps: int = 0, flip_poll: bool = False, send: bool = False,
           fix_checksums: bool = False) -> bytes:
    """One step of fuzz-receive-path's input (layout in fuzz_receive_path.cpp)."""
    assert steps < 32
    control = (steps | (0x20 if fix_checksums else 0) | (0x40 if flip_poll else 0)
               | (0x80 if send else 0))
    return bytes([control]) + struct.pack("!H", len(payload)) + payload


ARP_REQUEST = arp(1, PEER_MAC, PEER_IP, bytes(6), STACK_IP)
ARP_REPLY = arp(2, PEER_MAC, PEER_IP, STACK_MAC, STACK_IP)
# Another host answering for the stack's own address (a conflict, or a spoofer).
ARP_CLAIMS_STACK_IP = arp(2, PEER_MAC, STACK_IP, STACK_MAC, STACK_IP)
ARP_ANNOUNCE = arp(1, PEER_MAC, PEER_IP, bytes(6), PEER_IP)
ECHO_REQUEST = echo(8)
ECHO_REPLY = echo(0)
PING = ipv4(PEER_IP, STACK_IP, ECHO_REQUEST)
UNREACHABLE = icmp(3, 4, struct.pack("!HH", 0, 1400), PING[:28])
TIME_EXCEEDED = icmp(11, 0, bytes(4), PING[:28])

CORPUS = {
    "fuzz-ethernet": {
        "arp-request": ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, ARP_REQUEST),
        "echo-request": to_stack(PING),
        "ipv6-header-only": ethernet(STACK_MAC, PEER_MAC, 0x86DD, b""),
        "truncated-13": to_stack(PING)[:13],
    },
    "fuzz-arp": {
        "request": ARP_REQUEST,
        "reply": ARP_REPLY,
        "announce": ARP_ANNOUNCE,
        "request-padded": ARP_REQUEST + bytes(18),
        "bad-opcode": arp(3, PEER_MAC, PEER_IP, bytes(6), STACK_IP),
        "not-ethernet": struct.pack("!H", 6) + ARP_REQUEST[2:],
        "truncated-27": ARP_REQUEST[:27],
    },
    "fuzz-ipv4": {
        "echo-request": PING,
        "with-options": ipv4(PEER_IP, STACK_IP, ECHO_REQUEST, options=b"\x01\x01\x01\x00"),
        "padded": PING + bytes(6),
        "fragment": ipv4(PEER_IP, STACK_IP, ECHO_REQUEST[:24], flags_frag=0x2000),
        "bad-checksum": PING[:10] + b"\0\0" + PING[12:],
        "truncated": PING[:60],
    },
    "fuzz-icmp": {
        "echo-request": ECHO_REQUEST,
        "echo-reply": ECHO_REPLY,
        "unreachable-frag-needed": UNREACHABLE,
        "time-exceeded": TIME_EXCEEDED,
        "timestamp-unhandled": icmp(13, 0, bytes(4), bytes(12)),
        "odd-length": echo(8, data=b"abc"),
        "truncated-7": ECHO_REQUEST[:7],
    },
    "fuzz-describe": {
        "arp-request": ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, ARP_REQUEST),
        "arp-reply": ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_REPLY),
        "echo-request": to_stack(PING),
        "echo-reply": to_stack(ipv4(PEER_IP, STACK_IP, ECHO_REPLY)),
        "unreachable": to_stack(ipv4(PEER_IP, STACK_IP, UNREACHABLE)),
        "bad-icmp-checksum": to_stack(PING[:22] + b"\0\0" + PING[24:]),
        "fragment": to_stack(ipv4(PEER_IP, STACK_IP, ECHO_REQUEST[:24], flags_frag=0x2003)),
        "udp": to_stack(ipv4(PEER_IP, STACK_IP, bytes(8), proto=17)),
        "ipv6": ethernet(STACK_MAC, PEER_MAC, 0x86DD, bytes(40)),
        "short": to_stack(PING)[:10],
    },
    "fuzz-receive-path": {
        # Host byte 0: the default host (MTU 1500, 10.0.0.2/24, gateway 10.0.0.1).
        "arp-then-ping": b"\0" + record(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, ARP_REQUEST))
        + record(to_stack(PING), steps=1),
        # The reply waits for ARP; the peer answers a second later.
        "ping-then-arp-reply": b"\0" + record(to_stack(PING))
        + record(ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_REPLY), steps=4),
        # Nobody answers: three requests a second apart, then the reply is dropped.
        "ping-unanswered": b"\0" + record(to_stack(PING)) + record(b"", steps=4)
        + record(b"", steps=4) + record(b"", steps=4),
        # A late runner: the learned entry (small tables: 2 s) has expired but is not yet polled
        # away when the next ping arrives.
        "late-poll-expired-entry": b"\x20"
        + record(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, ARP_REQUEST))
        + record(to_stack(PING), steps=12, flip_poll=True),
        # Errors from the peer; the second one's checksums are left for the harness to fill in.
        "icmp-errors": b"\0" + record(to_stack(ipv4(PEER_IP, STACK_IP, UNREACHABLE)))
        + record(to_stack(ipv4(PEER_IP, STACK_IP, TIME_EXCEEDED[:2] + b"\0\0" + TIME_EXCEEDED[4:])),
                 steps=1, fix_checksums=True),
        # The host pings off-link (through the gateway), and the answer comes back.
        "host-pings-gateway-route": b"\0"
        + record(bytes([192, 0, 2, 9]) + struct.pack("!HH", 9, 1) + b"hello", send=True)
        + record(ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_REPLY), steps=1)
        + record(to_stack(ipv4(bytes([192, 0, 2, 9]), STACK_IP, echo(0, 9, 1, b"hello"))), steps=1),
        # Small ARP tables, MTU 576: the learned entry expires before the second ping.
        "small-tables-expiry": b"\x21"
        + record(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, ARP_REQUEST))
        + record(to_stack(PING), steps=2) + record(to_stack(PING), steps=12),
        # RFC 1122 3.2.1.3: no answer may go to loopback, to "this network" or back to this host;
        # the gateway's ARP reply would release one if it were queued.
        "ping-from-loopback": b"\0" + record(to_stack(ipv4(LOOPBACK_IP, STACK_IP, ECHO_REQUEST)))
        + record(ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_REPLY), steps=1),
        "ping-from-zero": b"\0" + record(to_stack(ipv4(bytes(4), STACK_IP, ECHO_REQUEST)))
        + record(ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_REPLY), steps=1),
        "ping-from-self": b"\0" + record(to_stack(ipv4(STACK_IP, STACK_IP, ECHO_REQUEST)))
        + record(ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_CLAIMS_STACK_IP), steps=1),
        "host-pings-loopback": b"\0"
        + record(LOOPBACK_IP + struct.pack("!HH", 1, 1), send=True)
        + record(ethernet(STACK_MAC, PEER_MAC, 0x0806, ARP_REPLY), steps=1),
        "broadcast-ping-and-junk": b"\0"
        + record(ethernet(BROADCAST_MAC, PEER_MAC, 0x0800,
                          ipv4(PEER_IP, bytes([10, 0, 0, 255]), ECHO_REQUEST)))
        + record(to_stack(PING)[:30]) + record(ethernet(STACK_MAC, PEER_MAC, 0x86DD, bytes(40))),
    },
}


def main() -> None:
    for target, seeds in CORPUS.items():
        folder = HERE / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.bin"):
            old.unlink()
        for name, data in seeds.items():
            (folder / f"{name}.bin").write_bytes(data)


if __name__ == "__main__":
    main()
