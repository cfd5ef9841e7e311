#!/usr/bin/env bash
# tapstack-nc against the kernel's nc: 300 kB sent to a kernel listener arrive byte-exact, a
# kernel client's line reaches tapstack-nc -l, and a connect to a closed port fails with status 1.
source "$(dirname "$0")/lib.sh"
require_root nc cmp
make_netns

head -c 300000 /dev/urandom >"$work/sent"
in_ns timeout 20 nc -l 10.0.0.1 9000 >"$work/received" &
kernel_listener=$!
in_ns_listens() { in_ns ss -Htln "sport = :9000" | grep -q .; }
poll_until in_ns_listens || fail "the kernel's nc did not start listening"
in_ns timeout 20 "$bin_dir/tapstack-nc" --tap "$tap" --log-level warn 10.0.0.1 9000 <"$work/sent" ||
  fail "tapstack-nc to the kernel's listener failed"
wait "$kernel_listener" || true
cmp -s "$work/sent" "$work/received" || fail "300 kB through tapstack-nc arrived different"

in_ns timeout 20 "$bin_dir/tapstack-nc" --tap "$tap" --log-level warn -l 9001 >"$work/line" &
nc_listener=$!
reached() { printf 'from-kernel\n' | in_ns timeout 2 nc -N 10.0.0.2 9001 2>/dev/null; }
poll_until reached || fail "the kernel's nc could not reach tapstack-nc -l"
wait "$nc_listener" || fail "tapstack-nc -l did not exit cleanly"
[[ $(cat "$work/line") == from-kernel ]] || fail "tapstack-nc -l printed '$(cat "$work/line")'"

status=0
out=$(in_ns timeout 10 "$bin_dir/tapstack-nc" --tap "$tap" --log-level warn 10.0.0.1 9999 \
  </dev/null 2>&1) || status=$?
((status == 1)) && [[ $out == *refused* ]] || fail "a closed port gave status $status: $out"
