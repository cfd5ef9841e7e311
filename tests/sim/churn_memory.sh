#!/usr/bin/env bash
# Memory that follows use, at the scale of a churn: tapstack-sim runs 20,000 connections one after
# another (TIME-WAIT holds about 10,000 of them at a time from the 10,000th on) and must end with
# every response intact, both hosts holding nothing, and the process's resident memory within 10%
# of what it was after the first 10,000. The million-connection run (README) is the same check,
# too long for every test run.
# Usage: churn_memory.sh PATH_TO_TAPSTACK_SIM
set -euo pipefail
sim=${1:?usage: $0 PATH_TO_TAPSTACK_SIM}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Under AddressSanitizer, freed memory waits in its quarantine (up to 256 MB) before reuse, so the
# resident memory would measure how much the run has freed so far, not what it holds: none then.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
out=$("$sim" --scenario churn --connections 20000 --report-memory) || fail "not intact: $out"
printf '%s\n' "$out" | grep -q '^held at the end   nothing$' ||
  fail "the hosts hold something: $(printf '%s\n' "$out" | grep '^held')"
# "resident memory   24508 kB after 10000 connections, 24516 kB at the end (+0.0%)"
read -r early end < <(printf '%s\n' "$out" | awk '/^resident memory/ { print $3, $8 }')
[[ $early =~ ^[0-9]+$ && $end =~ ^[0-9]+$ ]] || fail "no resident memory figures in: $out"
((end * 10 <= early * 11)) || fail "resident memory grew from $early kB to $end kB"
echo "resident memory $early kB after 10000 connections, $end kB after 20000; held nothing"
