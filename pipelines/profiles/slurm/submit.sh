#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Snakemake's cluster submit command (profiles/slurm/config.yaml): submit one job script
# with sbatch and print the job ID (sbatch --parsable), which status.sh is later given.
#   submit.sh --threads N --mem MB --runtime MINUTES --name NAME [--partition P]
#             [--account A] JOBSCRIPT
# LUMEN_SLURM_PARTITION and LUMEN_SLURM_ACCOUNT win over --partition and --account;
# LUMEN_SLURM_MAX_TIME (minutes) caps every job's time limit (a partition's MaxTime: a job
# asking for more would wait forever); LUMEN_SLURM_EXTRA is added to sbatch's options as
# it is (word-split); job logs go to LUMEN_SLURM_LOGS (default logs/slurm, relative to
# the workflow's folder).
set -euo pipefail
threads=1 mem="" runtime="" name=lumen partition="" account=""
while [ $# -gt 1 ]; do
  case $1 in
    --threads) threads=$2 ;;
    --mem) mem=$2 ;;
    --runtime) runtime=$2 ;;
    --name) name=$2 ;;
    --partition) partition=$2 ;;
    --account) account=$2 ;;
    *) echo "submit.sh: unknown option '$1'" >&2; exit 64 ;;
  esac
  shift 2
done
[ $# -eq 1 ] || { echo "submit.sh: usage: submit.sh [options] JOBSCRIPT" >&2; exit 64; }
script=$1
partition=${LUMEN_SLURM_PARTITION:-$partition}
account=${LUMEN_SLURM_ACCOUNT:-$account}
logs=${LUMEN_SLURM_LOGS:-logs/slurm}
if [ -n "${LUMEN_SLURM_MAX_TIME:-}" ] && [ -n "$runtime" ] && [ "$runtime" -gt "$LUMEN_SLURM_MAX_TIME" ]; then
  runtime=$LUMEN_SLURM_MAX_TIME
fi
mkdir -p "$logs"
args=(--parsable --job-name="lumen-$name" --cpus-per-task="$threads"
      --output="$logs/%x-%j.out" --nodes=1 --ntasks=1)
[ -z "$mem" ] || args+=(--mem="$mem")
[ -z "$runtime" ] || args+=(--time="$runtime")
[ -z "$partition" ] || args+=(--partition="$partition")
[ -z "$account" ] || args+=(--account="$account")
# shellcheck disable=SC2206 # word splitting of the extra options is wanted
[ -z "${LUMEN_SLURM_EXTRA:-}" ] || args+=($LUMEN_SLURM_EXTRA)
exec sbatch "${args[@]}" "$script"
