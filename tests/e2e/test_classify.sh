# SPDX-License-Identifier: MIT
# lumen index + lumen classify on the gold 16S reference of Debian's microbiomeutil-data:
# known answers on reference sequences, byte-identical output for --threads 1 and 2,
# and bad inputs (missing, truncated, malformed) exiting with the right code, naming the
# file and leaving no output behind.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"

GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
if [ ! -r "$GOLD" ]; then
  echo "SKIP: $GOLD missing (apt-get install microbiomeutil-data)"
  finish
  exit $?
fi

# --- index: the same bytes for any thread count -----------------------------------
run "$LUMEN" index --fasta "$GOLD" --out "$WORK/gold1.lmi" --threads 1 --quiet
expect_rc "index --threads 1" 0
run "$LUMEN" index --fasta "$GOLD" --out "$WORK/gold2.lmi" --threads 2 --quiet
expect_rc "index --threads 2" 0
expect_same "index thread invariance" "$WORK/gold1.lmi" "$WORK/gold2.lmi"

# --primers v4 indexes only the amplicons and says how many references it left out.
run "$LUMEN" index --fasta "$GOLD" --out "$WORK/goldv4.lmi" --primers v4 --threads 2
expect_rc "index --primers v4" 0
expect_err "index --primers v4" "references without both v4 primer sites left out"

# --- classify: every 20th reference, and their V4-like middles ---------------------
awk 'BEGIN{RS=">"; ORS=""} NR>1 && (NR-2)%20==0 {print ">"$0}' "$GOLD" > "$WORK/q.fa"
NQ=$(grep -c '>' "$WORK/q.fa")
awk '/^>/{if(s)print h"\n"substr(s,500,260); h=$1; s=""; next} {s=s$0} END{print h"\n"substr(s,500,260)}' \
  "$WORK/q.fa" > "$WORK/v4.fa"
run "$LUMEN" classify --index "$WORK/gold1.lmi" --in "$WORK/q.fa" --out "$WORK/t1.tsv" \
  --details "$WORK/d1.tsv" --threads 1
expect_rc "classify --threads 1" 0
run "$LUMEN" classify --index "$WORK/gold2.lmi" --in "$WORK/q.fa" --out "$WORK/t2.tsv" \
  --details "$WORK/d2.tsv" --threads 2
expect_rc "classify --threads 2" 0
expect_same "taxonomy thread invariance" "$WORK/t1.tsv" "$WORK/t2.tsv"
expect_same "details thread invariance" "$WORK/d1.tsv" "$WORK/d2.tsv"

if [ "$(head -1 "$WORK/t1.tsv")" = "$(printf 'Feature ID\tTaxon\tConfidence')" ] &&
   [ "$(($(wc -l < "$WORK/t1.tsv") - 1))" -eq "$NQ" ]; then ok "QIIME 2 header and one row per query ($NQ)"
else not_ok "taxonomy TSV shape" "$(head -3 "$WORK/t1.tsv")"; fi

# Reference sequences classify to their own genus (they are in the index).
grep '>' "$WORK/q.fa" | awk -F'\t' '{split($NF,a,"; "); print substr($1,2)"\t"a[6]}' > "$WORK/truth.tsv"
HITS=$(awk -F'\t' 'NR==FNR{g[$1]=$2; next} FNR>1 && index($2, "g__"g[$1]) {n++} END{print n+0}' \
  "$WORK/truth.tsv" "$WORK/t1.tsv")
if [ $((HITS * 100)) -ge $((NQ * 95)) ]; then ok "self-classification to genus: $HITS of $NQ"
else not_ok "self-classification to genus: only $HITS of $NQ"; fi

# Reverse complements: found with --both-strands, and the strand is reported.
awk '/^>/{print; next} {print}' "$WORK/v4.fa" | head -40 > "$WORK/fw.fa"
awk '/^>/{print; next} {cmd="printf %s "$0" | rev | tr ACGT TGCA"; cmd | getline r; close(cmd); print r}' \
  "$WORK/fw.fa" > "$WORK/rc.fa"
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/fw.fa" -o "$WORK/fw.tsv" -t 2
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/rc.fa" -o "$WORK/rc.tsv" \
  --details "$WORK/rcd.tsv" --both-strands -t 2
expect_rc "classify --both-strands" 0
expect_same "reverse complements classify alike with --both-strands" "$WORK/fw.tsv" "$WORK/rc.tsv"
if [ "$(awk -F'\t' 'NR>1 && $2=="-"' "$WORK/rcd.tsv" | wc -l)" -eq 20 ]; then ok "strand '-' reported"
else not_ok "strand column" "$(head -3 "$WORK/rcd.tsv")"; fi

# The fast path (block bounds) gives exactly what scoring every genus in every trial gives.
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/v4.fa" -o "$WORK/vf.tsv" --details "$WORK/vfd.tsv" -t 2
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/v4.fa" -o "$WORK/vx.tsv" --details "$WORK/vxd.tsv" \
  --exhaustive -t 2
expect_rc "classify --exhaustive" 0
expect_same "fast path equals --exhaustive" "$WORK/vfd.tsv" "$WORK/vxd.tsv"

# A lower threshold never gives a shorter lineage.
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/v4.fa" -o "$WORK/v8.tsv" -c 0.8 -t 2
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/v4.fa" -o "$WORK/v5.tsv" -c 0.5 -t 2
SHORTER=$(paste "$WORK/v8.tsv" "$WORK/v5.tsv" | awk -F'\t' 'NR>1 {n8=split($2,a,";"); n5=split($5,b,";"); if (n5<n8) s++} END{print s+0}')
if [ "$SHORTER" -eq 0 ]; then ok "--confidence 0.5 keeps at least as many ranks as 0.8"
else not_ok "--confidence 0.5 cut $SHORTER lineages shorter"; fi

# --- bad inputs -------------------------------------------------------------------
mkdir -p "$WORK/res"
run "$LUMEN" classify -x "$WORK/nope.lmi" -i "$WORK/q.fa" -o "$WORK/res/t.tsv"
expect_rc "missing index" 66
expect_err "missing index" "nope\.lmi"
expect_no_files "missing index" "$WORK/res"

head -c 100000 "$WORK/gold1.lmi" > "$WORK/trunc.lmi"
run "$LUMEN" classify -x "$WORK/trunc.lmi" -i "$WORK/q.fa" -o "$WORK/res/t.tsv"
expect_rc "truncated index" 65
expect_err "truncated index" "trunc\.lmi.*truncated"
expect_no_files "truncated index" "$WORK/res"

cp "$WORK/gold1.lmi" "$WORK/flip.lmi"
printf '\377' | dd of="$WORK/flip.lmi" bs=1 seek=5000 conv=notrunc 2>/dev/null
run "$LUMEN" classify -x "$WORK/flip.lmi" -i "$WORK/q.fa" -o "$WORK/res/t.tsv"
expect_rc "corrupt index" 65
expect_err "corrupt index" "flip\.lmi.*(checksum|corrupt)"

run "$LUMEN" classify -x "$WORK/q.fa" -i "$WORK/q.fa" -o "$WORK/res/t.tsv"
expect_rc "FASTA given as index" 65
expect_err "FASTA given as index" "magic"

printf '>ok\nACGTACGTACGTACGTACGT\n>bad\nACGT!!ACGT\n' > "$WORK/bad.fa"
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/bad.fa" -o "$WORK/res/t.tsv"
expect_rc "query with bad bytes" 65
expect_err "query with bad bytes" "bad\.fa:[34]"
expect_no_files "query with bad bytes" "$WORK/res"

run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/none.fa" -o "$WORK/res/t.tsv"
expect_rc "missing query file" 66
expect_err "missing query file" "none\.fa"

run "$LUMEN" index --fasta "$WORK/none.fa" --out "$WORK/res/x.lmi"
expect_rc "index: missing FASTA" 66
expect_err "index: missing FASTA" "none\.fa"

printf '>r1 Bacteria;Firmicutes;Bacilli\nACGTACGTACGTAAAT\n>r2 no lineage here\nACGTACGTAC\n' > "$WORK/nolin.fa"
run "$LUMEN" index --fasta "$WORK/nolin.fa" --out "$WORK/res/x.lmi"
expect_rc "index: record without lineage" 65
expect_err "index: record without lineage" "nolin\.fa:3"
expect_no_files "index: record without lineage" "$WORK/res"

printf 'r1\tk__Bacteria; p__Firmicutes\n' > "$WORK/tax.tsv"
printf '>r1\nACGTACGTACGTAAAT\n>r2\nACGTACGTAC\n' > "$WORK/t.fa"
run "$LUMEN" index --fasta "$WORK/t.fa" --taxonomy "$WORK/tax.tsv" --out "$WORK/res/x.lmi"
expect_rc "index: ID missing from --taxonomy" 65
expect_err "index: ID missing from --taxonomy" "t\.fa:3.*r2"

run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/q.fa" -o "$WORK/res/t.tsv" -c 1.5
expect_rc "bad --confidence" 64
run "$LUMEN" classify -x "$WORK/gold1.lmi" -i "$WORK/q.fa" -o "$WORK/res/t.tsv" --species \
  --species-mismatches 2
expect_rc "bad --species-mismatches" 64
expect_no_files "bad --species-mismatches" "$WORK/res"

# --- --species: a reference without species names adds none; one with them does -----
run "$LUMEN" classify -x "$WORK/gold2.lmi" -i "$WORK/q.fa" -o "$WORK/sp.tsv" --species \
  --threads 2
expect_rc "classify --species, gold (no species names)" 0
expect_same "--species without species references" "$WORK/t2.tsv" "$WORK/sp.tsv"
# Two species of one genus, and the query: the first one's middle (exact), then one off.
awk '/^>/{if(s)print h"\t"s; h=substr($1,2); s=""; next} {s=s$0} END{print h"\t"s}' "$GOLD" |
  awk -F'\t' 'NR <= 2 {print ">s" NR " Bacteria;Phy;Cla;Ord;Fam;Gen;sp" NR; print $2}' > "$WORK/sp.fa"
awk 'NR == 2 {print ">q1"; print substr($0, 300, 200); q = substr($0, 300, 200)
  c = substr(q, 100, 1) == "A" ? "C" : "A"; print ">q2"; print substr(q, 1, 99) c substr(q, 101)}' \
  "$WORK/sp.fa" > "$WORK/spq.fa"
run "$LUMEN" index --fasta "$WORK/sp.fa" --out "$WORK/sp.lmi" --quiet
expect_rc "index with species names" 0
run "$LUMEN" classify -x "$WORK/sp.lmi" -i "$WORK/spq.fa" -o "$WORK/sp0.tsv" --species
expect_rc "classify --species" 0
if grep -q "^q1	.*g__Gen; s__sp1	" "$WORK/sp0.tsv" && ! grep -q "^q2	.*s__" "$WORK/sp0.tsv"; then
  ok "--species: exact match named, one-off not"
else not_ok "--species: wrong calls" "$(cat "$WORK/sp0.tsv")"; fi
run "$LUMEN" classify -x "$WORK/sp.lmi" -i "$WORK/spq.fa" -o "$WORK/sp1.tsv" --species \
  --species-mismatches 1 --details "$WORK/sp1d.tsv"
if grep -q "^q2	.*g__Gen; s__sp1	" "$WORK/sp1.tsv" && grep -q "	sp1$" "$WORK/sp1d.tsv"; then
  ok "--species-mismatches 1: one-off named"
else not_ok "--species-mismatches 1: wrong calls" "$(cat "$WORK/sp1.tsv" "$WORK/sp1d.tsv")"; fi

finish
