#!/usr/bin/env bash
# A SYN flood against the HTTP server: hping3 floods port 80 for 10 s with SYNs from an address
# that never answers (10.0.0.99, inside the namespace; nobody has it, so the SYN-ACKs go nowhere
# and every half-open connection would wait out its retransmissions), while curl fetches / again
# and again. Without SYN cookies the 128 half-open connections fill the listener's backlog in a
# moment and no real client gets a SYN-ACK; with them every curl succeeds, and the host counts the
# cookies it sent and the connections that came back with one.
source "$(dirname "$0")/lib.sh"
require_root curl hping3
start_host

in_ns timeout 10 hping3 --flood --quiet -S -p 80 -a 10.0.0.99 10.0.0.2 >"$work/hping3.log" 2>&1 &
flood_pid=$!
sleep 1  # the backlog fills before the first fetch
fetches=0
while kill -0 "$flood_pid" 2>/dev/null && ((fetches < 20)); do
  code=$(in_ns curl -sS --max-time 8 -o /dev/null -w '%{http_code}' http://10.0.0.2/) ||
    fail "curl $((fetches + 1)) failed during the SYN flood"
  [[ $code == 200 ]] || fail "curl $((fetches + 1)) got HTTP $code during the SYN flood"
  fetches=$((fetches + 1))
done
wait "$flood_pid" || true
((fetches >= 5)) || fail "only $fetches fetches fitted in the 10 s flood"

stop_host
expect_counter_at_least tcp_syn_cookies_sent 1000
echo "$fetches fetches during the flood, all answered; $(counter_list tcp_syn_cookies_sent \
  tcp_syn_cookies_validated tcp_listen_overflow tcp_connection_limit)"
