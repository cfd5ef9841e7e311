#!/usr/bin/env bash
# TCP against the kernel's own sockets: 1 MB through the echo service on port 7 comes back
# byte-exact (nc half-closes when its input ends, and the service finishes after echoing), and a
# connect to a port with no listener is refused at once. Nothing is left open on either side.
source "$(dirname "$0")/lib.sh"
require_root nc sha256sum ss
start_host

head -c 1048576 /dev/urandom >"$work/sent"
in_ns timeout 30 nc -N 10.0.0.2 7 <"$work/sent" >"$work/received" ||
  fail "nc through the TCP echo service failed"
[[ $(sha256sum <"$work/sent") == "$(sha256sum <"$work/received")" ]] ||
  fail "1 MB through the echo service came back different ($(stat -c %s "$work/received") bytes)"

status=0
out=$(in_ns timeout 5 nc -z -v 10.0.0.2 81 2>&1) || status=$?
((status != 0)) && [[ $out == *"refused"* ]] || fail "a connect to closed port 81 was not refused: $out"

# The kernel closed first, so its side waits in TIME-WAIT; nothing may be stuck anywhere else.
stuck=$(in_ns ss -Htan state established state syn-sent state fin-wait-1 state fin-wait-2 state last-ack dst 10.0.0.2)
[[ -z $stuck ]] || fail "connections to 10.0.0.2 still open in the kernel: $stuck"

stop_host
expect_counter tcp_passive_opens 1
expect_counter tcp_closed_port 1
