#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGINT and SIGTERM in the middle of every long-running command: it stops within 2 s,
# exits 130 (SIGINT) or 143 (SIGTERM), leaves no temporary file or staging folder, and no
# partial result (only whole outputs: lumen run keeps the steps it finished). The moments
# are seeded fractions (20-80 %) of each command's measured duration; a command that
# finishes before the signal is counted, not failed.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_data

s_simulate() { exec "$LUMEN" simulate -q --reference "$WORK/ref400.fasta" --subjects 6 --reads 4000 \
  --seed 5 -t 2 --out "$1/sim"; }
s_reads() { exec "$LUMEN" reads -q -t 2 --manifest "$C/manifest.tsv" -p v4 --out "$1/r"; }
s_table() { exec "$LUMEN" table -q -t 2 --reads "$S" --out "$1/derep"; }
s_denoise() { exec "$LUMEN" denoise -q -t 2 --table "$S/derep" --out "$1/features"; }
s_index() { exec "$LUMEN" index -q -t 2 --fasta "$WORK/ref400.fasta" --out "$1/ref.lmi"; }
s_classify() { exec "$LUMEN" classify -q -t 2 --index "$IDX" --in "$S/features/features.fasta" \
  --out "$1/taxonomy.tsv"; }
s_diversity() { exec "$LUMEN" diversity -q -t 2 --depth auto --table "$S/features/table.tsv" \
  --out "$1/diversity"; }
s_stats() { exec "$LUMEN" stats -q -t 2 --diversity "$S/diversity" --taxa "$S/taxa" \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" \
  --permutations 999 --out "$1/stats"; }
s_run() { exec "$LUMEN" run -q -t 2 --manifest "$C/manifest.tsv" --index "$IDX" --out "$1/r" \
  -p v4 --permutations 99 --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" \
  --visits "$C/visits.tsv"; }

# sig NAME FN TRIES: TRIES moments, alternating SIGINT and SIGTERM
sig() {
  local name=$1 fn=$2 tries=$3 ref=$WORK/ref-$2 d=$WORK/sig-$2 t0 ms k at s want st dt left
  local landed=0 bad=0 slow=0
  rm -rf "$ref"; mkdir -p "$ref"
  t0=$(now_ms); ("$fn" "$ref") >/dev/null 2>&1 || { not_ok "$name: uninterrupted run failed"; return; }
  ms=$(($(now_ms) - t0))
  for k in $(seq 1 "$tries"); do
    if [ $((k % 2)) = 1 ]; then s=INT want=130; else s=TERM want=143; fi
    rm -rf "$d"; mkdir -p "$d"
    at=$((ms * (20 + RANDOM % 61) / 100))
    ("$fn" "$d") >/dev/null 2>&1 &
    local pid=$!
    sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
    t0=$(now_ms)
    kill -s "$s" "$pid" 2>/dev/null
    wait "$pid"; st=$?
    dt=$(($(now_ms) - t0))
    [ "$st" = 0 ] && continue # finished before the signal
    landed=$((landed + 1))
    if [ "$st" != "$want" ]; then bad=1; not_ok "$name: SIG$s at $at ms: exit $st, expected $want"; fi
    if [ "$dt" -ge 2000 ]; then slow=1; not_ok "$name: SIG$s at $at ms: took $dt ms to stop"; fi
    left=$(find "$d" -name '*.tmp.*' -o -name '.lumen-reads.*' | head -3) # simulate: sim.tmp.*
    if [ -n "$left" ]; then bad=1; not_ok "$name: SIG$s at $at ms: temporary files left" "$left"; fi
    left=$(partial_files "$d" "$ref")
    if [ -n "$left" ]; then bad=1; not_ok "$name: SIG$s at $at ms: partial output" "$left"; fi
  done
  echo "# $name: uninterrupted $ms ms; $landed of $tries signals landed before it finished"
  if [ "$landed" = 0 ]; then echo "# $name: finished before every signal (nothing checked)"
  elif [ "$bad$slow" = 00 ]; then ok "$name: $landed signals (SIGINT 130, SIGTERM 143): prompt, no temporary or partial file"; fi
}
RANDOM=7
sig reads s_reads 6
sig table s_table 4
sig denoise s_denoise 4
sig index s_index 4
sig classify s_classify 4
sig diversity s_diversity 4
sig stats s_stats 4
sig run s_run 6
sig simulate s_simulate 4

# A long one for promptness: SIGTERM while reads works through 200,000 pairs at 1 thread
# (about 1.5 s of work on an idle machine), sent once its staging folder exists
for i in $(seq 100); do cat "$C/reads/P001-W00_R1.fastq.gz"; done >"$WORK/long_R1.fastq.gz"
for i in $(seq 100); do cat "$C/reads/P001-W00_R2.fastq.gz"; done >"$WORK/long_R2.fastq.gz"
printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\nlong\tlong_R1.fastq.gz\tlong_R2.fastq.gz\n' >"$WORK/long.tsv"
"$LUMEN" reads -q -t 1 --manifest "$WORK/long.tsv" -p v4 --out "$WORK/long" 2>/dev/null &
pid=$!
for i in $(seq 100); do
  [ -n "$(find "$WORK/long" -maxdepth 2 -name '.lumen-reads.*' 2>/dev/null)" ] && break
  sleep 0.02
done
sleep 0.2
t0=$(now_ms); kill -TERM "$pid"; wait "$pid"; RC=$?; dt=$(($(now_ms) - t0))
expect_rc "reads on 200,000 pairs, SIGTERM 0.2 s after it started writing" 143
[ "$dt" -lt 2000 ] && ok "it stopped in $dt ms" || not_ok "it took $dt ms to stop"
expect_no_files "SIGTERM" "$WORK/long"
if [ -z "$(find "$WORK/long" -name '.lumen-reads.*')" ]; then ok "the staging folder is removed"
else not_ok "the staging folder is left" "$(find "$WORK/long" | head -5)"; fi
finish
