#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scratch space (issue 13): every command takes --tmp-dir and honours TMPDIR, and none
# leaves anything in either (on a cluster they point at the node-local scratch; nothing
# may pile up in /tmp). Each command of `lumen --help` must list --tmp-dir; then the whole
# chain of stage commands, as the Snakemake workflow runs it, and `lumen run`, each with
# TMPDIR and --tmp-dir naming two empty folders: both must stay empty, and the results
# must equal those of runs whose TMPDIR names a folder that does not exist (so no stage
# depends on scratch space being there).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
[ -f "$REF" ] || { echo "gold reference missing: $REF"; exit 77; }
export SOURCE_DATE_EPOCH=1700000000 # table.biom's creation date, to compare runs

# Every command lists the option (the common options' table) in its --help.
cmds=$("$LUMEN" --help 2>&1 | awk '/^  [a-z]+  / && $1 != "help" && $1 != "version" {print $1}')
[ -n "$cmds" ] && ok "lumen --help lists the commands" || not_ok "no commands in lumen --help"
for c in $cmds; do
  if "$LUMEN" "$c" --help 2>&1 | grep -q -- '--tmp-dir DIR'; then ok "$c --help lists --tmp-dir"
  else not_ok "$c --help does not list --tmp-dir"; fi
done

C=$WORK/cohort
run "$LUMEN" simulate -q --reference "$REF" --subjects 3 --reads 800 --seed 5 --out "$C"
expect_rc "simulate" 0
run "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi"
expect_rc "index" 0

# chain OUT TMPENV TMPOPT: the stage commands one by one, as pipelines/Snakefile runs them
# (reads one sample at a time, then the pooled stages).
chain() {
  local o=$1 te=$2 to=$3 id
  local t=(--tmp-dir "$to" -q -t 2)
  for id in $(awk -F'\t' 'NR > 1 && !/^#/ {print $1}' "$C/manifest.tsv"); do
    TMPDIR=$te "$LUMEN" reads "${t[@]}" --manifest "$C/manifest.tsv" --sample "$id" --out "$o" ||
      return 1
  done
  mkdir -p "$o/cohort" && cp "$C"/{metadata,subjects,visits}.tsv "$o/cohort/" &&
    TMPDIR=$te "$LUMEN" table "${t[@]}" --reads "$o" --out "$o/derep" &&
    TMPDIR=$te "$LUMEN" denoise "${t[@]}" --table "$o/derep" --out "$o/features" &&
    TMPDIR=$te "$LUMEN" classify "${t[@]}" --index "$WORK/gold.lmi" \
      --in "$o/features/features.fasta" --out "$o/features/taxonomy.tsv" &&
    TMPDIR=$te "$LUMEN" taxa "${t[@]}" --table "$o/features/table.tsv" \
      --taxonomy "$o/features/taxonomy.tsv" --out "$o/taxa" &&
    TMPDIR=$te "$LUMEN" diversity "${t[@]}" --table "$o/features/table.tsv" --out "$o/diversity" &&
    TMPDIR=$te "$LUMEN" stats "${t[@]}" --diversity "$o/diversity" --taxa "$o/taxa" \
      --metadata "$o/cohort/metadata.tsv" --subjects "$o/cohort/subjects.tsv" \
      --visits "$o/cohort/visits.tsv" --out "$o/stats" &&
    TMPDIR=$te "$LUMEN" summary "${t[@]}" --results "$o" --manifest "$C/manifest.tsv" &&
    TMPDIR=$te "$LUMEN" report "${t[@]}" --results "$o"
}
runall() { # runall OUT TMPENV TMPOPT: lumen run
  TMPDIR=$2 "$LUMEN" run -q -t 2 --tmp-dir "$3" --manifest "$C/manifest.tsv" \
    --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" \
    --index "$WORK/gold.lmi" --out "$1"
}

mkdir -p "$WORK/env" "$WORK/opt"
run chain "$WORK/chain" "$WORK/env" "$WORK/opt"
expect_rc "the stage commands with TMPDIR and --tmp-dir" 0
run runall "$WORK/run" "$WORK/env" "$WORK/opt"
expect_rc "lumen run with TMPDIR and --tmp-dir" 0
expect_no_files "TMPDIR after every command" "$WORK/env"
expect_no_files "--tmp-dir after every command" "$WORK/opt"
n=$(find "$WORK/env" "$WORK/opt" -mindepth 1 | wc -l)
[ "$n" -eq 0 ] && ok "no folders left in either" || not_ok "$n entries left in the scratch folders"

# No stage needs the scratch folder to exist: same results without it.
run chain "$WORK/chain2" "$WORK/none1" "$WORK/none2"
expect_rc "the stage commands with missing scratch folders" 0
run runall "$WORK/run2" "$WORK/none1" "$WORK/none2"
expect_rc "lumen run with missing scratch folders" 0
[ ! -e "$WORK/none1" ] && [ ! -e "$WORK/none2" ] && ok "no scratch folder was created" ||
  not_ok "a scratch folder was created"
same_tree() { # same_tree NAME A B (provenance.json and report.html carry paths and times)
  local d
  d=$(diff -r -q -x provenance.json -x report.html -x .lumen "$2" "$3" 2>&1)
  [ -z "$d" ] && ok "$1: same files" || not_ok "$1 differ" "$d"
}
same_tree "the stage commands with and without scratch" "$WORK/chain" "$WORK/chain2"
same_tree "lumen run with and without scratch" "$WORK/run" "$WORK/run2"
finish
