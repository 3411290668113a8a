# SPDX-License-Identifier: MIT
# Oracle: lumen classify --species against DADA2's addSpecies (r-bioc-dada2) on the
# Greengenes 13_8 V4 set (../shared/data, 150-nt V4 references with species names).
# Both get the same species references (every record naming genus and species, DADA2's
# ">ID Genus species" form) and the same genus per query (lumen's kept genus becomes
# DADA2's taxonomy table), so the species calls must be the same query by query: exact
# matches of whole records and of their first 100 bases (shorter, so often shared by
# several species: then neither names one). Queries whose genus is Escherichia or
# Shigella are left out (DADA2 merges those two names, lumen does not).
# Exit 77 (skipped) without R's dada2 or the Greengenes set.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
GG=${LUMEN_GG_V4:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/data/gg_13_8_v4}
[ -r "$GG/gg_13_8_99_v4_trim150.fasta" ] || GG=/work/shared/data/gg_13_8_v4
if [ ! -r "$GG/gg_13_8_99_v4_trim150.fasta" ] || ! command -v Rscript >/dev/null ||
  ! Rscript -e 'suppressMessages(library(dada2))' >/dev/null 2>&1; then
  echo "SKIP: needs the Greengenes V4 set ($GG) and R's dada2 (apt-get install r-bioc-dada2)"
  exit 77
fi
TAX=$GG/gg_13_8_99_taxonomy.tsv
# The reference: every third record (about 6,900; it keeps R's share of the time short).
FA=$WORK/ref.fa
awk '/^>/ {n++} n % 3 == 1' "$GG/gg_13_8_99_v4_trim150.fasta" > "$FA"

# Species references for DADA2: records naming genus and species, A/C/G/T only; spaces
# inside names become '_' (DADA2 splits its headers at spaces), here and below.
awk -F'\t' 'NR == FNR {split($2, f, "; "); g = substr(f[6], 4); s = substr(f[7], 4)
    gsub(/ /, "_", g); gsub(/ /, "_", s); if (g != "" && s != "") gs[$1] = g " " s; next}
  /^>/ {id = substr($1, 2); next} (id in gs) && !/[^ACGT]/ {print ">" id " " gs[id]; print}' \
  "$TAX" "$FA" > "$WORK/sp.fa"
# Queries: every 10th reference record (A/C/G/T only), whole and its first 100 bases.
awk '/^>/ {id = substr($1, 2); n++; next} n % 10 == 0 && !/[^ACGT]/ {
  print ">" id; print; print ">" id "_pre"; print substr($0, 1, 100)}' "$FA" > "$WORK/q.fa"
NQ=$(grep -c '>' "$WORK/q.fa")

run "$LUMEN" index --fasta "$FA" --taxonomy "$TAX" --out "$WORK/gg.lmi" --quiet
expect_rc "lumen index" 0
# At RDP's threshold 0.8: lower ones keep more low-confidence genera, among them homonyms
# (Clostridium under Peptostreptococcaceae), where lumen and DADA2 differ by design.
run "$LUMEN" classify --index "$WORK/gg.lmi" --in "$WORK/q.fa" --out "$WORK/l.tsv" --species \
  --confidence 0.8 --threads 2
expect_rc "lumen classify --species" 0

# id, sequence, lumen's kept genus (NA if none), lumen's species (NA if none).
awk -F'\t' 'NR == FNR {if (/^>/) id = substr($0, 2); else seq[id] = $0; next}
  FNR > 1 {g = "NA"; s = "NA"; n = split($2, f, "; ")
    for (i = 1; i <= n; i++) {if (f[i] ~ /^g__/) g = substr(f[i], 4); if (f[i] ~ /^s__/) s = substr(f[i], 4)}
    gsub(/ /, "_", g); gsub(/ /, "_", s); print $1 "\t" seq[$1] "\t" g "\t" s}' "$WORK/q.fa" "$WORK/l.tsv" > "$WORK/lumen.tsv"
cat > "$WORK/oracle.R" <<'REOF'
suppressMessages(library(dada2))
a <- commandArgs(TRUE)
q <- read.delim(a[1], header = FALSE, colClasses = "character", na.strings = "NA",
                col.names = c("id", "seq", "genus", "species"))
tt <- matrix(q$genus, ncol = 1, dimnames = list(q$seq, "Genus"))
sp <- addSpecies(tt, a[2])
write.table(data.frame(q$id, ifelse(is.na(sp[, "Species"]), "NA", sp[, "Species"])), a[3],
            sep = "\t", quote = FALSE, row.names = FALSE, col.names = FALSE)
REOF
T0=$(date +%s)
run Rscript "$WORK/oracle.R" "$WORK/lumen.tsv" "$WORK/sp.fa" "$WORK/dada2.tsv"
expect_rc "dada2 addSpecies" 0
echo "dada2: $(($(date +%s) - T0)) s"

read -r N SAME NSP EXCL <<< "$(awk -F'\t' 'NR == FNR {d[$1] = $2; next}
  {if ($3 ~ /^(Escherichia|Shigella)$/) {x++; next}
   n++; if ($4 == d[$1]) same++; else if (bad++ < 5) print "differs: " $1 " lumen " $4 " dada2 " d[$1] > "/dev/stderr"
   if ($4 != "NA") sp++}
  END {print n+0, same+0, sp+0, x+0}' "$WORK/dada2.tsv" "$WORK/lumen.tsv")"
echo "queries $NQ: compared $N (left out $EXCL Escherichia/Shigella), same species call $SAME, lumen named a species for $NSP"
if [ "$N" -gt 1000 ] && [ "$NSP" -gt 500 ]; then ok "enough queries and species calls ($N, $NSP)"
else not_ok "too few queries or species calls ($N, $NSP)"; fi
if [ "$SAME" -eq "$N" ]; then ok "the same species call as DADA2 on all $N queries"
else not_ok "the same species call as DADA2 on only $SAME of $N queries"; fi
finish
