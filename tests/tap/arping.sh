#!/usr/bin/env bash
# arping from the kernel's side of the tap: three ARP requests, three replies naming the host's MAC.
source "$(dirname "$0")/lib.sh"
require_root arping
# Two arpings are packaged: iputils' names the interface with -I, Thomas Habets' with -i (its -V
# takes an argument, so only iputils' prints its name here). Both print the MAC in each reply.
if arping -V 2>&1 | grep -q iputils; then interface_flag=-I; else interface_flag=-i; fi
start_host
status=0
output=$(in_ns arping -c 3 -w 10 "$interface_flag" "$tap" "$host_ip" 2>&1) || status=$?
replies=$(grep -ci "$host_mac" <<<"$output" || true)
((status == 0 && replies == 3)) ||
  fail "arping (exit status $status) did not show 3 replies from $host_mac:
$output"
stop_host
expect_counter arp_replies_out 3
