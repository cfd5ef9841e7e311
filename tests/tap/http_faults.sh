#!/usr/bin/env bash
# A 20 MB download from the HTTP server through tapstack's own fault injector arrives intact: the
# host loses 10% of the frames each way and holds back 5% so that later ones overtake them
# (--loss 10% --reorder 5%), and the injector's counters, printed after the host's, show both.
# Unlike http_lossy.sh, this needs nothing from the kernel (no netem, no nftables).
source "$(dirname "$0")/lib.sh"
require_root curl sha256sum
mkdir -p "$work/www"
head -c 20000000 /dev/urandom >"$work/www/file.bin"
# At 10% loss both ways the window stays at a few segments, too few for three duplicate ACKs after
# many of the losses, so hundreds of them are repaired by the retransmission timer. The round trip
# through a tap is about 50 us: a 10 ms minimum RTO is still 200 of them, and the download takes
# seconds where Linux's 200 ms would take minutes.
start_host --http-root "$work/www" --tcp-min-rto 10ms --loss 10% --reorder 5%

start=$SECONDS
[[ $(in_ns timeout 100 curl -sS http://10.0.0.2/file.bin | sha256sum) == "$(sha256sum <"$work/www/file.bin")" ]] ||
  fail "the 20 MB file came back different (or not at all) through the injected faults"
echo "20 MB intact in $((SECONDS - start)) s"

stop_host
grep -q "^tapstack: faults injected:" "$host_log" || fail "tapstack printed no fault counters"
# About 14000 full segments go out and 7000 ACKs come in: 10% and 5% of them are far above these.
expect_counter_at_least out_dropped_loss 1000
expect_counter_at_least in_dropped_loss 300
expect_counter_at_least out_reordered 400
expect_counter_at_least in_reordered 150
expect_counter_at_least tcp_retransmits 1000
