#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen's main job on built-in demo data, on a fresh Debian 12 machine: install what is
# needed and build (scripts/setup.sh), build the default reference index (reference/),
# simulate a small trial cohort (12 patients x weeks 0/24/48, 5,000 read pairs per sample,
# cut from the same gold 16S reference), and run `lumen run` on it: every stage from the
# FASTQ files to the clinical statistics. Results go to demo-out/ (or the folder given as
# the first argument). To analyse your own data, replace the simulated manifest and
# clinical tables with yours in the `lumen run` command printed below.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-demo-out}
L=$PWD/build/lumen
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
mkdir -p "$OUT"
say() { printf '\n$ %s\n' "$*"; }

# The index is built once and kept (reference/build_gold.sh); it does not depend on the run.
# A lumen binary newer than the index rebuilds it (the index format may have changed).
if [ ! -s "$OUT/gold.lmi" ] || [ "$(readlink -f "$L")" -nt "$OUT/gold.lmi" ]; then
  say reference/build_gold.sh "$OUT/gold.lmi" "$L"
  bash reference/build_gold.sh "$OUT/gold.lmi" "$L" >/dev/null
fi
if [ ! -s "$OUT/cohort/manifest.tsv" ]; then
  say lumen simulate --reference "$REF" --subjects 12 --reads 5000 --seed 11 --out "$OUT/cohort"
  "$L" simulate --reference "$REF" --subjects 12 --reads 5000 --seed 11 --out "$OUT/cohort"
fi
C=$OUT/cohort
R=$OUT/results
say lumen run --manifest "$C/manifest.tsv" --index "$OUT/gold.lmi" --primers v4 \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$R"
"$L" run --manifest "$C/manifest.tsv" --index "$OUT/gold.lmi" --primers v4 \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$R"

echo
echo "--- reads per sample (first rows of $R/qc/summary.tsv)"
cut -f1,3-8 "$R/qc/summary.tsv" | head -4 | column -t
echo "--- top genera (taxa/level-6.tsv, summed over samples)"
awk -F'\t' 'NR>1 && $1 !~ /^#/ {s=0; for(i=2;i<=NF;i++) s+=$i; print s "\t" $1}' "$R/taxa/level-6.tsv" |
  sort -k1,1nr | head -5
echo "--- Cox models of recurrence-free survival (stats/survival_cox.tsv)"
awk -F'\t' 'NR==1 || $1=="cox_rfs"' "$R/stats/survival_cox.tsv" | cut -f1,2,3,7-9,11 | head -5 |
  column -t -s$'\t'
echo
if [ -s "$R/report.html" ]; then echo "demo: report:  $R/report.html"; fi
echo "demo: tables:  $R/ (qc/, features/, taxa/, diversity/, stats/)"
echo "demo: how it was made: $R/provenance.json; rerunning the same command redoes nothing"
