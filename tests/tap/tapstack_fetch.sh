#!/usr/bin/env bash
# tapstack-fetch downloads 50 MB intact from a kernel-side HTTP server (python3 -m http.server),
# finding the server by a name that a dnsmasq in the namespace resolves; a missing file is a 404
# and exit status 1.
source "$(dirname "$0")/lib.sh"
require_root python3 dnsmasq ss sha256sum
make_netns
mkdir -p "$work/www"
head -c 50000000 /dev/urandom >"$work/www/big.bin"

in_ns python3 -m http.server 8000 --bind "$peer_ip" --directory "$work/www" >/dev/null 2>&1 &
in_ns dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
  --listen-address="$peer_ip" --port=53 --pid-file="$work/dnsmasq.pid" \
  --log-facility="$work/dnsmasq.log" --host-record=files.example.test,"$peer_ip" &
listening() { in_ns ss -Htln "sport = :8000" | grep -q . && in_ns ss -Hlun "sport = :53" | grep -q .; }
poll_until listening || fail "the HTTP server or dnsmasq did not start"

fetch() { in_ns timeout 60 "$bin_dir/tapstack-fetch" --tap "$tap" --log-level warn "$@"; }
fetch http://files.example.test:8000/big.bin -o "$work/fetched" 2>"$work/summary" ||
  fail "tapstack-fetch failed: $(cat "$work/summary")"
[[ $(sha256sum <"$work/fetched") == "$(sha256sum <"$work/www/big.bin")" ]] ||
  fail "the 50 MB file arrived different"
grep -q "^tapstack-fetch: HTTP 200, 50000000 bytes in" "$work/summary" ||
  fail "no summary line: $(cat "$work/summary")"

status=0
fetch http://files.example.test:8000/missing -o /dev/null 2>"$work/summary" || status=$?
((status == 1)) || fail "a 404 exited $status, not 1"
grep -q "HTTP 404" "$work/summary" || fail "the 404 was not reported: $(cat "$work/summary")"
