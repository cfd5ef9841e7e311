# Shared by the tap tests; sourced, never run. A test script reads:
#
#   source "$(dirname "$0")/lib.sh"   # the script's $1 is the build's bin directory
#   require_root [more tools]          # or skip (exit 77) saying why
#   start_host [tapstack flags]        # own namespace, tap0 with the kernel at 10.0.0.1/24,
#                                      # tapstack at 10.0.0.2 on it, up and serving
#   expect_replies 20 -i 0.01 -w 10    # ping from the namespace: every request answered once
#   stop_host                          # SIGTERM; it must exit 0 and print its counters
#   expect_counter icmp_echo_requests_in 20
#
# Also: in_ns CMD (runs CMD in the namespace), fail and skip MESSAGE, host_running, counter NAME,
# counter_list NAME..., expect_counter_at_least NAME MIN, lossy_link PERCENT and lossy_dropped,
# end_host, keep_evidence FILE..., and $work, a private directory for the test's files.
#
# All traffic stays on the tap inside the namespace. The namespace (and the tap in it), the host
# process and the temporary files are removed on exit, whether the test passed, failed or skipped.

set -euo pipefail

bin_dir=${1:?usage: $0 BIN_DIR, the bin directory of a build, holding tapstack}
test_name=$(basename "$0" .sh)
readonly tap=tap0 peer_ip=10.0.0.1 host_ip=10.0.0.2 host_mac=02:74:73:00:00:02
# The PID keeps parallel runs of the same test apart.
netns=tapstack-$test_name-$$
netns_made=
host_pid=
work=$(mktemp -d "/tmp/tapstack-$test_name.XXXXXX")
host_log=$work/host.log

skip() {
  echo "SKIP: $*"
  exit 77
}

# Says what went wrong, then the end of the host's log, which usually says why.
fail() {
  echo "FAIL: $*" >&2
  if [[ -s $host_log ]]; then
    echo "--- tapstack output (last 40 lines) ---" >&2
    tail -n 40 "$host_log" >&2
  fi
  exit 1
}

require_tools() {
  local tool
  for tool; do
    command -v "$tool" >/dev/null 2>&1 ||
      skip "$tool is not installed (sudo scripts/setup installs it)"
  done
}

require_root() {
  ((EUID == 0)) || skip "needs root to make a network namespace and a tap (run ctest with sudo)"
  require_tools ip ping "$@"
  [[ -c /dev/net/tun ]] || skip "no /dev/net/tun on this machine (sudo modprobe tun)"
  ip netns list >/dev/null 2>&1 || skip "'ip netns' does not work here"
}

in_ns() { ip netns exec "$netns" "$@"; }

# A zombie counts as gone: it has exited and waits only for us to read its status.
host_running() {
  local state
  state=$(ps -o stat= -p "$host_pid" 2>/dev/null) && [[ $state != Z* ]]
}

# Polls CONDITION... every 50 ms, at most 100 times; false if it never held.
poll_until() {
  local i
  for ((i = 0; i < 100; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}

host_gone() { ! host_running; }
host_serves() { grep -qs "^tapstack: .* on $tap " "$host_log"; }
host_serves_or_died() { host_serves || host_gone; }

# The namespace with the tap in it, the kernel's side at $peer_ip/24: what every test starts from.
make_netns() {
  ip netns add "$netns"
  netns_made=1
  in_ns ip link set lo up
  in_ns ip tuntap add dev "$tap" mode tap
  in_ns ip addr add "$peer_ip/24" dev "$tap"
  in_ns ip link set "$tap" up
}

# A second start_host (after stop_host) reuses the namespace.
start_host() {
  [[ -n $netns_made ]] || make_netns
  # Not through in_ns: a function sent to the background runs in a subshell, whose PID $! would
  # be. ip netns exec execs the program, so here $! is tapstack itself.
  # The log is emptied here, not by the redirection: that happens in the child after the fork,
  # and a second start_host could meanwhile read the first host's "serves" line.
  : >"$host_log"
  ip netns exec "$netns" "$bin_dir/tapstack" --tap "$tap" "$@" >>"$host_log" 2>&1 &
  host_pid=$!
  poll_until host_serves_or_died || fail "tapstack did not say it serves within 5 s"
  host_serves || fail "tapstack exited before serving"
}

# SIGTERM, then the host must exit 0 within 5 s with its counters printed.
stop_host() {
  host_running || fail "tapstack is no longer running"
  kill -TERM "$host_pid"
  poll_until host_gone || fail "tapstack did not exit within 5 s of SIGTERM"
  local status=0
  wait "$host_pid" || status=$?
  host_pid=
  ((status == 0)) || fail "tapstack exited with status $status on SIGTERM"
  grep -q "^tapstack: stopped by signal 15; counters:" "$host_log" ||
    fail "tapstack printed no counters when stopped"
}

# Stops the host however it is doing, without judging it (unlike stop_host): SIGTERM, SIGKILL if
# it is still there after 5 s, and its exit status in host_status. For a test that has already
# seen a failure and wants the host's counters and log as evidence.
host_status=
end_host() {
  [[ -n $host_pid ]] || return 0
  host_gone || kill -TERM "$host_pid" 2>/dev/null || true
  poll_until host_gone || kill -KILL "$host_pid" 2>/dev/null || true
  host_status=0
  wait "$host_pid" 2>/dev/null || host_status=$?
  host_pid=
}

# A counter from the report of the stopped host; drop reasons it did not list are 0.
counter() {
  awk -v name="$1" '
    report && $1 == name { value = $2 }
    /^tapstack: stopped/ { report = 1 }
    END { print value + 0 }' "$host_log"
}

# "NAME value, NAME value, ..." from the report of the stopped host, for a test's summary line;
# after end_host, says so if the host printed no report.
counter_list() {
  if ! grep -q "^tapstack: stopped" "$host_log"; then
    echo "no counters: tapstack printed none (exit status ${host_status:-unknown})"
    return
  fi
  local name out=
  for name; do out+="${out:+, }$name $(counter "$name")"; done
  echo "$out"
}

# keep_evidence FILE...: copies the host's log and FILEs to a new directory under
# ${TAPSTACK_KEEP_DIR:-/tmp}, which outlives the test (unlike $work), and prints its path. For
# failures of runs too long to repeat lightly; stop the host first, so that its log ends with its
# counters.
keep_evidence() {
  local parent=${TAPSTACK_KEEP_DIR:-/tmp} dir
  # Each step checked: called in $(...), where set -e does not reach, a failed mktemp would leave
  # dir empty and the copy would go to /.
  if mkdir -p "$parent" && dir=$(mktemp -d "$parent/tapstack-$test_name-failed.XXXXXX") &&
    cp -- "$host_log" "$@" "$dir/"; then
    echo "$dir"
  else
    echo "nowhere (could not copy the evidence to $parent)"
  fi
}

expect_counter() {
  local value
  value=$(counter "$1")
  ((value == $2)) || fail "counter $1 is $value, expected $2"
}

expect_counter_at_least() {
  local value
  value=$(counter "$1")
  ((value >= $2)) || fail "counter $1 is $value, expected at least $2"
}

# expect_replies COUNT [ping flags]: pings the host COUNT times from the namespace; every request
# must be answered exactly once, with the data it carried. Leaves ping's output in ping_output.
ping_output=
expect_replies() {
  local count=$1 status=0
  shift
  ping_output=$(in_ns ping -n -c "$count" "$@" "$host_ip" 2>&1) || status=$?
  local summary="$count packets transmitted, $count received, 0% packet loss"
  if ((status != 0)) || ! grep -q "^$summary" <<<"$ping_output" ||
    grep -q "wrong data" <<<"$ping_output"; then
    fail "ping -c $count $* $host_ip (exit status $status) did not report '$summary':
$ping_output"
  fi
}

# lossy_link PERCENT: the kernel's side of the tap loses PERCENT% of the packets each way: what it
# receives by nftables, what it sends by netem (with 10 ms of delay) where the kernel has
# sch_netem, and by nftables (no delay) where it does not. Says which.
lossy_link() {
  in_ns nft -f - <<NFT
table inet lossy {
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "$tap" numgen random mod 100 < $1 counter drop
  }
}
NFT
  if in_ns tc qdisc add dev "$tap" root netem loss "$1%" delay 10ms 2>"$work/tc.err"; then
    echo "netem: loss $1% delay 10ms on what the kernel sends, nftables: $1% of what it receives"
  else
    echo "no netem here ($(head -n 1 "$work/tc.err")): nftables drops $1% each way, no delay"
    in_ns nft add chain inet lossy out "{ type filter hook output priority 0; policy accept; }"
    in_ns nft add rule inet lossy out oifname "$tap" numgen random mod 100 "<" "$1" counter drop
  fi
}

# Packets nftables dropped for lossy_link so far.
lossy_dropped() {
  in_ns nft list table inet lossy |
    awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

cleanup() {
  local status=$?
  end_host
  if [[ -n $netns_made ]]; then
    # Anything still in the namespace was started by this test; left running, it would keep the
    # namespace alive after its name is gone.
    local pid
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip -n "$netns" tuntap del dev "$tap" mode tap 2>/dev/null || true
    ip netns del "$netns" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
# So that kill or Ctrl-C still runs the cleanup.
trap 'exit 143' TERM
trap 'exit 130' INT

# ctest's timeout sends SIGKILL, which no trap sees: remove the namespaces such runs of this test
# left behind (named for a PID that no longer runs).
for stale in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
  [[ $stale == "tapstack-$test_name-"+([0-9]) ]] || continue
  kill -0 "${stale##*-}" 2>/dev/null || ip netns del "$stale" 2>/dev/null || true
done
