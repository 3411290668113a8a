#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill -9 at 20 seeded moments of each of the later stage commands that write files (taxa,
# diversity, stats, report, summary; qc, reads, table, denoise, index and classify are in
# test_faults_kill.sh, lumen run in test_faults_kill_run.sh): afterwards no output path holds a partial file (only complete
# outputs, or nothing; temporary names aside), and a rerun in the same place writes the
# bytes of an uninterrupted run. The moments are a seeded fraction of the command's
# measured uninterrupted duration, so they spread over its start, work and writing.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_data
N=$(kills_default)
VOLATILE='*/provenance.json' # the stage commands' report.html is deterministic

k_taxa() { exec "$LUMEN" taxa -q -t 2 --table "$S/features/table.tsv" \
  --taxonomy "$S/features/taxonomy.tsv" --out "$1/taxa"; }
k_diversity() { exec "$LUMEN" diversity -q -t 2 --depth auto --table "$S/features/table.tsv" \
  --out "$1/diversity"; }
k_stats() { exec "$LUMEN" stats -q -t 2 --diversity "$S/diversity" --taxa "$S/taxa" \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" \
  --permutations 99 --out "$1/stats"; }
k_report() { exec "$LUMEN" report -q --results "$S" --out "$1/report.html"; }
# summary writes DIR/qc/summary.tsv inside the results folder it reads
prep_k_summary() { mkdir -p "$1/res" && cp -r "$S/qc" "$S/features" "$S/diversity" "$1/res/" &&
  rm -f "$1/res/qc/summary.tsv"; }
k_summary() { exec "$LUMEN" summary -q --results "$1/res" --manifest "$C/manifest.tsv"; }

kill_loop "taxa" "$N" 107 k_taxa
kill_loop "diversity" "$N" 108 k_diversity
kill_loop "stats" "$N" 109 k_stats
kill_loop "report" "$N" 110 k_report
kill_loop "summary" "$N" 111 k_summary
finish
