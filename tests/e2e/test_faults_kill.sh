#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill -9 at 20 seeded moments of each of the first stage commands that write files (qc,
# reads, table, denoise, index, classify; taxa, diversity, stats, report and summary are in
# test_faults_kill_late.sh, lumen run in test_faults_kill_run.sh): afterwards no output path holds a partial file (only complete
# outputs, or nothing; temporary names aside), and a rerun in the same place writes the
# bytes of an uninterrupted run. The moments are a seeded fraction of the command's
# measured uninterrupted duration, so they spread over its start, work and writing.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_data
N=$(kills_default)

k_qc() { exec "$LUMEN" qc -q -t 2 --in "$C/reads/P001-W00_R1.fastq.gz" \
  --in2 "$C/reads/P001-W00_R2.fastq.gz" --json "$1/qc.json"; }
k_reads() { exec "$LUMEN" reads -q -t 2 --manifest "$C/manifest.tsv" -p v4 --out "$1/r"; }
k_table() { exec "$LUMEN" table -q -t 2 --reads "$S" --out "$1/derep"; }
k_denoise() { exec "$LUMEN" denoise -q -t 2 --table "$S/derep" --out "$1/features"; }
k_index() { exec "$LUMEN" index -q -t 2 --fasta "$WORK/ref400.fasta" --out "$1/ref.lmi"; }
k_classify() { exec "$LUMEN" classify -q -t 2 --index "$IDX" --in "$S/features/features.fasta" \
  --out "$1/taxonomy.tsv" --details "$1/details.tsv"; }

kill_loop "qc" "$N" 101 k_qc
kill_loop "reads" "$N" 102 k_reads
kill_loop "table" "$N" 103 k_table
kill_loop "denoise" "$N" 104 k_denoise
kill_loop "index" "$N" 105 k_index
kill_loop "classify" "$N" 106 k_classify
finish
