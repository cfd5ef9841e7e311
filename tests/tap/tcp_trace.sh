#!/usr/bin/env bash
# --tcp-trace: the host records the congestion trace of a 5 MB download that curl fetched from
# /bytes/N. Once the host is stopped with SIGTERM the CSV is complete: its header, then rows of
# ten fields in time order, with ack rows for the download's connection. scripts/plot-tcp draws
# it as a PNG (skipped without gnuplot). /status.json reports the congestion figures of its own
# connection, and an unwritable --tcp-trace file is one line on stderr and exit status 1.
source "$(dirname "$0")/lib.sh"
require_root curl python3
trace=$work/trace.csv
# Wire-sized segments, as the lesson draws them: with offloads the kernel acknowledges the host's
# super-segments, a few ACKs for what would be hundreds.
start_host --tcp-trace "$trace" --offload off

[[ $(in_ns timeout 60 curl -sS -o /dev/null -w '%{size_download}' http://10.0.0.2/bytes/5000000) == 5000000 ]] ||
  fail "/bytes/5000000 did not send 5000000 bytes"

# The status request's own connection, as the page sees it: NewReno by default, the options the
# kernel offers (SACK, timestamps, window scaling), no loss, so ssthresh is still unbounded.
in_ns timeout 60 curl -sS http://10.0.0.2/status.json >"$work/status.json" ||
  fail "GET /status.json failed"
python3 - "$work/status.json" <<'PY' || fail "/status.json lacks the congestion figures: $(cat "$work/status.json")"
import json, sys
status = json.load(open(sys.argv[1]))
mine = [c for c in status["connections"] if c["local"] == "10.0.0.2.80" and c["state"] == "ESTABLISHED"]
assert mine, "no ESTABLISHED connection on port 80"
c = mine[0]
assert c["congestion"] == "newreno" and c["ssthresh"] is None and c["in_recovery"] is False
assert c["cwnd"] > 0 and c["fast_retransmits"] == 0 and c["timeouts"] == 0
assert c["sack"] is True and c["timestamps"] is True
assert isinstance(c["snd_wscale"], int) and isinstance(c["rcv_wscale"], int)
PY
stop_host

[[ -s $trace ]] || fail "--tcp-trace wrote nothing to $trace"
[[ $(tail -c 1 "$trace" | od -An -tx1 | tr -d ' ') == 0a ]] ||
  fail "the trace ends in the middle of a line: it was not flushed when the host stopped"
[[ $(head -n 1 "$trace") == time_s,connection,event,state,cwnd,ssthresh,bytes_in_flight,srtt_ms,rto_ms,retransmits ]] ||
  fail "the trace's header is wrong: $(head -n 1 "$trace")"
shape=$(awk -F, 'NR == 1 { next } NF != 10 || $1 + 0 < last { print NR ": " $0; exit } { last = $1 + 0 }' "$trace")
[[ -z $shape ]] || fail "trace line $shape: not ten fields, or earlier than the line before"

# The download's connection: the host's port 80 to curl's port, ACKed in pieces of at most a few
# segments, so well over a thousand ack rows for 5 MB.
download=$(awk -F, 'NR > 1 && $2 ~ /^10\.0\.0\.2\.80>10\.0\.0\.1\.[0-9]+$/ && $3 == "ack" { n[$2]++ }
  END { for (c in n) if (n[c] > best) { best = n[c]; conn = c }; print best + 0, conn }' "$trace")
acks=${download%% *}
connection=${download#* }
echo "trace: $(($(wc -l <"$trace") - 1)) rows; $acks ack rows for $connection"
((acks >= 1000)) || fail "only $acks ack rows for the download's connection in $trace"

if command -v gnuplot >/dev/null 2>&1; then
  plot_tcp=$(dirname "$0")/../../scripts/plot-tcp
  "$plot_tcp" "$trace" -o "$work/trace.png" || fail "scripts/plot-tcp failed on the trace"
  [[ -s $work/trace.png ]] || fail "scripts/plot-tcp wrote an empty PNG"
  [[ $(head -c 8 "$work/trace.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
    fail "scripts/plot-tcp wrote something that is not a PNG"
  echo "plot-tcp: $(stat -c %s "$work/trace.png") bytes of PNG"
else
  echo "gnuplot is not installed (sudo scripts/setup installs it): not drawing the trace"
fi

# The tap is still there: only the file is wrong.
status=0
in_ns timeout 10 "$bin_dir/tapstack" --tap "$tap" --tcp-trace "$work/no/such/dir/trace.csv" \
  >"$work/out" 2>"$work/err" || status=$?
((status == 1)) && (($(wc -l <"$work/err") == 1)) &&
  grep -qF "cannot write TCP trace file '$work/no/such/dir/trace.csv': No such file or directory" "$work/err" ||
  fail "an unwritable --tcp-trace exited $status with stderr: $(cat "$work/err")"
