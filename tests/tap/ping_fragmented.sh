#!/usr/bin/env bash
# Pings larger than the tap's 1500-byte MTU: the kernel sends each echo request in fragments, the
# host reassembles it and sends the reply in fragments, which the kernel reassembles in turn.
# ping -s 4000 is 4008 ICMP bytes, 3 fragments each way; -s 20000 is 20008 bytes, 14 fragments.
source "$(dirname "$0")/lib.sh"
require_root
start_host

expect_replies 3 -s 4000 -i 0.2 -w 10
replies=$(grep -c "^4008 bytes from $host_ip" <<<"$ping_output" || true)
((replies == 3)) || fail "expected three 4008-byte replies, got:
$ping_output"

expect_replies 3 -s 20000 -i 0.2 -w 10
replies=$(grep -c "^20008 bytes from $host_ip" <<<"$ping_output" || true)
((replies == 3)) || fail "expected three 20008-byte replies, got:
$ping_output"

stop_host
expect_counter ip_fragments_in $((3 * 3 + 3 * 14))
expect_counter ip_reassembled 6
expect_counter icmp_echo_replies_out 6
expect_counter ip_fragments_out $((3 * 3 + 3 * 14))
for reason in ip_frag_overlap ip_frag_duplicate ip_frag_bad_length ip_frag_too_big \
  ip_frag_timeout ip_frag_limit ip_too_big; do
  expect_counter "$reason" 0
done
