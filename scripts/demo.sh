#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up (scripts/setup.sh), then run lumen's main job on the built-in demo data. Results
# go to demo-out/ (or the folder given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-demo-out}
rm -rf "$OUT"
mkdir -p "$OUT"
L=build/lumen

# The stages that exist so far, on the demo reads (real MiSeq 2x250 V4 pairs).
for s in sam1 sam2; do
  $L qc --in .cache/dada2/${s}F.fastq.gz --in2 .cache/dada2/${s}R.fastq.gz \
        --json "$OUT/qc_$s.json" > "$OUT/qc_$s.tsv"
done
echo "demo: read statistics in $OUT/"
sed -n '1,4p' "$OUT/qc_sam1.tsv" | cut -f1-9 | column -t
