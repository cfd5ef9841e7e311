#!/usr/bin/env python3
"""Writes the seed corpora in corpus/<target>/: a handful of valid and nearly valid inputs per fuzz
target, built here byte by byte (with its own checksum, not the stack's) so that a bug in the
stack's emitters cannot leak into its seeds. Rerun after changing it and check the files in:
    python3 tests/fuzz/make_corpus.py
It writes its seeds over those of the same name and leaves every other file alone: the corpora
also hold inputs the fuzzer found, each the reproduction of a defect fixed since, which no
script regenerates. A seed renamed or dropped here is removed from its folder by hand.
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

# fuzz-tcp-lifecycle's script for the peer (layout in fuzz_tcp_lifecycle.cpp): per action an opcode
# byte (the action, the connection, a variant) and the action's arguments.
(LC_WAIT, LC_SYN, LC_HANDSHAKE, LC_DATA, LC_ACK, LC_SACK, LC_RST, LC_FIN, LC_OPTIONS, LC_READ,
 LC_WRITE, LC_CONNECT, LC_SOCKET_OPTIONS, LC_ICMP, LC_BURST, LC_SEGMENT) = range(16)
LC_ACTIVE = 3  # the connection the host opens to the peer
# "where" bases: the peer's snd.nxt, the host's last ACK, the right edge of its last window.
LC_SND_NXT, LC_HOST_ACK, LC_HOST_RIGHT = range(3)


def lc(action: int, args: bytes = b"", conn: int = 0, variant: int = 0) -> bytes:
    """One action: its opcode byte, then its arguments."""
    assert action < 16 and conn < 4 and variant < 4
    return bytes([action | conn << 4 | variant << 6]) + args


def lc_syn(conn: int = 0, ack: bool = False, isn: int | None = None, mss: int | None = None,
           wscale: int | None = None, sack_ok: bool = False, tsval: int | None = None,
           window: int = 64240) -> bytes:
    options, fields = 0, b""
    if mss is not None:
        options, fields = options | 0x01, fields + struct.pack("!H", mss)
    if wscale is not None:
        options, fields = options | 0x02, fields + bytes([wscale])
    if sack_ok:
        options |= 0x04
    if tsval is not None:
        options, fields = options | 0x08, fields + struct.pack("!I", tsval)
    head = b"" if isn is None else struct.pack("!I", isn)
    return lc(LC_SYN, head + bytes([options]) + fields + struct.pack("!H", window), conn,
              (1 if ack else 0) | (0 if isn is None else 2))


def lc_where(base: int = LC_SND_NXT, steps: int = 0) -> bytes:
    """A sequence number: base plus steps of 16 bytes (-32 to 31)."""
    assert -32 <= steps < 32
    return bytes([base << 6 | (steps & 0x3F)])


def lc_wait(ms: int = 0, seconds: int = 0) -> bytes:
    """Time moves on by ms (0 to 1990, in tens) or by seconds (5 to 280, in fives)."""
    if seconds:
        assert not ms and seconds % 5 == 0 and seconds <= 280
        return lc(LC_WAIT, bytes([199 + seconds // 5]))
    assert ms % 10 == 0 and ms < 2000
    return lc(LC_WAIT, bytes([ms // 10]))


def lc_data(length: int, where: bytes = lc_where(), conn: int = 0, fin: bool = False) -> bytes:
    return lc(LC_DATA, where + struct.pack("!H", length), conn, 1 if fin else 0)


def lc_ack(mode: int = 0, window: int = 255, conn: int = 0, times: int = 1) -> bytes:
    return lc(LC_ACK, bytes([mode, window]), conn, times - 1)


def lc_sack(blocks: list[tuple[int, int]], conn: int = 0, times: int = 1) -> bytes:
    """An ACK with SACK blocks (left, length), left counted from the peer's ACK."""
    args = bytes([len(blocks) - 1]) + b"".join(struct.pack("!HH", *b) for b in blocks)
    return lc(LC_SACK, args, conn, times - 1)


def lc_write(length: int, conn: int = 0, then: int = 0) -> bytes:
    """The application writes; then 1 shuts down sending, 2 closes, 3 aborts."""
    return lc(LC_WRITE, struct.pack("!H", length), conn, then)


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
        # Frames in batches (byte 0 bit 7): three pings in one, taken in before any is answered.
        "batch-of-pings": b"\x80" + record(ethernet(BROADCAST_MAC, PEER_MAC, 0x0806, ARP_REQUEST))
        + record(to_stack(PING), steps=1) + record(to_stack(PING)) + record(to_stack(PING)),
        "broadcast-ping-and-junk": b"\0"
        + record(ethernet(BROADCAST_MAC, PEER_MAC, 0x0800,
                          ipv4(PEER_IP, bytes([10, 0, 0, 255]), ECHO_REQUEST)))
        + record(to_stack(PING)[:30]) + record(ethernet(STACK_MAC, PEER_MAC, 0x86DD, bytes(40))),
    },
    "fuzz-tcp-lifecycle": {
        # Host byte 0: MTU 1500, 256 KiB buffers, every option offered, NewReno, Nagle, delayed
        # ACKs. The SYN of the security report: MSS 0 to the listener.
        "mss-0-syn-to-listener": b"\0" + lc_syn(mss=0, window=0xFA00),
        # An MSS of 1: the floor keeps the echo from going out a byte at a time.
        "mss-1-echo": b"\0" + lc_syn(mss=1, window=0xFFFF) + lc(LC_HANDSHAKE) + lc_data(1000)
        + lc_wait(ms=50) + lc_ack() + lc_wait(ms=500) + lc_ack(),
        # A whole life: every option, the handshake, data echoed and acknowledged, the peer's
        # FIN, the echo service's, the last ACK.
        "handshake-data-fin": b"\0" + lc_syn(mss=1460, wscale=7, sack_ok=True, tsval=1)
        + lc(LC_HANDSHAKE) + lc_data(100) + lc_wait(ms=50) + lc_ack() + lc_data(0, fin=True)
        + lc_wait(ms=50) + lc_ack() + lc_wait(seconds=60),
        # The host connects: the peer's SYN-ACK, data both ways, the host's FIN first, TIME-WAIT.
        "host-connects": b"\0" + lc(LC_CONNECT)
        + lc_syn(LC_ACTIVE, ack=True, mss=1460, wscale=7, sack_ok=True, tsval=1000)
        + lc_write(3000, LC_ACTIVE) + lc_ack(conn=LC_ACTIVE) + lc_data(200, conn=LC_ACTIVE)
        + lc_write(0, LC_ACTIVE, then=1) + lc_ack(conn=LC_ACTIVE)
        + lc_data(0, conn=LC_ACTIVE, fin=True) + lc_wait(seconds=65),
        # Both ends send a SYN at once (RFC 9293 3.5).
        "simultaneous-open": b"\0" + lc(LC_CONNECT) + lc_syn(LC_ACTIVE, mss=536)
        + lc(LC_HANDSHAKE, conn=LC_ACTIVE) + lc_write(1000, LC_ACTIVE) + lc_ack(conn=LC_ACTIVE),
        # 8 KiB buffers: the peer closes its window on the echo's data; the host probes it.
        "zero-window-probes": b"\x08" + lc_syn(mss=1460) + lc(LC_HANDSHAKE)
        + lc_write(6000) + lc_ack(window=0) + lc_wait(seconds=5) + lc_wait(seconds=5)
        + lc_wait(seconds=10) + lc_ack(window=255),
        # A loss the peer reports with SACK blocks and duplicate ACKs.
        "sack-recovery": b"\0" + lc_syn(mss=1460, wscale=2, sack_ok=True, tsval=7)
        + lc(LC_HANDSHAKE) + lc_write(20000) + lc_ack(mode=1) + lc_sack([(1448, 1448)])
        + lc_sack([(1448, 2896)]) + lc_sack([(1448, 4344)]) + lc_wait(ms=100) + lc_ack(),
        # 2 KiB buffers and an application that stops reading: the window fills, data past its
        # edge is refused, a read opens it again.
        "receive-window-fills": b"\x0c" + lc(LC_READ, b"\0") + lc_syn(mss=536)
        + lc(LC_HANDSHAKE) + lc(LC_BURST, b"\x04") + lc_data(100, lc_where(LC_HOST_RIGHT))
        + lc(LC_READ, b"\0", variant=2) + lc(LC_READ, b"\0", variant=1),
        # Data past a gap, the gap filled, a resent range overlapping what came in order.
        "out-of-order-and-overlap": b"\0" + lc_syn(mss=1460) + lc(LC_HANDSHAKE)
        + lc_data(64, lc_where(LC_SND_NXT, 2)) + lc_data(32)
        + lc_data(64, lc_where(LC_HOST_ACK, -2)),
        # RFC 5961: a RST and a SYN inside the window are challenged, an ACK of data never sent
        # is answered, then a RST at exactly rcv.nxt resets.
        "challenges-and-reset": b"\0" + lc_syn(mss=1460, tsval=1) + lc(LC_HANDSHAKE)
        + lc(LC_RST, lc_where(LC_HOST_ACK, 1)) + lc_syn(mss=1460, tsval=2)
        + lc_ack(mode=3) + lc_ack() + lc(LC_RST, lc_where(LC_HOST_ACK)),
        # SYNs at an established connection, from the old ISN: each may draw a challenge ACK,
        # within the connection's budget (RFC 5961 4, 7).
        "syn-flood-on-connection": b"\0" + lc_syn(mss=1460) + lc(LC_HANDSHAKE) + lc_data(10)
        + lc(LC_SEGMENT, b"\x02" + struct.pack("!IIHB", 0xFFFFFFF5, 0, 1024, 0), variant=3),
        # Options the host must survive: an MSS of length 3 (that SYN is dropped), a kind it does
        # not know (30, MPTCP: skipped), then a SACK option of odd length on an ACK (dropped).
        "bad-options": b"\0" + lc(LC_OPTIONS, b"\x04\x02\x03\x00\x00", variant=1)
        + lc(LC_SYN, b"\x11\x05\xb4\x1e\x06\xff\xff") + lc(LC_HANDSHAKE)
        + lc(LC_OPTIONS, b"\x05\x05\x05\x00\x00\x00"),
        # A port unreachable while the host connects: a hard error in SYN-SENT (RFC 1122
        # 4.2.3.9).
        "unreachable-while-connecting": b"\0" + lc(LC_CONNECT)
        + lc(LC_ICMP, b"\x03", LC_ACTIVE),
        # Nobody answers: the host's SYNs, then its data, are resent until it gives up.
        "syn-retries-give-up": b"\0" + lc(LC_CONNECT) + lc_wait(seconds=280),
        "retransmits-give-up": b"\x20" + lc_syn(mss=1460, sack_ok=True, tsval=1)
        + lc(LC_HANDSHAKE) + lc_write(5000) + lc_wait(seconds=280) + lc_wait(seconds=280)
        + lc_wait(seconds=280) + lc_wait(seconds=280),
        # Keep-alive turned on for the connection: probes, unanswered, then a reset.
        "keepalive-gives-up": b"\0" + lc_syn(mss=1460) + lc(LC_HANDSHAKE)
        + lc(LC_SOCKET_OPTIONS, b"\x08") + lc_wait(seconds=45) + lc_wait(seconds=30),
        # Keep-alive on, a probe, then the peer's FIN: the connection leaves ESTABLISHED with its
        # keep-alive timer set, and must not leave it behind.
        "keepalive-then-fin": b"\0" + lc(LC_READ, b"\0") + lc_syn(mss=1460) + lc(LC_HANDSHAKE)
        + lc(LC_SOCKET_OPTIONS, b"\x08") + lc_wait(seconds=60) + lc(LC_FIN, lc_where())
        + lc_wait(seconds=10),
        # The peer offers 10 bytes, then sends three duplicate ACKs: fast retransmit resends what
        # was sent, nothing beyond it or past the window.
        "fast-retransmit-small-window": b"\0" + lc_syn(window=10) + lc_ack(window=10)
        + lc_write(1000) + lc_ack(mode=1, window=10, times=3),
        # Backlog 1: connection 0's handshake takes it, so connection 1's SYN gets a SYN cookie
        # (its scale and SACK in the SYN-ACK's TSval); the handshake hands it back, and the
        # connection it makes echoes with an MSS of 1300, the cookie's for 1400. Then 0's.
        "syn-cookie-timestamps": b"\0" + lc(LC_WAIT, b"\0", variant=1)
        + lc_syn(mss=1460, wscale=7, sack_ok=True, tsval=1)
        + lc_syn(conn=1, mss=1400, wscale=5, sack_ok=True, tsval=100) + lc(LC_HANDSHAKE, conn=1)
        + lc_data(3000, conn=1) + lc_wait(ms=50) + lc_ack(conn=1) + lc(LC_HANDSHAKE)
        + lc_data(100) + lc_wait(ms=50) + lc_ack(),
        # Backlog 2, no timestamps: connection 2's cookie carries MSS 536 for the 100 it offered,
        # and its connection runs without window scaling; a burst is echoed in 536-byte segments.
        "syn-cookie-small-mss": b"\0" + lc(LC_WAIT, b"\0", variant=2) + lc_syn(mss=1460)
        + lc_syn(conn=1, mss=1460) + lc_syn(conn=2, mss=100, wscale=3)
        + lc(LC_HANDSHAKE, conn=2) + lc(LC_BURST, b"\x03", conn=2) + lc_wait(ms=50)
        + lc_ack(conn=2) + lc(LC_HANDSHAKE) + lc(LC_HANDSHAKE, conn=1),
        # MTU 88, where the MSS ceiling (48) meets the floor: options leave little room.
        "mtu-88-timestamps-sack": b"\x03" + lc_syn(mss=1460, wscale=20, sack_ok=True, tsval=9)
        + lc(LC_HANDSHAKE) + lc_data(36, lc_where(LC_SND_NXT, 4)) + lc_data(36) + lc_wait(ms=50)
        + lc_ack(),
    },
}


def main() -> None:
    for target, seeds in CORPUS.items():
        folder = HERE / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (folder / f"{name}.bin").write_bytes(data)


if __name__ == "__main__":
    main()
