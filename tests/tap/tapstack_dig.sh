#!/usr/bin/env bash
# tapstack-dig resolves names over the stack's UDP from a dnsmasq that this test runs in its
# namespace (on the kernel's side of the tap, 10.0.0.1:53), answering from the records given on
# its command line: A, AAAA, a CNAME, MX, TXT, and NXDOMAIN for a name it does not know.
source "$(dirname "$0")/lib.sh"
require_root dnsmasq ss
make_netns

# --local makes dnsmasq answer for example.test itself, NXDOMAIN included, and ask no one else.
in_ns dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
  --listen-address="$peer_ip" --port=53 --pid-file="$work/dnsmasq.pid" \
  --log-facility="$work/dnsmasq.log" --local=/example.test/ \
  --host-record=www.example.test,10.0.0.5,2001:db8::5 \
  --host-record=mail.example.test,10.0.0.6 \
  --cname=alias.example.test,www.example.test \
  --mx-host=example.test,mail.example.test,10 \
  --txt-record=example.test,"v=spf1 -all" &
dnsmasq_listens() { in_ns ss -Hlun "sport = :53" | grep -q "$peer_ip"; }
poll_until dnsmasq_listens || fail "dnsmasq did not start listening on $peer_ip:53"

# dig_expect "WANT" NAME [flags]: tapstack-dig's output must be WANT, its exit status 0.
dig_expect() {
  local want=$1 got
  shift
  got=$(in_ns timeout 20 "$bin_dir/tapstack-dig" --tap "$tap" --log-level warn "$@" 2>&1) ||
    fail "tapstack-dig $* failed: $got"
  [[ $got == "$want" ]] || fail "tapstack-dig $* printed '$got', not '$want'"
}

dig_expect "10.0.0.5" www.example.test
dig_expect "2001:db8::5" www.example.test --type AAAA
dig_expect $'www.example.test.\n10.0.0.5' alias.example.test
dig_expect "www.example.test." alias.example.test --type CNAME
dig_expect "10 mail.example.test." example.test --type MX
dig_expect '"v=spf1 -all"' example.test --type TXT

status=0
out=$(in_ns timeout 20 "$bin_dir/tapstack-dig" --tap "$tap" --log-level warn nope.example.test 2>&1) ||
  status=$?
((status == 3)) || fail "an unknown name exited $status, not 3 (NXDOMAIN): $out"
[[ $out == *NXDOMAIN* ]] || fail "an unknown name did not report NXDOMAIN: $out"
