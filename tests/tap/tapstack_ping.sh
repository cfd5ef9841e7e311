#!/usr/bin/env bash
# tapstack-ping pings the kernel from the stack: every request answered, iputils' summary printed,
# exit status 0; an address nobody holds gets no reply and exit status 1.
source "$(dirname "$0")/lib.sh"
require_root
make_netns

out=$(in_ns timeout 20 "$bin_dir/tapstack-ping" --tap "$tap" -c 3 -i 0.05 "$peer_ip" 2>&1) ||
  fail "tapstack-ping $peer_ip failed: $out"
grep -q "^3 packets transmitted, 3 received, 0% packet loss" <<<"$out" ||
  fail "tapstack-ping $peer_ip did not get 3 replies: $out"
grep -q "^64 bytes from $peer_ip: icmp_seq=3 ttl=64 time=" <<<"$out" ||
  fail "tapstack-ping printed no reply line for seq 3: $out"
grep -q "^rtt min/avg/max/mdev = " <<<"$out" || fail "tapstack-ping printed no rtt summary: $out"

# 4000 bytes of data: our request leaves in fragments, the kernel's reply arrives in fragments.
out=$(in_ns timeout 20 "$bin_dir/tapstack-ping" --tap "$tap" -c 2 -i 0.05 -s 4000 "$peer_ip" 2>&1) ||
  fail "tapstack-ping -s 4000 $peer_ip failed: $out"
grep -q "^4008 bytes from $peer_ip: icmp_seq=2" <<<"$out" || fail "no 4008-byte reply: $out"

status=0
out=$(in_ns timeout 20 "$bin_dir/tapstack-ping" --tap "$tap" -c 1 -W 0.5 10.0.0.99 2>&1) || status=$?
((status == 1)) || fail "tapstack-ping to an absent host exited $status, not 1: $out"
grep -q "^1 packets transmitted, 0 received, 100% packet loss" <<<"$out" ||
  fail "tapstack-ping to an absent host did not report the loss: $out"
