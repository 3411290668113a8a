#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen qc end to end: counts against seqtk/seqkit, the text and JSON reports, and every
# kind of bad input (exit status, file and record named, no output left behind).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"

# --- command line -------------------------------------------------------------------
run "$LUMEN"; expect_rc "no command" 64
run "$LUMEN" frobnicate; expect_rc "unknown command" 64; expect_err "unknown command" "unknown command 'frobnicate'"
run "$LUMEN" qc --in "$DATA/good_R1.fastq" --frob; expect_rc "unknown option" 64
expect_err "unknown option" "lumen qc: error: unknown option '--frob'"
run "$LUMEN" qc --in; expect_rc "missing argument" 64; expect_err "missing argument" "'--in' needs an argument"
run "$LUMEN" qc --json x.json; expect_rc "missing --in" 64; expect_err "missing --in" "--in is required"
run "$LUMEN" qc --in "$DATA/good_R1.fastq" --threads zero; expect_rc "bad --threads" 64
run "$LUMEN" qc --help; expect_rc "qc --help" 0; expect_out "qc --help" "^Usage: lumen qc"
run "$LUMEN" help qc; expect_rc "help qc" 0; expect_out "help qc" "--in2"
run "$LUMEN" help; expect_rc "help" 0; expect_out "help" "qc +read statistics"
run "$LUMEN" --version; expect_rc "--version" 0; expect_out "--version" "^lumen [0-9]+\.[0-9]+\.[0-9]+$"
run "$LUMEN" qc; expect_rc "qc without arguments prints usage" 64; expect_err "qc usage" "^Usage: lumen qc"

# --- good input: the counts of seqtk and seqkit ------------------------------------------
gzip -c "$DATA/good_R1.fastq" > "$WORK/r1.fq.gz"
bgzip -c "$DATA/good_R2.fastq" > "$WORK/r2.fq.gz" 2>/dev/null || gzip -c "$DATA/good_R2.fastq" > "$WORK/r2.fq.gz"
run "$LUMEN" qc --in "$WORK/r1.fq.gz" --in2 "$WORK/r2.fq.gz" --json "$WORK/qc.json" -t 2
expect_rc "paired qc" 0
for f in r1 r2; do
  want_bases=$(seqtk fqchk "$WORK/$f.fq.gz" | awk '$1=="ALL"{print $2}')
  want_reads=$(seqtk seq -A "$WORK/$f.fq.gz" | grep -c '^>')
  got=$(awk -F'\t' -v f="$WORK/$f.fq.gz" '$1==f && $2=="FASTQ"{print $3, $4}' "$WORK/out")
  if [ "$got" = "$want_reads $want_bases" ]; then ok "$f: reads and bases equal seqtk's ($got)"
  else not_ok "$f: lumen says '$got', seqtk '$want_reads $want_bases'"; fi
  if command -v seqkit >/dev/null; then
    want=$(seqkit stats -T "$WORK/$f.fq.gz" | awk 'NR==2{print $4, $5}')
    [ "$got" = "$want" ] && ok "$f: equal seqkit stats ($want)" || not_ok "$f: seqkit says '$want', lumen '$got'"
  fi
done
/usr/bin/python3 - "$WORK/qc.json" <<'PY' && ok "JSON parses and agrees" || not_ok "JSON check"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pairs"] == 20, d["pairs"]
f = d["files"][0]
assert f["reads"] == 20 and f["bases"] == 5000 and f["format"] == "FASTQ"
assert sum(b["reads"] for b in f["expected_errors"]) == 20
assert sum(h["reads"] for h in f["length_histogram"]) == 20
assert len(f["mean_quality_by_position"]) == 250
PY

# Real MiSeq reads when setup fetched them (scripts/setup.sh), in both files of a pair.
DADA2=${LUMEN_DADA2_DIR:-$(dirname "$0")/../../.cache/dada2}
if [ -f "$DADA2/sam1F.fastq.gz" ]; then
  run "$LUMEN" qc --in "$DADA2/sam1F.fastq.gz" --in2 "$DADA2/sam1R.fastq.gz"
  expect_rc "dada2 sam1 pair" 0
  for f in sam1F sam1R; do
    want="$(seqtk seq -A "$DADA2/$f.fastq.gz" | grep -c '^>') $(seqtk fqchk "$DADA2/$f.fastq.gz" | awk '$1=="ALL"{print $2}')"
    got=$(awk -F'\t' -v f="$DADA2/$f.fastq.gz" '$1==f && $2=="FASTQ"{print $3, $4}' "$WORK/out")
    [ "$got" = "$want" ] && ok "$f: equals seqtk ($got)" || not_ok "$f: lumen '$got', seqtk '$want'"
  done
else
  not_ok "dada2 reads missing at $DADA2 (run scripts/setup.sh)"
fi

# CRLF is valid and gives the same numbers as LF.
run "$LUMEN" qc --in "$DATA/crlf.fastq"; expect_rc "CRLF" 0
sed 1d "$WORK/out" | head -1 | cut -f3- > "$WORK/crlf.sum"
run "$LUMEN" qc --in "$DATA/good_R1.fastq"
sed 1d "$WORK/out" | head -1 | cut -f3- > "$WORK/lf.sum"
expect_same "CRLF and LF summaries" "$WORK/crlf.sum" "$WORK/lf.sum"

# An empty file is zero reads with a warning.
mkdir -p "$WORK/o"
run "$LUMEN" qc --in "$DATA/empty.fastq" --json "$WORK/o/e.json"; expect_rc "empty file" 0
expect_err "empty file" "warning: .*empty.fastq: no reads"
expect_out "empty file" $'\tempty\t0\t0\t'

# A 100 kb read.
awk 'BEGIN{s=""; for(i=0;i<100000;i++) s=s substr("ACGT",i%4+1,1); q=s; gsub(/./,"I",q); print "@long"; print s; print "+"; print q}' > "$WORK/long.fq"
run "$LUMEN" qc --in "$WORK/long.fq"; expect_rc "100 kb read" 0
expect_out "100 kb read" $'\tFASTQ\t1\t100000\t100000\t'

# Thread count does not change the report.
run "$LUMEN" qc --in "$WORK/r1.fq.gz" --in2 "$WORK/r2.fq.gz" -t 1 --json "$WORK/t1.json"; cp "$WORK/out" "$WORK/t1.txt"
run "$LUMEN" qc --in "$WORK/r1.fq.gz" --in2 "$WORK/r2.fq.gz" -t 4 --json "$WORK/t4.json"
expect_same "text report at 1 and 4 threads" "$WORK/t1.txt" "$WORK/out"
expect_same "JSON at 1 and 4 threads" "$WORK/t1.json" "$WORK/t4.json"

# --- bad input: exit 65, FILE:LINE and the record named, nothing left in the output dir ---
# bad NAME EXPECTED_REGEX ARGS...: runs qc with --json into a fresh folder.
bad() {
  local name=$1 re=$2; shift 2
  local out="$WORK/bad-$RANDOM"
  mkdir -p "$out"
  run "$LUMEN" qc "$@" --json "$out/qc.json"
  expect_rc "$name" 65
  expect_err "$name" "$re"
  expect_no_files "$name" "$out"
  if [ -s "$WORK/out" ]; then not_ok "$name: printed a report despite the error"; fi
}
head -c $(( $(stat -c %s "$WORK/r1.fq.gz") / 2 )) "$WORK/r1.fq.gz" > "$WORK/trunc.fq.gz"
bad "truncated gzip" "lumen qc: error: .*trunc.fq.gz:[0-9]+: .*truncated \(record [0-9]+\)" --in "$WORK/trunc.fq.gz"
bad "missing '+' line" "bad_missing_plus.fastq:11: expected the '\+' line .*\(record 3\)" --in "$DATA/bad_missing_plus.fastq"
bad "quality length" "bad_qual_length.fastq:8: quality length 249 != sequence length 250 .*\(record 2\)" --in "$DATA/bad_qual_length.fastq"
bad "non-IUPAC byte" "bad_base.fastq:14: invalid base 'J' at position 100 .*\(record 4\)" --in "$DATA/bad_base.fastq"
head -c 2000 /dev/urandom | tr '@>' '..' > "$WORK/garbage.bin"
bad "binary garbage" "garbage.bin:1: not FASTQ or FASTA" --in "$WORK/garbage.bin"
bad "mismatched pair names" "bad_names_R2.fastq:17: read name .* does not match .*good_R1.fastq.*\(record 5\)" \
  --in "$DATA/good_R1.fastq" --in2 "$DATA/bad_names_R2.fastq"
bad "pair files of different lengths" "short_R2.fastq: ends after 15 reads but its mate file .*good_R1.fastq goes on \(record 16\)" \
  --in "$DATA/good_R1.fastq" --in2 "$DATA/short_R2.fastq"
bad "Phred+64" "phred64.fastq:4: qualities look like Phred\+64 .*--phred64 \(record 1\)" --in "$DATA/phred64.fastq"
bad "ends after a header" "header_at_end.fastq:9: file ends after the header .*\(record 3\)" --in "$DATA/header_at_end.fastq"

# Phred+64 converted on request equals the Phred+33 original.
run "$LUMEN" qc --in "$DATA/phred64.fastq" --phred64; expect_rc "--phred64" 0
sed 1d "$WORK/out" | head -1 | cut -f3- > "$WORK/p64.sum"
expect_same "--phred64 converts exactly" "$WORK/p64.sum" "$WORK/lf.sum"

# Missing input is 66; an output folder that does not exist is 73.
run "$LUMEN" qc --in "$WORK/nope.fq"; expect_rc "missing input" 66; expect_err "missing input" "nope.fq: cannot open"
run "$LUMEN" qc --in "$DATA/good_R1.fastq" --json "$WORK/no/such/dir/x.json"; expect_rc "uncreatable output" 73
expect_err "uncreatable output" "x.json: cannot create"

finish
