#!/usr/bin/env bash
# --pcap records what crossed the tap: tcpdump reads the file back and finds the host's announcement
# of itself, the kernel's ARP request and its reply, and each echo request with its own reply.
source "$(dirname "$0")/lib.sh"
require_root tcpdump
pcap=$work/host.pcap
start_host --pcap "$pcap"
expect_replies 5 -i 0.05 -w 10
stop_host
icmp=$(tcpdump -n -r "$pcap" icmp 2>&1) || fail "tcpdump cannot read $pcap: $icmp"
arp=$(tcpdump -n -r "$pcap" arp 2>&1) || fail "tcpdump cannot read $pcap: $arp"
expect_lines() {  # COUNT TEXT OUTPUT
  local found
  found=$(grep -cF -- "$2" <<<"$3" || true)
  ((found == $1)) || fail "expected $1 line(s) with '$2' in tcpdump -r, found $found:
$3"
}
for seq in 1 2 3 4 5; do
  expect_lines 1 "$peer_ip > $host_ip: ICMP echo request, id" "$(grep "seq $seq," <<<"$icmp")"
  expect_lines 1 "$host_ip > $peer_ip: ICMP echo reply, id" "$(grep "seq $seq," <<<"$icmp")"
done
expect_lines 10 "ICMP echo" "$icmp"
expect_lines 1 "Request who-has $host_ip tell $host_ip" "$arp"
expect_lines 1 "Request who-has $host_ip tell $peer_ip" "$arp"
expect_lines 1 "Reply $host_ip is-at $host_mac" "$arp"

# With a fault flag the capture is pcapng whatever its name, and each frame a fault met carries a
# comment (Wireshark shows it): here every frame the host sends goes out twice. The capture holds
# each reply once, as the host sent it, and ping sees them twice (it may exit before the last copy).
pcapng=$work/faults.pcap
start_host --pcap "$pcapng" --dup out:100%
ping_output=$(in_ns ping -n -c 3 -i 0.05 -w 10 "$host_ip" 2>&1) || true
stop_host
grep -qE "3 received, \+[23] duplicates" <<<"$ping_output" || fail "ping saw no duplicates:
$ping_output"
[[ $(head -c 4 "$pcapng" | od -An -tx1 | tr -d ' ') == 0a0d0d0a ]] ||
  fail "--pcap with a fault flag did not write pcapng"
icmp=$(tcpdump -n -r "$pcapng" icmp 2>&1) || fail "tcpdump cannot read $pcapng: $icmp"
expect_lines 3 "$host_ip > $peer_ip: ICMP echo reply, id" "$icmp"
comments=$(grep -aoF "tapstack fault injector, out: duplicated: the wire carries it twice" \
  "$pcapng" | wc -l)
# The announcement, the ARP reply and the three echo replies at least.
((comments >= 5)) || fail "expected a comment on each frame the host sent, found $comments"
