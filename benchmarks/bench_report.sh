#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen report: page size and time to write it, for a simulated cohort taken through
# every stage as scripts/demo.sh does.
#   usage: benchmarks/bench_report.sh [LUMEN] [SUBJECTS] [READS] [RESULTS]
# With RESULTS (a results folder that exists) the stages are not rerun. Prints the best
# wall time of 5 runs, the peak RSS (/usr/bin/time -v) and the page size. There is no
# peer tool to compare with (MultiQC and QIIME 2 views are not in Debian 12); the
# targets of issue #10 are "under 2 MB for 468 samples" and "well under a second".
set -euo pipefail
LUMEN=${1:-build/lumen}
SUBJECTS=${2:-12}
READS=${3:-5000}
RESULTS=${4:-}
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
W=$(mktemp -d "${TMPDIR:-/tmp}/lumen-bench-report.XXXXXX")
trap 'rm -rf "$W"' EXIT
if [ -z "$RESULTS" ]; then
  C=$W/cohort R=$W/results
  echo "building the results folder: $SUBJECTS subjects x 3 samples, $READS read pairs each"
  "$LUMEN" simulate -q --reference $REF --subjects "$SUBJECTS" --reads "$READS" --seed 11 --out "$C"
  "$LUMEN" index -q --fasta $REF --out "$W/gold.lmi" 2>/dev/null
  "$LUMEN" reads -q --manifest "$C/manifest.tsv" --primers v4 --out "$R"
  "$LUMEN" table -q --reads "$R" --out "$R/features"
  "$LUMEN" classify -q --index "$W/gold.lmi" --in "$R/features/features.fasta" \
    --out "$R/features/taxonomy.tsv"
  "$LUMEN" taxa -q --table "$R/features/table.tsv" --taxonomy "$R/features/taxonomy.tsv" \
    --out "$R/taxa"
  "$LUMEN" diversity -q --table "$R/features/table.tsv" --out "$R/diversity"
  "$LUMEN" stats -q --diversity "$R/diversity" --taxa "$R/taxa" --metadata "$C/metadata.tsv" \
    --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$R/stats"
  mkdir -p "$R/cohort" && cp "$C/metadata.tsv" "$C/subjects.tsv" "$C/visits.tsv" "$R/cohort/"
  RESULTS=$R
fi
samples=$(($(wc -l < "$RESULTS/qc/summary.tsv") - 1))
features=$(grep -vc '^#' "$RESULTS/features/table.tsv" || true)
best=
for i in 1 2 3 4 5; do
  s=$(date +%s.%N)
  "$LUMEN" report -q --results "$RESULTS" --out "$W/report.html"
  e=$(date +%s.%N)
  t=$(echo "$e - $s" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
rss=$(/usr/bin/time -v "$LUMEN" report -q --results "$RESULTS" --out "$W/report.html" 2>&1 |
      awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}')
size=$(stat -c %s "$W/report.html")
gz=$(gzip -9c "$W/report.html" | wc -c)
printf '%-10s %-9s %-12s %-10s %-12s %-10s\n' samples features "best wall s" "peak MiB" "page bytes" "gzip -9"
printf '%-10s %-9s %-12.3f %-10s %-12s %-10s\n' "$samples" "$features" "$best" "$rss" "$size" "$gz"
echo "load: $(uptime | sed 's/.*load average: //')"
