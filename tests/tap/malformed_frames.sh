#!/usr/bin/env bash
# A barrage of malformed frames (see tests/support/inject_frames.cpp: every check of the receive
# path, every truncation, seeded random bit flips) leaves the host running and answering every ping,
# and each curated frame shows up in the counters it prints on exit under its drop reason.
source "$(dirname "$0")/lib.sh"
require_root
start_host
# The host learns the kernel's MAC before the barrage, as a real host would have.
expect_replies 3 -i 0.05 -w 5
in_ns "$bin_dir/inject-frames" --interface "$tap" --count 2000 --seed 7 >"$work/expect" ||
  fail "inject-frames failed: $(cat "$work/expect")"
host_running || fail "tapstack died under the barrage"
expect_replies 20 -i 0.01 -w 10
stop_host
cat "$work/expect"
while read -r word name least; do
  [[ $word != expect ]] || expect_counter_at_least "$name" "$least"
done <"$work/expect"
expect_counter_at_least ip_bad_checksum 1
expect_counter_at_least icmp_bad_checksum 1
