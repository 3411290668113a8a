# SPDX-License-Identifier: MIT
# Sourced by the report tests (after lib.sh): make_results DIR builds a small results
# folder with lumen run on a simulated cohort of 4 subjects (12 samples), as
# scripts/demo.sh does. Sets RESULTS_OK=1 on success.
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
make_results() {
  local r=$1 c=$WORK/cohort
  RESULTS_OK=0
  [ -f "$REF" ] || { not_ok "gold reference missing: $REF (scripts/setup.sh installs it)"; return 1; }
  "$LUMEN" simulate -q --reference "$REF" --subjects 4 --reads 1500 --seed 7 --out "$c" &&
  "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi" 2>/dev/null &&
  "$LUMEN" run -q -t 2 --manifest "$c/manifest.tsv" --index "$WORK/gold.lmi" --primers v4 \
    --metadata "$c/metadata.tsv" --subjects "$c/subjects.tsv" --visits "$c/visits.tsv" \
    --permutations 99 --out "$r" 2>/dev/null ||
    { not_ok "building the results folder with lumen run failed"; return 1; }
  # lumen run writes the report itself once it calls lm_report_write: start from none
  rm -f "$r/report.html"
  RESULTS_OK=1
}
