#!/usr/bin/env bash
# SIGTERM while the kernel's curl downloads: the host closes its connections as it stops (FIN,
# then RST for what is still open a quarter of a second after the signal), so curl ends at once
# with an error for the body it did not get, rather than waiting on a host that is gone until its
# own timeout. The host itself exits within a second, its counters printed.
source "$(dirname "$0")/lib.sh"
require_root curl
start_host

# /bytes/N streams N bytes; 10^11 is more than any run sends before the signal.
in_ns curl -sS --max-time 30 --limit-rate 5M -o /dev/null http://10.0.0.2/bytes/100000000000 \
  2>"$work/curl.err" &
curl_pid=$!
sleep 1
kill -0 "$curl_pid" 2>/dev/null || fail "curl ended before the signal: $(cat "$work/curl.err")"
started=$(date +%s%N)
kill -TERM "$host_pid"
poll_until host_gone || fail "tapstack did not exit within 5 s of SIGTERM"
host_ms=$((($(date +%s%N) - started) / 1000000))
status=0
wait "$host_pid" || status=$?
host_pid=
((status == 0)) || fail "tapstack exited with status $status on SIGTERM"
((host_ms < 1000)) || fail "tapstack took $host_ms ms to stop"
# curl must be done too, at once: give it the same 5 s the host had, not its 30 s.
poll_until bash -c "! kill -0 $curl_pid 2>/dev/null" ||
  fail "curl still waits 5 s after the host stopped: the host left it hanging"
curl_ms=$((($(date +%s%N) - started) / 1000000))
curl_status=0
wait "$curl_pid" || curl_status=$?
((curl_status != 0)) || fail "curl reported success for a download the host cut short"
grep -q "^tapstack: stopped by signal 15; counters:" "$host_log" ||
  fail "tapstack printed no counters when stopped"
echo "host stopped in $host_ms ms; curl ended $curl_ms ms after the signal with status" \
  "$curl_status: $(tr -d '\n' <"$work/curl.err")"
