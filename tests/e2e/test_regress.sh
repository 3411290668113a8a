#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Inputs that fuzzing found to crash lumen (tests/fuzz/), kept as regression cases with the
# outcome each must have now. One case per input in tests/data/regress/.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
R=$DATA/regress

# fuzz_inputs: a SINTAX header with a control character (0x01) in a taxon name broke the
# index's lineage keys (ASan: negative-size memcpy in build_taxa).
# The input as found also holds NUL bytes; since the FASTA reader refuses control characters
# in headers, the first of them (0x01 at byte 36) is named, with or without the NULs.
run "$LUMEN" index --fasta "$R/ref_control_char.fasta" --out "$WORK/x.lmi"
expect_rc "control character (and NULs) in a taxon name" 65
expect_err "names the file, line and byte" "ref_control_char.fasta:1: control character \\(byte 0x01\\) in the header line, at byte 36"
[ ! -e "$WORK/x.lmi" ] && ok "no index left behind" || not_ok "an index was written"
run "$LUMEN" index --fasta "$R/ref_control_char_nonul.fasta" --out "$WORK/x.lmi"
expect_rc "control character in a taxon name" 65
expect_err "names the file, line and byte" "ref_control_char_nonul.fasta:1: .*control character \\(byte 0x01\\)"
[ ! -e "$WORK/x.lmi" ] && ok "no index left behind" || not_ok "an index was written"

# fuzz_inputs: an empty uniques file passed a NULL pointer to memcpy while pooling (UBSan).
mkdir -p "$WORK/r/uniques"
: >"$WORK/r/uniques/S1.fasta"
printf '>%s;size=3\nACGT\n' "$(printf ACGT | md5sum | cut -c1-32)" >"$WORK/r/uniques/S2.fasta"
run "$LUMEN" table --reads "$WORK/r" --out "$WORK/t" --no-biom
expect_rc "an empty sample beside a full one" 0
if [ "$(head -2 "$WORK/t/table.tsv" | tail -1)" = "#OTU ID	S1	S2" ]; then ok "the empty sample keeps its column"
else not_ok "table header" "$(head -3 "$WORK/t/table.tsv")"; fi
# fuzz_summary: a QC record with a count past 2^64 (1e30) was cast to uint64_t, undefined
# behaviour (UBSan: float-cast-overflow in read_qc); now a described bad-data error.
mkdir -p "$WORK/s/qc"
cp "$R/qc_huge_count.json" "$WORK/s/qc/S1.json"
printf 'sample-id\tabsolute-filepath\nS1\t/nonexistent/S1.fastq\n' >"$WORK/s/manifest.tsv"
run "$LUMEN" summary --results "$WORK/s" --manifest "$WORK/s/manifest.tsv"
expect_rc "a count past 2^64 in a QC record" 65
expect_err "names the file and the field" "qc/S1.json: QC record's 'reads_in' is not a count"
[ ! -e "$WORK/s/qc/summary.tsv" ] && ok "no summary left behind" || not_ok "a summary was written"
# Found in the fuzzing audit (reading util's TSV reader, not by a sanitizer): a NUL byte
# (a binary or damaged file) ended the clinical tables' reader silently, so the rows after
# it were dropped and stats ran on the rest; the manifest reader cut the line there.
C=$DATA/cohort
run "$LUMEN" stats --diversity "$C/diversity" --metadata "$R/metadata_nul.tsv" \
  --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --taxa "$C/taxa" --out "$WORK/st"
expect_rc "a NUL byte in metadata.tsv" 65
expect_err "names the file and line" "metadata_nul.tsv:20: NUL byte in a text table"
expect_no_files "no stats tables" "$WORK/st"
run "$LUMEN" reads --manifest "$R/manifest_nul.tsv" --out "$WORK/rn"
expect_rc "a NUL byte in the manifest" 65
expect_err "names the manifest line" "manifest_nul.tsv:2: NUL byte in the manifest"
# The same class in the other line readers: a NUL byte in a FASTQ/FASTA header cut the
# read's name short (two reads could then pass as a pair), and in a taxonomy TSV it cut
# the lineage (fewer ranks, no error).
run "$LUMEN" qc --in "$R/read_name_nul.fastq"
expect_rc "a NUL byte in a read name" 65
expect_err "names the file, line and byte" "read_name_nul.fastq:5: NUL byte in the header line \(byte 7\)"
# fuzz_fastq's write-and-read-back check: the FASTA header ">\r\r\r" lost one CR per round
# trip (only the line's last CR is a line ending); control characters in a header are refused.
run "$LUMEN" qc --in "$R/read_name_crs.fasta"
expect_rc "carriage returns inside a read name" 65
expect_err "names the file, line and byte" "read_name_crs.fasta:1: control character \(byte 0x0d\) in the header line, at byte 2"
printf '# Constructed by lumen\n#OTU ID\tS1\nf1\t3\nf2\t4\n' >"$WORK/t.tsv"
run "$LUMEN" taxa --table "$WORK/t.tsv" --taxonomy "$R/taxonomy_nul.tsv" --out "$WORK/tx"
expect_rc "a NUL byte in classify's taxonomy" 65
expect_err "names the file and line" "taxonomy_nul.tsv:2: NUL byte in the taxonomy"
expect_no_files "no taxa tables" "$WORK/tx"
printf '>f1\nACGTACGTACGTTGCAACGTAGCTAGCTAG\n>f2\nTTGCAACGTAGCTAGCTAGGATCGATCGAA\n' >"$WORK/ref.fasta"
run "$LUMEN" index --fasta "$WORK/ref.fasta" --taxonomy "$R/taxonomy_nul.tsv" --out "$WORK/n.lmi"
expect_rc "a NUL byte in the reference taxonomy" 65
expect_err "names the file and line" "taxonomy_nul.tsv:2: NUL byte in the taxonomy"
[ ! -e "$WORK/n.lmi" ] && ok "no index left behind" || not_ok "an index was written"
# fuzz_classify (its read-back check): a query ID starting with '#' was classified and
# written to taxonomy.tsv, where lumen taxa then skipped it as a comment line (its reads
# lost from every level); control characters and empty IDs broke the row the same way.
run "$LUMEN" index --fasta "$DATA/sim_ref.fasta" --out "$WORK/s.lmi"
expect_rc "an index of the simulation reference" 0
mkdir -p "$WORK/cl"
run "$LUMEN" classify --index "$WORK/s.lmi" --in "$R/query_hash_id.fasta" --out "$WORK/cl/taxonomy.tsv"
expect_rc "a query ID starting with '#'" 65
expect_err "names the file, line and ID" "query_hash_id.fasta:3: query ID '#q2' starts with '#'"
expect_no_files "no taxonomy written" "$WORK/cl"
# fuzz_inputs (in .ci/run's 10 s): a reference whose only record has a species rank and no
# sequence made an index that its own loader refused ("species record out of range": the
# species section kept a record of length 0). Empty sequences are left out of that section.
# (The fuzzer's input had a Latin-1 byte in the genus name; taxon names must be UTF-8 since
# session 4, so the fixture spells it in ASCII.)
run "$LUMEN" index --fasta "$R/ref_species_empty_seq.fasta" --out "$WORK/sp.lmi"
expect_rc "a species-named reference without a sequence" 0
printf '>q\nACGTACGTACGTACGTAAAACCCGGGTTT\n' >"$WORK/q.fa"
run "$LUMEN" classify --species --index "$WORK/sp.lmi" --in "$WORK/q.fa" --out "$WORK/sp.tsv"
expect_rc "its index loads and classifies with --species" 0
# fuzz_denoise (in .ci/run's 10 s, accounting check): a feature table with a sample ID
# starting with '#' was denoised, and its row in denoise_summary.tsv then read as a comment.
# The table reader refuses such an ID, as the manifest reader does.
printf '#OTU ID\tA\t#B\nf1\t3\t4\n' >"$WORK/hash_sample.tsv"
run "$LUMEN" diversity --table "$WORK/hash_sample.tsv" --depth 3 --out "$WORK/dv"
expect_rc "a table's sample ID starting with '#'" 65
expect_err "names the file, line and ID" "hash_sample.tsv:1: sample ID '#B' \\(column 3\\) starts with '#'"
expect_no_files "no diversity written" "$WORK/dv"
# fuzz_report (soak, session 4): a week of 8.9e75 in the results folder's
# cohort/metadata.tsv was converted to int (undefined behaviour; UBSan stopped the report).
# The report reads such a week as unknown, as it reads an empty one.
mkdir -p "$WORK/rep/cohort"
cp "$R/metadata_huge_week.tsv" "$WORK/rep/cohort/metadata.tsv"
run "$LUMEN" report --results "$WORK/rep"
expect_rc "a week too large for an int in cohort/metadata.tsv" 0
[ -s "$WORK/rep/report.html" ] && ok "the report is written" || not_ok "no report.html"
# fuzz_report (soak, session 7, after 317 CPU-s): a count of -1e99 in qc/summary.tsv put
# a bar's SVG coordinate at ~1e101, whose 104 characters rb_xy indexed in a 32-byte buffer
# (UBSan: index out of bounds). Coordinates are clamped to +-1e9 now.
mkdir -p "$WORK/rep2/qc"
cp "$R/qc_summary_negative_count.tsv" "$WORK/rep2/qc/summary.tsv"
run "$LUMEN" report --results "$WORK/rep2"
expect_rc "a count of -1e99 in qc/summary.tsv" 0
if grep -q 'height="-1000000000"' "$WORK/rep2/report.html" 2>/dev/null; then
  ok "the bar's coordinate is clamped"
else not_ok "no clamped coordinate in report.html" "$(grep -o 'height="[^"]*"' "$WORK/rep2/report.html" 2>&1 | head -3)"; fi
# fuzz_table (soak, session 4, round-trip check): a table whose header was
# '<TAB>taxonomy<TAB>taxonomy' read as one sample named 'taxonomy' (the last column being
# BIOM's lineage column), and lumen's own copy of it then read back with no sample: a
# sample 'taxonomy' that comes last is taken for that column. Such an ID is refused, in
# tables and in manifests (where it would have lost its counts from table.tsv).
run "$LUMEN" diversity --table "$R/table_taxonomy_sample.tsv" --depth 1 --out "$WORK/dvt"
expect_rc "a sample named 'taxonomy' in a table" 65
expect_err "names the file and column" "table_taxonomy_sample.tsv:1: sample ID 'taxonomy' \\(column 2\\) is reserved"
expect_no_files "no diversity written" "$WORK/dvt"
finish
