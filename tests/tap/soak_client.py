#!/usr/bin/env python3
"""The client side of the soak tests (soak_echo.sh, soak_download.sh), run inside their namespace.

  soak_client.py echo  --bytes N --seed S --seconds T [--stall-seconds U] --status-log FILE
      One connection to the host's TCP echo service (10.0.0.2:7). Writes N bytes of a seeded
      pseudo-random stream, half-closes, and reads the echo back until the service closes,
      comparing every byte with what was sent. Random rather than a short pattern, so that bytes
      delivered at the wrong offset cannot match by chance.
  soak_client.py check --bytes N --seconds T [--stall-seconds U] --status-log FILE
      Reads stdin (curl's output of /bytes/N) and checks that exactly N bytes came, byte i being
      i mod 251, as the HTTP service generates them.

Both fail when the whole run takes over T seconds or when no byte came for U seconds (a stall),
saying how far it got. Meanwhile a thread fetches the host's /status.json every few seconds and
appends it to FILE (one JSON object a line, with the run's elapsed seconds): the record of a stall
that the host's counters at exit cannot give. The failure message ends with the line of a
snapshot taken then for the connection under test.

On success prints one line, "N bytes intact in T s, G Mbit/s"; on failure one line starting
"FAIL:" and exits 1. Connects only to 10.0.0.2, the host on the test's own tap.
"""

import argparse
import contextlib
import json
import random
import selectors
import socket
import sys
import threading
import time

HOST = "10.0.0.2"
BLOCK = 65536
STATUS_EVERY = 5.0  # seconds between /status.json snapshots


class Stream:
    """The seeded byte stream the echo client sends, in fixed blocks so that the sender and the
    checker draw the generator identically however their reads and writes are cut."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.buf = b""
        self.pos = 0

    def take(self, n):
        out = []
        while n > 0:
            if self.pos == len(self.buf):
                self.buf, self.pos = self.rng.randbytes(BLOCK), 0
            piece = self.buf[self.pos:self.pos + n]
            self.pos += len(piece)
            n -= len(piece)
            out.append(piece)
        return b"".join(out)


def mod251(offset, n):
    """Bytes offset .. offset+n-1 of the /bytes/N body: byte i is i mod 251."""
    start = offset % 251
    reps = (start + n) // 251 + 1
    return (bytes(range(251)) * reps)[start:start + n]


class StatusWatcher(threading.Thread):
    """Appends the host's /status.json to a file every STATUS_EVERY seconds until stopped, and
    keeps the last snapshot. Each fetch is its own short connection, which this side closes first
    so that the host's table is not filled with TIME-WAIT entries of its own making."""

    def __init__(self, path, started):
        super().__init__(daemon=True)
        self.path = path
        self.started = started
        self.stopping = threading.Event()
        self.last = None
        self.own_ports = set()
        self.subject = None  # (local port, remote port or None): the connection under test
        self.lock = threading.Lock()

    def fetch(self):
        with socket.create_connection((HOST, 80), timeout=10) as s:
            self.own_ports.add(s.getsockname()[1])
            s.sendall(b"GET /status.json HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n\r\n")
            data = b""
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep:
                    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), None)
                    if length is not None and len(body) >= length:
                        return json.loads(body[:length])
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        raise OSError("incomplete /status.json response")

    def record(self):
        """Takes a snapshot now and appends it (or why there is none) to the file."""
        with self.lock:
            t = round(time.monotonic() - self.started, 1)
            try:
                snap = self.fetch()
                self.last = (t, snap)
                line = {"t": t, "status": snap}
            except (OSError, ValueError) as e:
                line = {"t": t, "error": str(e)}
            with open(self.path, "a") as log:
                log.write(json.dumps(line) + "\n")

    def run(self):
        while not self.stopping.is_set():
            self.record()
            self.stopping.wait(STATUS_EVERY)

    def connection_line(self):
        """A fresh snapshot's line for the connection under test: those on its local port (and
        remote port, if known), leaving out the watcher's own fetches and TIME-WAIT leftovers."""
        self.stopping.set()
        self.record()
        if self.last is None:
            return "no /status.json snapshot was taken"
        t, snap = self.last
        local_port, remote_port = self.subject
        conns = [c for c in snap.get("connections", [])
                 if port_of(c["local"]) == local_port
                 and remote_port in (None, port_of(c["remote"]))
                 and port_of(c["remote"]) not in self.own_ports
                 and c["state"] != "TIME-WAIT"]
        if not conns:
            return f"no connection on port {local_port} in the /status.json of {t} s"
        return f"/status.json at {t} s: " + " ".join(json.dumps(c) for c in conns)


def port_of(endpoint):
    """The port of an endpoint as status.json writes it, tcpdump's way: "10.0.0.2.7"."""
    return int(endpoint.rsplit(".", 1)[1])


class Progress:
    def __init__(self, seconds, stall_seconds):
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.stall_seconds = stall_seconds
        self.done = 0
        self.last_progress = self.started

    def add(self, n):
        self.done += n
        self.last_progress = time.monotonic()

    def overdue(self):
        """Why the run should stop now, or None."""
        now = time.monotonic()
        if now >= self.deadline:
            return f"not finished within {now - self.started:.0f} s"
        if now - self.last_progress >= self.stall_seconds:
            return f"stalled: no byte for {now - self.last_progress:.0f} s"
        return None

    def summary(self):
        secs = time.monotonic() - self.started
        return (f"{self.done} bytes intact in {secs:.1f} s, "
                f"{self.done * 8 / secs / 1e6:.1f} Mbit/s")


class Failed(Exception):
    pass


def run_echo(args, progress, watcher, open_until_reported):
    sent_stream, check_stream = Stream(args.seed), Stream(args.seed)
    watcher.subject = (7, None)
    sock = open_until_reported.enter_context(socket.create_connection((HOST, 7), timeout=10))
    watcher.subject = (7, sock.getsockname()[1])
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent, pending = 0, b""
    while True:
        why = progress.overdue()
        if why:
            raise Failed(f"{why}; {progress.done} of {args.bytes} bytes back, {sent} sent")
        for _, events in sel.select(timeout=1.0):
            if events & selectors.EVENT_WRITE:
                if not pending:
                    pending = sent_stream.take(min(BLOCK, args.bytes - sent))
                try:
                    n = sock.send(pending)
                except BlockingIOError:
                    n = 0
                sent += n
                pending = pending[n:]
                if sent == args.bytes:
                    sock.shutdown(socket.SHUT_WR)
                    sel.modify(sock, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                try:
                    data = sock.recv(1 << 18)
                except BlockingIOError:
                    continue
                if not data:
                    if progress.done != args.bytes:
                        raise Failed(f"the service closed after {progress.done} of "
                                     f"{args.bytes} bytes came back")
                    return progress.summary()
                if progress.done + len(data) > sent:
                    raise Failed(f"more came back than was sent: {progress.done + len(data)}"
                                 f" bytes of {sent}")
                first_bad = mismatch(data, check_stream.take(len(data)))
                if first_bad is not None:
                    raise Failed(f"byte {progress.done + first_bad} came back different")
                progress.add(len(data))


def run_check(args, progress, watcher, _):
    watcher.subject = (80, None)
    stdin = sys.stdin.buffer.raw
    sel = selectors.DefaultSelector()
    sel.register(stdin, selectors.EVENT_READ)
    while True:
        why = progress.overdue()
        if why:
            raise Failed(f"{why}; {progress.done} of {args.bytes} bytes came")
        if not sel.select(timeout=1.0):
            continue
        data = stdin.read(1 << 18)
        if not data:
            if progress.done != args.bytes:
                raise Failed(f"the download ended after {progress.done} of {args.bytes} bytes")
            return progress.summary()
        if progress.done + len(data) > args.bytes:
            raise Failed(f"more than {args.bytes} bytes came")
        first_bad = mismatch(data, mod251(progress.done, len(data)))
        if first_bad is not None:
            raise Failed(f"byte {progress.done + first_bad} is not its offset mod 251")
        progress.add(len(data))


def mismatch(got, expected):
    """The offset of the first byte that differs, or None."""
    if got == expected:
        return None
    return next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["echo", "check"])
    parser.add_argument("--bytes", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--stall-seconds", type=float, default=120)
    parser.add_argument("--status-log", required=True)
    args = parser.parse_args()
    if not 0 < args.bytes <= 10**12:
        parser.error("--bytes must be between 1 and 10^12")

    progress = Progress(args.seconds, args.stall_seconds)
    watcher = StatusWatcher(args.status_log, progress.started)
    watcher.start()
    run = run_echo if args.mode == "echo" else run_check
    # The connection under test stays open until the failure is reported: closing it with unread
    # data would reset it before the snapshot that shows how it stood.
    with contextlib.ExitStack() as open_until_reported:
        try:
            print(run(args, progress, watcher, open_until_reported))
        except Failed as e:
            print(f"FAIL: {e}; {watcher.connection_line()}")
            return 1
        except OSError as e:
            print(f"FAIL: {e} after {time.monotonic() - progress.started:.0f} s, with "
                  f"{progress.done} of {args.bytes} bytes checked; {watcher.connection_line()}")
            return 1
        finally:
            watcher.stopping.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
