#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measure what each workflow job needs (wall time, CPU time, peak memory) with
# /usr/bin/time (GNU time: peak resident memory), for pipelines/README.md's figures
# (this machine's output: pipelines/bench/measured.tsv):
#   pipelines/bench/measure.sh LUMEN WORKDIR [SUBJECTS...]
# For each subject count (3 samples each; default 16 52 156 = 48, 156, 468 samples) it
# simulates a cohort (5,000 read pairs per sample, LM_MEASURE_READS to change), then runs
# the reads stage on one sample with 1 thread, and each pooled stage on the whole cohort
# with 1 and 2 threads. Prints one TSV row per run: samples, stage, threads, wall_s,
# cpu_s, max_rss_mb.
set -euo pipefail
L=$(readlink -f "$1")
W=$2
shift 2
[ $# -gt 0 ] || set -- 16 52 156
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
READS=${LM_MEASURE_READS:-5000}
mkdir -p "$W"
cd "$W"
[ -s gold.lmi ] || "$L" index --fasta "$REF" --out gold.lmi -q
m() { # m SAMPLES STAGE THREADS command...
  local n=$1 st=$2 t=$3
  shift 3
  /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" >/dev/null 2>err.txt || {
    cat err.txt >&2
    return 1
  }
  read -r e u s k <time.txt
  printf '%s\t%s\t%s\t%s\t%.2f\t%.0f\n' "$n" "$st" "$t" "$e" "$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')" "$((k / 1024))"
}
printf 'samples\tstage\tthreads\twall_s\tcpu_s\tmax_rss_mb\n'
for subj in "$@"; do
  n=$((subj * 3))
  C=c$subj R=r$subj
  [ -s "$C"/manifest.tsv ] || "$L" simulate --reference "$REF" --subjects "$subj" --reads "$READS" \
    --seed 11 --out "$C" -q
  rm -rf "$R"
  first=$(awk -F'\t' 'NR==2 {print $1}' "$C"/manifest.tsv)
  m $n reads-1-sample 1 "$L" reads --manifest "$C"/manifest.tsv --sample "$first" --primers v4 \
    --out "$R".one -q --threads 1
  m $n reads-all 2 "$L" reads --manifest "$C"/manifest.tsv --primers v4 --out "$R" -q --threads 2
  for t in 1 2; do
    m $n table $t "$L" table --reads "$R" --out "$R"/features -q --threads $t
    m $n classify $t "$L" classify --index gold.lmi --in "$R"/features/features.fasta \
      --out "$R"/features/taxonomy.tsv -q --threads $t
    m $n taxa $t "$L" taxa --table "$R"/features/table.tsv --taxonomy "$R"/features/taxonomy.tsv \
      --out "$R"/taxa -q --threads $t
    m $n diversity $t "$L" diversity --table "$R"/features/table.tsv --out "$R"/diversity -q \
      --threads $t
    m $n stats $t "$L" stats --diversity "$R"/diversity --taxa "$R"/taxa --metadata "$C"/metadata.tsv \
      --subjects "$C"/subjects.tsv --visits "$C"/visits.tsv --out "$R"/stats -q --threads $t
  done
  printf '%s\tfeatures\t-\t%s\t-\t-\n' "$n" "$(grep -c '>' "$R"/features/features.fasta)"
done
