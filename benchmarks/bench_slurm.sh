#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Snakemake workflow on the local one-node SLURM (pipelines/ci/slurm-local.sh) against
# `lumen run`, same cohort, same machine: wall time of each and the ratio (the scheduler's
# overhead). Needs root and the packages of scripts/packages.txt.
#   benchmarks/bench_slurm.sh [SUBJECTS] [READS] [GROUP] [BATCH] [POOLED]   (default 156
#   subjects = 468 samples, 5,000 read pairs, groups of 50 reads jobs, 1 sample per reads
#   job, pooled_group false)
# LM_BENCH_DIR keeps the cohort between runs (default /var/tmp/lumen-bench-slurm).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
L=$ROOT/build/lumen
SUBJ=${1:-156} READS=${2:-5000} GROUP=${3:-50} BATCH=${4:-1} POOLED=${5:-false}
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
W=${LM_BENCH_DIR:-/var/tmp/lumen-bench-slurm}
C=$W/cohort-$SUBJ-$READS
mkdir -p "$W"
export LM_SLURM_DIR=$W/slurm LM_SLURM_PORT=${LM_SLURM_PORT:-6847}
export SLURM_CONF=$LM_SLURM_DIR/slurm.conf SOURCE_DATE_EPOCH=1700000000
trap 'bash "$ROOT/pipelines/ci/slurm-local.sh" stop >/dev/null 2>&1 || true' EXIT
bash pipelines/ci/slurm-local.sh start
[ -s "$C/manifest.tsv" ] ||
  "$L" simulate --reference "$REF" --subjects "$SUBJ" --reads "$READS" --seed 11 --out "$C" -q
[ -s "$W/gold.lmi" ] || "$L" index --fasta "$REF" --out "$W/gold.lmi" -q 2>/dev/null
n=$(($(wc -l <"$C/manifest.tsv") - 1))
echo "cohort: $n samples x $READS read pairs; machine: $(nproc) cores; load before: $(uptime | sed 's/.*load average: //')"

rm -rf "$W/run"
t0=$(date +%s.%N)
"$L" run --manifest "$C/manifest.tsv" --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" \
  --visits "$C/visits.tsv" --index "$W/gold.lmi" --out "$W/run" --threads "$(nproc)" -q 2>/dev/null
t1=$(date +%s.%N)

rm -rf "$W/wf"
mkdir -p "$W/wf"
cat >"$W/wf/config.yaml" <<EOC
manifest: $C/manifest.tsv
metadata: $C/metadata.tsv
subjects: $C/subjects.tsv
visits: $C/visits.tsv
index: $W/gold.lmi
out: results
lumen: $L
group_size: $GROUP
reads_batch: $BATCH
pooled_group: $POOLED
EOC
t2=$(date +%s.%N)
# CI=true: Snakemake polls SLURM every second (10 s otherwise); a real cluster's jobs are
# long enough for 10 s not to matter.
CI=true snakemake -s "$ROOT/pipelines/Snakefile" --profile "$ROOT/pipelines/profiles/slurm" -d "$W/wf" \
  --configfile "$W/wf/config.yaml" --cores "$(nproc)" >"$W/wf.log" 2>&1 ||
  { tail -30 "$W/wf.log"; exit 1; }
t3=$(date +%s.%N)
jobs=$(grep -c "with external jobid" "$W/wf.log")
# report.html differs in its Run section only (it shows provenance.json)
report_body() {
  sed 's/></>\n</g' "$1" | awk '/^<section id="/ { skip = /^<section id="run"/ }
    !skip && !/Results folder/'
}
same=yes
diff -r -q -x .lumen -x provenance.json -x report.html "$W/run" "$W/wf/results" || same=no
if [ -f "$W/run/report.html" ]; then
  cmp -s <(report_body "$W/run/report.html") <(report_body "$W/wf/results/report.html") || same=no
fi
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v j="$jobs" -v s="$same" 'BEGIN {
  r = b - a; w = d - c
  printf "lumen run:               %7.1f s\n", r
  printf "snakemake on SLURM:      %7.1f s  (%d sbatch jobs)\n", w, j
  printf "ratio workflow/run:      %7.2f  (overhead %+.0f%%)\n", w / r, (w / r - 1) * 100
  printf "results identical:       %s\n", s }'
echo "load after: $(uptime | sed 's/.*load average: //')"
