#!/usr/bin/env bash
# curl against the toy host's HTTP server (Boost.Beast over tapstack's TCP): / answers 200 with the
# status page, a 50 MB file from --http-root arrives with the same SHA-256, /bytes/N sends exactly
# N bytes, 50 parallel curls all succeed, unknown paths get 404 and other methods 405.
source "$(dirname "$0")/lib.sh"
require_root curl sha256sum
mkdir -p "$work/www"
head -c 50000000 /dev/urandom >"$work/www/big.bin"
start_host --http-root "$work/www"

get() { in_ns timeout 60 curl -sS "$@"; }

[[ $(get -o /dev/null -w '%{http_code}' http://10.0.0.2/) == 200 ]] || fail "GET / did not answer 200"
get http://10.0.0.2/status.json | grep -q '"connections":\[' || fail "/status.json lists no connections"
[[ $(get http://10.0.0.2/big.bin | sha256sum) == "$(sha256sum <"$work/www/big.bin")" ]] ||
  fail "the 50 MB file came back different"
[[ $(get -o /dev/null -w '%{size_download}' http://10.0.0.2/bytes/1234567) == 1234567 ]] ||
  fail "/bytes/1234567 did not send 1234567 bytes"
# Byte i of /bytes/N is i mod 251: bytes 250, 251 and 252 are fa 00 01.
[[ $(get http://10.0.0.2/bytes/253 | od -An -tx1 -j250 | tr -d ' \n') == fa0001 ]] ||
  fail "/bytes/N content is not i mod 251"
[[ $(get -o /dev/null -w '%{http_code}' http://10.0.0.2/nope) == 404 ]] || fail "no 404 for /nope"
[[ $(get -o /dev/null -w '%{http_code}' -X POST http://10.0.0.2/) == 405 ]] || fail "no 405 for POST"

pids=()
for i in $(seq 50); do
  get -o "$work/parallel.$i" http://10.0.0.2/bytes/100000 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "one of 50 parallel curls failed"; done
for i in $(seq 50); do
  [[ $(stat -c %s "$work/parallel.$i") == 100000 ]] || fail "parallel curl $i got a short body"
done

stop_host
expect_counter_at_least tcp_passive_opens 56
