# SPDX-License-Identifier: MIT
# Shared by the tests/e2e/test_faults_*.sh tests (source after lib.sh): one small simulated
# dataset (2 subjects x 3 visits x 2,000 pairs, reads drawn from 400 gold references, which
# are also the index), the chain of stage outputs made from it, and the kill -9 loop.
#   faults_data        makes $C (the cohort), $IDX (index), $S (stage outputs); exit 77 if the
#                      gold reference is missing
#   kill_loop NAME N SEED FN   kill -9 `FN DIR` N times at seeded moments, check, rerun
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
export SOURCE_DATE_EPOCH=1700000000 # table.biom's creation date, fixed to compare runs

faults_data() {
  if [ ! -f "$REF" ]; then echo "# skipped: gold reference missing: $REF"; exit 77; fi
  C=$WORK/cohort IDX=$WORK/ref400.lmi S=$WORK/stages
  awk '/^>/ { n++ } n <= 400' "$REF" >"$WORK/ref400.fasta"
  "$LUMEN" simulate -q --reference "$WORK/ref400.fasta" --subjects 2 --reads 2000 --seed 5 \
    --out "$C" && "$LUMEN" index -q --fasta "$WORK/ref400.fasta" --out "$IDX" 2>/dev/null &&
    "$LUMEN" reads -q --manifest "$C/manifest.tsv" -p v4 --out "$S" &&
    "$LUMEN" table -q --reads "$S" --out "$S/derep" &&
    "$LUMEN" denoise -q --table "$S/derep" --out "$S/features" &&
    "$LUMEN" classify -q --index "$IDX" --in "$S/features/features.fasta" \
      --out "$S/features/taxonomy.tsv" &&
    "$LUMEN" taxa -q --table "$S/features/table.tsv" --taxonomy "$S/features/taxonomy.tsv" \
      --out "$S/taxa" &&
    "$LUMEN" diversity -q --depth auto --table "$S/features/table.tsv" --out "$S/diversity"
  RC=$?
  if [ "$RC" != 0 ]; then not_ok "the shared dataset and stage outputs: exit $RC"; finish; exit 1; fi
}

# Kills per command: 20 (LM_KILLS overrides). A sanitizer build (.ci/run runs the whole
# suite under ASan, several times slower) gets 5, so the file stays within its time; the
# Release suite runs all 20.
kills_default() {
  if [ -n "${LM_KILLS:-}" ]; then echo "$LM_KILLS"
  elif sanitized; then echo 5
  else echo 20; fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Files of a folder that are results: temporary names (lm_afile's "<name>.tmp.XXXXXX",
# lumen reads' staging folder ".lumen-reads.XXXXXX", lumen run's step records in .lumen/)
# aside.
result_files() {
  (cd "$1" && find . -type f ! -name '*.tmp.??????' ! -path '*/.lumen-reads.*' \
    ! -path '*/.lumen/*' | sort)
}

# What may differ between two runs of the same command: provenance.json and the report
# that shows it (times, command line). Those must still be whole: valid JSON, and a page
# that ends with </html>.
# A test that knows its report is deterministic sets VOLATILE='*/provenance.json'.
VOLATILE='*/provenance.json|*/report.html'
volatile_file() {
  local IFS='|' p
  for p in $VOLATILE; do case $1 in $p) return 0 ;; esac; done
  return 1
}
whole_file() {
  case $1 in
  *.json) /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null ;;
  *.html) tail -c 20 "$1" | grep -q '</html>' ;;
  esac
}

# partial_files DIR REFDIR: print the result files of DIR that are not whole: not the
# same bytes as REFDIR's (or not in REFDIR at all). Empty output: nothing partial.
partial_files() {
  local f
  result_files "$1" | while read -r f; do
    if volatile_file "$f"; then whole_file "$1/$f" || echo "$f (not whole)"
    elif [ ! -e "$2/$f" ]; then echo "$f (not an output)"
    elif ! cmp -s "$1/$f" "$2/$f"; then echo "$f ($(stat -c %s "$1/$f") of $(stat -c %s "$2/$f") bytes)"
    fi
  done
}

# same_outputs DIR REFDIR: the same result files, byte for byte (volatile ones only whole).
same_outputs() {
  result_files "$1" >"$WORK/f1"
  result_files "$2" >"$WORK/f2"
  if ! cmp -s "$WORK/f1" "$WORK/f2"; then diff "$WORK/f1" "$WORK/f2" | head -5; return 1; fi
  [ -z "$(partial_files "$1" "$2")" ] && [ -s "$WORK/f1" ]
}

# kill_loop NAME N SEED FN: FN DIR runs one command (with exec, so $! is lumen itself) that
# writes its outputs under DIR; an optional function prep_FN DIR puts its inputs there. An
# uninterrupted run gives the reference, a second its duration; then N times: a fresh DIR, FN
# killed with SIGKILL after a seeded fraction of that duration, no partial result in DIR,
# FN rerun in the same DIR, exit 0 and the reference's bytes.
kill_loop() {
  local name=$1 n=$2 fn=$4 ref=$WORK/ref-$4 d=$WORK/kill-$4 t0 ms k at st landed=0 bad=0 left
  RANDOM=$3
  rm -rf "$ref"; mkdir -p "$ref"
  if declare -F "prep_$fn" >/dev/null; then "prep_$fn" "$ref"; fi
  ("$fn" "$ref") >/dev/null 2>"$WORK/err"; RC=$?
  if [ "$RC" != 0 ]; then not_ok "$name: the uninterrupted run: exit $RC" "$(head -3 "$WORK/err")"; return; fi
  # the duration of a second, warm run (the first read the inputs from disk)
  rm -rf "$d"; mkdir -p "$d"
  if declare -F "prep_$fn" >/dev/null; then "prep_$fn" "$d"; fi
  t0=$(now_ms)
  ("$fn" "$d") >/dev/null 2>&1
  ms=$(($(now_ms) - t0))
  for k in $(seq 1 "$n"); do
    rm -rf "$d"; mkdir -p "$d"
    if declare -F "prep_$fn" >/dev/null; then "prep_$fn" "$d"; fi
    at=$((RANDOM % (ms + 1)))
    ("$fn" "$d") >/dev/null 2>&1 &
    local pid=$!
    sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; st=$?
    [ "$st" = 137 ] && landed=$((landed + 1))
    left=$(partial_files "$d" "$ref")
    if [ -n "$left" ]; then
      bad=$((bad + 1)); not_ok "$name: partial output after kill -9 at $at of $ms ms" "$left"; continue
    fi
    ("$fn" "$d") >/dev/null 2>"$WORK/err"; RC=$?
    if [ "$RC" != 0 ]; then
      bad=$((bad + 1)); not_ok "$name: rerun after kill -9 at $at ms: exit $RC" "$(head -3 "$WORK/err")"
    elif ! same_outputs "$d" "$ref"; then
      bad=$((bad + 1)); not_ok "$name: rerun after kill -9 at $at ms differs from the uninterrupted run"
    fi
  done
  echo "# $name: uninterrupted ${ms} ms; $landed of $n kills landed before it finished"
  [ "$bad" = 0 ] && ok "$name: $n kill -9 moments ($landed mid-run): no partial output, reruns byte-identical"
}
