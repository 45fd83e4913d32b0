#!/usr/bin/env bash
# Runs the test suite N times in a row while busy loops occupy every core,
# as on a shared CI machine, and prints each run's wall time and the
# medians and spread of the goal figures the tests record (failover,
# handover, outage recovery, node lost, …; see test/figures).
#
#   hack/stress.sh [-n RUNS] [-b BUSY_LOOPS] [-- command...]
#
# The command defaults to `make test TEST_ARGS=-count=1` (no cached
# results: every run runs every test). Exits non-zero if any run failed;
# logs stay in the folder it prints.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${STRESS_RUNS:-5}
busy=${STRESS_BUSY:-$(nproc)}
while getopts "n:b:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    b) busy=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-b BUSY_LOOPS] [-- command...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
cmd=("$@")
[ ${#cmd[@]} -gt 0 ] || cmd=(make test TEST_ARGS=-count=1)

out=$(mktemp -d "${TMPDIR:-/tmp}/wh-stress.XXXXXX")
pids=()
stop_busy() { [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; }
trap stop_busy EXIT INT TERM
for _ in $(seq "$busy"); do
  ( while :; do :; done ) &
  pids+=($!)
done
echo "stress: $runs run(s) of '${cmd[*]}' with $busy busy loop(s) on $(nproc) core(s); logs in $out"

failed=0
for i in $(seq "$runs"); do
  start=$SECONDS
  if WH_FIGURES_FILE="$out/figures-$i.txt" "${cmd[@]}" >"$out/run-$i.log" 2>&1; then
    result=pass
  else
    result=FAIL
    failed=$((failed + 1))
  fi
  took=$((SECONDS - start))
  echo "wall_seconds $took" >>"$out/figures-$i.txt"
  echo "stress: run $i/$runs $result in ${took}s"
  [ "$result" = pass ] || grep -E -- '^(--- FAIL|FAIL|\s*\[FAIL\])' "$out/run-$i.log" | head -20 | sed 's/^/    /'
done
stop_busy

# Medians and spread of every figure over the runs that recorded it.
cat "$out"/figures-*.txt 2>/dev/null | awk '
  { v[$1] = v[$1] " " $2; n[$1]++ }
  END {
    printf "%-32s %5s %9s %9s %9s\n", "figure (seconds)", "runs", "min", "median", "max"
    for (k in v) {
      m = split(substr(v[k], 2), a, " ")
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
      printf "%-32s %5d %9.1f %9.1f %9.1f\n", k, m, a[1], med, a[m]
    }
  }' | { read -r header; echo "$header"; sort; }

echo "stress: $failed of $runs run(s) failed"
[ "$failed" -eq 0 ]
