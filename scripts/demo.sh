#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up (scripts/setup.sh), then run lumen's main job on built-in demo data: a simulated
# trial cohort (12 patients x weeks 0/24/48, 5,000 read pairs per sample, cut from the
# default gold 16S reference) taken through every stage that exists, from FASTQ to the
# statistics. Results go to demo-out/ (or the folder given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-demo-out}
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
L=build/lumen
rm -rf "$OUT"
mkdir -p "$OUT"
R=$OUT/results
step() { echo "demo: $*"; }

step "simulating the cohort"
$L simulate --reference $REF --subjects 12 --reads 5000 --seed 11 --out "$OUT/cohort"
C=$OUT/cohort
step "building the reference index"
$L index --fasta $REF --out "$OUT/gold.lmi"
step "reads: primers, merging, filtering, dereplication"
$L reads --manifest "$C/manifest.tsv" --primers v4 --out "$R"
step "feature table"
$L table --reads "$R" --out "$R/features"
step "classification"
$L classify --index "$OUT/gold.lmi" --in "$R/features/features.fasta" \
            --out "$R/features/taxonomy.tsv"
$L taxa --table "$R/features/table.tsv" --taxonomy "$R/features/taxonomy.tsv" --out "$R/taxa"
step "diversity"
$L diversity --table "$R/features/table.tsv" --out "$R/diversity"
step "statistics"
$L stats --diversity "$R/diversity" --taxa "$R/taxa" --metadata "$C/metadata.tsv" \
         --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$R/stats"
step "report"
mkdir -p "$R/cohort" && cp "$C/metadata.tsv" "$C/subjects.tsv" "$C/visits.tsv" "$R/cohort/"
$L report --results "$R"

echo
echo "demo: done; results in $R/"
echo "--- reads per sample (first rows of qc/summary.tsv)"
cut -f1,3-8 "$R/qc/summary.tsv" | head -4 | column -t
echo "--- top genera (taxa/level-6.tsv, summed over samples)"
awk -F'\t' 'NR>1 && $1 !~ /^#/ {s=0; for(i=2;i<=NF;i++) s+=$i; print s "\t" $1}' "$R/taxa/level-6.tsv" |
  sort -k1,1nr | head -5
echo "--- Cox models of recurrence-free survival (stats/survival_cox.tsv)"
awk -F'\t' 'NR==1 || $1=="cox_rfs"' "$R/stats/survival_cox.tsv" | cut -f1,2,3,7-9,11 | head -5 | column -t -s$'\t'
