#!/usr/bin/env bash
# Once the kernel has forgotten the host's MAC, its very first ping is still answered: the host
# answers the kernel's ARP request at once, and then the echo request that waited for it.
source "$(dirname "$0")/lib.sh"
require_root
start_host
expect_replies 1 -w 5
in_ns ip neigh flush dev "$tap"
! in_ns ip neigh show "$host_ip" dev "$tap" | grep -q lladdr ||
  fail "ip neigh flush left the host's entry in place"
expect_replies 1 -W 2
in_ns ip neigh show "$host_ip" dev "$tap" | grep -q "lladdr $host_mac" ||
  fail "the kernel did not relearn $host_mac for $host_ip"
stop_host
# One request per resolution: the host answered the kernel's first ask both times, no retry needed.
expect_counter arp_requests_in 2
expect_counter arp_replies_out 2
