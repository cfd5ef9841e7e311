#!/usr/bin/env bash
# A hostile peer on the tap (tests/tap/hostile_peer.py, scapy frames from a made-up host at
# 10.0.0.77) and hostile HTTP requests, each what a security review found the host took as it came:
#   mss-zero      the review's SYN with MSS 0 (it killed the host: SIGFPE) gets a SYN-ACK;
#   small-mss     after SYNs with MSS 1 and 8, a 480-byte echo comes back in segments of at
#                 least 48 bytes (the floor Linux puts on a peer's MSS), not one per byte;
#   rst-burst     200 in-window RSTs in a second draw challenge ACKs from the connection's own
#                 budget (about 10 a second): a second connection still gets its own, and the
#                 first survives;
#   ack-burst     2000 ACKs of data never sent, in a second, get one reply per 500 ms at most;
#   source-route  pings with a loose or a strict source route (LSRR, SSRR) are not answered;
#   http          targets that escape --http-root (doubled slashes, dot segments plain and
#                 percent-encoded, symlinks pointing out) never return a file from outside it;
#                 a query string and a %20 in a name still find files inside.
# The bounds are those of the host's defaults (--tcp-min-mss 48, --tcp-challenge-ack-limit 10,
# --tcp-invalid-ack-interval 500ms): what any host gets without asking. After each check, the host
# must still answer a ping and an HTTP request; at the end its counters must show what it refused.
# Names after the bin directory run only those checks (hostile.sh BIN http).
source "$(dirname "$0")/lib.sh"
require_root curl nc
here=$(cd "$(dirname "$0")" && pwd)

# Scapy comes from Debian's python3-scapy, which only the system's python3 sees when another
# python3 (a pyenv, a venv) comes first on the PATH.
python=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import scapy' 2>/dev/null; then
    python=$(command -v "$candidate")
    break
  fi
done
[[ -n $python ]] || skip "scapy is not installed (sudo scripts/setup installs python3-scapy)"

all_checks=(mss-zero small-mss rst-burst ack-burst source-route http)
checks=("${@:2}")
((${#checks[@]})) || checks=("${all_checks[@]}")
for check in "${checks[@]}"; do
  [[ " ${all_checks[*]} " == *" $check "* ]] || fail "no check named '$check' (${all_checks[*]})"
done
wanted() { [[ " ${checks[*]} " == *" $1 "* ]]; }

# The served directory: two files to find, and two symlinks leading out of it (to a file with a
# secret in it, and to /etc; not named etc, so that //etc/passwd tests the slashes alone).
www=$work/www
mkdir -p "$www"
printf 'hello from the root\n' >"$www/hello.txt"
printf 'a name with a space\n' >"$www/with space.txt"
secret="secret-$$-$RANDOM-not-for-the-web"
printf '%s\n' "$secret" >"$work/secret.txt"
ln -s ../secret.txt "$www/leak.txt"
ln -s /etc "$www/outside"

start_host --http-root "$www"

# A host that died says how: SIGFPE is what the MSS 0 SYN did.
expect_alive() {
  host_running && return 0
  local status=0
  wait "$host_pid" || status=$?
  host_pid=
  ((status <= 128)) || status="$status (SIG$(kill -l $((status - 128))))"
  fail "tapstack died $1: exit status $status"
}

# Still up after $1: a ping answered, and a file from the HTTP server over a new connection.
expect_serving() {
  expect_alive "after $1"
  expect_replies 1 -w 2
  local body
  body=$(in_ns curl -sS --max-time 5 http://10.0.0.2/hello.txt 2>&1) ||
    fail "after $1, GET /hello.txt failed: $body"
  [[ $body == "hello from the root" ]] || fail "after $1, GET /hello.txt returned: $body"
}

# peer COMMAND [ARGS]: hostile_peer.py in the namespace; its "name value" lines are read by result.
peer() {
  if ! in_ns timeout 20 "$python" "$here/hostile_peer.py" "$@" >"$work/peer.out" 2>"$work/peer.err"
  then
    expect_alive "during hostile_peer.py $1"
    fail "hostile_peer.py $* failed: $(cat "$work/peer.err")"
  fi
}
result() { awk -v name="$1" '$1 == name { sub(/^[^ ]+ /, ""); print }' "$work/peer.out"; }

if wanted mss-zero; then
  peer mss-zero
  # The SYN-ACK acknowledges the SYN: its ISN plus one.
  [[ $(result synack_ack) == 1 ]] || fail "the SYN-ACK to the MSS 0 SYN acknowledged ISN+$(result synack_ack)"
  expect_serving "the MSS 0 SYN"
fi

if wanted small-mss; then
  for mss in 1 8; do
    peer small-mss --mss "$mss" --sport $((40000 + mss)) --bytes 480
    [[ $(result bytes) == 480 && $(result intact) == 1 ]] ||
      fail "MSS $mss: the echo returned $(result bytes) of 480 bytes (intact: $(result intact))"
    # 480 bytes are 10 segments of 48; one per byte is what an unclamped MSS of 1 gives.
    segments=$(result segments) smallest=$(result smallest)
    echo "small-mss: MSS $mss: 480 bytes echoed in $segments segments ($(result sizes))"
    ((segments <= 10 && (segments == 1 || smallest >= 48))) ||
      fail "MSS $mss: 480 bytes echoed in $segments segments, the smallest but the last $smallest bytes;" \
        "expected at most 10, each but the last at least 48 bytes"
    expect_serving "the echo to a peer with MSS $mss"
  done
fi

if wanted rst-burst; then
  peer rst-burst --sport 41000 --count 200 --seconds 1
  echo "rst-burst: $(result rsts) RSTs in $(result burst_ms) ms drew $(result challenge_acks) challenge ACKs"
  # At most 15 in an interval (1.5 times the limit of 10) and the burst may touch two intervals.
  challenged=$(result challenge_acks)
  ((challenged >= 1 && challenged <= 30)) ||
    fail "200 bad RSTs on one connection drew $challenged challenge ACKs; expected 1 to 30" \
      "(about 10 per second per connection)"
  [[ $(result other_challenged) == 1 ]] ||
    fail "a second connection's first bad RST got no challenge ACK: the budget is not per connection"
  [[ $(result survived) == 1 ]] || fail "the connection no longer echoed after the RST burst"
  expect_serving "the RST burst"
fi

if wanted ack-burst; then
  peer ack-burst --sport 42000 --count 2000 --seconds 1
  burst_ms=$(result burst_ms) replies=$(result replies)
  echo "ack-burst: $(result acks) ACKs of unsent data in $burst_ms ms drew $replies replies"
  # One per 500 ms: at the start and at each 500 ms the burst lasted, one more for the edges.
  most=$((2 + burst_ms / 500))
  ((replies >= 1 && replies <= most)) ||
    fail "2000 ACKs of unsent data in $burst_ms ms drew $replies ACKs; expected 1 to $most" \
      "(one per 500 ms)"
  expect_serving "the burst of ACKs of unsent data"
fi

if wanted source-route; then
  peer source-route
  [[ $(result plain_replies) == 1 ]] ||
    fail "a plain ping from the peer got $(result plain_replies) replies, expected 1"
  [[ $(result lsrr_replies) == 0 && $(result ssrr_replies) == 0 ]] ||
    fail "source-routed pings were answered (LSRR: $(result lsrr_replies), SSRR: $(result ssrr_replies));" \
      "expected no reply"
  expect_serving "the source-routed pings"
fi

if wanted http; then
  # The same target through curl (--path-as-is: sent as written) and as raw bytes through nc
  # (whatever a client would tidy up). Sets code and leaves the body in $work/body.
  curl_get() {
    code=$(in_ns curl -sS --max-time 5 --path-as-is -o "$work/body" -w '%{http_code}' \
      "http://10.0.0.2$1") || fail "curl --path-as-is http://10.0.0.2$1 failed"
  }
  raw_get() {
    printf 'GET %s HTTP/1.1\r\nHost: 10.0.0.2\r\nConnection: close\r\n\r\n' "$1" |
      in_ns timeout 5 nc -N 10.0.0.2 80 >"$work/raw" || fail "nc with GET $1 failed"
    code=$(head -n 1 "$work/raw" | awk '{ print $2 }')
    sed '1,/^\r$/d' "$work/raw" >"$work/body"
  }
  # Whether the body holds LEAK (a container's /etc/hostname may be empty: that leaks nothing).
  leaked() { [[ -n $1 ]] && grep -qF -- "$1" "$work/body"; }
  # TARGET and what its body would hold if it leaked: the status must be 400 or 404.
  refused() {
    local target=$1 leak=$2 get
    for get in curl_get raw_get; do
      $get "$target"
      if [[ $code != 400 && $code != 404 ]] || leaked "$leak"; then
        fail "GET $target ($get) answered $code, expected 400 or 404 and no '$leak':
$(head -c 300 "$work/body")"
      fi
    done
  }
  refused //etc/passwd root:
  refused ///etc/hostname "$(cat /etc/hostname 2>/dev/null || true)"
  refused //proc/self/environ PATH=
  refused /../../etc/passwd root:
  refused /%2e%2e/%2e%2e/etc/passwd root:
  refused /%2fetc%2fpasswd root:
  refused /../secret.txt "$secret"
  refused /%2e%2e/secret.txt "$secret"
  refused /leak.txt "$secret"
  refused /outside/passwd root:

  # FILE TARGET: 200 and the file's content.
  served() {
    local get
    for get in curl_get raw_get; do
      $get "$2"
      if [[ $code != 200 ]] || ! cmp -s "$work/body" "$www/$1"; then
        fail "GET $2 ($get) answered $code, expected 200 and the content of $1:
$(head -c 300 "$work/body")"
      fi
    done
  }
  served hello.txt '/hello.txt?x=1'
  served 'with space.txt' /with%20space.txt
  expect_serving "the escapes from the HTTP root"
fi

stop_host
for name in tcp_peer_mss_raised tcp_challenge_acks tcp_challenge_acks_limited \
  tcp_invalid_ack_replies tcp_invalid_ack_replies_limited ip_source_route; do
  echo "counter $name $(counter "$name")"
done
# One SYN with MSS 0, two with MSS 1 and 8: each raised to the floor.
raised=0
! wanted mss-zero || raised=$((raised + 1))
! wanted small-mss || raised=$((raised + 2))
((raised == 0)) || expect_counter_at_least tcp_peer_mss_raised "$raised"
# What the host did not send, it counted: every bad RST or ACK beyond those answered.
if wanted rst-burst; then
  expect_counter_at_least tcp_challenge_acks "$challenged"
  expect_counter_at_least tcp_challenge_acks_limited $((200 - challenged))
fi
if wanted ack-burst; then
  expect_counter_at_least tcp_invalid_ack_replies "$replies"
  expect_counter_at_least tcp_invalid_ack_replies_limited $((2000 - replies))
fi
! wanted source-route || expect_counter_at_least ip_source_route 2
