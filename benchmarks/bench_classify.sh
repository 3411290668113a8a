#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Speed of lumen classify against rdp_classifier, vsearch --sintax and kraken2, all with
# databases built from the same reference (the gold 16S set of microbiomeutil-data).
#
# Queries: the V4 region of every gold sequence, cut between the primers 515F
# (GTGYCAGCMGCCGCGGTAA) and 806R (GGACTACNVGGGTWTCTAAT, matched as its reverse
# complement), primers removed; each amplicon is copied COPIES times with simulated
# substitution errors (RATE per base, seeded), giving >= 20,000 queries.
# Reported per tool: database build time, database size, classification wall and CPU
# time, peak memory (/usr/bin/time -v), and genus calls that match the source genus.
#
#   usage: benchmarks/bench_classify.sh LUMEN [WORKDIR]        (THREADS=2 by default)
# REPEAT=N (default 1) classifies N times with each tool, the tools taking turns (so a
# drift in the machine's speed falls on all of them), and reports each tool's median run.
# LUMEN_INDEX_OPTS and LUMEN_OPTS add options to lumen index and lumen classify, e.g.
# LUMEN_INDEX_OPTS=--near LUMEN_OPTS="--method nn" for the nearest-neighbour method.
# Needs (apt): microbiomeutil-data rdp-classifier vsearch kraken2 time
set -euo pipefail
LUMEN=$(realpath "$1")
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-bench.XXXXXX")}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-1}
COPIES=${COPIES:-5}
RATE=${RATE:-0.005}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
RDPJAR=/usr/share/rdp-classifier/rdp_classifier.jar
. "$(dirname "$(realpath "$0")")/gold_forms.sh"
mkdir -p "$WORK"
cd "$WORK"

# --- the reference in each tool's form (benchmarks/gold_forms.sh) -------------------
gold_tsv "$GOLD" > ref.tsv
tsv_rdp_fasta ref.tsv > ref.fa
tsv_sintax_fasta ref.tsv > sintax.fa
tsv_rdp_taxonomy ref.tsv > rdp_tax.txt
# kraken2: an NCBI-style taxonomy made from the lineages, sequences tagged kraken:taxid.
mkdir -p k2db/taxonomy
awk -F'\t' 'BEGIN{split("superkingdom phylum class order family genus",R," ");
    print "1\t|\t1\t|\tno rank\t|" > "k2db/taxonomy/nodes.dmp"; print "1\t|\troot\t|\t\t|\tscientific name\t|" > "k2db/taxonomy/names.dmp"; n=1}
  {split($2,a,";"); parent=1; path="";
   for(i=1;i<=6;i++){ path=path";"a[i]; if(!(path in id)){ id[path]=++n;
       print n"\t|\t"parent"\t|\t"R[i]"\t|" > "k2db/taxonomy/nodes.dmp";
       print n"\t|\t"a[i]"\t|\t\t|\tscientific name\t|" > "k2db/taxonomy/names.dmp" }
     parent=id[path] }
   print ">"$1"|kraken:taxid|"parent"\n"$3 > "k2ref.fa"}' ref.tsv

# --- queries --------------------------------------------------------------------------
awk -F'\t' '{s=$3; if (match(s, /GTG[CT]CAGC[AC]GCCGCGGTAA/)) { st=RSTART+RLENGTH; r=substr(s,st);
    if (match(r, /ATTAGA[AT]ACCC[CGT][ACGT]GTAGTCC/)) { split($2,a,";"); print $1"\t"a[6]"\t"substr(r,1,RSTART-1) } } }' \
  ref.tsv > v4.tsv
awk -F'\t' -v C="$COPIES" -v R="$RATE" 'BEGIN{srand(20261125); split("A C G T",B," ")}
  {for(c=1;c<=C;c++){ s=$3; out=""; for(i=1;i<=length(s);i++){ b=substr(s,i,1);
       if(rand()<R){ do { nb=B[int(rand()*4)+1] } while (nb==b); b=nb } out=out b }
     print ">"$1"_"c"\n"out }}' v4.tsv > queries.fa
NQ=$(grep -c '>' queries.fa)
NA=$(wc -l < v4.tsv)
awk -F'\t' -v C="$COPIES" '{for(c=1;c<=C;c++) print $1"_"c"\t"$2}' v4.tsv > truth.tsv

# --- runs -----------------------------------------------------------------------------
# measure NAME CMD...: /usr/bin/time -v into NAME.time
measure() { local n=$1; shift; /usr/bin/time -v -o "$n.time" "$@" > "$n.log" 2>&1; }
field() { awk -F': ' -v k="$2" 'index($0,k){print $2}' "$1.time"; }
wall() { field "$1" "Elapsed (wall clock)" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
cpu() { awk -v u="$(field "$1" "User time")" -v s="$(field "$1" "System time")" 'BEGIN{print u+s}'; }
rss() { awk -v k="$(field "$1" "Maximum resident")" 'BEGIN{printf "%.0f", k/1024}'; }

# The databases, then the classifications: REPEAT rounds, the tools in turn.
read -r -a LIDX <<< "${LUMEN_INDEX_OPTS:-}"
read -r -a LCLS <<< "${LUMEN_OPTS:-}"
measure lumen_build "$LUMEN" index "${LIDX[@]}" --fasta ref.fa --out ref.lmi --threads "$THREADS"
mkdir -p rdp
measure rdp_build java -Xmx2g -cp "$RDPJAR" edu.msu.cme.rdp.classifier.train.ClassifierTraineeMaker \
  -t rdp_tax.txt -s ref.fa -o rdp
printf '%s\n' bergeyTree=bergeyTrainingTree.xml probabilityList=genus_wordConditionalProbList.txt \
  probabilityIndex=wordConditionalProbIndexArr.txt wordPrior=logWordPrior.txt \
  'classifierVersion=RDP Naive Bayesian rRNA Classifier Version 2.10' > rdp/rRNAClassifier.properties
measure sintax_build vsearch --makeudb_usearch sintax.fa --output sintax.udb --threads "$THREADS"
measure k2_build bash -c "kraken2-build --add-to-library k2ref.fa --db k2db --no-masking &&
  kraken2-build --build --db k2db --threads $THREADS"
for r in $(seq "$REPEAT"); do
  measure "lumen_run.$r" "$LUMEN" classify --index ref.lmi --in queries.fa --out lumen.tsv \
    --details lumen_details.tsv --threads "$THREADS" "${LCLS[@]}"
  measure "rdp_run.$r" java -Xmx2g -jar "$RDPJAR" -t rdp/rRNAClassifier.properties -o rdp.txt queries.fa
  measure "sintax_run.$r" vsearch --sintax queries.fa --db sintax.udb --tabbedout sintax.tsv \
    --sintax_cutoff 0.8 --randseed 1 --threads "$THREADS"
  measure "k2_run.$r" kraken2 --db k2db --threads "$THREADS" --output k2.txt --report k2report.txt \
    queries.fa
done
# NAME.time: the run of median wall time among NAME.1 .. NAME.REPEAT (the lower middle one
# for an even count); every run's wall time goes to NAME.walls.
for t in lumen_run rdp_run sintax_run k2_run; do
  for r in $(seq "$REPEAT"); do echo "$(wall "$t.$r") $r"; done | sort -g > "$t.walls"
  cp "$t.$(awk -v m=$(((REPEAT + 1) / 2)) 'NR == m {print $2}' "$t.walls").time" "$t.time"
done

# --- genus calls at 0.8 (kraken2: its own LCA call) ------------------------------------
genus_ok() { awk -F'\t' 'NR==FNR{t[$1]=$2; next} ($1 in t) && $2==t[$1] {n++} END{print n+0}' truth.tsv "$1"; }
awk -F'\t' 'NR>1 && $14+0 >= 0.8 {print $1"\t"$13}' lumen_details.tsv > lumen.genus
awk -F'\t' '{for(i=3;i<=NF;i++) if($i=="genus" && $(i+1)+0 >= 0.8) print $1"\t"$(i-1)}' rdp.txt > rdp.genus
awk -F'\t' '{m=split($4,f,","); for(i=1;i<=m;i++) if(substr(f[i],1,2)=="g:") print $1"\t"substr(f[i],3)}' \
  sintax.tsv > sintax.genus
awk -F'\t' 'NR==FNR && FILENAME ~ /names.dmp/ {nm[$1]=$3; next} FILENAME ~ /nodes.dmp/ {rk[$1]=$5; next}
  $1=="C" && rk[$3]=="genus" {print $2"\t"nm[$3]}' k2db/taxonomy/names.dmp k2db/taxonomy/nodes.dmp k2.txt > k2.genus

size() { du -sb "$1" | cut -f1 | awk '{printf "%.1f", $1/1048576}'; }
row() { # tool, build, dbpath, run, genus file
  printf '| %s | %.2f | %s | %.2f | %.2f | %s | %s | %.1f%% |\n' "$1" "$(wall "$2")" "$(size "$3")" \
    "$(wall "$4")" "$(cpu "$4")" "$(rss "$2")" "$(rss "$4")" \
    "$(awk -v a="$(genus_ok "$5")" -v n="$NQ" 'BEGIN{print 100*a/n}')"
}
echo "## Classification speed: $NQ V4 queries ($NA amplicons x $COPIES, ${RATE} substitutions/base), $THREADS threads"
[ "$REPEAT" -gt 1 ] && echo "Classify times: each tool's median of $REPEAT runs, the tools in turn (every wall time in *_run.walls)."
echo
echo "| tool | db build (s) | db size (MB) | classify wall (s) | classify CPU (s) | build peak RSS (MB) | classify peak RSS (MB) | right genus at 0.8 |"
echo "|---|---|---|---|---|---|---|---|"
row "lumen classify" lumen_build ref.lmi lumen_run lumen.genus
row "rdp_classifier 2.10 (1 thread)" rdp_build rdp rdp_run rdp.genus
row "vsearch --sintax" sintax_build sintax.udb sintax_run sintax.genus
row "kraken2 (report only)" k2_build k2db k2_run k2.genus
echo
L=$(wall lumen_run) LC=$(cpu lumen_run)
awk -v l="$L" -v lc="$LC" -v r="$(wall rdp_run)" -v rc="$(cpu rdp_run)" -v s="$(wall sintax_run)" \
  -v sc="$(cpu sintax_run)" -v k="$(wall k2_run)" 'BEGIN{
  printf "Ratios (wall): rdp_classifier / lumen = %.1fx, vsearch --sintax / lumen = %.1fx, kraken2 / lumen = %.2fx\n", r/l, s/l, k/l
  printf "Ratios (CPU):  rdp_classifier / lumen = %.1fx, vsearch --sintax / lumen = %.1fx\n", rc/lc, sc/lc }'
if [ "$REPEAT" -gt 1 ]; then # each round's own ratio, and every run's wall time
  for r in $(seq "$REPEAT"); do
    awk -v r="$r" -v l="$(wall "lumen_run.$r")" -v d="$(wall "rdp_run.$r")" -v s="$(wall "sintax_run.$r")" \
      'BEGIN{printf "Round %d: lumen %.2f s, rdp_classifier %.2f s (%.1fx), vsearch --sintax %.2f s (%.1fx)\n", r, l, d, d/l, s, s/l}'
  done
fi
# lumen draws RDP's bootstrap words: how often its genus and genus confidence are RDP's.
awk -F'\t' 'NR==FNR {for (i = 3; i <= NF; i++) if ($i == "genus") {g[$1] = $(i-1); c[$1] = $(i+1)}; next}
  FNR > 1 {n++; if ($13 == g[$1]) sg++; if ($13 == g[$1] && sprintf("%.2f", $14) == sprintf("%.2f", c[$1])) sc++
    a = $14 + 1e-9 >= 0.8 ? $13 : ""; b = c[$1] + 1e-9 >= 0.8 ? g[$1] : ""; if (a == b) ag++}
  END {printf "lumen vs rdp_classifier: same best genus %.2f%%, same genus confidence %.2f%%, same genus call at 0.8 %.2f%% (of %d)\n",
    100*sg/n, 100*sc/n, 100*ag/n, n}' rdp.txt lumen_details.tsv
echo "Machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
