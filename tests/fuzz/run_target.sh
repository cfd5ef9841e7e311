#!/bin/sh
# Runs one libFuzzer target for a bounded time: what each "fuzz" ctest test runs, and what
# scripts/fuzz runs per target for its longer campaigns.
#   run_target.sh BINARY WORK_DIR SEED_DIR [more libFuzzer flags]
# TAPSTACK_FUZZ_SECONDS (default 10) is read here, when the run starts. The seeds are only read:
# inputs that find new coverage go to WORK_DIR/corpus, crashing inputs to WORK_DIR/artifacts.
set -eu
binary=$1
work=$2
seeds=$3
shift 3
seconds=${TAPSTACK_FUZZ_SECONDS:-10}

mkdir -p "$work/corpus" "$work/artifacts"
cd "$work"
touch .started
status=0
"$binary" -max_total_time="$seconds" -timeout=10 -error_exitcode=1 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" "$seeds" || status=$?
if [ "$status" -ne 0 ]; then
  echo "$(basename "$binary") failed (exit $status). Inputs it kept; replay one with: $binary FILE"
  find "$work/artifacts" -type f -newer .started -exec echo "  {}" \;
fi
exit "$status"
