#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Over-classification (issue #15, point 2): leave-genera-out on the gold 16S reference.
# The genera are dealt into 10 folds (sorted by name, genus i to fold i mod 10); each fold's
# sequences are classified by tools trained on every other genus, so none of them can be
# named right at the genus rank, and any genus named is wrong. Reported: the share of those
# sequences given a genus name at confidence 0.8, for lumen --method rdp (RDP's method,
# the default), lumen --method lumen, lumen --near (--method rdp), vsearch --sintax (cutoff 0.8) and, unless
# NO_RDP=1, rdp_classifier (trained per fold as cv_classify.sh does). Also the share that
# gets the right family (the family is still in training for most).
#   usage: benchmarks/overclass.sh LUMEN [WORKDIR]
set -euo pipefail
LUMEN=$(realpath "$1")
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-logo.XXXXXX")}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
RDPJAR=/usr/share/rdp-classifier/rdp_classifier.jar
. "$(dirname "$(realpath "$0")")/gold_forms.sh"
FOLDS=10
mkdir -p "$WORK"
cd "$WORK"
gold_tsv "$GOLD" > all.tsv
awk -F'\t' '{split($2, a, ";"); print a[6]}' all.tsv | sort -u | awk -F'\t' -v F=$FOLDS '{print $1 "\t" (NR - 1) % F}' > genus_fold.tsv
: > calls.tsv
for ((k = 0; k < FOLDS; k++)); do
  awk -F'\t' -v k=$k 'NR == FNR {f[$1] = $2; next} {split($2, a, ";"); print > (f[a[6]] == k ? "test.tsv" : "train.tsv")}' \
    genus_fold.tsv all.tsv
  tsv_rdp_fasta train.tsv > train.fa
  tsv_sintax_fasta train.tsv > sintax.fa
  awk -F'\t' '{print ">"$1"\n"$3}' test.tsv > test.fa
  "$LUMEN" index --near --fasta train.fa --out train.lmi --threads 2 --quiet
  for m in rdp lumen; do
    "$LUMEN" classify --index train.lmi --in test.fa --out lumen_$m.tsv --method $m --confidence 0.8 --threads 2 --quiet
  done
  "$LUMEN" classify --index train.lmi --in test.fa --out lumen_near.tsv --near --confidence 0.8 --threads 2 --quiet
  vsearch --sintax test.fa --db sintax.fa --tabbedout sintax.tsv --sintax_cutoff 0.8 --randseed 1 \
    --threads 2 --quiet
  : > rdp.txt
  if [ "${NO_RDP:-0}" != 1 ]; then
    tsv_rdp_taxonomy train.tsv > rdp_tax.txt
    rm -rf rdp && mkdir -p rdp
    java -Xmx2g -cp "$RDPJAR" edu.msu.cme.rdp.classifier.train.ClassifierTraineeMaker \
      -t rdp_tax.txt -s train.fa -o rdp >/dev/null 2>&1
    printf '%s\n' bergeyTree=bergeyTrainingTree.xml probabilityList=genus_wordConditionalProbList.txt \
      probabilityIndex=wordConditionalProbIndexArr.txt wordPrior=logWordPrior.txt \
      'classifierVersion=RDP Naive Bayesian rRNA Classifier Version 2.10' > rdp/rRNAClassifier.properties
    java -Xmx2g -jar "$RDPJAR" -t rdp/rRNAClassifier.properties -o rdp.txt test.fa >/dev/null 2>&1
  fi
  # id, true family, then per tool: genus named at 0.8 ('' none), family named at 0.8
  awk -F'\t' '
    FILENAME == "test.tsv" {split($2, a, ";"); order[++n] = $1; fam[$1] = a[5]; next}
    FILENAME ~ /^lumen_/ {if (FNR == 1) t++; if (FNR > 1) {k = split($2, f, "; ")
        for (i = 1; i <= k; i++) {if (f[i] ~ /^g__/) G[t, $1] = substr(f[i], 4); if (f[i] ~ /^f__/) Fm[t, $1] = substr(f[i], 4)}}; next}
    FILENAME == "sintax.tsv" {k = split($4, f, ","); for (i = 1; i <= k; i++) {
        if (f[i] ~ /^g:/) G[4, $1] = substr(f[i], 3); if (f[i] ~ /^f:/) Fm[4, $1] = substr(f[i], 3)}; next}
    FILENAME == "rdp.txt" {for (i = 3; i <= NF; i++) {if ($i == "genus" && $(i+1) + 1e-9 >= 0.8) G[5, $1] = $(i-1)
        if ($i == "family" && $(i+1) + 1e-9 >= 0.8) Fm[5, $1] = $(i-1)}; next}
    END {for (i = 1; i <= n; i++) {q = order[i]; line = q "\t" fam[q]
        for (t = 1; t <= 5; t++) line = line "\t" G[t, q] "\t" Fm[t, q]; print line}}' \
    test.tsv lumen_rdp.tsv lumen_lumen.tsv lumen_near.tsv sintax.tsv rdp.txt >> calls.tsv
done
awk -F'\t' 'BEGIN {split("lumen_rdp lumen_lumen lumen_near vsearch_sintax rdp_classifier", T, " ")}
  {n++; for (t = 1; t <= 5; t++) {if ($(1 + 2*t) != "") g[t]++; if ($(2 + 2*t) == $2) f[t]++}}
  END {printf "tool\tgenus_named\tshare\tright_family\n"
    for (t = 1; t <= 5; t++) printf "%s\t%d/%d\t%.2f%%\t%.2f%%\n", T[t], g[t], n, 100 * g[t] / n, 100 * f[t] / n}' \
  calls.tsv | tee overclass.tsv | column -t
