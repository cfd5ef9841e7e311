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
