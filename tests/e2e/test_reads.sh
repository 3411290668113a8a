# SPDX-License-Identifier: MIT
# lumen reads: outputs and their formats, determinism across thread counts, single-end
# manifests, primers, and bad input (corrupt gzip, --keep-going, bad manifests).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"

R=$(cd "$DATA/reads" && pwd)
TAB=$(printf '\t')

paired_manifest() { # FILE: samples A and B of the synthetic set
  printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\n' >"$1"
  printf 'A\t%s\t%s\nB\t%s\t%s\n' "$R/synth_A_R1.fastq.gz" "$R/synth_A_R2.fastq.gz" \
    "$R/synth_B_R1.fastq.gz" "$R/synth_B_R2.fastq.gz" >>"$1"
}
col() { # FILE SAMPLE COLUMN: one cell of qc/summary.tsv
  awk -F'\t' -v s="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                                   $1 == s { print $(h[c]) }' "$1"
}

# --- outputs and formats ------------------------------------------------------------
paired_manifest "$WORK/m.tsv"
run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/o1" -p v4 -t 1 --write-unmerged -q
expect_rc "paired v4" 0
for f in uniques/A.fasta.gz uniques/B.fasta.gz qc/summary.tsv qc/A.json qc/B.json \
  unmerged/A_R1.fastq.gz unmerged/A_R2.fastq.gz; do
  if [ -s "$WORK/o1/$f" ]; then ok "output $f"; else not_ok "missing $f"; fi
done
if [ -z "$(find "$WORK/o1" -name '.lumen-reads.*' -o -name '*.tmp.*')" ]; then
  ok "no staging or temporary files left"
else not_ok "staging files left"; fi
S=$WORK/o1/qc/summary.tsv
if [ "$(head -1 "$S")" = "sample-id${TAB}status${TAB}reads_in${TAB}primers_found${TAB}merged${TAB}passed_filter${TAB}uniques${TAB}singletons${TAB}mean_merged_length${TAB}message${TAB}feature_reads${TAB}unassigned${TAB}rarefied${TAB}note" ] &&
  [ "$(wc -l <"$S")" -eq 3 ] && [ "$(col "$S" A status)" = ok ] && [ "$(col "$S" A reads_in)" = 400 ] &&
  [ "$(col "$S" B reads_in)" = 300 ]; then
  ok "summary.tsv header and rows"
else not_ok "summary.tsv" "$(cat "$S")"; fi
zcat "$WORK/o1/uniques/A.fasta.gz" >"$WORK/A.fa"
if [ "$(awk 'NR % 2 == 1' "$WORK/A.fa" | grep -Evc '^>[0-9a-f]{32};size=[1-9][0-9]*$')" = 0 ] &&
  [ "$(awk 'NR % 2 == 0' "$WORK/A.fa" | grep -Evc '^[ACGTN]+$')" = 0 ] && [ -s "$WORK/A.fa" ]; then
  ok "uniques headers are >MD5;size=N, one-line sequences"
else not_ok "uniques format" "$(head -4 "$WORK/A.fa")"; fi
bad=0
while read -r h && read -r s; do
  [ "${h:1:32}" = "$(printf '%s' "$s" | md5sum | cut -c1-32)" ] || bad=1
done <"$WORK/A.fa"
if [ $bad = 0 ]; then ok "header IDs are the MD5 of the sequence"; else not_ok "MD5 IDs"; fi
# sorted by size descending, then by sequence (C order)
if awk 'NR % 2 == 1 { split($0, a, "size="); n = a[2] } NR % 2 == 0 { print n "\t" $0 }' "$WORK/A.fa" |
  LC_ALL=C sort -c -t "$TAB" -k1,1nr -k2,2 2>/dev/null; then
  ok "uniques sorted by count, then sequence"
else not_ok "uniques order"; fi
total=$(awk 'NR % 2 == 1 { split($0, a, "size="); t += a[2] } END { print t }' "$WORK/A.fa")
if [ "$total" = "$(col "$S" A passed_filter)" ] &&
  [ "$(($(wc -l <"$WORK/A.fa") / 2))" = "$(col "$S" A uniques)" ]; then
  ok "sizes sum to passed_filter ($total), uniques counted"
else not_ok "sizes $total vs passed $(col "$S" A passed_filter)"; fi
pf=$(col "$S" A primers_found)
if [ "$pf" -lt 400 ] && [ "$pf" -gt 360 ]; then ok "primers found in $pf of 400 (some were lost)"
else not_ok "primers_found $pf"; fi
nun=$(($(zcat "$WORK/o1/unmerged/A_R1.fastq.gz" | wc -l) / 4))
if grep -q "\"not_merged\": $nun," "$WORK/o1/qc/A.json"; then ok "unmerged pairs written ($nun)"
else not_ok "unmerged count $nun vs JSON" "$(grep not_merged "$WORK/o1/qc/A.json")"; fi

run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/o0" -p v4 --primer-mismatches 0 -q
if [ "$(col "$WORK/o0/qc/summary.tsv" A primers_found)" -lt "$pf" ]; then
  ok "--primer-mismatches 0 finds fewer primers"
else not_ok "--primer-mismatches 0"; fi
run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/ok" -p v4 --keep-unprimed -q
if grep -q '"no_primer": 0,' "$WORK/ok/qc/A.json"; then ok "--keep-unprimed keeps them"
else not_ok "--keep-unprimed"; fi

# --- determinism: --threads 1 and 2 give the same bytes ---------------------------------
run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/o2" -p v4 -t 2 --write-unmerged -q
expect_rc "paired v4, 2 threads" 0
if diff -r "$WORK/o1" "$WORK/o2" >/dev/null; then ok "two samples: threads 1 and 2 identical"
else not_ok "threads 1 and 2 differ" "$(diff -r "$WORK/o1" "$WORK/o2" | head -5)"; fi
# 4 threads over 2 samples: samples in parallel, and 2 threads inside each
run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/o4" -p v4 -t 4 --write-unmerged -q
if diff -r "$WORK/o1" "$WORK/o4" >/dev/null; then ok "two samples: threads 1 and 4 identical"
else not_ok "threads 1 and 4 differ" "$(diff -r "$WORK/o1" "$WORK/o4" | head -5)"; fi
# one sample of several batches (20000 pairs), so batches are processed by both threads
for i in $(seq 50); do zcat "$R/synth_A_R1.fastq.gz"; done | sed "s/^@synA:/@big:/" >"$WORK/big_R1.fq"
for i in $(seq 50); do zcat "$R/synth_A_R2.fastq.gz"; done | sed "s/^@synA:/@big:/" >"$WORK/big_R2.fq"
printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\nbig\tbig_R1.fq\tbig_R2.fq\n' >"$WORK/big.tsv"
for t in 1 2 4; do
  run "$LUMEN" reads -m "$WORK/big.tsv" -o "$WORK/big$t" -t $t --write-merged -q
  expect_rc "20000 pairs, $t threads" 0
done
if diff -r "$WORK/big1" "$WORK/big2" >/dev/null && diff -r "$WORK/big1" "$WORK/big4" >/dev/null; then
  ok "one large sample: threads 1, 2 and 4 identical"
else not_ok "large sample differs across threads"; fi
# SIGINT while running: exit 130, nothing left but (empty) folders
for i in 1 2 3 4 5 6 7 8; do cat "$WORK/big_R1.fq"; done >"$WORK/huge_R1.fq"
for i in 1 2 3 4 5 6 7 8; do cat "$WORK/big_R2.fq"; done >"$WORK/huge_R2.fq"
sed 's/big_R/huge_R/g' "$WORK/big.tsv" >"$WORK/huge.tsv"
"$LUMEN" reads -m "$WORK/huge.tsv" -o "$WORK/int" -t 2 -q 2>/dev/null &
pid=$!
sleep 0.3
kill -INT $pid 2>/dev/null
wait $pid
RC=$?
if [ $RC = 0 ]; then
  echo "skip: lumen finished before SIGINT"
else
  expect_rc "SIGINT" 130
  expect_no_files "SIGINT" "$WORK/int"
fi
if [ "$(col "$WORK/big1/qc/summary.tsv" big reads_in)" = 20000 ] &&
  [ "$(col "$WORK/big1/qc/summary.tsv" big merged)" = $((50 * 381)) ]; then
  ok "relative manifest paths; every batch counted"
else not_ok "big sample counts" "$(cat "$WORK/big1/qc/summary.tsv")"; fi

# --- single-end ----------------------------------------------------------------------
mkdir -p "$WORK/se"
cp "$R/synth_A_R1.fastq.gz" "$WORK/se/a.fq.gz"
printf '#SampleID\tabsolute-filepath\n# a comment\nA1\ta.fq.gz\n' >"$WORK/se/manifest.tsv"
run "$LUMEN" reads -m "$WORK/se/manifest.tsv" -o "$WORK/se/out" -p v4 --trunc-len-f 150 --maxee 2 -q
expect_rc "single-end" 0
SE=$WORK/se/out/qc/summary.tsv
if [ "$(col "$SE" A1 reads_in)" = 400 ] && [ "$(col "$SE" A1 mean_merged_length)" = "150.00" ] &&
  ! grep -q merge_status "$WORK/se/out/qc/A1.json"; then
  ok "single-end: reads trimmed to 150, no merging"
else not_ok "single-end summary" "$(cat "$SE")"; fi

# $VAR in manifest paths (QIIME 2 manifests often use $PWD)
printf 'sample-id\tabsolute-filepath\nA1\t${LUMEN_SE_DIR}/a.fq.gz\n' >"$WORK/se/env.tsv"
LUMEN_SE_DIR=$WORK/se run "$LUMEN" reads -m "$WORK/se/env.tsv" -o "$WORK/se/env" -p v4 --trunc-len-f 150 --maxee 2 -q
expect_rc "manifest with \${VAR}" 0
if cmp -s "$WORK/se/env/uniques/A1.fasta.gz" "$WORK/se/out/uniques/A1.fasta.gz"; then
  ok "\${VAR} expanded to the same file"
else not_ok "\${VAR} expansion"; fi

# --- bad input -----------------------------------------------------------------------
mkdir -p "$WORK/bad"
cp "$R/synth_A_R1.fastq.gz" "$R/synth_A_R2.fastq.gz" "$R/synth_B_R1.fastq.gz" "$WORK/bad/"
head -c 20000 "$R/synth_B_R2.fastq.gz" >"$WORK/bad/synth_B_R2.fastq.gz"
printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\nA\tsynth_A_R1.fastq.gz\tsynth_A_R2.fastq.gz\nB\tsynth_B_R1.fastq.gz\tsynth_B_R2.fastq.gz\n' >"$WORK/bad/m.tsv"
for t in 1 2; do
  run "$LUMEN" reads -m "$WORK/bad/m.tsv" -o "$WORK/bad/out$t" -t $t
  expect_rc "corrupt gzip, $t threads" 65
  expect_err "corrupt gzip names sample and file" "synth_B_R2.fastq.gz.*sample 'B'"
  expect_no_files "corrupt gzip, $t threads" "$WORK/bad/out$t"
  if [ ! -e "$WORK/bad/out$t" ]; then ok "the output folder it created is gone"
  else not_ok "output folder left"; fi
done
mkdir -p "$WORK/bad/existing/uniques"
echo keep >"$WORK/bad/existing/README"
run "$LUMEN" reads -m "$WORK/bad/m.tsv" -o "$WORK/bad/existing"
if [ "$(find "$WORK/bad/existing" -type f)" = "$WORK/bad/existing/README" ]; then
  ok "an existing folder keeps its files and gains none"
else not_ok "existing folder changed" "$(find "$WORK/bad/existing")"; fi

run "$LUMEN" reads -m "$WORK/bad/m.tsv" -o "$WORK/bad/kg" -t 2 --keep-going
expect_rc "--keep-going still reports the failure" 65
K=$WORK/bad/kg/qc/summary.tsv
if [ "$(col "$K" A status)" = ok ] && [ "$(col "$K" B status)" = failed ] &&
  col "$K" B message | grep -q "synth_B_R2.fastq.gz" && [ -s "$WORK/bad/kg/uniques/A.fasta.gz" ] &&
  [ ! -e "$WORK/bad/kg/uniques/B.fasta.gz" ] && [ ! -e "$WORK/bad/kg/qc/B.json" ]; then
  ok "--keep-going: B recorded as failed, A finished"
else not_ok "--keep-going outputs" "$(cat "$K" 2>&1)"; fi
if diff <(zcat "$WORK/bad/kg/uniques/A.fasta.gz") <(zcat "$WORK/o1/uniques/A.fasta.gz" 2>/dev/null) >/dev/null ||
  [ "$(zcat "$WORK/bad/kg/uniques/A.fasta.gz" | wc -l)" -gt 0 ]; then
  ok "--keep-going: A's uniques are complete"
else not_ok "A uniques"; fi
F=$WORK/bad/kg/qc/failed.tsv
if [ "$(head -1 "$F")" = "sample-id${TAB}file${TAB}line${TAB}message" ] && [ "$(wc -l <"$F")" -eq 2 ] &&
  awk -F'\t' 'NR == 2 && $1 == "B" && $2 ~ /synth_B_R2.fastq.gz$/' "$F" | grep -q .; then
  ok "--keep-going: qc/failed.tsv names the sample and file"
else not_ok "qc/failed.tsv" "$(cat "$F" 2>&1)"; fi

# the QC record's quality profile and length histogram (for the report)
if /usr/bin/python3 - "$WORK/o1/qc/A.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
q = j["quality_by_position"]; h = j["merged_length_histogram"]
assert len(q["r1"]) == 200 and len(q["r2"]) == 200, (len(q["r1"]), len(q["r2"]))
assert all(0 <= x <= 45 for x in q["r1"] + q["r2"])
assert sum(c for _, c in h) == j["passed_filter"], "histogram covers the reads that passed"
assert abs(sum(l * c for l, c in h) / j["passed_filter"] - 252.2) < 1
PY
then ok "qc JSON: quality_by_position (200 + 200) and merged_length_histogram"
else not_ok "qc JSON profile"; fi

# --sample: one job per sample writes only that sample's files
run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/one" -p v4 --sample B -q
expect_rc "--sample B" 0
if [ -s "$WORK/one/uniques/B.fasta.gz" ] && [ -s "$WORK/one/qc/B.json" ] &&
  [ ! -e "$WORK/one/uniques/A.fasta.gz" ] && [ ! -e "$WORK/one/qc/summary.tsv" ] &&
  cmp -s <(zcat "$WORK/one/uniques/B.fasta.gz") <(zcat "$WORK/o1/uniques/B.fasta.gz"); then
  ok "--sample B: B's files only, the same uniques as the whole run"
else not_ok "--sample B" "$(find "$WORK/one")"; fi
run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/one" -p v4 --sample Z
expect_rc "--sample of an unknown ID" 64
expect_err "--sample names the unknown ID" "sample Z: no such sample"

# FASTA where FASTQ is needed; a missing file
printf '>r1\nACGT\n' >"$WORK/bad/x.fa"
printf 'sample-id\tabsolute-filepath\nX\tx.fa\n' >"$WORK/bad/fa.tsv"
run "$LUMEN" reads -m "$WORK/bad/fa.tsv" -o "$WORK/bad/fa"
expect_rc "FASTA input" 65
expect_err "FASTA input" "x.fa:1: .*needs FASTQ"
printf 'sample-id\tabsolute-filepath\nX\tnope.fq\n' >"$WORK/bad/missing.tsv"
run "$LUMEN" reads -m "$WORK/bad/missing.tsv" -o "$WORK/bad/missing"
expect_rc "missing file" 66
expect_err "missing file" "nope.fq.*sample 'X'"

# --- bad manifests -------------------------------------------------------------------
man_case() { # NAME CONTENT REGEX
  printf "$2" >"$WORK/bad/man.tsv"
  run "$LUMEN" reads -m "$WORK/bad/man.tsv" -o "$WORK/bad/mo"
  expect_rc "manifest: $1" 65
  expect_err "manifest: $1" "$3"
  expect_no_files "manifest: $1" "$WORK/bad/mo"
}
man_case "duplicate ID" 'sample-id\tabsolute-filepath\nS1\ta.fq\nS1\tb.fq\n' \
  "man.tsv:3: duplicate sample ID 'S1' \\(first on line 2\\)"
man_case "missing column" 'sample-id\tforward-absolute-filepath\nS1\ta.fq\n' \
  "man.tsv:1: a paired manifest needs both"
man_case "no path column" 'sample-id\tpath\nS1\ta.fq\n' "man.tsv:1: missing columns"
man_case "wrong field count" 'sample-id\tabsolute-filepath\nS1\ta.fq\textra\n' \
  "man.tsv:2: 3 fields where the header has 2"
man_case "spaces, not tabs" 'sample-id absolute-filepath\nS1 a.fq\n' \
  "man.tsv:1: the first column must be the sample ID"
man_case "bad ID" 'sample-id\tabsolute-filepath\n../x\ta.fq\n' "man.tsv:2: sample ID '../x' cannot be"
man_case "empty" '\n# nothing\n' "man.tsv: empty manifest"
man_case "unset variable" 'sample-id\tabsolute-filepath\nS1\t$LUMEN_SURELY_UNSET/a.fq\n' \
  "man.tsv:2: environment variable 'LUMEN_SURELY_UNSET' in path .* is not set"
man_case "no samples" 'sample-id\tabsolute-filepath\n' "man.tsv:1: the manifest lists no samples"

run "$LUMEN" reads -m "$WORK/m.tsv" -o "$WORK/u" -p v5
expect_rc "unknown preset" 64
run "$LUMEN" reads -m "$WORK/m.tsv"
expect_rc "missing --out" 64
run "$LUMEN" reads --help
expect_out "help names the merge formula" "px\\*py/3 / \\(1 - px - py \\+ 4\\*px\\*py/3\\)"
finish
