#!/usr/bin/env python3
"""A hostile peer for tests/tap/hostile.sh: a made-up host on the tap (its own MAC and IPv4
address, which the kernel does not own, so the kernel never answers in its place) that sends
tapstack frames no polite peer would, and reports what came back as "name value" lines.

Run inside the test's network namespace, as root: it sends and receives whole Ethernet frames on
the tap with a packet socket. Scapy builds and parses the frames; the socket is our own, so that a
burst of thousands of frames leaves in well under a second. Every wait is bounded in time.
"""
import argparse
import socket
import sys
import time

from scapy.layers.inet import ICMP, IP, TCP, IPOption_LSRR, IPOption_SSRR
from scapy.layers.l2 import ARP, Ether

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4  # what a packet socket calls a frame this machine sent
SO_RCVBUFFORCE = 33  # Linux's; Python names only SO_RCVBUF, which stops at net.core.rmem_max

# The frame the security review sent: 10.0.0.77:22106 > 10.0.0.2:7, SYN, seq 3015188992, win 762,
# options [mss 0]. It killed the host with SIGFPE.
MSS_ZERO_SYN = bytes.fromhex(
    "02747300000202524600007708004500002c6e6500004006f8180a00004d0a000002565a0007b3b81e0000000000"
    "6002fa006771000002040000")
MSS_ZERO_SPORT = 22106
MSS_ZERO_ISN = 0xB3B81E00


def die(message):
    print(f"hostile_peer: {message}", file=sys.stderr)
    sys.exit(1)


def report(name, value):
    print(name, value, flush=True)


class Peer:
    """The made-up host. It answers the ARP requests tapstack sends for its address and hands
    back the IPv4 packets tapstack sends to it."""

    def __init__(self, args):
        self.iface, self.ip, self.mac = args.interface, args.peer_ip, args.peer_mac
        self.host_ip, self.host_mac = args.host_ip, args.host_mac
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        # Room for every reply to a burst, read only once the burst is out (the default 208 kB
        # holds a few hundred frames).
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        self.sock.bind((self.iface, 0))
        # Asking for the host's MAC puts ours in its ARP cache (RFC 826: the target merges the
        # sender), and shows the host is there before anything hostile happens.
        self.send_frame(Ether(src=self.mac, dst="ff:ff:ff:ff:ff:ff") /
                        ARP(op=1, hwsrc=self.mac, psrc=self.ip, pdst=self.host_ip))
        for frame in self.frames(2.0):
            if ARP in frame and frame[ARP].op == 2 and frame[ARP].psrc == self.host_ip:
                break
        else:
            die(f"no ARP reply from {self.host_ip} within 2 s")

    def send_frame(self, frame):
        """Sends a frame, scapy's or raw bytes, to tapstack."""
        self.sock.send(bytes(frame))

    def send(self, packet):
        self.send_frame(Ether(src=self.mac, dst=self.host_mac) / packet)

    def frames(self, seconds):
        """Yields the frames that reach the tap's kernel side from tapstack within `seconds`,
        answering the ARP requests for our address on the way. Frames queued by then are all
        read, however long parsing them takes (scapy needs about a millisecond a frame)."""
        deadline = time.monotonic() + seconds
        while True:
            # Past the deadline a timeout of 0 reads only what is already queued.
            self.sock.settimeout(max(deadline - time.monotonic(), 0))
            try:
                data, address = self.sock.recvfrom(65535)
            except (socket.timeout, BlockingIOError):
                return
            if address[2] == PACKET_OUTGOING:  # ours, or the kernel's
                continue
            frame = Ether(data)
            if ARP in frame and frame[ARP].op == 1 and frame[ARP].pdst == self.ip:
                self.send_frame(Ether(src=self.mac, dst=frame[ARP].hwsrc) /
                                ARP(op=2, hwsrc=self.mac, psrc=self.ip, hwdst=frame[ARP].hwsrc,
                                    pdst=frame[ARP].psrc))
            yield frame

    def packets(self, seconds):
        """The IPv4 packets tapstack sends to us within `seconds`."""
        for frame in self.frames(seconds):
            if IP in frame and frame[IP].src == self.host_ip and frame[IP].dst == self.ip:
                yield frame[IP]

    def segments(self, sport, seconds):
        """The TCP segments tapstack sends to our port `sport` within `seconds`."""
        for packet in self.packets(seconds):
            if TCP in packet and packet[TCP].dport == sport:
                yield packet[TCP]


def payload_len(segment):
    # From the lengths, not len(payload): a short frame's Ethernet padding parses as payload.
    ip = segment.underlayer
    return ip.len - 4 * ip.ihl - 4 * segment.dataofs


def payload(segment):
    return bytes(segment.payload)[:payload_len(segment)]


class Connection:
    """One TCP connection from the peer, driven by hand: snd_nxt and rcv_nxt as RFC 9293 names
    them, from our side. No window scaling, SACK or timestamps are offered, so every segment
    tapstack accepts is judged by its sequence numbers alone."""

    def __init__(self, peer, sport, dport, mss=1460):
        self.peer, self.sport, self.dport = peer, sport, dport
        self.snd_nxt = 1_000_000 + sport  # our ISN: any number will do
        peer.send(self.segment("S", options=[("MSS", mss)]))
        synack = next((s for s in peer.segments(sport, 2.0) if s.flags == "SA"), None)
        if synack is None:
            die(f"no SYN-ACK to port {sport} within 2 s")
        if synack.ack != self.snd_nxt + 1:
            die(f"the SYN-ACK acknowledges {synack.ack}, expected {self.snd_nxt + 1}")
        self.snd_nxt += 1
        self.rcv_nxt = (synack.seq + 1) % 2**32
        peer.send(self.segment("A"))

    def segment(self, flags, seq=None, ack=None, data=b"", options=()):
        tcp = TCP(sport=self.sport, dport=self.dport, flags=flags, window=65535,
                  seq=self.snd_nxt if seq is None else seq, options=list(options))
        if "A" in flags:
            tcp.ack = self.rcv_nxt if ack is None else ack
        return IP(src=self.peer.ip, dst=self.peer.host_ip) / tcp / data

    def send(self, data):
        self.peer.send(self.segment("PA", data=data))
        self.snd_nxt += len(data)

    def receive(self, count, seconds):
        """Reads up to `count` bytes in order, ACKing each segment as it comes; returns the
        payload length of each in-order segment and the bytes."""
        sizes, received = [], b""
        for segment in self.peer.segments(self.sport, seconds):
            data = payload(segment)
            if data and segment.seq == self.rcv_nxt:
                sizes.append(len(data))
                received += data
                self.rcv_nxt = (self.rcv_nxt + len(data)) % 2**32
            if data:  # a duplicate gets our ACK again
                self.peer.send(self.segment("A"))
            if len(received) >= count:
                break
        return sizes, received

    def reset(self):
        self.peer.send(self.segment("R"))


def paced(total, seconds, batches, send_one):
    """Calls send_one(i) `total` times, spread evenly over `seconds` in `batches` batches: a burst
    that spans the rate limit's interval instead of landing inside one instant. Returns the time
    it took."""
    start = time.monotonic()
    for batch in range(batches):
        for i in range(total * batch // batches, total * (batch + 1) // batches):
            send_one(i)
        pause = start + (batch + 1) * seconds / batches - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return time.monotonic() - start


def mss_zero(peer, args):
    """The review's frame as it was sent; tapstack must answer with a SYN-ACK."""
    peer.send_frame(MSS_ZERO_SYN)
    synack = next((s for s in peer.segments(MSS_ZERO_SPORT, 2.0) if s.flags == "SA"), None)
    if synack is None:
        die("no SYN-ACK to the MSS 0 SYN within 2 s")
    report("synack_ack", synack.ack - MSS_ZERO_ISN)
    peer.send(IP(src=peer.ip, dst=peer.host_ip) /
              TCP(sport=MSS_ZERO_SPORT, dport=7, flags="R", seq=MSS_ZERO_ISN + 1))


def small_mss(peer, args):
    """A SYN with a tiny MSS, then args.bytes to the echo service: the segment sizes of the echo."""
    c = Connection(peer, args.sport, 7, mss=args.mss)
    sent = bytes(i % 251 for i in range(args.bytes))
    c.send(sent)
    sizes, received = c.receive(len(sent), 3.0)
    c.reset()
    report("bytes", len(received))
    report("intact", int(received == sent))
    report("segments", len(sizes))
    # The last segment may be short: it carries what is left.
    report("smallest", min(sizes[:-1], default=0))
    shown = ",".join(map(str, sizes[:20])) + (f",... ({len(sizes) - 20} more)" if sizes[20:] else "")
    report("sizes", shown or "none")


def rst_burst(peer, args):
    """args.count RSTs in the window but never at rcv.nxt, spread over args.seconds, on one
    connection; then one on a second connection, whose own budget must still have room; then the
    first connection must still echo."""
    c = Connection(peer, args.sport, 7)
    other = Connection(peer, args.sport + 1, 7)
    # In the window (tapstack's is far larger than count + 1000) but not at its left edge: RFC
    # 5961 3.2 answers these with a challenge ACK instead of a reset.
    took = paced(args.count, args.seconds, 10,
                 lambda i: peer.send(c.segment("R", seq=c.snd_nxt + 1000 + i)))
    replies = list(peer.segments(c.sport, 0.3))
    report("rsts", args.count)
    report("burst_ms", round(took * 1000))
    report("challenge_acks", sum(1 for s in replies if s.flags == "A" and payload_len(s) == 0))
    # The second connection: its first bad RST, while the first's budget is spent.
    peer.send(other.segment("R", seq=other.snd_nxt + 1000))
    answered = any(s.flags == "A" for s in peer.segments(other.sport, 0.5))
    report("other_challenged", int(answered))
    # Still open: the RSTs reset nothing.
    c.send(b"still here\n")
    _, echoed = c.receive(11, 1.0)
    report("survived", int(echoed == b"still here\n"))
    c.reset()
    other.reset()


def ack_burst(peer, args):
    """args.count pure ACKs of data tapstack never sent, spread over args.seconds: the ACKs it
    sends back (RFC 9293 3.10.7.4 answers each; a limit answers one per interval)."""
    c = Connection(peer, args.sport, 7)
    # Far past snd.nxt (tapstack has sent nothing but its SYN) and inside no window.
    bogus = (c.rcv_nxt + 100_000) % 2**32
    frame = bytes(Ether(src=peer.mac, dst=peer.host_mac) / c.segment("A", ack=bogus))
    took = paced(args.count, args.seconds, 20, lambda i: peer.send_frame(frame))
    replies = sum(1 for s in peer.segments(c.sport, 0.3) if s.flags == "A")
    report("acks", args.count)
    report("burst_ms", round(took * 1000))
    report("replies", replies)
    c.reset()


def source_route(peer, args):
    """An echo request plain, one with a loose and one with a strict source route: the replies
    to each. The routes are used up (the pointer past the one hop), as they would be on arrival."""
    options = {"plain": [], "lsrr": [IPOption_LSRR(routers=[args.peer_ip], pointer=8)],
               "ssrr": [IPOption_SSRR(routers=[args.peer_ip], pointer=8)]}
    ident = 0x5352  # "SR"
    for seq, name in enumerate(options):
        peer.send(IP(src=peer.ip, dst=peer.host_ip, options=options[name]) /
                  ICMP(type=8, id=ident, seq=seq) / b"source routed?")
    replies = dict.fromkeys(options, 0)
    for packet in peer.packets(1.0):
        if ICMP in packet and packet[ICMP].type == 0 and packet[ICMP].id == ident:
            if packet[ICMP].seq < len(options):
                replies[list(options)[packet[ICMP].seq]] += 1
    for name, count in replies.items():
        report(f"{name}_replies", count)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interface", default="tap0")
    parser.add_argument("--host-ip", default="10.0.0.2")
    parser.add_argument("--host-mac", default="02:74:73:00:00:02")
    # The review's frame came from this address; the kernel does not own it.
    parser.add_argument("--peer-ip", default="10.0.0.77")
    parser.add_argument("--peer-mac", default="02:52:46:00:00:77")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("mss-zero", help=mss_zero.__doc__)
    p = commands.add_parser("small-mss", help=small_mss.__doc__)
    p.add_argument("--mss", type=int, required=True)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--bytes", type=int, default=480)
    for name, function in (("rst-burst", rst_burst), ("ack-burst", ack_burst)):
        p = commands.add_parser(name, help=function.__doc__)
        p.add_argument("--sport", type=int, required=True)
        p.add_argument("--count", type=int, required=True)
        p.add_argument("--seconds", type=float, default=1.0)
    commands.add_parser("source-route", help=source_route.__doc__)
    args = parser.parse_args()
    run = {"mss-zero": mss_zero, "small-mss": small_mss, "rst-burst": rst_burst,
           "ack-burst": ack_burst, "source-route": source_route}[args.command]
    run(Peer(args), args)


if __name__ == "__main__":
    main()
