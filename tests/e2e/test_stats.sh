#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen stats on the small hand-made cohort in tests/data/cohort (make_fixtures.py writes
# it): every table exists with the tidy columns, output does not depend on --threads,
# input problems are reported, and bad input exits 65 naming file and line with nothing
# written.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
C=$DATA/cohort
TIDY=$'analysis\tx\ty\tgroup\tweek\tn\testimate\tci_low\tci_high\tstatistic\tp\tq'
TABLES="correlations arm_comparisons permanova survival_cox survival_km logrank endpoints"

# stats DIR OUT [extra args]: run on the inputs in DIR (same layout as tests/data/cohort)
stats() {
  local d=$1 o=$2
  shift 2
  run "$LUMEN" stats --diversity "$d/diversity" --metadata "$d/metadata.tsv" \
    --subjects "$d/subjects.tsv" --visits "$d/visits.tsv" --taxa "$d/taxa" --out "$o" "$@"
}

run "$LUMEN" stats
expect_rc "no arguments prints usage" 64
run "$LUMEN" stats --help
expect_rc "--help" 0
expect_out "--help names the oracles" "vegan::adonis2"
run "$LUMEN" stats --diversity "$C/diversity" --metadata "$C/metadata.tsv"
expect_rc "missing --subjects/--visits/--out" 64

stats "$C" "$WORK/t1" --threads 1 --permutations 199
expect_rc "fixture, 1 thread" 0
for t in $TABLES; do
  if [ "$(head -1 "$WORK/t1/$t.tsv")" = "$TIDY" ]; then ok "$t.tsv has the tidy columns"
  else not_ok "$t.tsv header" "$(head -1 "$WORK/t1/$t.tsv" 2>&1)"; fi
  rows=$(($(wc -l <"$WORK/t1/$t.tsv") - 1))
  [ "$rows" -gt 0 ] && ok "$t.tsv has $rows rows" || not_ok "$t.tsv is empty"
  # every row has 12 cells, and no NaN leaks out (NA is the only missing marker)
  bad=$(awk -F'\t' 'NF != 12 || /nan|NaN/' "$WORK/t1/$t.tsv" | head -2)
  [ -z "$bad" ] && ok "$t.tsv rows are well formed" || not_ok "$t.tsv malformed rows" "$bad"
done
[ "$(head -1 "$WORK/t1/cohort_checks.tsv")" = $'kind\tfile\tline\tid\tmessage' ] &&
  ok "cohort_checks.tsv header" || not_ok "cohort_checks.tsv header"
[ "$(wc -l <"$WORK/t1/cohort_checks.tsv")" -eq 1 ] && ok "clean fixture: no checks" ||
  not_ok "clean fixture has checks" "$(cat "$WORK/t1/cohort_checks.tsv")"
grep -q $'^spearman_genus\t.*g__Blautia\tlog10_hbsag\tNA\t24\t12\t' "$WORK/t1/correlations.tsv" &&
  ok "genus correlations at week 24" || not_ok "no genus correlation row"
grep -q $'^permanova\tbraycurtis\thbsag_loss\tstrata=subject\tNA\t36\t' "$WORK/t1/permanova.tsv" &&
  ok "PERMANOVA by HBsAg loss within subject" || not_ok "no PERMANOVA by loss"
grep -q $'^hbsag_loss\tNA\tNA\tall\t48\t12\t0.25\t' "$WORK/t1/endpoints.tsv" &&
  ok "HBsAg loss at week 48: 3 of 12" || not_ok "loss rate at week 48"
grep -q $'^km_rfs\tmonth_12\tall\tall\t' "$WORK/t1/survival_km.tsv" && ok "RFS at year 1" ||
  not_ok "no RFS at year 1"
# derived endpoints: P001 goes from 34.58 to 1.256 IU/mL by week 24 (visits.tsv)
awk -F'\t' '$1 == "P001" && $3 == 24 { d = $6 - (log(34.58) - log(1.256)) / log(10)
  exit !(d < 1e-12 && d > -1e-12 && $7 == 0 && $8 == 0) }' "$WORK/t1/visits_derived.tsv" &&
  ok "visits_derived.tsv: HBsAg decline in log10 units" ||
  not_ok "visits_derived.tsv decline" "$(grep -m2 P001 "$WORK/t1/visits_derived.tsv")"
ls "$WORK/t1" | grep -q '\.tmp\|~' && not_ok "temporary files left" || ok "no temporary files"

stats "$C" "$WORK/t2" --threads 2 --permutations 199
expect_rc "fixture, 2 threads" 0
for t in $TABLES skipped cohort_checks visits_derived; do
  expect_same "$t.tsv at 1 and 2 threads" "$WORK/t1/$t.tsv" "$WORK/t2/$t.tsv"
done
stats "$C" "$WORK/t3" --threads 2 --permutations 199 --seed 12
if cmp -s "$WORK/t1/permanova.tsv" "$WORK/t3/permanova.tsv"; then
  not_ok "--seed changes the permutation p-values"
else ok "--seed changes the permutation p-values"; fi

# --- reported problems (the run still succeeds) ------------------------------------------
mk() { rm -rf "$WORK/in"; cp -r "$C" "$WORK/in"; }
mk
printf 'P001\t12\t1\t1\t1\tnegative\t1\t1\t1\t1\t1\t1\n' >>"$WORK/in/visits.tsv" # duplicate
printf 'P002\t30\t-5\t1\t1\tnegative\t1\t1\t1\t1\t1\t1\n' >>"$WORK/in/visits.tsv"
sed -i 's/^P004\tNAs\t[0-9]*/P004\tNAs\t70/' "$WORK/in/subjects.tsv"
stats "$WORK/in" "$WORK/chk" --permutations 19
expect_rc "inputs with problems still run" 0
for k in duplicate_visit week_off_protocol negative_value eligibility_age; do
  grep -q "^$k"$'\t' "$WORK/chk/cohort_checks.tsv" && ok "check $k reported" ||
    not_ok "check $k missing" "$(cat "$WORK/chk/cohort_checks.tsv")"
done
grep -q $'^duplicate_visit\tvisits.tsv\t74\tP001\t' "$WORK/chk/cohort_checks.tsv" &&
  ok "check names file and line" || not_ok "check lacks file:line"

mk
sed -i 's/\tNAs\t/\tNA\t/' "$WORK/in/subjects.tsv"
stats "$WORK/in" "$WORK/na" --permutations 19
expect_rc "arm literally NA" 0
expect_err "arm NA warns" "warning: .*arm 'NA' reads as missing"
grep -q "single arm" "$WORK/na/skipped.tsv" && ok "single arm: arm tests skipped with a reason" ||
  not_ok "single arm not explained" "$(head -5 "$WORK/na/skipped.tsv")"

# --- bad input: exit 65, file:line, nothing written ---------------------------------------
# bad NAME FILE LINE REGEX: run on $WORK/in and check
bad() {
  rm -rf "$WORK/bad"
  stats "$WORK/in" "$WORK/bad"
  expect_rc "$1" 65
  expect_err "$1 names file and line" "error: .*$2:$3: .*$4"
  expect_no_files "$1" "$WORK/bad"
}
mk; sed -i '6s/^P002-W24/P099-W24/' "$WORK/in/diversity/alpha.tsv"
bad "unknown sample ID" alpha.tsv 6 "unknown sample ID 'P099-W24'"
mk; sed -i '3s/\t[0-9.]*$/\thigh/' "$WORK/in/visits.tsv"
bad "non-numeric value" visits.tsv 3 "'high' is not a number"
mk; sed -i '4s/^\(P003\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t\)[0-9.]*/\1-3/' "$WORK/in/subjects.tsv"
bad "negative time" subjects.tsv 4 "time -3 is negative"
mk; sed -i '6s/^\(P005\(\t[^\t]*\)\{6\}\t\)[01]/\12/' "$WORK/in/subjects.tsv"
bad "event code 2" subjects.tsv 6 "event code '2'"
mk; sed -i '7s/\t48\t/\tW48\t/' "$WORK/in/metadata.tsv"
bad "week not a number" metadata.tsv 7 "week 'W48'"
mk; rm "$WORK/in/diversity/alpha.tsv"
rm -rf "$WORK/bad"; stats "$WORK/in" "$WORK/bad"
expect_rc "missing alpha.tsv" 66
expect_no_files "missing alpha.tsv" "$WORK/bad"
finish
