#!/usr/bin/env bash
# Twenty pings 10 ms apart are each answered exactly once: the host keeps up and loses nothing.
source "$(dirname "$0")/lib.sh"
require_root
start_host
expect_replies 20 -i 0.01 -w 10
stop_host
expect_counter icmp_echo_requests_in 20
expect_counter icmp_echo_replies_out 20
