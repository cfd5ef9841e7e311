#!/usr/bin/env bash
# Against the kernel, the SYN options are negotiated both ways, as a capture of the tap shows:
# the kernel's SYN offers mss, sackOK, TS and wscale and tapstack's SYN-ACK answers with all four;
# tapstack's own SYN (tapstack-fetch to a kernel server) offers them too; every later segment
# carries timestamps. Then 100 MB downloaded through a link losing 1% each way is repaired mostly
# by fast retransmit: fewer retransmission timeouts than fast retransmits.
source "$(dirname "$0")/lib.sh"
require_root curl tcpdump nft tc python3 ss
start_host --tcp-min-rto 200ms
: >"$work/tcpdump.err"
ip netns exec "$netns" tcpdump --immediate-mode -Z root -n -i "$tap" -w "$work/syn.pcap" -U tcp 2>"$work/tcpdump.err" &
dump_pid=$!
poll_until grep -q "listening on" "$work/tcpdump.err" || fail "tcpdump did not start"
[[ $(in_ns curl -sS -o /dev/null -w '%{size_download}' http://10.0.0.2/bytes/100000) == 100000 ]] ||
  fail "curl did not get 100000 bytes"
# tapstack's own SYN: tapstack-fetch takes the tap in the host's place and asks a kernel server.
stop_host
mkdir -p "$work/www" && head -c 1000 /dev/urandom >"$work/www/small"
ip netns exec "$netns" python3 -m http.server 8000 --bind "$peer_ip" --directory "$work/www" \
  >/dev/null 2>&1 &
server_pid=$!
listening() { in_ns ss -Htln "sport = :8000" | grep -q .; }
poll_until listening || fail "python3 http.server did not start"
in_ns timeout 30 "$bin_dir/tapstack-fetch" --tap "$tap" http://10.0.0.1:8000/small -o "$work/small.out" \
  >/dev/null 2>&1 || fail "tapstack-fetch from the kernel's server failed"
kill "$server_pid"
kill "$dump_pid"
wait "$dump_pid" 2>/dev/null || true
capture=$(tcpdump -n -r "$work/syn.pcap" 2>&1)

syn_from_kernel=$(grep -m1 "10.0.0.1.[0-9]* > 10.0.0.2.80: Flags \[S\]" <<<"$capture") ||
  fail "no SYN from the kernel in the capture:
$capture"
syn_ack=$(grep -m1 "10.0.0.2.80 > 10.0.0.1.[0-9]*: Flags \[S.\]" <<<"$capture") ||
  fail "no SYN-ACK from tapstack in the capture"
syn_from_stack=$(grep -m1 "10.0.0.2.[0-9]* > 10.0.0.1.8000: Flags \[S\]" <<<"$capture") ||
  fail "no SYN from tapstack-fetch in the capture"
for line in "$syn_from_kernel" "$syn_ack" "$syn_from_stack"; do
  for option in "mss " sackOK "TS val" wscale; do
    [[ $line == *"$option"* ]] || fail "'$option' missing from: $line"
  done
done
# After the handshake every segment of both sides carries timestamps (RFC 7323 3.2).
untimed=$(grep "Flags" <<<"$capture" | grep -v "Flags \[R" | grep -vc "TS val" || true)
((untimed == 0)) || fail "$untimed segments without timestamps:
$(grep "Flags" <<<"$capture" | grep -v "TS val" | head)"

# 100 MB through 1% loss each way, of wire segments: with offloads the kernel's rule would drop
# whole super-segments of up to 44 at a time, a burst no fast retransmit repairs alone.
start_host --tcp-min-rto 200ms --offload off
lossy_link 1
start=$SECONDS
got=$(in_ns timeout 120 curl -sS -o /dev/null -w '%{size_download}' http://10.0.0.2/bytes/100000000) ||
  fail "the 100 MB download through the lossy link failed"
[[ $got == 100000000 ]] || fail "the 100 MB download stopped at $got bytes"
echo "100 MB in $((SECONDS - start)) s through 1% loss; nftables dropped $(lossy_dropped) packets"
stop_host
fast=$(counter tcp_fast_retransmits)
rtos=$(counter tcp_rtos)
echo "fast retransmits $fast, retransmission timeouts $rtos"
((fast > 0 && rtos < fast)) || fail "expected fewer RTOs ($rtos) than fast retransmits ($fast)"
