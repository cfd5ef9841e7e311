#!/usr/bin/env bash
# Soak (label soak, opt-in: scripts/test --soak): curl downloads 1 GB (10^9 bytes) from the HTTP
# service's /bytes/N through the fault mix of soak_echo.sh (5% loss, 3% reordering, 1%
# duplication, 0.1% corruption each way, 200 ms minimum RTO), and every byte is checked as it
# arrives (byte i is i mod 251). This is tapstack sending for a long time: once it crawled at
# 5.6 Mbit/s with thousands of timeouts. The run must finish within a bound; the time, goodput
# and the host's timeout and retransmission counters are printed, so that a slowdown shows.
#
# Environment, for trying it out: TAPSTACK_SOAK_DOWNLOAD_MB (1000, in 10^6 bytes),
# TAPSTACK_SOAK_DOWNLOAD_SEED (1), TAPSTACK_SOAK_DOWNLOAD_SECONDS (3000: the bound; no byte for
# 120 s is a stall), TAPSTACK_KEEP_DIR (/tmp: where a failure's evidence is kept).
source "$(dirname "$0")/lib.sh"
require_root curl python3

mb=${TAPSTACK_SOAK_DOWNLOAD_MB:-1000}
seed=${TAPSTACK_SOAK_DOWNLOAD_SEED:-1}
run_seconds=${TAPSTACK_SOAK_DOWNLOAD_SECONDS:-3000}
[[ $mb =~ ^[1-9][0-9]{0,5}$ ]] || fail "TAPSTACK_SOAK_DOWNLOAD_MB is '$mb': a whole number of MB"
[[ $seed =~ ^[0-9]{1,9}$ ]] || fail "TAPSTACK_SOAK_DOWNLOAD_SEED is '$seed': a whole number"
[[ $run_seconds =~ ^[1-9][0-9]{0,5}$ ]] ||
  fail "TAPSTACK_SOAK_DOWNLOAD_SECONDS is '$run_seconds': a whole number of seconds"

faults=(--loss 5% --reorder 3% --dup 1% --corrupt 0.1% --tcp-min-rto 200ms)
bytes=$((mb * 1000000))
status_log=$work/status.jsonl
echo "$mb MB from /bytes/$bytes through ${faults[*]}, seed $seed"
start_host --seed "$seed" "${faults[@]}"

# curl gives up when the checker would (the bound, or 120 s without a byte), so neither waits on
# the other; the checker's message says how far the download got.
status=0
result=$(in_ns curl -sS --max-time "$run_seconds" --speed-limit 1 --speed-time 120 \
  "http://$host_ip/bytes/$bytes" |
  in_ns python3 "$(dirname "$0")/soak_client.py" check --bytes "$bytes" --seconds "$run_seconds" \
    --status-log "$status_log") || status=$?
recovery=(tcp_rtos tcp_retransmits tcp_fast_retransmits)
if ((status != 0)); then
  end_host
  kept=$(keep_evidence "$status_log")
  fail "${result#FAIL: }
  host at exit: $(counter_list "${recovery[@]}")
  kept in $kept: the host's log and /status.json every 5 s ($(basename "$status_log"))
  reproduce: TAPSTACK_SOAK_DOWNLOAD_SEED=$seed TAPSTACK_SOAK_DOWNLOAD_MB=$mb $0 $bin_dir
    (the host ran with --seed $seed ${faults[*]})"
fi
stop_host
# The faults must have been in force, or the run proves nothing.
expect_counter_at_least in_dropped_loss 1
expect_counter_at_least out_dropped_loss 1
echo "$result; $(counter_list "${recovery[@]}")"
