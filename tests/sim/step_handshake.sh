#!/usr/bin/env bash
# tapstack-sim --step, driven as a learner drives it: the program prints an event and waits; the
# script presses Enter only after reading it. The first events must each wait for their Enter
# (nothing more is printed in the meantime), and the state changes printed over a connection's
# life are RFC 9293's, in order, for both ends: the three-way handshake, the client's active close
# through FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT, the server's passive close through CLOSE-WAIT and
# LAST-ACK.
# Usage: step_handshake.sh PATH_TO_TAPSTACK_SIM
set -euo pipefail
sim=${1:?usage: $0 PATH_TO_TAPSTACK_SIM}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

coproc SIM { "$sim" --step --scenario churn --connections 1 --request-size 10 --response-size 20; }
sim_pid=$SIM_PID
# Bash forgets the coprocess's descriptors once it exits: keep copies of our own.
exec {from_sim}<&"${SIM[0]}" {to_sim}>&"${SIM[1]}"
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
out=
events=0
# How long an event that does not wait would take to show: far above what printing one line
# takes, and only ever a pass when the machine is slow, never a false failure.
quiet=0.3
while IFS= read -r -t 30 line <&"$from_sim"; do
  out+=$line$'\n'
  [[ $line =~ ^\ *[0-9]+\ \  ]] || continue
  events=$((events + 1))
  if ((events <= 8)); then
    if IFS= read -r -t "$quiet" early <&"$from_sim"; then
      fail "event $events did not wait for Enter: '$early' followed at once"
    fi
    echo >&"$to_sim"
  elif ((events == 9)); then
    echo c >&"$to_sim"  # run on to the end
  fi
done
wait "$sim_pid" || fail "tapstack-sim --step exited with status $?:
$out"
trap - EXIT

grep -q '^intact  *yes' <<<"$out" || fail "the run did not end intact:
$out"
changes() { grep -o "$1:[0-9]* [A-Z0-9-]* -> [A-Z0-9-]*" <<<"$out" | cut -d' ' -f2- | paste -sd,; }
expect() {  # WHO EXPECTED
  local got
  got=$(changes "$1")
  [[ $got == "$2" ]] || fail "$1's state changes were '$got', expected '$2':
$out"
}
expect client "CLOSED -> SYN-SENT,SYN-SENT -> ESTABLISHED,ESTABLISHED -> FIN-WAIT-1,FIN-WAIT-1 -> FIN-WAIT-2,FIN-WAIT-2 -> TIME-WAIT,TIME-WAIT -> CLOSED"
expect server "LISTEN -> SYN-RECEIVED,SYN-RECEIVED -> ESTABLISHED,ESTABLISHED -> CLOSE-WAIT,CLOSE-WAIT -> LAST-ACK,LAST-ACK -> CLOSED"
# The handshake's segments arrive in order: SYN at the server, SYN-ACK at the client, then ACK.
handshake=$(grep -oE '(server|client)  got    IP [0-9.]+ > [0-9.]+: Flags \[(S|S\.|\.)\]' <<<"$out" |
  head -3 | sed -E 's/ *got +IP [0-9.]+ > [0-9.]+: Flags / /' | paste -sd,)
[[ $handshake == "server [S],client [S.],server [.]" ]] ||
  fail "the handshake arrived as '$handshake', expected 'server [S],client [S.],server [.]'"

# A timer's line says which timer it was: with the client's SYN lost, the retransmission timer
# resends it after RFC 6298's initial RTO of one second.
lost_syn=$(printf 'c\n' | "$sim" --step --scenario churn --connections 1 --drop-nth out:3)
grep -qE '^ +[0-9]+  1\.000000  client  timer  retransmission timeout: the SYN or SYN-ACK again' \
  <<<"$lost_syn" || fail "no retransmission timer line for the lost SYN:
$lost_syn"
echo "$events events; both ends went through RFC 9293's states in order; the lost SYN's timer is named"
