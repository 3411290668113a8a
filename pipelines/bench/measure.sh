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
#
#   pipelines/bench/measure.sh LUMEN WORKDIR --data COHORT --results RES [SUBJECTS...]
# measures an existing cohort instead (e.g. /work/bench-data/trial156x50k, whose reads
# stage already ran into RES/uniques, e.g. a lumen run --out): for the first SUBJECTS
# subjects each, the pooled stages as the workflow runs them by default (table into derep/,
# denoise, classify, taxa, diversity, stats, summary --provenance, report; the config's
# threads), and the reads stage on the first 8 samples with 2 threads (stage reads-8).
# Rows as above (stage summary reads every FASTQ file for its MD5).
set -euo pipefail
L=$(readlink -f "$1")
W=$2
shift 2
DATA="" RES=""
while [ $# -gt 0 ]; do
  case $1 in
    --data) DATA=$(readlink -f "$2") ;;
    --results) RES=$(readlink -f "$2") ;;
    *) break ;;
  esac
  shift 2
done
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
if [ -n "$DATA" ]; then
  [ -d "$RES/uniques" ] || { echo "measure: no $RES/uniques" >&2 && exit 66; }
  export SOURCE_DATE_EPOCH=1700000000
  for subj in "$@"; do
    C=d$subj R=e$subj
    rm -rf "$C" "$R"
    mkdir -p "$C" "$R/uniques" "$R/qc" "$R/cohort"
    # The first $subj subjects of the cohort: manifest (absolute paths), metadata, subjects,
    # visits; their samples' uniques and QC records linked from RES.
    /usr/bin/python3 "$(dirname "$(realpath "$0")")/../../benchmarks/subset_cohort.py" "$DATA" "$C" "$subj"
    n=0
    for id in $(awk -F'\t' 'NR > 1 && !/^#/ {print $1}' "$C/manifest.tsv"); do
      ln -s "$RES/uniques/$id.fasta.gz" "$R/uniques/"
      ln -s "$RES/qc/$id.json" "$R/qc/"
      n=$((n + 1))
    done
    cp "$C"/{metadata,subjects,visits}.tsv "$R/cohort/"
    if [ "$subj" = "$1" ]; then
      first8=$(awk -F'\t' 'NR > 1 && NR <= 9 {printf " --sample %s", $1}' "$C/manifest.tsv")
      # shellcheck disable=SC2086 # the --sample options, word-split on purpose
      m 8 reads-8 2 "$L" reads --manifest "$C/manifest.tsv" $first8 --out r8 -q --threads 2
      rm -rf r8
    fi
    m $n table 1 "$L" table --reads "$R" --out "$R/derep" -q --threads 1
    m $n denoise 2 "$L" denoise --table "$R/derep" --out "$R/features" -q --threads 2
    m $n classify 2 "$L" classify --index gold.lmi --in "$R/features/features.fasta" \
      --out "$R/features/taxonomy.tsv" -q --threads 2
    m $n taxa 1 "$L" taxa --table "$R/features/table.tsv" --taxonomy "$R/features/taxonomy.tsv" \
      --out "$R/taxa" -q --threads 1
    m $n diversity 2 "$L" diversity --table "$R/features/table.tsv" --out "$R/diversity" -q \
      --threads 2
    m $n stats 2 "$L" stats --diversity "$R/diversity" --taxa "$R/taxa" \
      --metadata "$R/cohort/metadata.tsv" --subjects "$R/cohort/subjects.tsv" \
      --visits "$R/cohort/visits.tsv" --out "$R/stats" -q --threads 2
    m $n summary 1 "$L" summary --results "$R" --manifest "$C/manifest.tsv" --provenance -q \
      --threads 1
    m $n report 1 "$L" report --results "$R" -q --threads 1
    printf '%s\tuniques\t-\t%s\t-\t-\n' "$n" "$(grep -c '>' "$R/derep/features.fasta")"
    printf '%s\tfeatures\t-\t%s\t-\t-\n' "$n" "$(grep -c '>' "$R/features/features.fasta")"
  done
  exit 0
fi
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
