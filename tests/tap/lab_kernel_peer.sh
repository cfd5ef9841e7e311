#!/usr/bin/env bash
# tapstack-lab nagle --kernel-peer: the Linux kernel's TCP, as the client, sends each request as
# two small writes to a tapstack server on the tap and waits for the reply. Four JSON lines come
# out, one per combination of Nagle (the kernel's TCP_NODELAY) and delayed ACK (tapstack's), and
# the numbers tell the lesson: both on, each request waits for tapstack's 40 ms delayed-ACK timer;
# both off, it takes a round trip on the tap, well under a millisecond.
#
# The bands are wide on purpose. Both on, the kernel holds the body until the header's ACK (its
# Nagle test is Minshall's: one small segment unacknowledged), and only the timer sends that ACK:
# 40 ms, so at least 30 even with a coarse clock, and under 100 unless the machine stalls. Both
# off, nothing waits: under 30 ms however loaded the machine is. The mixed cases depend on
# nothing the kernel may change (Nagle alone waits for an immediate ACK; delayed ACK alone is
# answered by the reply), so they are held to the same bound as both off.
source "$(dirname "$0")/lib.sh"
require_root
lab=$bin_dir/tapstack-lab
[[ -x $lab ]] || fail "$lab is not built"
make_netns

status=0
out=$(in_ns timeout 60 "$lab" nagle --kernel-peer --tap "$tap" --json --requests 20 \
  2>"$host_log") || status=$?
((status == 0)) || fail "tapstack-lab nagle --kernel-peer exited with status $status: $out"

# at_least A B: A >= B, for decimals.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

re='^\{"nagle": (true|false), "delayed_ack": (true|false), "median_ms": ([0-9]+\.[0-9]+), "p99_ms": ([0-9]+\.[0-9]+), "requests": 20\}$'
declare -A median
lines=0
while IFS= read -r line; do
  lines=$((lines + 1))
  [[ $line =~ $re ]] || fail "not a result line: '$line' in:
$out"
  key=${BASH_REMATCH[1]},${BASH_REMATCH[2]}
  median[$key]=${BASH_REMATCH[3]}
  p99=${BASH_REMATCH[4]}
  at_least "$p99" "${median[$key]}" || fail "p99 below the median: $line"
  at_least "${median[$key]}" 0.001 || fail "a request took no time: $line"
done <<<"$out"
((lines == 4 && ${#median[@]} == 4)) || fail "expected one line per combination, got:
$out"

at_least "${median[true,true]}" 30 || fail "Nagle and delayed ACK both on: median ${median[true,true]} ms, expected the 40 ms timer:
$out"
at_least 100 "${median[true,true]}" || fail "Nagle and delayed ACK both on: median ${median[true,true]} ms, expected about 40:
$out"
for key in true,false false,true false,false; do
  ! at_least "${median[$key]}" 30 || fail "nagle,delayed_ack = $key: median ${median[$key]} ms, expected well under 30:
$out"
done
