#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak the libFuzzer targets of tests/fuzz: run every target (or those named) for a fixed
# time per turn, cycling through them until a deadline, at nice 19, on a persistent corpus
# outside the repo, and append one ledger line per run to tests/fuzz/ledger.tsv:
#   date  commit  target  cpu_seconds  executions  crashes
# cpu_seconds is the user+system CPU of the fuzzer and all its children (GNU time), not
# wall time. At the end it prints, per target, the totals over the whole ledger (the issue
# asks for >= 1 CPU-hour per target, accumulated across sessions).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<EOF
usage: scripts/fuzz_soak.sh [options] [target...]
  Targets are names like fuzz_fastq or fastq (default: every fuzz_* in the build).
  --seconds N     time per target per turn (default 600)
  --until HH:MM   cycle through the targets until this time (UTC, today); without it, one
                  turn through the targets
  --parallel P    targets run at the same time (default 2)
  --fill H        one turn through the targets with less than H CPU-hours in the ledger,
                  each run for its shortfall (wall seconds, 2% over: CPU at nice 19 trails
                  wall time; at least 60 s), longest first; without --until
  --tmpfs         run each fuzzer in a private mount namespace with a tmpfs on /tmp (needs
                  root: unshare -m). The targets write their files under /tmp; on a disk,
                  journal and discard work in kernel threads takes a third to a half of
                  the CPU from the file-heavy targets (summary, inputs)
  --jobs J        libFuzzer -jobs=J -workers=J per target (default 1: one process)
  --build DIR     fuzz build folder (default build-fuzz; configured by this script if
                  missing: CC=clang cmake -DLM_FUZZ=ON -DBUILD_TESTING=OFF, and always
                  brought up to date before the soak, so the ledger's commit is the
                  binaries' own)
  --merge         afterwards merge coverage-increasing small entries (-merge=1,
                  -max_len=4096) of the soak corpus back into tests/fuzz/corpus/<name>,
                  refusing to grow a repo corpus past 1 MB
  --summary       print the ledger totals and stop
  Environment: LUMEN_FUZZ_DIR (default $repo/.cache/fuzz) holds corpus/<name>,
  artifacts/<name>/ (crash-*, leak-*, timeout-*, oom-* inputs) and logs/;
  LUMEN_FUZZ_LEDGER (default tests/fuzz/ledger.tsv) is the ledger.
EOF
}

seconds=600 tmpfs=0 fill="" until_hm="" parallel=2 jobs=1 build=build-fuzz merge=0 summary_only=0
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --until) until_hm=$2; shift 2 ;;
    --fill) fill=$2; shift 2 ;;
    --tmpfs) tmpfs=1; shift ;;
    --parallel) parallel=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    --summary) summary_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 64 ;;
    *) targets+=("fuzz_${1#fuzz_}"); shift ;;
  esac
done
case $build in /*) ;; *) build=$repo/$build ;; esac
ledger=${LUMEN_FUZZ_LEDGER:-$repo/tests/fuzz/ledger.tsv}
work=${LUMEN_FUZZ_DIR:-$repo/.cache/fuzz}
mkdir -p "$work/corpus" "$work/artifacts" "$work/logs" "$work/run"
[ -s "$ledger" ] || printf 'date\tcommit\ttarget\tcpu_seconds\texecutions\tcrashes\n' >"$ledger"

summary() {
  echo "== fuzz ledger totals ($ledger)"
  awk -F'\t' 'NR > 1 { cpu[$3] += $4; ex[$3] += $5; cr[$3] += $6; n[$3]++ }
    END { for (t in cpu)
            printf "%-14s %7.2f CPU-hours  %12d executions  %3d crashes  %3d runs%s\n", t,
                   cpu[t] / 3600, ex[t], cr[t], n[t], (cpu[t] >= 3600 ? "" : "  (< 1 CPU-hour)") }' \
    "$ledger" | sort
}
if [ "$summary_only" = 1 ]; then summary; exit 0; fi

# Build (or bring up to date) the fuzz targets from the tree as it is now, and label every
# ledger line with that tree's commit (the binaries' commit, whatever HEAD becomes during
# the soak; "-dirty" when src/, include/ or tests/fuzz/ held uncommitted changes).
if [ ! -d "$build/tests/fuzz" ]; then
  CC=clang cmake -S "$repo" -B "$build" -DLM_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
nice -n 19 cmake --build "$build" -j2 >/dev/null
built=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git -C "$repo" diff --quiet HEAD -- src include tests/fuzz/*.c tests/fuzz/*.h 2>/dev/null ||
  built=$built-dirty
# Without named targets, every turn takes the targets built now (a rebuild adds new ones).
# Each turn runs them in the order of their CPU so far in the ledger, least first, so
# stopped and restarted soaks still even out.
rescan=0
[ ${#targets[@]} -gt 0 ] || rescan=1
# CPU seconds the ledger holds for a target (fuzz_NAME).
ledger_cpu() {
  awk -F'\t' -v n="${1#fuzz_}" '$3 == n { s += $4 } END { print s + 0 }' "$ledger"
}
scan() {
  [ "$rescan" = 1 ] || return 0
  local t name
  targets=()
  for t in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    printf '%s %s\n' "$(ledger_cpu "$name")" "$name"
  done >"$work/order"
  while read -r _ name; do targets+=("$name"); done < <(sort -g -k1,1 -k2,2 "$work/order")
  [ ${#targets[@]} -gt 0 ] || { echo "fuzz_soak: no targets in $build/tests/fuzz" >&2; exit 66; }
}
scan
deadline=0
[ -n "$until_hm" ] && deadline=$(date -u -d "$until_hm" +%s)
if [ -n "$fill" ]; then
  [ -z "$until_hm" ] || { echo "fuzz_soak: --fill and --until exclude each other" >&2; exit 64; }
  # Each target's shortfall, from the order file scan() wrote (CPU seconds so far).
  declare -A fill_secs=()
  if [ "$rescan" = 0 ]; then
    for t in "${targets[@]}"; do
      printf '%s %s\n' "$(ledger_cpu "$t")" "$t"
    done >"$work/order"
  fi
  targets=()
  while read -r done_s name; do
    s=$(awk -v h="$fill" -v d="$done_s" 'BEGIN { x = (h * 3600 - d) * 1.02; print (x <= 0 ? 0 : (x < 60 ? 60 : int(x + 0.5))) }')
    [ "$s" -gt 0 ] || continue
    targets+=("$name"); fill_secs[$name]=$s
  done < <(sort -g -k1,1 -k2,2 "$work/order")
  rescan=0
  [ ${#targets[@]} -gt 0 ] || { echo "fuzz_soak: every target has $fill CPU-hours"; summary; exit 0; }
  for t in "${targets[@]}"; do echo "fuzz_soak: plan $t ${fill_secs[$t]} s"; done
fi

# One run of one target: fuzz for $2 seconds, then append its ledger line.
run_one() {
  local t=$1 secs=$2 name=${1#fuzz_}
  local bin=$build/tests/fuzz/$t corpus=$work/corpus/$name art=$work/artifacts/$name/
  local dir=$work/run/$name stamp log cpu execs crashes commit
  commit=$built
  stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  log=$work/logs/$name-${stamp//:/}.log
  mkdir -p "$corpus" "$art" "$dir"
  rm -f "$dir"/fuzz-*.log
  local before
  before=$(find "$art" -maxdepth 1 -type f ! -name 'slow-unit-*' | wc -l)
  # -timeout is wall time: at nice 19 on a loaded machine a 0.1 s unit can wait 10 s for a
  # core, so only a unit stuck for 2 minutes counts as a hang.
  local args=(-max_total_time="$secs" -print_final_stats=1 -timeout=120 -report_slow_units=120 -rss_limit_mb=2048
              -artifact_prefix="$art")
  [ -f "$repo/tests/fuzz/dict/$name.dict" ] && args+=(-dict="$repo/tests/fuzz/dict/$name.dict")
  [ "$jobs" -gt 1 ] && args+=(-jobs="$jobs" -workers="$jobs")
  rm -f "$dir/time"
  # unshare and sh exec into the fuzzer, so time still measures the fuzzer itself.
  local pre=()
  if [ "$tmpfs" = 1 ]; then
    # shellcheck disable=SC2016 # $0 and $@ are the inner sh's
    pre=(unshare -m sh -c 'mount -t tmpfs -o size=4g lumen-fuzz /tmp && exec "$0" "$@"')
  fi
  cd "$dir"
  nice -n 19 /usr/bin/time -f '%U %S' -o "$dir/time" \
    "${pre[@]}" "$bin" "${args[@]}" "$corpus" "$repo/tests/fuzz/corpus/$name" >"$log" 2>&1 &
  local tp=$!
  # Stopped early (SIGTERM to the script): the fuzzer gets SIGTERM and exits, time still
  # reports its CPU, and the ledger line is written.
  trap 'pkill -TERM -P '"$tp"' 2>/dev/null || true' TERM
  while kill -0 "$tp" 2>/dev/null; do wait "$tp" || true; done
  trap - TERM
  cd "$repo"
  cat "$dir"/fuzz-*.log >>"$log" 2>/dev/null || true
  cpu=$(awk '/^[0-9.]+ [0-9.]+$/ { u = $1; s = $2 } END { printf "%.1f", u + s }' "$dir/time")
  # Executions: libFuzzer's final stats (printed on SIGTERM too); without them (a crash
  # ends the run) its last status line (#N) counts instead.
  execs=$(awk '/stat::number_of_executed_units:/ { s += $2; f = 1 }
               /^#[0-9]+\t/ { n = substr($1, 2) + 0; if (n > last) last = n }
               END { print f ? s : last + 0 }' "$log")
  crashes=$(($(find "$art" -maxdepth 1 -type f ! -name 'slow-unit-*' | wc -l) - before))
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$commit" "$name" "$cpu" "$execs" "$crashes" \
    >>"$ledger"
  echo "fuzz_soak: $name ${cpu}s CPU, $execs executions, $crashes new artifacts (log $log)"
}

# Cycle through the targets, $parallel at a time, until the deadline (or once). SIGTERM
# or SIGINT stops the runs early; their ledger lines are still written.
stop() {
  trap - TERM INT
  for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
  wait
  summary
  exit 143
}
trap stop TERM INT
i=0 turn_done=0
while :; do
  now=$(date -u +%s)
  if [ "$deadline" -gt 0 ]; then
    left=$((deadline - now))
    [ "$left" -ge 30 ] || break
    secs=$((left < seconds ? left : seconds))
  else
    [ "$turn_done" = 0 ] || break
    secs=$seconds
    [ -z "$fill" ] || secs=${fill_secs[${targets[$i]}]}
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  now=$(date -u +%s)
  if [ "$deadline" -gt 0 ]; then
    left=$((deadline - now)); [ "$left" -ge 30 ] || break
    secs=$((left < seconds ? left : seconds))
  fi
  run_one "${targets[$i]}" "$secs" &
  i=$(((i + 1) % ${#targets[@]}))
  if [ "$i" -eq 0 ]; then turn_done=1; scan; fi
done
wait

if [ "$merge" = 1 ]; then
  for t in "${targets[@]}"; do
    name=${t#fuzz_} dest=$repo/tests/fuzz/corpus/$name
    [ -d "$work/corpus/$name" ] || continue
    mkdir -p "$dest"
    nice -n 19 "$build/tests/fuzz/$t" -merge=1 -max_len=4096 "$dest" "$work/corpus/$name" \
      >"$work/logs/merge-$name.log" 2>&1 || echo "fuzz_soak: merge of $name failed" >&2
    kb=$(du -sk "$dest" | cut -f1)
    [ "$kb" -le 1024 ] || echo "fuzz_soak: WARNING $dest is ${kb} KB (> 1 MB): prune it" >&2
  done
fi
summary
