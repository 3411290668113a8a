#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Peak memory of each stage on a whole trial (issue #12): the stage commands that
# `lumen run` chains (scripts/demo.sh), run one by one under /usr/bin/time -v, then
# `lumen run` itself, and a table of wall time, CPU time and peak RSS per stage.
#
#   usage: benchmarks/bench_memory.sh [--no-run] [DATA [OUT]]
#     DATA   a `lumen simulate` output (default /work/bench-data/trial156x50k: 156 subjects
#            x 3 weeks x 50,000 pairs); only read
#     OUT    results folder (default /tmp/lumen-bench-memory; replaced)
#     --no-run  skip the whole `lumen run` at the end
#   environment: LUMEN (default build/lumen), THREADS (default 2),
#                LUMEN_GOLD (default the gold 16S set of microbiomeutil-data)
#
# Why the stage commands: `lumen run` records each stage's peak memory in provenance.json,
# but as the process's high-water mark so far (getrusage), so a stage after the largest
# one shows the largest one's figure. Separate processes give each stage its own peak.
# Peak RSS does not depend on the machine's load; wall time does (load is printed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUN=1
if [ "${1:-}" = --no-run ]; then RUN=0; shift; fi
case "${1:-}" in -h | --help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
DATA=$(cd "${1:-/work/bench-data/trial156x50k}" && pwd)
OUT=${2:-/tmp/lumen-bench-memory}
LUMEN=$(realpath "${LUMEN:-$ROOT/build/lumen}")
THREADS=${THREADS:-2}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
[ -x "$LUMEN" ] || { echo "bench_memory: no lumen binary at $LUMEN" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench_memory: /usr/bin/time missing (apt-get install time)" >&2; exit 69; }
[ -s "$DATA/manifest.tsv" ] || { echo "bench_memory: no manifest.tsv in $DATA" >&2; exit 66; }
case "$OUT" in "$DATA" | "$DATA"/*) echo "bench_memory: OUT must be outside DATA" >&2; exit 64 ;; esac
rm -rf "$OUT"
mkdir -p "$OUT/time"
R=$OUT/results
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== lumen peak memory per stage: $DATA, $THREADS threads"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "lumen:    $("$LUMEN" --version) (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo "load:     $(load) before"

STAGES=()
# timed NAME CMD...: run under /usr/bin/time -v, keep its report, note the load
timed() {
  local name=$1; shift
  local l0; l0=$(load)
  /usr/bin/time -v -o "$OUT/time/$name" "$@" >"$OUT/time/$name.out" 2>"$OUT/time/$name.err" || {
    echo "bench_memory: $name failed:" >&2; tail -5 "$OUT/time/$name.err" >&2; exit 70; }
  echo "${l0%% *} -> $(load | cut -d' ' -f1)" >"$OUT/time/$name.load"
  STAGES+=("$name")
  printf '  %-10s done (load %s)\n' "$name" "$(load)"
}
C=$DATA
T=(-q -t "$THREADS")
timed index "$LUMEN" index "${T[@]}" --fasta "$GOLD" --out "$OUT/gold.lmi"
timed reads "$LUMEN" reads "${T[@]}" --manifest "$C/manifest.tsv" -p v4 --out "$R"
timed table "$LUMEN" table "${T[@]}" --reads "$R" --out "$R/derep"
timed denoise "$LUMEN" denoise "${T[@]}" --table "$R/derep" --out "$R/features"
timed classify "$LUMEN" classify "${T[@]}" --index "$OUT/gold.lmi" --in "$R/features/features.fasta" \
  --out "$R/features/taxonomy.tsv"
timed taxa "$LUMEN" taxa "${T[@]}" --table "$R/features/table.tsv" \
  --taxonomy "$R/features/taxonomy.tsv" --out "$R/taxa"
timed diversity "$LUMEN" diversity "${T[@]}" --depth auto --table "$R/features/table.tsv" \
  --out "$R/diversity"
timed stats "$LUMEN" stats "${T[@]}" --diversity "$R/diversity" --taxa "$R/taxa" \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$R/stats"
timed summary "$LUMEN" summary "${T[@]}" --results "$R" --manifest "$C/manifest.tsv"
timed report "$LUMEN" report "${T[@]}" --results "$R"
if [ "$RUN" = 1 ]; then
  timed run "$LUMEN" run "${T[@]}" --manifest "$C/manifest.tsv" --index "$OUT/gold.lmi" -p v4 \
    --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$OUT/run"
fi

# items per stage, from the files the stages wrote
items() {
  case $1 in
  reads) awk -F'\t' 'NR>1{n++; r+=$3; u+=$7} END{printf "%d samples, %d pairs -> %d uniques (sum over samples)", n, r, u}' "$R/qc/summary.tsv" ;;
  table) printf '%d features' "$(grep -c '^>' "$R/derep/features.fasta")" ;;
  denoise) printf '%d ZOTUs' "$(grep -c '^>' "$R/features/features.fasta")" ;;
  classify) printf '%d features' "$(($(wc -l <"$R/features/taxonomy.tsv") - 1))" ;;
  index) printf '%s' "$(du -h "$OUT/gold.lmi" | cut -f1) index" ;;
  run) printf 'every stage in one process' ;;
  esac
}
echo
echo "| stage | wall s | CPU s | peak RSS MB | load (1 min) | items |"
echo "|---|---:|---:|---:|---|---|"
for s in "${STAGES[@]}"; do
  f=$OUT/time/$s
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$f")
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.2f", u+s}' "$f")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$f")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$s" "$wall" "$cpu" "$rss" "$(cat "$OUT/time/$s.load")" "$(items "$s")"
done
if [ "$RUN" = 1 ]; then
  echo
  echo "lumen run's provenance.json (peak_memory_mb is the process's high-water mark so far):"
  /usr/bin/python3 - "$OUT/run/provenance.json" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["stages"]:
    print(f"  {s['stage']:<10} wall {s['wall_seconds']:8.2f} s  cpu {s['cpu_seconds']:8.2f} s  high-water {s['peak_memory_mb']:8.1f} MB")
PY
fi
echo "load:     $(load) after"
