#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Region mismatch (issue #15, point 1): genus precision, recall and F of lumen classify
# when the reference covers another stretch of the gene than the queries.
# The gold 16S reference is split in thirds (two to train, one to query); V4 is cut out
# of every record between the 515F and 806R primers (seqkit amplicon, exact degenerate
# primer match, primers removed). Queries are held-out V4 amplicons whose genus is in the
# training set, cut to 250 nt (q250) or 150 nt (q150). Training sets: full-length records
# (full), their V4 amplicons (v4), and those cut to 150 nt (v4_150).
# The issue's two checks, each within 0.01 of genus F:
#   A: v4_150 index, q250 queries  vs  v4_150 index, q150 queries
#   B: full index, q250 queries    vs  v4 index, q250 queries
#   usage: benchmarks/region_mismatch.sh LUMEN [WORKDIR] [classify options...]
#   (e.g. --method lumen; INDEX_OPTS=--near for --method nn). Needs microbiomeutil-data and
#   seqkit.
set -euo pipefail
LUMEN=$(realpath "$1")
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-region.XXXXXX")}
shift $(($# >= 2 ? 2 : $#))
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
. "$(dirname "$(realpath "$0")")/gold_forms.sh"
[ -r "$GOLD" ] || { echo "missing $GOLD" >&2; exit 66; }
command -v seqkit >/dev/null || { echo "missing seqkit" >&2; exit 66; }
mkdir -p "$WORK"
cd "$WORK"

gold_tsv "$GOLD" > all.tsv
awk -F'\t' '{print ">"$1"\n"$3}' all.tsv > all.fa
seqkit amplicon -F GTGYCAGCMGCCGCGGTAA -R GGACTACNVGGGTWTCTAAT -r 20:-21 -P -w 0 all.fa \
  2>/dev/null | awk '/^>/ {id = substr($1, 2); next} {print id "\t" $0}' > v4.tsv
# id, lineage, full sequence, V4 ('' without primer sites), third (0 = query)
awk -F'\t' 'NR == FNR {v[$1] = $2; next} {print $1 "\t" $2 "\t" $3 "\t" v[$1] "\t" FNR % 3}' \
  v4.tsv all.tsv > rec.tsv
awk -F'\t' '$5 != 0 {print ">"$1"\tRoot;"$2"\n"$3}' rec.tsv > train_full.fa
awk -F'\t' '$5 != 0 && $4 != "" {print ">"$1"\tRoot;"$2"\n"$4}' rec.tsv > train_v4.fa
awk -F'\t' '$5 != 0 && $4 != "" {print ">"$1"\tRoot;"$2"\n"substr($4, 1, 150)}' rec.tsv > train_v4_150.fa
awk -F'\t' '$5 != 0 && $4 != "" {split($2, a, ";"); g[a[6]] = 1}
  $5 == 0 && $4 != "" {split($2, a, ";"); if (a[6] in g) print $1 "\t" a[6] "\t" $4}' rec.tsv > q.tsv
awk -F'\t' '{print ">"$1"\n"substr($3, 1, 250)}' q.tsv > q250.fa
awk -F'\t' '{print ">"$1"\n"substr($3, 1, 150)}' q.tsv > q150.fa

for t in full v4 v4_150; do
  "$LUMEN" index ${INDEX_OPTS:-} --fasta train_$t.fa --out $t.lmi --quiet --threads 2
done
# genus F of one run: precision = right / named, recall = right / queries
score() {
  awk -F'\t' 'NR == FNR {g[$1] = $2; n++; next}
    FNR > 1 {m = ""; k = split($2, f, "; "); for (i = 1; i <= k; i++) if (f[i] ~ /^g__/) m = substr(f[i], 4)
      if (m != "") {named++; if (m == g[$1]) right++}}
    END {p = named ? right / named : 0; r = right / n; printf "%.4f\t%.4f\t%.4f", p, r, p + r ? 2 * p * r / (p + r) : 0}' \
    q.tsv "$1"
}
printf 'index\tqueries\tprecision\trecall\tF\n' > results.tsv
for run in v4_150:q250 v4_150:q150 full:q250 v4:q250 v4:q150 full:q150; do
  t=${run%%:*} q=${run##*:}
  "$LUMEN" classify --index $t.lmi --in $q.fa --out $t.$q.tsv --confidence 0.8 --threads 2 --quiet "$@"
  printf '%s\t%s\t%s\n' "$t" "$q" "$(score $t.$q.tsv)" >> results.tsv
done
echo "queries: $(wc -l < q.tsv) held-out V4 amplicons; classify options: ${*:-(defaults)}"
column -t results.tsv
awk -F'\t' 'NR > 1 {f[$1 ":" $2] = $5}
  END {a = f["v4_150:q250"] - f["v4_150:q150"]; b = f["full:q250"] - f["v4:q250"]
    printf "A: F(v4_150, q250) - F(v4_150, q150) = %+.4f (%s)\n", a, (a >= -0.01 ? "within 0.01" : "FAILS")
    printf "B: F(full, q250) - F(v4, q250) = %+.4f (%s)\n", b, (b >= -0.01 ? "within 0.01" : "FAILS")}' results.tsv
