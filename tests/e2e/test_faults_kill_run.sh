#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill -9 at 20 seeded moments spread over a whole `lumen run` (reads to report, with the
# clinical tables): afterwards no output path holds a partial file (provenance.json and
# report.html whole, every other result the uninterrupted run's bytes), and a rerun in the
# same folder resumes and ends with the uninterrupted run's bytes. (test_run.sh kills 5
# moments and also kills a rerun; this one covers 20 moments on smaller data.)
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_data
k_run() { exec "$LUMEN" run -q -t 2 --manifest "$C/manifest.tsv" --index "$IDX" --out "$1/r" \
  -p v4 --permutations 99 --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" \
  --visits "$C/visits.tsv"; }
kill_loop "run" "$(kills_default)" 112 k_run
finish
