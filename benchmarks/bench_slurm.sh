#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Snakemake workflow on the local one-node SLURM (pipelines/ci/slurm-local.sh) against
# `lumen run`, same cohort, same machine, back to back: wall and CPU time of each, `uptime`
# load before and after each, and the ratio (the scheduler's overhead). Needs root and the
# packages of scripts/packages.txt.
#
#   benchmarks/bench_slurm.sh [options] [SUBJECTS [READS]]
#     --data DIR     use the cohort in DIR (manifest.tsv, metadata.tsv, subjects.tsv,
#                    visits.tsv, reads/: e.g. /work/bench-data/trial156x50k, the full
#                    trial); it is only read. Without it, SUBJECTS x 3 visits x READS read
#                    pairs are simulated (default 156 x 5,000) into the work folder.
#     --set KEY=VAL  a workflow config value (repeatable), e.g. --set reads_batch=1
#                    --set group_size=50 --set pooled_group=false (the old settings);
#                    default: pipelines/config.yaml's.
#     --repeat N     N pairs of runs (default 1); the order alternates (run first, then the
#                    workflow first), so that a load that drifts shows in both.
#     --pipelines DIR  the workflow to run (default: this tree's pipelines/; e.g. an older
#                    version's, from `git archive REV pipelines | tar -x -C DIR`, + /pipelines)
#     --first wf     start with the workflow (default: with lumen run)
#     --work DIR     work folder (default $LM_BENCH_DIR, else /var/tmp/lumen-bench-slurm);
#                    the results of the last pair stay there (run/, wf/results/).
# Per pair it prints wall s, CPU s (lumen run: user + system; the workflow: Snakemake's
# own process plus every SLURM job's, from bash's `times` in the job script), sbatch job
# count, whether every result file is identical, and the load before and after each run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
L=$ROOT/build/lumen
DATA="" REPEAT=1 FIRST=run SETS=() PIPE=$ROOT/pipelines W=${LM_BENCH_DIR:-/var/tmp/lumen-bench-slurm}
usage() {
  sed -n '/^#   benchmarks/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-0}"
}
while [ $# -gt 0 ]; do
  case $1 in
    --data) DATA=$(readlink -f "$2") && shift ;;
    --set) SETS+=("$2") && shift ;;
    --repeat) REPEAT=$2 && shift ;;
    --first) FIRST=$2 && shift ;;
    --work) W=$2 && shift ;;
    --pipelines) PIPE=$(readlink -f "$2") && shift ;;
    -h | --help) usage ;;
    -*) echo "bench_slurm: unknown option '$1'" >&2 && usage 64 ;;
    *) break ;;
  esac
  shift
done
SUBJ=${1:-156} READS=${2:-5000}
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
mkdir -p "$W"
W=$(readlink -f "$W")
if [ -n "$DATA" ]; then
  C=$DATA
  for f in manifest metadata subjects visits; do
    [ -s "$C/$f.tsv" ] || { echo "bench_slurm: no $C/$f.tsv" >&2 && exit 66; }
  done
else
  C=$W/cohort-$SUBJ-$READS
  [ -s "$C/manifest.tsv" ] ||
    "$L" simulate --reference "$REF" --subjects "$SUBJ" --reads "$READS" --seed 11 --out "$C" -q
fi
export LM_SLURM_DIR=$W/slurm LM_SLURM_PORT=${LM_SLURM_PORT:-6847}
export SLURM_CONF=$LM_SLURM_DIR/slurm.conf SOURCE_DATE_EPOCH=1700000000
trap 'bash "$ROOT/pipelines/ci/slurm-local.sh" stop >/dev/null 2>&1 || true' EXIT
bash pipelines/ci/slurm-local.sh start
[ -s "$W/gold.lmi" ] || "$L" index --fasta "$REF" --out "$W/gold.lmi" -q 2>/dev/null
n=$(($(grep -vc '^#' "$C/manifest.tsv") - 1))
load() { uptime | sed 's/.*load average: //'; }
echo "cohort: $C, $n samples; machine: $(nproc) cores; lumen $(git rev-parse --short HEAD)"
echo "workflow: $PIPE, settings: ${SETS[*]:-config.yaml defaults}"

# The job script Snakemake submits, plus bash's `times` (the job's CPU, its children's
# included) into one file per job. exec_job ends in "exit 0 || exit 1": a subshell.
JS=$W/jobscript.sh
cat >"$JS" <<EOS
#!/bin/bash
# properties = {properties}
( {exec_job} )
rc=\$?
times >"$W/jobtimes/\$SLURM_JOB_ID"
exit \$rc
EOS
# report.html differs in its Run section only (it shows provenance.json)
report_body() {
  sed 's/></>\n</g' "$1" | awk '/^<section id="/ { skip = /^<section id="run"/ }
    !skip && !/Results folder/'
}
# time_of FILE: "wall cpu" from /usr/bin/time -f '%e %U %S'
time_of() { awk '{ printf "%.1f %.1f", $1, $2 + $3 }' "$1"; }

run_lumen() {
  rm -rf "$W/run"
  LR_LOAD0=$(load)
  /usr/bin/time -f '%e %U %S %M' -o "$W/run.time" "$L" run --manifest "$C/manifest.tsv" \
    --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" \
    --index "$W/gold.lmi" --out "$W/run" --threads "$(nproc)" -q 2>"$W/run.err" ||
    { cat "$W/run.err" && exit 1; }
  LR_LOAD1=$(load)
  read -r LR_WALL LR_CPU <<<"$(time_of "$W/run.time")"
}

run_wf() {
  rm -rf "$W/wf" "$W/jobtimes"
  mkdir -p "$W/wf" "$W/jobtimes"
  {
    printf 'manifest: %s\nmetadata: %s\nsubjects: %s\nvisits: %s\n' "$C/manifest.tsv" \
      "$C/metadata.tsv" "$C/subjects.tsv" "$C/visits.tsv"
    printf 'index: %s\nout: results\nlumen: %s\n' "$W/gold.lmi" "$L"
    local kv
    for kv in "${SETS[@]}"; do printf '%s: %s\n' "${kv%%=*}" "${kv#*=}"; done
  } >"$W/wf/config.yaml"
  WF_LOAD0=$(load)
  /usr/bin/time -f '%e %U %S %M' -o "$W/wf.time" snakemake -s "$PIPE/Snakefile" \
    --profile "$PIPE/profiles/slurm" -d "$W/wf" --configfile "$W/wf/config.yaml" \
    --cores "$(nproc)" --jobscript "$JS" >"$W/wf.log" 2>&1 || { tail -30 "$W/wf.log" && exit 1; }
  WF_LOAD1=$(load)
  read -r WF_WALL WF_CPU <<<"$(time_of "$W/wf.time")"
  # bash's times: line 2 is the children's "user sys" as XmY.ZZZs
  WF_JOBCPU=$(cat "$W"/jobtimes/* 2>/dev/null | awk 'NR % 2 == 0 { for (i = 1; i <= 2; i++) {
    split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } } END { printf "%.1f", t }')
  WF_JOBS=$(grep -c "with external jobid" "$W/wf.log" || true)
}

same() {
  local s=yes
  diff -r -q -x .lumen -x provenance.json -x report.html "$W/run" "$W/wf/results" >&2 || s=no
  if [ -f "$W/run/report.html" ]; then
    cmp -s <(report_body "$W/run/report.html") <(report_body "$W/wf/results/report.html") || s=no
  fi
  echo $s
}

for i in $(seq "$REPEAT"); do
  k=$i
  [ "$FIRST" = run ] || k=$((i + 1))
  if [ $((k % 2)) -eq 1 ]; then run_lumen && run_wf; else run_wf && run_lumen; fi
  order=$([ $((k % 2)) -eq 1 ] && echo "run, then workflow" || echo "workflow, then run")
  awk -v i="$i" -v o="$order" -v r="$LR_WALL" -v rc="$LR_CPU" -v w="$WF_WALL" -v wc="$WF_CPU" \
    -v jc="$WF_JOBCPU" -v j="$WF_JOBS" -v s="$(same)" -v l0="$LR_LOAD0" -v l1="$LR_LOAD1" \
    -v m0="$WF_LOAD0" -v m1="$WF_LOAD1" 'BEGIN {
    printf "pair %d (%s)\n", i, o
    printf "  lumen run:          %7.1f s wall %7.1f s CPU           load %s -> %s\n", r, rc, l0, l1
    printf "  snakemake on SLURM: %7.1f s wall %7.1f s CPU (%d jobs)  load %s -> %s\n", w, wc + jc, j, m0, m1
    printf "    (Snakemake itself %.1f s CPU, the jobs %.1f s)\n", wc, jc
    printf "  workflow / run:     %7.2f wall (overhead %+.0f%%), %.2f CPU\n", w / r, (w / r - 1) * 100, (wc + jc) / rc
    printf "  results identical:  %s\n", s }'
done
