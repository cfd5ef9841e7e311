#!/usr/bin/env bash
# The gdb pretty-printers (scripts/gdb) as a learner meets them: gdb in batch mode runs
# tapstack-sim's churn scenario (one connection, ten bytes each way, in virtual time), stops at the
# three named breakpoints, by the short names a learner types (change_state, segment_arrives,
# segment_departs), and at the Ethernet layer, prints the TCB, the state, segments, IPv4 headers,
# sequence numbers, timers, frames and the socket table, and this script checks the text. Needs
# gdb (skips with 77 without it), not root.
# Usage: gdb_printers.sh BIN_DIR
set -euo pipefail
bin_dir=${1:?usage: gdb_printers.sh BIN_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb is not installed (sudo scripts/setup)"; exit 77; }
[[ -x $bin_dir/tapstack-sim ]] || { echo "FAIL: no $bin_dir/tapstack-sim"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/commands.gdb" <<'GDB'
set pagination off
set confirm off
set print frame-arguments none
break change_state
commands
silent
printf "== change_state\n"
print to
tcp-tcb
print *this
continue
end
break segment_arrives
commands
silent
printf "== segment_arrives\n"
print seg
print seg.ack
tcp-tcb
printf "== the IPv4 header it came in\n"
up
print packet.header
continue
end
break segment_departs
commands
silent
printf "== segment_departs\n"
print seg
print seg.seq
continue
end
break tapstack::ethernet_layer::send
commands
silent
printf "== ethernet_layer::send\n"
print f
continue
end
break tapstack::ethernet_layer::pop_transmit
commands
silent
if tx_head_ < tx_._M_impl._M_finish - tx_._M_impl._M_start
printf "== ethernet_layer::pop_transmit\n"
print tx_._M_impl._M_start[tx_head_]
end
continue
end
run
GDB

status=0
timeout 50 gdb -nx -q -batch -x "$repo/scripts/gdb/tapstack.py" -x "$work/commands.gdb" \
  --args "$bin_dir/tapstack-sim" --scenario churn --connections 1 --request-size 10 \
  --response-size 10 >"$work/out" 2>&1 || status=$?

failures=0
expect() {  # DESCRIPTION EXTENDED-REGEX: some line of gdb's output matches
  if grep -qE -- "$2" "$work/out"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: no line matches /$2/"
    failures=$((failures + 1))
  fi
}

((status == 0)) || { echo "FAIL: gdb exited $status"; failures=$((failures + 1)); }

# Every state change, in order: the handshake (the client's SYN-SENT, the server's child in
# SYN-RECEIVED, both ESTABLISHED), the client closing first (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT),
# the server passive (CLOSE-WAIT, LAST-ACK), both CLOSED: RFC 9293 figure 5, as RFC spells it.
states=$(awk '/^== change_state$/ { getline; sub(/^\$[0-9]+ = /, ""); printf "%s ", $0 }' "$work/out")
want="SYN-SENT SYN-RECEIVED ESTABLISHED ESTABLISHED FIN-WAIT-1 CLOSE-WAIT LAST-ACK FIN-WAIT-2 TIME-WAIT CLOSED CLOSED "
if [[ $states == "$want" ]]; then
  echo "ok: the state changes, in order: $states"
else
  echo "FAIL: state changes: got '$states', want '$want'"
  failures=$((failures + 1))
fi

ep='10\.0\.0\.1\.[0-9]+'
# At the first stop, connect() has chosen the ISN and sent nothing: the TCB is still CLOSED, its
# SYN will take sequence number iss, so snd.nxt is iss+1 and printed relative as 1.
expect "the client's TCB before its first change, relative to the ISNs" \
  "^CLOSED $ep > 10\\.0\\.0\\.2\\.5001 snd\\.una=0 snd\\.nxt=1 snd\\.wnd=0 rcv\\.nxt=0 rcv\\.wnd=0 cwnd=[0-9]+ ssthresh=inf rto=1s$"
expect "the TCB's ISN, raw and relative" "^  iss +[0-9]+ \\(iss\\+0\\)$"
# Ten bytes are a short segment: Nagle's mark (snd.sml) moves to their end once they go.
expect "Nagle's mark after the ten-byte request" "^  snd\\.sml +[0-9]+ \\(iss\\+11\\)$"
expect "the server's TCB entering ESTABLISHED" \
  "^SYN-RECEIVED 10\\.0\\.0\\.2\\.5001 > $ep snd\\.una=1 snd\\.nxt=1 "
expect "the options both SYNs agreed" "^  options +wscale snd [0-9]+ rcv [0-9]+, sackOK, timestamps \\(TS\\.Recent [0-9]+\\)$"
expect "TIME-WAIT's end: the record, with its deadline" \
  "^TIME-WAIT record $ep > 10\\.0\\.0\\.2\\.5001 snd\\.nxt=[0-9]+ rcv\\.nxt=[0-9]+ until [0-9]+\\.[0-9]{6}$"
expect "the SYN in tcpdump notation, as it departs" \
  "^\\\$[0-9]+ = Flags \\[S\\], seq [0-9]+, win [0-9]+, options \\[mss 1460,sackOK,TS val [0-9]+ ecr 0,nop,wscale [0-9]+\\], length 0$"
expect "the SYN-ACK in tcpdump notation, as it arrives" \
  "^\\\$[0-9]+ = Flags \\[S\\.\\], seq [0-9]+, ack [0-9]+, win [0-9]+, options \\[mss 1460,sackOK,TS val [0-9]+ ecr [0-9]+,nop,wscale [0-9]+\\], length 0$"
expect "a data segment: seq:end and ack, ten bytes" \
  "^\\\$[0-9]+ = Flags \\[P\\.\\], seq [0-9]+:[0-9]+, ack [0-9]+, win [0-9]+, options \\[nop,nop,TS val [0-9]+ ecr [0-9]+\\], length 10$"
expect "the SYN-ACK's ack, relative to the client's ISN" "^\\\$[0-9]+ = [0-9]+ \\(iss\\+1\\)$"
expect "a departing segment's seq, relative to the sender's ISN" "^\\\$[0-9]+ = [0-9]+ \\(iss\\+11\\)$"
# The client gets the SYN-ACK about 3 ms after sending its SYN: the 1 s retransmission timer that
# connect() started at 0 fires at 1.000000, some 997 ms later.
expect "the SYN's retransmission timer against virtual now" \
  "^  retransmit +fires in 99[0-9]\\.[0-9]+ms \\(at 1\\.000000\\)$"
expect "an idle timer" "^  persist +off$"
expect "the socket table: an established connection, relative numbers" \
  "^  $ep > 10\\.0\\.0\\.2\\.5001 ESTABLISHED snd\\.una=11 snd\\.nxt=11 rcv\\.nxt=11 cwnd=[0-9]+ socket [0-9]+$"
expect "the socket table: the listener" "^  listening 0\\.0\\.0\\.0\\.5001 socket [0-9]+, [0-9]+ in SYN-RECEIVED$"
expect "the socket table: a child waiting for accept" \
  "^  10\\.0\\.0\\.2\\.5001 > $ep SYN-RECEIVED .* \\(to be accepted on socket [0-9]+\\)$"
expect "an ipv4_repr: the header a segment arrived in" \
  "^\\\$[0-9]+ = IPv4 10\\.0\\.0\\.1 > 10\\.0\\.0\\.2, proto TCP \\(6\\), ttl 64, id [0-9]+, length 60$"
expect "a frame's IPv4 layer" "^  IPv4 10\\.0\\.0\\.1 > 10\\.0\\.0\\.2, proto TCP \\(6\\), ttl [0-9]+, id [0-9]+, length 60$"
expect "a frame's TCP layer" "^  TCP [0-9]+ > 5001: Flags \\[S\\], seq [0-9]+, win [0-9]+, options \\[mss 1460,"
expect "a frame's Ethernet layer" "^  Ethernet ([0-9a-f]{2}:){5}[0-9a-f]{2} > ([0-9a-f]{2}:){5}[0-9a-f]{2}, ethertype IPv4 \\(0x0800\\), length [0-9]+$"
expect "an ARP request in a frame" "^  ARP, Request who-has 10\\.0\\.0\\.2 tell 10\\.0\\.0\\.1, length 28$"
expect "the TCB shows the current time" "^  now +[0-9]+\\.[0-9]{6}$"

if ((failures)); then
  echo "--- gdb's output ---"
  cat "$work/out"
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
