#!/usr/bin/env bash
# --offload on (the default) against --offload off, as the capture on the tap shows them: with
# offloads the kernel and tapstack hand each other TCP super-segments (frames far above 1514
# bytes), tapstack leaves its TCP checksums for the kernel to complete, and 50 MB (with a capture)
# and 1 GB (without) come back intact through the echo service; with offloads off every frame is at most 1514 bytes, wire-exact. A
# fault flag turns them off too: the injector works on wire frames.
source "$(dirname "$0")/lib.sh"
require_root nc sha256sum tcpdump

# The largest frame in a capture (of those matching a tcpdump filter, if given), from tcpdump -e's
# "length N" of each frame.
largest_frame() {
  tcpdump -n -e -r "$@" 2>/dev/null | sed -n 's/.*, length \([0-9]*\): .*/\1/p' | sort -n | tail -1
}

# 50 MB through the echo service, compared byte for byte; the capture is left to the caller.
echo_intact() {
  head -c 50000000 /dev/urandom >"$work/sent"
  in_ns timeout 60 nc -N "$host_ip" 7 <"$work/sent" >"$work/received" ||
    fail "nc through the TCP echo service failed ($1)"
  [[ $(sha256sum <"$work/sent") == "$(sha256sum <"$work/received")" ]] ||
    fail "50 MB through the echo service came back different ($1: $(stat -c %s "$work/received") bytes)"
}

start_host --pcap "$work/on.pcap"
echo_intact "offloads on"
stop_host
largest=$(largest_frame "$work/on.pcap" "src host $peer_ip")
((largest > 1514)) || fail "with offloads on, the kernel sent no super-segment (largest frame $largest)"
largest=$(largest_frame "$work/on.pcap" "src host $host_ip")
((largest > 1514)) || fail "with offloads on, tapstack sent no super-segment (largest frame $largest)"
# tcpdump checks TCP checksums with -vv: the ones tapstack left to the kernel read as incorrect.
partial=$(tcpdump -n -vv -r "$work/on.pcap" "src host $host_ip and tcp" 2>/dev/null |
  grep -c "incorrect" || true)
((partial > 0)) || fail "with offloads on, tapstack summed every TCP checksum itself"

# A gigabyte each way with offloads on, through the echo service with no capture (it would hold
# all of it): 20 copies of 50 MB of random bytes, hashed going out and coming back.
stream_gigabyte() { for _ in $(seq 20); do cat "$work/sent"; done; }
start_host
expected=$(stream_gigabyte | sha256sum)
got=$(stream_gigabyte | in_ns timeout 120 nc -N "$host_ip" 7 | tee >(wc -c >"$work/gigabyte") |
  sha256sum) || fail "nc through the TCP echo service failed with a gigabyte"
stop_host
[[ $got == "$expected" ]] ||
  fail "a gigabyte through the echo service came back different ($(<"$work/gigabyte") bytes)"

start_host --offload off --pcap "$work/off.pcap"
echo_intact "offloads off"
stop_host
largest=$(largest_frame "$work/off.pcap")
((largest <= 1514)) || fail "with offloads off, the capture holds a frame of $largest bytes"
wrong=$(tcpdump -n -vv -r "$work/off.pcap" tcp 2>/dev/null | grep -c "incorrect" || true)
((wrong == 0)) || fail "with offloads off, $wrong TCP checksums in the capture are wrong"

start_host --pcap "$work/faults.pcap" --delay in:1ms
echo_intact "a fault flag"
stop_host
largest=$(largest_frame "$work/faults.pcap")
((largest <= 1514)) || fail "with a fault flag, the capture holds a frame of $largest bytes"

status=0
out=$("$bin_dir/tapstack" --tap "$tap" --offload maybe 2>&1) || status=$?
((status == 2)) && [[ $out == *"invalid value 'maybe' for --offload"* ]] ||
  fail "--offload maybe was not refused with a usage error (status $status): $out"
