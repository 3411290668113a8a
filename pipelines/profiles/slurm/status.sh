#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Snakemake's cluster status command (profiles/slurm/config.yaml): given the job ID that
# submit.sh printed, print running, success or failed. Works without SLURM accounting:
# squeue knows pending and running jobs, scontrol knows finished ones for MinJobAge
# seconds (300 by default), and sacct is asked only when both have forgotten the job.
# A job no tool knows is 'failed': Snakemake then reports it instead of waiting forever.
set -uo pipefail
id=${1%%;*}
[[ $id =~ ^[0-9]+(_[0-9]+)?$ ]] || { echo "status.sh: bad job ID '$1'" >&2; echo failed; exit 0; }

state=""
for _ in 1 2 3; do
  state=$(squeue -h -j "$id" -o %T 2>/dev/null | head -1)
  [ -n "$state" ] && break
  state=$(scontrol show job "$id" -o 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
  [ -n "$state" ] && break
  if command -v sacct >/dev/null 2>&1; then
    state=$(sacct -n -X -P -j "$id" -o State 2>/dev/null | head -1 | cut -d' ' -f1)
    [ -n "$state" ] && break
  fi
  sleep 1 # the controller may be busy: ask again before giving up
done

case $state in
  COMPLETED) echo success ;;
  PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | REQUEUE_FED | \
    REQUEUE_HOLD | RESIZING | SIGNALING | STAGE_OUT | STOPPED | RESV_DEL_HOLD) echo running ;;
  "")
    echo "status.sh: no SLURM tool knows job $id" >&2
    echo failed
    ;;
  *) echo failed ;; # FAILED CANCELLED TIMEOUT OUT_OF_MEMORY NODE_FAIL PREEMPTED BOOT_FAIL DEADLINE
esac
