#!/usr/bin/env bash
# UDP against the kernel's own sockets: nc gets its datagram back from the echo service on port 7,
# and a connected kernel socket is told "connection refused" after a datagram to a closed port
# (our port unreachable reached it and the kernel matched it to the socket).
source "$(dirname "$0")/lib.sh"
require_root nc
start_host

reply=$(printf 'tapstack-echo\n' | in_ns timeout 5 nc -u -w 1 10.0.0.2 7) || true
[[ $reply == tapstack-echo ]] || fail "nc -u to port 7 got '$reply' back, not 'tapstack-echo'"

# bash's /dev/udp makes a connected UDP socket: the write goes out, the port unreachable comes back,
# and the next read reports the error.
refused=$(in_ns timeout 5 bash -c 'exec 3<>/dev/udp/10.0.0.2/9; echo x >&3; read -t 2 -u 3' 2>&1) || true
[[ $refused == *"Connection refused"* ]] || fail "a datagram to closed port 9 did not give connection refused: '$refused'"

stop_host
expect_counter udp_datagrams_in 1
expect_counter udp_datagrams_out 1
expect_counter udp_no_socket 1
expect_counter icmp_unreachables_out 1
