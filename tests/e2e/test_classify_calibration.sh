# SPDX-License-Identifier: MIT
# Calibration (issue #15, point 3), through benchmarks/calibration.sh on a small split: a
# third of the gold reference (every third record), 2 folds, lumen only. Checks the
# script's sweep against an independent count from the raw --details files (P, R, F and
# over-classification at 0.80 and at the chosen threshold), its reliability counts against
# the same files, two properties that could fail (the top confidence bin is right at
# least as often as the bottom one; the best threshold's F is at least F at 0.80), and
# that `lumen classify --help` states the default threshold and how it was chosen, and
# that classify without --confidence behaves as with that value. Exit 77 without the gold
# reference or Debian's numpy.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
if [ ! -r "$GOLD" ] || ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "SKIP: needs $GOLD and /usr/bin/python3 with numpy (apt-get install microbiomeutil-data python3-numpy)"
  exit 77
fi
BENCH="$(dirname "$0")/../../benchmarks/calibration.sh"
C="$WORK/cal"
run env SETS=gold FOLDS=2 SUBSAMPLE=3 bash "$BENCH" "$LUMEN" "$C" --lumen-only
expect_rc "calibration.sh on 2 folds of a third of gold" 0
head -c 3000 "$WORK/out"
SWEEP=$C/sweep_lumen_default.tsv
REL=$C/reliability_lumen_default.tsv
for f in "$SWEEP" "$REL" "$C/best_lumen_default.txt"; do
  [ -s "$f" ] && ok "wrote $(basename "$f")" || not_ok "no $(basename "$f")"
done
expect_out "markdown sweep" "^\| 0\.80 .*\|"
BEST=$(cut -f1 "$C/best_lumen_default.txt")

# Independent count, straight from test.tsv, train.tsv and the details files:
# known genus: named = genus_confidence >= T, right = named and the true genus.
count() {
  for k in 0 1; do
    d=$C/gold/fold$k
    awk -F'\t' -v T="$1" 'FILENAME ~ /train.tsv$/ {split($2, a, ";"); kg[a[6]] = 1; next}
      FILENAME ~ /test.tsv$/ {split($2, a, ";"); tg[$1] = a[6]; next}
      FNR == 1 {for (i = 1; i <= NF; i++) {if ($i == "genus") gi = i; if ($i == "genus_confidence") ci = i}; next}
      {named = $gi != "" && $ci + 1e-9 >= T; known = tg[$1] in kg
       if (known) {K++; if (named) {A++; if ($gi == tg[$1]) R++}} else {U++; if (named) O++}}
      END {printf "%d %d %d %d %d\n", K, A, R, U, O}' "$d/train.tsv" "$d/test.tsv" "$d/lumen_default_details.tsv"
  done | awk '{k += $1; a += $2; r += $3; u += $4; o += $5}
    END {p = r / a; q = r / k; printf "%.4f %.4f %.4f %.4f %d\n", p, q, 2 * p * q / (p + q), o / u, k + u}'
}
for T in 0.80 "$BEST"; do
  want=$(count "$T")
  got=$(awk -F'\t' -v T="$T" '$1 == "gold" && $2 == T {printf "%.4f %.4f %.4f %.4f %d\n", $3, $4, $5, $6, $9 + $10}' "$SWEEP")
  if [ -n "$got" ] && [ "$got" = "$want" ]; then ok "sweep at $T (P R F over n): $got"
  else not_ok "sweep at $T: script '$got', independent count '$want'"; fi
done
N=$(awk 'END {print NR}' "$C/gold/all.tsv")
[ "$N" -ge 1700 ] && [ "$N" -le 1740 ] && ok "a third of the gold set: $N records" || not_ok "records: $N"

# Reliability: bin counts of the genus confidence over known-genus queries, recounted.
want=$(for k in 0 1; do
  d=$C/gold/fold$k
  awk -F'\t' 'FILENAME ~ /train.tsv$/ {split($2, a, ";"); kg[a[6]] = 1; next}
    FILENAME ~ /test.tsv$/ {split($2, a, ";"); tg[$1] = a[6]; next}
    FNR == 1 {for (i = 1; i <= NF; i++) if ($i == "genus_confidence") ci = i; next}
    tg[$1] in kg {c = $ci + 1e-9; print (c >= 1 ? "1.0" : c >= 0.9 ? "0.9" : c >= 0.8 ? "0.8" : c >= 0.7 ? "0.7" : c >= 0.6 ? "0.6" : c >= 0.5 ? "0.5" : "0.0")}' \
    "$d/train.tsv" "$d/test.tsv" "$d/lumen_default_details.tsv"
done | sort | uniq -c | awk '{printf "%s:%d ", $2, $1}')
got=$(awk -F'\t' '$1 == "gold" && $2 == "genus" && $4 > 0 {printf "%s:%d ", $3, $4}' "$REL")
[ "$got" = "$want" ] && ok "reliability bins: $got" || not_ok "reliability bins: script '$got', recount '$want'"
if awk -F'\t' '$1 == "gold" && $2 == "genus" && $4 > 0 {r[++n] = $6} END {exit !(n >= 2 && r[n] >= r[1])}' "$REL"; then
  ok "genus: the top confidence bin is right at least as often as the bottom bin"
else not_ok "genus reliability not increasing from bottom to top bin" "$(cat "$REL")"; fi
if awk -F'\t' -v B="$BEST" '$1 == "gold" && $2 == "0.80" {f8 = $5} $1 == "gold" && $2 == B {fb = $5}
    END {exit !(fb != "" && fb + 0 >= f8 + 0)}' "$SWEEP"; then
  ok "chosen threshold $BEST: F at least F at 0.80"
else not_ok "threshold $BEST has a lower F than 0.80"; fi

# The default: --help states it and how it was chosen, and it is what classify uses.
run "$LUMEN" classify --help
DEF=$(sed -n 's/.*--confidence X .*(default \([0-9.]*\)[;,)].*/\1/p' "$WORK/out" | head -1)
[ -n "$DEF" ] && ok "--help states the default ($DEF)" || not_ok "--help states no default" "$(grep -- --confidence "$WORK/out")"
expect_out "--help says how it was chosen" "cross-validation"
expect_out "--help names RDP's own default" "rdp_classifier"
head -400 "$C/gold/fold0/test.fa" > "$WORK/q.fa"
awk -F'\t' '{print ">"$1"\tRoot;"$2"\n"$3}' "$C/gold/fold0/train.tsv" > "$WORK/ref.fa"
run "$LUMEN" index --fasta "$WORK/ref.fa" --out "$WORK/ref.lmi" --quiet
expect_rc "index" 0
run "$LUMEN" classify --index "$WORK/ref.lmi" --in "$WORK/q.fa" --out "$WORK/implicit.tsv" --quiet
expect_rc "classify without --confidence" 0
run "$LUMEN" classify --index "$WORK/ref.lmi" --in "$WORK/q.fa" --out "$WORK/explicit.tsv" --confidence "${DEF:-x}" --quiet
expect_rc "classify --confidence $DEF" 0
expect_same "no --confidence is --confidence $DEF" "$WORK/implicit.tsv" "$WORK/explicit.tsv"
finish
