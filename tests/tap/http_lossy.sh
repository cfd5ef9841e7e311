#!/usr/bin/env bash
# A 20 MB download from the HTTP server through a lossy link arrives intact: the kernel side
# loses 5% of the packets each way and, where the kernel has sch_netem, delays its own by 10 ms
# (tc qdisc ... netem loss 5% delay 10ms). Kernels without netem (this project's CI machines
# among them) get the loss from nftables instead, in both directions, and no delay.
source "$(dirname "$0")/lib.sh"
require_root curl sha256sum nft tc
mkdir -p "$work/www"
head -c 20000000 /dev/urandom >"$work/www/file.bin"
# A Linux-like minimum RTO: each loss that a timeout repairs costs 200 ms, not 1 s.
start_host --http-root "$work/www" --tcp-min-rto 200ms

# Loss on what the kernel receives (the data), by nftables.
in_ns nft -f - <<NFT
table inet lossy {
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "$tap" numgen random mod 100 < 5 counter drop
  }
}
NFT
# Loss and delay on what it sends (the ACKs): netem if the kernel has it, nftables if not.
if in_ns tc qdisc add dev "$tap" root netem loss 5% delay 10ms 2>"$work/tc.err"; then
  echo "netem: loss 5% delay 10ms on $tap"
else
  echo "no netem here ($(head -n 1 "$work/tc.err")): nftables drops 5% each way, no delay"
  in_ns nft add chain inet lossy out "{ type filter hook output priority 0; policy accept; }"
  in_ns nft add rule inet lossy out oifname "$tap" numgen random mod 100 "<" 5 counter drop
fi

start=$SECONDS
[[ $(in_ns timeout 100 curl -sS http://10.0.0.2/file.bin | sha256sum) == "$(sha256sum <"$work/www/file.bin")" ]] ||
  fail "the 20 MB file came back different (or not at all) through the lossy link"
dropped=$(in_ns nft list table inet lossy | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }')
echo "20 MB intact in $((SECONDS - start)) s; nftables dropped $dropped packets"
((dropped > 100)) || fail "only $dropped packets were dropped: the link was not lossy"

stop_host
expect_counter_at_least tcp_retransmits 100
