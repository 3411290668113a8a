#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Snakemake workflow on a real one-node SLURM (pipelines/ci/slurm-local.sh), against
# `lumen run` on the same inputs:
#   1. start a private SLURM (own state folder and ports), simulate a small cohort
#      (4 subjects x 3 visits, 2,000 read pairs each), build the index;
#   2. `lumen run` on it;
#   3. the workflow through sbatch (profiles/slurm, one reads job per sample, in groups of
#      2; pooled stages one job each); once some
#      reads jobs have finished, Snakemake is killed with SIGKILL, as after a crash of the
#      login node, and the jobs it left pending are cancelled;
#   4. the rerun (--unlock first) must run exactly the reads jobs whose outputs are missing,
#      leave the finished samples' files untouched, and finish the pooled jobs;
#   5. every file of the results folder must equal `lumen run`'s byte for byte
#      (provenance.json aside, which must say it ran under Snakemake);
#   6. the same for the local profile with reads_batch 5 (several samples per reads job);
#   7. the same for the SLURM profile with the config's defaults (one batched reads job,
#      the pooled stages as one group job: 2 sbatch jobs), without CI=true;
#      then the daemons stop.
# Usage: pipelines/ci/test-slurm.sh [LUMEN]   (default build/lumen)
# Exit 0 passed, 1 failed, 77 skipped (not root, or slurm-wlm/munge/snakemake missing).
# Environment: LM_TEST_KEEP=1 keeps the work folder; LM_SLURM_PORT (default 6837).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PIPE=$(dirname "$HERE")
L=$(readlink -f "${1:-build/lumen}")
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta

skip() {
  echo "test-slurm: SKIP: $*"
  exit 77
}
fail() {
  echo "test-slurm: FAIL: $*" >&2
  exit 1
}
say() { echo "test-slurm: $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (it starts munged and the SLURM daemons)"
for t in snakemake sbatch squeue scancel sinfo scontrol /usr/sbin/slurmctld /usr/sbin/slurmd \
  /usr/sbin/munged; do
  command -v "$t" >/dev/null 2>&1 || skip "$t missing (packages slurm-wlm, munge, snakemake)"
done
[ -x "$L" ] || fail "no lumen binary at $L"
[ -s "$REF" ] || skip "$REF missing (package microbiomeutil-data)"
for c in run summary; do
  "$L" $c --help >/dev/null 2>&1 || skip "this lumen has no '$c' command yet"
done

W=$(mktemp -d "${TMPDIR:-/tmp}/lumen-slurm-test.XXXXXX")
export LM_SLURM_DIR=$W/slurm LM_SLURM_PORT=${LM_SLURM_PORT:-6837}
export SLURM_CONF=$LM_SLURM_DIR/slurm.conf
export CI=true # Snakemake polls job states every second instead of every 10
# table.biom carries a creation date: fixed, so that both results can be compared.
export SOURCE_DATE_EPOCH=1700000000
SM_PID=""
cleanup() {
  local rc=$?
  [ -z "$SM_PID" ] || kill -9 "$SM_PID" 2>/dev/null || true
  if [ -s "$SLURM_CONF" ]; then
    squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
    bash "$HERE/slurm-local.sh" stop >/dev/null 2>&1 || true
  fi
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    say "work folder kept for inspection: $W"
  elif [ -z "${LM_TEST_KEEP:-}" ]; then rm -rf "$W"; fi
}
trap cleanup EXIT

t0=$(date +%s)
bash "$HERE/slurm-local.sh" start

say "simulating the cohort and building the index"
"$L" simulate --reference "$REF" --subjects 4 --reads 2000 --seed 11 --out "$W/cohort" -q
"$L" index --fasta "$REF" --out "$W/gold.lmi" -q 2>/dev/null
C=$W/cohort
nsamples=$(($(grep -vc '^#' "$C/manifest.tsv") - 1))

say "lumen run"
"$L" run --manifest "$C/manifest.tsv" --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" \
  --visits "$C/visits.tsv" --index "$W/gold.lmi" --out "$W/run" --threads 2 -q

# The optional stages as lumen run ran them (by default it denoises and writes the report;
# --no-denoise would leave derep/ out): the switches follow what run's folder holds.
denoise=false report=false
[ ! -d "$W/run/derep" ] || denoise=true
[ ! -f "$W/run/report.html" ] || report=true

mkdir -p "$W/wf"
cat >"$W/wf/config.yaml" <<EOF
manifest: $C/manifest.tsv
metadata: $C/metadata.tsv
subjects: $C/subjects.tsv
visits: $C/visits.tsv
index: $W/gold.lmi
out: results
lumen: $L
reads_batch: 1
group_size: 2
pooled_group: false
denoise: $denoise
report: $report
EOF
SM=(snakemake -s "$PIPE/Snakefile" --profile "$PIPE/profiles/slurm" -d "$W/wf"
  --configfile "$W/wf/config.yaml" --cores 2 --jobs 2)
Q=$W/wf/results/qc

say "workflow through sbatch, killed once some reads jobs are done"
"${SM[@]}" >"$W/run1.log" 2>&1 &
SM_PID=$!
for _ in $(seq 600); do
  n=$(shopt -s nullglob && f=("$Q"/*.json) && echo ${#f[@]})
  [ "$n" -ge 3 ] && break
  kill -0 "$SM_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$SM_PID" 2>/dev/null || fail "Snakemake ended before it could be killed; see $W/run1.log"
kill -9 "$SM_PID"
wait "$SM_PID" 2>/dev/null || true
SM_PID=""
# Snakemake's jobs outlive it: the pending ones are cancelled (as a user would after a
# crash), the running ones finish (at most two: --jobs 2), so no sample is cut mid-write.
squeue -h -t PENDING -o %i | xargs -r scancel
for _ in $(seq 600); do
  [ -z "$(squeue -h -o %i)" ] && break
  sleep 0.1
done
[ -z "$(squeue -h -o %i)" ] || fail "jobs stay in the queue a minute after the kill"

done_ids=() missing=()
while IFS=$'\t' read -r id _; do
  if [ -s "$Q/$id.json" ] && [ -s "$W/wf/results/uniques/$id.fasta.gz" ]; then
    done_ids+=("$id")
  else missing+=("$id"); fi
done < <(grep -v '^#' "$C/manifest.tsv" | tail -n +2)
say "after the kill: ${#done_ids[@]} of $nsamples samples done, ${#missing[@]} missing"
[ ${#missing[@]} -gt 0 ] || fail "every sample was done before the kill: the resume is not tested"
[ ${#done_ids[@]} -gt 0 ] || fail "no sample was done before the kill"
stamp() { for id in "${done_ids[@]}"; do
  stat -c '%n %Y %s' "$Q/$id.json" "$W/wf/results/uniques/$id.fasta.gz"
done; }
before=$(stamp)

say "rerun (after --unlock)"
"${SM[@]}" --unlock >"$W/unlock.log" 2>&1 || fail "snakemake --unlock failed; see $W/unlock.log"
"${SM[@]}" >"$W/run2.log" 2>&1 || fail "the rerun failed; see $W/run2.log"

# The rerun's reads jobs, from its job list, must be exactly the missing samples.
rerun=$(sed -n 's/^ *wildcards: sample=\(.*\)$/\1/p' "$W/run2.log" | sort -u)
want=$(printf '%s\n' "${missing[@]}" | sort -u)
[ "$rerun" = "$want" ] || fail "the rerun ran reads for [$(tr "\n" " " <<<"$rerun")], expected [$(tr "\n" " " <<<"$want")]"
count=$(awk '$1 == "reads" {print $2; exit}' "$W/run2.log")
[ "$count" = "${#missing[@]}" ] || fail "job stats of the rerun count ${count:-no} reads jobs, not ${#missing[@]}"
[ "$before" = "$(stamp)" ] || fail "the rerun rewrote samples that were done"
grep -q 'Submitted group job' "$W/run2.log" || fail "no group job was submitted"
grep -q 'external jobid' "$W/run2.log" || fail "no job went through sbatch"
# shellcheck disable=SC2016 # the literal text of the command lines Snakemake printed
[ "$(grep -cF ' --tmp-dir "${TMPDIR:-/tmp}"' "$W/run2.log")" -ge "${#missing[@]}" ] ||
  fail "the commands do not pass --tmp-dir with the job's TMPDIR"
say "the rerun ran the ${#missing[@]} missing reads jobs only"

# report.html without what it shows of provenance.json (its Run section: executor,
# command line, inputs, times) and the results folder's name in its header.
report_body() {
  sed 's/></>\n</g' "$1" | awk '/^<section id="/ { skip = /^<section id="run"/ }
    !skip && !/Results folder/'
}

# same_as_run DIR: every file of DIR equals lumen run's (provenance.json aside, which must
# name Snakemake; report.html apart from the provenance it shows), and no file is missing
# or extra.
same_as_run() {
  local R=$1 f bad=0
  (cd "$W/run" && find . -type f ! -path './.lumen/*' ! -name provenance.json | sort) >"$W/files.run"
  (cd "$R" && find . -type f ! -name provenance.json | sort) >"$W/files.wf"
  diff "$W/files.run" "$W/files.wf" >"$W/files.diff" ||
    fail "the file lists differ (< lumen run, > $R):"$'\n'"$(cat "$W/files.diff")"
  while read -r f; do
    if [ "$f" = ./report.html ]; then
      cmp -s <(report_body "$W/run/$f") <(report_body "$R/$f") || {
        echo "test-slurm: differs beyond the provenance: $R/$f" >&2
        bad=1
      }
      continue
    fi
    cmp -s "$W/run/$f" "$R/$f" || {
      echo "test-slurm: differs: $R/$f" >&2
      bad=1
    }
  done <"$W/files.run"
  [ $bad -eq 0 ] || fail "results in $R differ from lumen run's"
  [ -s "$R/provenance.json" ] || fail "no $R/provenance.json"
  grep -q '"snakemake"' "$R/provenance.json" || fail "$R/provenance.json does not say snakemake"
}

say "comparing with lumen run"
same_as_run "$W/wf/results"
say "$(wc -l <"$W/files.run") files identical to lumen run's (report.html outside its Run section)"

say "local profile, reads in batches of 5 samples"
snakemake -s "$PIPE/Snakefile" --profile "$PIPE/profiles/local" -d "$W/wf" \
  --configfile "$W/wf/config.yaml" --config out=batched logs=logs-batched reads_batch=5 \
  --cores 2 >"$W/batched.log" 2>&1 || fail "the batched run failed; see $W/batched.log"
same_as_run "$W/wf/batched"
grep -q '^reads_b2 ' "$W/batched.log" || fail "no batched reads jobs in $W/batched.log"
say "identical too"

# The config's defaults (one reads job for these few samples, the pooled stages as one
# group job) through sbatch, and Snakemake's own status poll set by the workflow
# (status_poll), not by CI=true.
say "SLURM profile with the config's defaults (batched reads, pooled group)"
grep -v -e '^reads_batch:' -e '^group_size:' -e '^pooled_group:' "$W/wf/config.yaml" \
  >"$W/wf/defaults.yaml"
env -u CI snakemake -s "$PIPE/Snakefile" --profile "$PIPE/profiles/slurm" -d "$W/wf" \
  --configfile "$W/wf/defaults.yaml" --config out=defaults logs=logs-defaults --cores 2 \
  >"$W/defaults.log" 2>&1 || fail "the run with the defaults failed; see $W/defaults.log"
same_as_run "$W/wf/defaults"
n=$(grep -c 'external jobid' "$W/defaults.log")
[ "$n" -eq 2 ] || fail "$n sbatch jobs with the defaults, expected 2 (reads, pooled group); see $W/defaults.log"
grep -q "Submitted group job" "$W/defaults.log" || fail "the pooled stages did not run as a group job"
say "identical too, in 2 sbatch jobs"

bash "$HERE/slurm-local.sh" stop
say "passed in $(($(date +%s) - t0)) s"
