#!/usr/bin/env bash
# A mistake at start is one line on stderr and a distinct exit code, before anything is served: a
# missing tap (1) points at the script that makes one, a bad flag (2) names the flag. Needs neither
# root nor a namespace: tapstack only looks the tap up in /sys and opens nothing.
source "$(dirname "$0")/lib.sh"
[[ ! -e /sys/class/net/nosuchtap ]] || skip "this machine has an interface named nosuchtap"

expect_startup_error() {  # STATUS TEXT FLAGS...
  local want=$1 text=$2 status=0
  shift 2
  "$bin_dir/tapstack" "$@" >"$work/out" 2>"$work/err" || status=$?
  ((status == want)) && (($(wc -l <"$work/err") == 1)) && grep -qF -- "$text" "$work/err" &&
    [[ ! -s $work/out ]] ||
    fail "tapstack $* exited $status (expected $want) with stderr:
$(cat "$work/err")
and stdout:
$(cat "$work/out")
(expected one line on stderr naming '$text', nothing on stdout)"
  echo "tapstack $*: exit $status: $(cat "$work/err")"
}

expect_startup_error 1 scripts/tap-up --tap nosuchtap
expect_startup_error 2 --ip --ip 10.0.0.2/33
