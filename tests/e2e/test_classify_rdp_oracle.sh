# SPDX-License-Identifier: MIT
# Oracle: lumen classify against rdp_classifier 2.10 (Debian's rdp-classifier), both
# trained on the same two thirds of the gold 16S reference and run on held-out records
# and on their V4-like middles. lumen draws RDP's bootstrap words (Java's generator, seed
# 1 before every sequence), so it must name RDP's genus and report RDP's genus confidence
# for nearly every query: they may differ only where a trial is tied (RDP picks at
# random, lumen shares the credit) or single-precision rounding decides a near-tie.
# Exit 77 (skipped) without java, the RDP jar or the gold reference.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
. "$(dirname "$0")/rdp_lib.sh"
if [ ! -r "$GOLD" ] || [ ! -r "$RDPJAR" ] || ! command -v java >/dev/null; then
  echo "SKIP: needs $GOLD, $RDPJAR and java (apt-get install microbiomeutil-data rdp-classifier)"
  exit 77
fi
. "$(dirname "$0")/../../benchmarks/gold_forms.sh"

gold_tsv "$GOLD" > "$WORK/all.tsv"
awk -F'\t' 'NR % 3 == 1' "$WORK/all.tsv" > "$WORK/train.tsv"
tsv_rdp_fasta "$WORK/train.tsv" > "$WORK/train.fa"
tsv_rdp_taxonomy "$WORK/train.tsv" > "$WORK/rdp_tax.txt"
# Queries: every 12th held-out record, whole and its 250 bases from position 500.
awk -F'\t' 'NR % 3 == 0 && NR % 36 == 0 {print ">"$1"\n"$3; print ">"$1"_mid\n"substr($3,500,250)}' \
  "$WORK/all.tsv" > "$WORK/q.fa"
NQ=$(grep -c '>' "$WORK/q.fa")

run "$LUMEN" index --fasta "$WORK/train.fa" --out "$WORK/train.lmi" --quiet
expect_rc "lumen index" 0
run "$LUMEN" classify --index "$WORK/train.lmi" --in "$WORK/q.fa" --out "$WORK/l.tsv" \
  --details "$WORK/l_det.tsv" --confidence 0.8 --threads 2
expect_rc "lumen classify" 0

rdp_train_classify "$WORK/train.fa" "$WORK/rdp_tax.txt" "$WORK/q.fa"

# Per query: RDP's genus and confidence, lumen's; then how many agree.
read -r NR_ SAMEG SAMEC CALL <<< "$(awk -F'\t' 'NR==FNR {g[$1]=$2; c[$1]=$3; next}
  FNR > 1 && ($1 in g) {n++; if ($13 == g[$1]) sg++
    if ($13 == g[$1] && sprintf("%.2f", $14) == sprintf("%.2f", c[$1])) sc++
    a = $14 + 1e-9 >= 0.8 ? $13 : ""; b = c[$1] + 1e-9 >= 0.8 ? g[$1] : ""; if (a == b) ag++}
  END {print n+0, sg+0, sc+0, ag+0}' "$WORK/rdp_g.tsv" "$WORK/l_det.tsv")"
echo "queries $NQ, compared $NR_: same genus $SAMEG, same genus and confidence $SAMEC, same call at 0.8 $CALL"
if [ "$NR_" -eq "$NQ" ]; then ok "RDP classified every query ($NQ)"
else not_ok "RDP classified $NR_ of $NQ queries"; fi
if [ $((SAMEG * 100)) -ge $((NQ * 99)) ]; then ok "same best genus as RDP: $SAMEG of $NQ"
else not_ok "same best genus as RDP: only $SAMEG of $NQ"; fi
if [ $((SAMEC * 100)) -ge $((NQ * 95)) ]; then ok "RDP's genus confidence to 0.01: $SAMEC of $NQ"
else not_ok "RDP's genus confidence to 0.01: only $SAMEC of $NQ"; fi
if [ $((CALL * 100)) -ge $((NQ * 99)) ]; then ok "same genus call at 0.8: $CALL of $NQ"
else not_ok "same genus call at 0.8: only $CALL of $NQ"; fi
finish
