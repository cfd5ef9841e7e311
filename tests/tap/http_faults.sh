#!/usr/bin/env bash
# A 4 MB download from the HTTP server through tapstack's own fault injector arrives intact: the
# host loses 10% of the frames each way and holds back 5% so that later ones overtake them
# (--loss 10% --reorder 5%), and the injector's counters, printed after the host's, show both.
# Unlike http_lossy.sh, this needs nothing from the kernel (no netem, no nftables). 4 MB, not 20:
# with a tenth of the ACKs lost as well, the transfer runs at about 125 kB/s here.
source "$(dirname "$0")/lib.sh"
require_root curl sha256sum
mkdir -p "$work/www"
head -c 4000000 /dev/urandom >"$work/www/file.bin"
# A Linux-like minimum RTO: each loss that a timeout repairs costs 200 ms, not 1 s.
start_host --http-root "$work/www" --tcp-min-rto 200ms --loss 10% --reorder 5%

start=$SECONDS
[[ $(in_ns timeout 100 curl -sS http://10.0.0.2/file.bin | sha256sum) == "$(sha256sum <"$work/www/file.bin")" ]] ||
  fail "the 4 MB file came back different (or not at all) through the injected faults"
echo "4 MB intact in $((SECONDS - start)) s"

stop_host
grep -q "^tapstack: faults injected:" "$host_log" || fail "tapstack printed no fault counters"
# About 2800 full segments go out and 1400 ACKs come in: 10% and 5% of them are far above these.
expect_counter_at_least out_dropped_loss 100
expect_counter_at_least in_dropped_loss 30
expect_counter_at_least out_reordered 50
expect_counter_at_least in_reordered 20
expect_counter_at_least tcp_retransmits 100
