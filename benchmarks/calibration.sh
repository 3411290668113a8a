#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Calibration of lumen classify's confidence and the choice of its default threshold
# (issue #15, point 3). 10-fold cross-validation on the folds of cv_method.sh (record i to
# fold i mod 10) on the gold 16S reference (full length) and the Greengenes 13_8 V4 set
# (150 nt, ../shared/data). Each fold is classified ONCE per tool at confidence 0 with
# per-rank confidences (lumen --details, rdp_classifier's allrank output, vsearch
# --sintax's per-rank bootstrap support); every threshold is then applied offline
# (calibration.py):
#   reliability tables (genus and family confidence bins against the fraction right) and
#   the expected calibration error; a threshold sweep 0.30..1.00 (genus P, R, F over
#   queries whose genus is in training; over-classification over the others), per set and
#   the mean F of the two sets; each tool's best threshold and its F at its own default.
#
#   usage: benchmarks/calibration.sh LUMEN WORKDIR [--lumen-only] [--rerun-peers] [-- CLASSIFY_OPTS...]
#     e.g. benchmarks/calibration.sh build/lumen /tmp/cal -- --method lumen
#   The peer tools' per-fold outputs are cached in WORKDIR (WORKDIR/SET/foldK/rdp.txt,
#   sintax.tsv) and reused when present, so a rerun for another lumen binary or method
#   redoes only lumen. --lumen-only never runs a peer tool (cached outputs are still
#   reported); --rerun-peers runs them again. lumen's outputs are named after its options
#   (lumen_<tag>_details.tsv), so runs of two methods sit side by side in one WORKDIR.
#   Environment: SETS ("gold gg"), FOLDS (10), SUBSAMPLE (N: keep every Nth record, 1),
#   THREADS (2), INDEX_OPTS (more lumen index options, e.g. --keep-duplicates). Needs:
#   microbiomeutil-data; rdp-classifier and vsearch unless --lumen-only;
#   /usr/bin/python3 with numpy.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
[ $# -ge 2 ] || { echo "usage: $0 LUMEN WORKDIR [--lumen-only] [--rerun-peers] [-- CLASSIFY_OPTS...]" >&2; exit 64; }
LUMEN=$(realpath "$1")
WORK=$2
shift 2
LUMEN_ONLY=0 RERUN=0
while [ $# -gt 0 ]; do
  case $1 in
    --lumen-only) LUMEN_ONLY=1 ;;
    --rerun-peers) RERUN=1 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
EXTRA=("$@")
read -r -a INDEX_OPTS <<< "${INDEX_OPTS:-}"
TAG=default
[ $((${#EXTRA[@]} + ${#INDEX_OPTS[@]})) -gt 0 ] &&
  TAG=$(printf '%s' "${INDEX_OPTS[*]} ${EXTRA[*]}" | tr -c 'A-Za-z0-9.' '_' | sed 's/^_*//; s/_*$//')
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
GG=${LUMEN_GG_V4:-$HERE/../../shared/data/gg_13_8_v4}
[ -r "$GG/gg_13_8_99_v4_trim150.fasta" ] || GG=/work/shared/data/gg_13_8_v4
RDPJAR=/usr/share/rdp-classifier/rdp_classifier.jar
SETS=${SETS:-gold gg}
FOLDS=${FOLDS:-10}
SUBSAMPLE=${SUBSAMPLE:-1}
THREADS=${THREADS:-2}
. "$HERE/gold_forms.sh"
PEERS=1
if [ $LUMEN_ONLY = 1 ]; then PEERS=0
elif ! command -v java >/dev/null || [ ! -r "$RDPJAR" ] || ! command -v vsearch >/dev/null; then
  echo "rdp-classifier or vsearch missing: lumen only" >&2; PEERS=0
fi
mkdir -p "$WORK"
cd "$WORK"

# SET.tsv: id, lineage (6 ranks joined by ';', names unique per rank as the RDP trainer
# needs), sequence. Greengenes: the records whose genus is named (as cv_method.sh).
make_set() {
  case $1 in
    gold) gold_tsv "$GOLD" ;;
    gg) awk -F'\t' 'NR == FNR {n = split($2, a, "; "); t = ""; for (i = 1; i <= 6; i++) t = t (i > 1 ? "; " : "") a[i]
          tax[$1] = t; next} /^>/ {id = substr($1, 2); next}
          {if (tax[id] !~ /g__$/ && (id in tax)) print ">" id "\t" tax[id]; else print ">" id "\tskip"; print $0}' \
          "$GG/gg_13_8_99_taxonomy.tsv" "$GG/gg_13_8_99_v4_trim150.fasta" |
          awk '/^>/ {skip = /\tskip$/; if (!skip) {gsub(/[a-z]__/, ""); print}; next} !skip' > gg.fa.tmp
        gold_tsv gg.fa.tmp; rm -f gg.fa.tmp ;;
  esac | awk -v s="$SUBSAMPLE" '(NR - 1) % s == 0'
}

T_LUMEN=0 T_RDP=0 T_SINTAX=0
now() { date +%s.%N; }
add() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN{printf "%.1f", a + c - b}'; }
for set in $SETS; do
  mkdir -p "$set"
  make_set "$set" > "$set/all.tsv.new"
  # A cached run on other data is useless: start the set over if the records changed.
  if ! cmp -s "$set/all.tsv.new" "$set/all.tsv" 2>/dev/null; then rm -rf "${set:?}"/fold*; fi
  mv "$set/all.tsv.new" "$set/all.tsv"
  for ((k = 0; k < FOLDS; k++)); do
    d=$set/fold$k
    mkdir -p "$d"
    if [ ! -s "$d/test.fa" ]; then
      awk -F'\t' -v k=$k -v F="$FOLDS" '(NR-1)%F!=k' "$set/all.tsv" > "$d/train.tsv"
      awk -F'\t' -v k=$k -v F="$FOLDS" '(NR-1)%F==k' "$set/all.tsv" > "$d/test.tsv"
      tsv_rdp_fasta "$d/train.tsv" > "$d/train.fa"
      awk -F'\t' '{print ">"$1"\n"$3}' "$d/test.tsv" > "$d/test.fa.tmp" && mv "$d/test.fa.tmp" "$d/test.fa"
    fi
    # lumen: always redone (the binary or its options may have changed)
    t0=$(now)
    "$LUMEN" index --near "${INDEX_OPTS[@]}" --fasta "$d/train.fa" --out "$d/lumen.lmi" \
      --threads "$THREADS" --quiet
    "$LUMEN" classify --index "$d/lumen.lmi" --in "$d/test.fa" --out "$d/lumen_$TAG.tsv" \
      --details "$d/lumen_${TAG}_details.tsv" --confidence 0 --threads "$THREADS" --quiet "${EXTRA[@]}"
    rm -f "$d/lumen.lmi"
    t1=$(now); T_LUMEN=$(add "$T_LUMEN" "$t0" "$t1")
    [ $PEERS = 1 ] || continue
    # rdp_classifier, trained on the fold (as cv_classify.sh); allrank output has every rank
    if [ $RERUN = 1 ] || [ ! -s "$d/rdp.txt" ]; then
      t0=$(now)
      tsv_rdp_taxonomy "$d/train.tsv" > "$d/rdp_tax.txt"
      rm -rf "$d/rdp" && mkdir -p "$d/rdp"
      java -Xmx2g -cp "$RDPJAR" edu.msu.cme.rdp.classifier.train.ClassifierTraineeMaker \
        -t "$d/rdp_tax.txt" -s "$d/train.fa" -o "$d/rdp" >"$d/rdp.log" 2>&1 ||
        { tail -3 "$d/rdp.log" >&2; echo "rdp_classifier training failed in $WORK/$d" >&2; exit 70; }
      printf '%s\n' bergeyTree=bergeyTrainingTree.xml probabilityList=genus_wordConditionalProbList.txt \
        probabilityIndex=wordConditionalProbIndexArr.txt wordPrior=logWordPrior.txt \
        'classifierVersion=RDP Naive Bayesian rRNA Classifier Version 2.10' > "$d/rdp/rRNAClassifier.properties"
      java -Xmx2g -jar "$RDPJAR" -t "$d/rdp/rRNAClassifier.properties" -o "$d/rdp.tmp" "$d/test.fa" >"$d/rdp.log" 2>&1 ||
        { tail -3 "$d/rdp.log" >&2; echo "rdp_classifier failed in $WORK/$d" >&2; exit 70; }
      mv "$d/rdp.tmp" "$d/rdp.txt"
      rm -rf "$d/rdp"
      t1=$(now); T_RDP=$(add "$T_RDP" "$t0" "$t1")
    fi
    # vsearch --sintax: column 2 has every rank's bootstrap support whatever the cutoff
    if [ $RERUN = 1 ] || [ ! -s "$d/sintax.tsv" ]; then
      t0=$(now)
      tsv_sintax_fasta "$d/train.tsv" > "$d/sintax.fa"
      vsearch --sintax "$d/test.fa" --db "$d/sintax.fa" --tabbedout "$d/sintax.tmp" --sintax_cutoff 0.8 \
        --randseed 1 --threads "$THREADS" --quiet
      mv "$d/sintax.tmp" "$d/sintax.tsv"
      rm -f "$d/sintax.fa"
      t1=$(now); T_SINTAX=$(add "$T_SINTAX" "$t0" "$t1")
    fi
  done
done
echo "time (s, this run; $THREADS threads where the tool has them): lumen index+classify $T_LUMEN," \
  "rdp_classifier train+classify $T_RDP, vsearch --sintax $T_SINTAX; $(uptime | sed 's/.*load/load/')" >&2
/usr/bin/python3 "$HERE/calibration.py" --work . --sets "$SETS" --folds "$FOLDS" --tag "$TAG" \
  | tee "calibration_$TAG.md"
