#!/usr/bin/env bash
# The largest echo that crosses a 1500-byte MTU whole (1472 data + 8 ICMP + 20 IP, DF set so the
# kernel cannot fragment it) comes back whole: 1480 ICMP bytes, the data unchanged.
source "$(dirname "$0")/lib.sh"
require_root
start_host
expect_replies 3 -s 1472 -M 'do' -w 10
replies=$(grep -c "^1480 bytes from $host_ip" <<<"$ping_output" || true)
((replies == 3)) || fail "expected three 1480-byte replies, got:
$ping_output"
stop_host
expect_counter ip_fragments_in 0
expect_counter ip_fragments_out 0
