#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 10-fold cross-validation of lumen classify's methods (--method rdp, the default,
# --method lumen, and near: --method rdp --near) on the same folds, at confidence 0.8
# (RDP's default; lumen's own is chosen by calibration.sh): on the gold 16S reference
# (full-length) and on the Greengenes 13_8 V4 set (150 nt, ../shared/data).
# Genus precision, recall and F over queries whose genus is in the training folds, and
# over-classification: the share of queries whose genus is absent that get a genus.
# (cv_classify.sh has RDP and SINTAX on the gold folds; the rdp method equals RDP there.)
#   usage: benchmarks/cv_method.sh LUMEN [WORKDIR]
set -euo pipefail
LUMEN=$(realpath "$1")
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-cvm.XXXXXX")}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
GG=${LUMEN_GG_V4:-$(dirname "$(realpath "$0")")/../../shared/data/gg_13_8_v4}
[ -r "$GG/gg_13_8_99_v4_trim150.fasta" ] || GG=/work/shared/data/gg_13_8_v4
. "$(dirname "$(realpath "$0")")/gold_forms.sh"
FOLDS=${FOLDS:-10}
METHODS=${METHODS:-rdp lumen near}
mkdir -p "$WORK"
cd "$WORK"
# id, lineage (;-joined ranks, genus 6th), sequence
gold_tsv "$GOLD" > gold.tsv
awk -F'\t' 'NR == FNR {t = $2; gsub(/; /, ";", t); gsub(/[a-z]__/, "", t); tax[$1] = t; next}
  /^>/ {id = substr($1, 2); next} {split(tax[id], a, ";"); if (a[6] != "") print id "\t" tax[id] "\t" $0}' \
  "$GG/gg_13_8_99_taxonomy.tsv" "$GG/gg_13_8_99_v4_trim150.fasta" > gg.tsv
printf 'set\tmethod\tprecision\trecall\tF\tovercls\tnovel\n' > cv_method.tsv
for set in gold gg; do
  for m in $METHODS; do : > $set.$m.calls; done
  for ((k = 0; k < FOLDS; k++)); do
    awk -F'\t' -v k=$k -v F=$FOLDS '(NR-1)%F!=k {print ">"$1"\tRoot;"$2"\n"$3}' $set.tsv > train.fa
    awk -F'\t' -v k=$k -v F=$FOLDS '(NR-1)%F==k {print ">"$1"\n"$3}' $set.tsv > test.fa
    awk -F'\t' -v k=$k -v F=$FOLDS '(NR-1)%F!=k {split($2, a, ";"); print a[6]}' $set.tsv | sort -u > train_genera
    "$LUMEN" index --near --fasta train.fa --out train.lmi --threads 2 --quiet
    for m in $METHODS; do
      mopt="--method $m"
      [ "$m" = near ] && mopt="--method rdp --near"
      # shellcheck disable=SC2086
      "$LUMEN" classify --index train.lmi --in test.fa --out out.tsv $mopt --confidence 0.8 --threads 2 --quiet
      # id, called genus ('' none), whether the true genus is in training
      awk -F'\t' 'NR == FNR {g[$1] = 1; next} FNR > 1 {m = ""; n = split($2, f, "; ")
          for (i = 1; i <= n; i++) if (f[i] ~ /^g__/) m = substr(f[i], 4); print $1 "\t" m}' \
        train_genera out.tsv > calls
      awk -F'\t' 'NR == FNR {g[$1] = 1; next} {split($2, a, ";"); print $1 "\t" a[6] "\t" (a[6] in g)}' \
        train_genera <(awk -F'\t' -v k=$k -v F=$FOLDS '(NR-1)%F==k' $set.tsv) > truth
      paste truth calls | cut -f1-3,5 >> $set.$m.calls
    done
  done
  for m in $METHODS; do
    awk -F'\t' -v s=$set -v m=$m '$3 == 1 {n++; if ($4 != "") {named++; if ($4 == $2) right++}}
      $3 == 0 {nv++; if ($4 != "") over++}
      END {p = right / named; r = right / n; printf "%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%d\n", s, m, p, r, 2*p*r/(p+r), nv ? over/nv : 0, nv}' \
      $set.$m.calls >> cv_method.tsv
  done
done
column -t cv_method.tsv
