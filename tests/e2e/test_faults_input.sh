#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad inputs of a batch run, each with its exit code and message: an unreadable input
# (permissions, as user nobody), a missing file (66), an output folder that cannot be
# created (73), an output that is an input (64, the input untouched), a FASTQ listed for two
# samples (a warning), duplicate sample IDs (65, both lines named), sample IDs with spaces
# and non-ASCII letters (accepted as UTF-8, as QIIME 2 does, and written correctly in every
# output), IDs that are not UTF-8 or hold control characters (65), and a manifest saved by a
# spreadsheet (BOM, CRLF, quoted cells, trailing empty columns: the clean manifest's bytes).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
faults_data
R=$DATA/regress
FQ=$C/reads
hdr='sample-id\tforward-absolute-filepath\treverse-absolute-filepath\n'

# --- unreadable input: permissions (root reads everything, so run as nobody) ----------
NB=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
if "${NB[@]}" true 2>/dev/null && "${NB[@]}" "$LUMEN" version >/dev/null 2>&1; then
  P=$WORK/perm
  mkdir -p "$P/out" && cp "$FQ"/P001-W00_R[12].fastq.gz "$P/" && chmod 755 "$WORK" "$P" &&
    chown nobody "$P/out"
  printf "$hdr"'A\tP001-W00_R1.fastq.gz\tP001-W00_R2.fastq.gz\n' >"$P/manifest.tsv"
  chmod 000 "$P/P001-W00_R2.fastq.gz"
  run "${NB[@]}" "$LUMEN" reads -q --manifest "$P/manifest.tsv" -p v4 --out "$P/out/r"
  expect_rc "an unreadable FASTQ" 66
  expect_err "names the file and the cause" "error: $P/P001-W00_R2.fastq.gz: sample 'A': cannot open: Permission denied"
  expect_no_files "an unreadable FASTQ" "$P/out"
  chmod 000 "$P/manifest.tsv"
  run "${NB[@]}" "$LUMEN" reads -q --manifest "$P/manifest.tsv" -p v4 --out "$P/out/r"
  expect_rc "an unreadable manifest" 66
  expect_err "names it" "error: $P/manifest.tsv: cannot open manifest: Permission denied"
  cp "$S/features/table.tsv" "$P/table.tsv" && chmod 000 "$P/table.tsv"
  run "${NB[@]}" "$LUMEN" diversity -q --table "$P/table.tsv" --out "$P/out/d"
  expect_rc "an unreadable feature table" 66
  expect_err "names it" "error: $P/table.tsv: cannot open: Permission denied"
  cp "$IDX" "$P/ref.lmi" && chmod 000 "$P/ref.lmi"
  run "${NB[@]}" "$LUMEN" classify -q --index "$P/ref.lmi" --in "$S/features/features.fasta" --out "$P/out/t.tsv"
  expect_rc "an unreadable index" 66
  expect_err "names it" "error: $P/ref.lmi: cannot open index: Permission denied"
  expect_no_files "unreadable inputs" "$P/out"
  chmod 644 "$P/manifest.tsv" "$P/P001-W00_R2.fastq.gz"
  run "${NB[@]}" "$LUMEN" reads -q --manifest "$P/manifest.tsv" -p v4 --out "$P/r"
  expect_rc "an output folder nobody may create (a root-owned folder)" 73
  expect_err "names it" "error: $P/r: cannot create folder: Permission denied"
else
  echo "# skipped: cannot run as nobody (setpriv)"
fi

# --- missing files: 66 ------------------------------------------------------------------
run "$LUMEN" reads -q --manifest "$WORK/nope.tsv" --out "$WORK/m1"
expect_rc "a missing manifest" 66
expect_err "names it" "error: $WORK/nope.tsv: cannot open manifest: No such file"
printf "$hdr"'A\t%s\t%s\n' "$FQ/P001-W00_R1.fastq.gz" "$WORK/gone_R2.fastq.gz" >"$WORK/m.tsv"
run "$LUMEN" reads -q --manifest "$WORK/m.tsv" --out "$WORK/m1"
expect_rc "a missing FASTQ" 66
expect_err "names it and the sample" "error: $WORK/gone_R2.fastq.gz: sample 'A': cannot open: No such file"
[ ! -e "$WORK/m1" ] && ok "no output folder left" || not_ok "an output folder was left" "$(find "$WORK/m1")"
run "$LUMEN" classify -q --index "$WORK/nope.lmi" --in "$S/features/features.fasta" --out "$WORK/t.tsv"
expect_rc "a missing index" 66
run "$LUMEN" diversity -q --table "$WORK/nope.tsv" --out "$WORK/m2"
expect_rc "a missing feature table" 66
run "$LUMEN" stats -q --diversity "$S/diversity" --metadata "$WORK/nope.tsv" \
  --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$WORK/m3"
expect_rc "a missing metadata table" 66
expect_err "names it" "$WORK/nope.tsv"
run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/nope.lmi" --out "$WORK/m4"
expect_rc "lumen run with a missing index" 66

# --- an output folder that cannot be created: 73 ---------------------------------------
: >"$WORK/plainfile"
run "$LUMEN" reads -q --manifest "$C/manifest.tsv" -p v4 --out "$WORK/plainfile/r"
expect_rc "reads --out under a regular file" 73
expect_err "names the folder" "error: $WORK/plainfile: (cannot create folder|exists and is not a folder)"
run "$LUMEN" diversity -q --table "$S/features/table.tsv" --out "$WORK/plainfile/d"
expect_rc "diversity --out under a regular file" 73
run "$LUMEN" classify -q --index "$IDX" --in "$S/features/features.fasta" --out "$WORK/plainfile/t.tsv"
expect_rc "classify --out under a regular file" 73
run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$IDX" --out "$WORK/plainfile/r"
expect_rc "run --out under a regular file" 73
[ ! -s "$WORK/plainfile" ] && ok "the file in the way is untouched" || not_ok "the file in the way was written"

# --- an output that is an input: refused (64) before the input is read or replaced -----
cp "$S/features/features.fasta" "$WORK/f.fasta"
cp "$WORK/ref400.fasta" "$WORK/r.fasta"
cp "$FQ/P001-W00_R1.fastq.gz" "$WORK/q.fastq.gz"
md5sum "$WORK/f.fasta" "$WORK/r.fasta" "$WORK/q.fastq.gz" "$S/qc/summary.tsv" "$IDX" >"$WORK/md5"
same_path() { # NAME REGEX CMD...
  local name=$1 re=$2; shift 2
  run "$@"; expect_rc "$name" 64; expect_err "$name: says so" "$re"
}
same_path "classify --out = --in" "--out .*f.fasta is the input --in" \
  "$LUMEN" classify -q --index "$IDX" --in "$WORK/f.fasta" --out "$WORK/f.fasta"
same_path "classify --out = --index (another spelling)" "is the input --index" \
  "$LUMEN" classify -q --index "$IDX" --in "$WORK/f.fasta" --out "$WORK/./ref400.lmi"
same_path "classify --details = --in" "--details .* is the input --in" \
  "$LUMEN" classify -q --index "$IDX" --in "$WORK/f.fasta" --out "$WORK/t.tsv" --details "$WORK/f.fasta"
same_path "index --out = --fasta" "is the input --fasta" \
  "$LUMEN" index -q --fasta "$WORK/r.fasta" --out "$WORK/r.fasta"
same_path "qc --json = --in" "is the input --in" \
  "$LUMEN" qc -q --in "$WORK/q.fastq.gz" --json "$WORK/q.fastq.gz"
same_path "denoise --out = --table" "is the input --table" \
  "$LUMEN" denoise -q --table "$S/derep" --out "$S/derep/"
same_path "report --out over a results table" "exists and is not an HTML page" \
  "$LUMEN" report -q --results "$S" --out "$S/qc/summary.tsv"
if md5sum -c --quiet "$WORK/md5"; then ok "every input is untouched"; else not_ok "an input was changed"; fi
[ ! -e "$WORK/t.tsv" ] && ok "nothing written" || not_ok "an output was written"
run "$LUMEN" reads -q --manifest "$C/manifest.tsv" --out "$C/manifest.tsv"
expect_rc "reads --out = the manifest" 73
expect_err "says why" "manifest.tsv: (cannot create folder|exists and is not a folder)"

# --- a FASTQ listed for two samples: a warning ----------------------------------------
printf "$hdr"'A\t%s\t%s\nB\t%s\t%s\n' "$FQ/P001-W00_R1.fastq.gz" "$FQ/P001-W00_R2.fastq.gz" \
  "$FQ/P001-W24_R1.fastq.gz" "$FQ/../reads/P001-W00_R2.fastq.gz" >"$WORK/twice.tsv"
run "$LUMEN" reads -q --manifest "$WORK/twice.tsv" -p v4 --out "$WORK/twice" --dry-run
[ "$RC" = 0 ] || run "$LUMEN" reads -q --manifest "$WORK/twice.tsv" -p v4 --out "$WORK/twice"
expect_err "a FASTQ listed for two samples (another spelling of its path)" \
  "warning: $WORK/twice.tsv:3: file .*P001-W00_R2.fastq.gz of sample 'B' is also listed for sample 'A' \\(line 2\\)"
printf "$hdr"'A\t%s\t%s\n' "$FQ/P001-W00_R1.fastq.gz" "$FQ/P001-W00_R1.fastq.gz" >"$WORK/same.tsv"
run "$LUMEN" reads -q --manifest "$WORK/same.tsv" -p v4 --out "$WORK/same"
expect_err "one file as both reads of a sample" "warning: .*same.tsv:2: sample 'A' lists the same file as forward and reverse reads"

# --- duplicate sample IDs: 65, both lines named ----------------------------------------
printf "$hdr"'A\t%s\t%s\nB\t%s\t%s\nA\t%s\t%s\n' "$FQ/P001-W00_R1.fastq.gz" "$FQ/P001-W00_R2.fastq.gz" \
  "$FQ/P001-W24_R1.fastq.gz" "$FQ/P001-W24_R2.fastq.gz" "$FQ/P001-W48_R1.fastq.gz" \
  "$FQ/P001-W48_R2.fastq.gz" >"$WORK/dup.tsv"
run "$LUMEN" reads -q --manifest "$WORK/dup.tsv" -p v4 --out "$WORK/dup"
expect_rc "duplicate sample IDs" 65
expect_err "names both lines" "error: $WORK/dup.tsv:4: duplicate sample ID 'A' \\(first on line 2\\)"
[ ! -e "$WORK/dup" ] && ok "no output folder" || not_ok "output left" "$(find "$WORK/dup" | head -3)"
run "$LUMEN" run --manifest "$WORK/dup.tsv" --index "$IDX" --out "$WORK/dup"
expect_rc "lumen run: duplicate sample IDs" 65

# --- sample IDs: not UTF-8 or with control characters are refused -----------------------
run "$LUMEN" reads -q --manifest "$R/manifest_latin1.tsv" --out "$WORK/l1"
expect_rc "a Latin-1 sample ID (tests/data/regress/manifest_latin1.tsv)" 65
expect_err "says what to do" "manifest_latin1.tsv:2: sample ID is not valid UTF-8 \\(byte 0xE9 at byte 2\\): save the manifest as UTF-8"
printf "$hdr"'A\001B\t%s\t%s\n' "$FQ/P001-W00_R1.fastq.gz" "$FQ/P001-W00_R2.fastq.gz" >"$WORK/ctl.tsv"
run "$LUMEN" reads -q --manifest "$WORK/ctl.tsv" --out "$WORK/l2"
expect_rc "a control character in a sample ID" 65
expect_err "says so" "ctl.tsv:2: sample ID contains a control character \\(byte 0x01\\)"

# --- taxon names that are not UTF-8 (a reference saved as Latin-1) are refused ------------
printf '>r1\tdesc\tBacteria; Firmicutes; Bacilli; Lactobacillales; Lactobacillaceae; Lactobacill\351\nACGTACGTACGTACGTACGTAAACCCGGGTTT\n' >"$WORK/latin1_ref.fasta"
run "$LUMEN" index --fasta "$WORK/latin1_ref.fasta" --out "$WORK/latin1.lmi"
expect_rc "a Latin-1 taxon name in a reference" 65
expect_err "names file, record and byte" "latin1_ref.fasta:1: taxon name 'Lactobacill\\.\\.\\.' is not valid UTF-8 \\(byte 0xE9 at byte 12\\)"
[ ! -e "$WORK/latin1.lmi" ] && ok "no index written" || not_ok "index written"

# --- sample IDs with spaces and non-ASCII letters: accepted, written right everywhere ----
U1='Pätient 1 W00' U2='患者 <2> & W24'
awk -F'\t' -v OFS='\t' -v u1="$U1" -v u2="$U2" '
  NR == 1 { print; next }
  $1 == "P001-W00" { $1 = u1 } $1 == "P001-W24" { $1 = u2 } { print }' "$C/manifest.tsv" >"$C/utf8.tsv"
awk -F'\t' -v OFS='\t' -v u1="$U1" -v u2="$U2" '
  $1 == "P001-W00" { $1 = u1 } $1 == "P001-W24" { $1 = u2 } { print }' "$C/metadata.tsv" >"$C/utf8_meta.tsv"
run "$LUMEN" run -q -t 2 --manifest "$C/utf8.tsv" --index "$IDX" --out "$WORK/u" -p v4 \
  --permutations 99 --metadata "$C/utf8_meta.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv"
expect_rc "lumen run with IDs '$U1' and '$U2'" 0
run "$LUMEN" run -q -t 2 --manifest "$C/manifest.tsv" --index "$IDX" --out "$WORK/a" -p v4 \
  --permutations 99 --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv"
if /usr/bin/python3 - "$WORK/u" "$WORK/a" "$U1" "$U2" <<'PY'; then ok "the IDs in the table, QC, diversity, BIOM, provenance.json and report (escaped); counts as with plain IDs"
import html, json, sys, os
u, a, u1, u2 = sys.argv[1:5]
ren = {"P001-W00": u1, "P001-W24": u2}
def rows(p):
    return [l.rstrip("\n").split("\t") for l in open(p, encoding="utf-8") if not l.startswith("# ")]
def columns(p):  # sample -> its column (samples are sorted, so renamed ones move)
    r = rows(p)
    return {c: [row[i] for row in r[1:]] for i, c in enumerate(r[0]) if i}
for f in ["features/table.tsv", "taxa/level-6.tsv"]:
    x, y = columns(os.path.join(u, f)), columns(os.path.join(a, f))
    assert x == {ren.get(c, c): v for c, v in y.items()}, f
x, y = rows(os.path.join(u, "qc/summary.tsv")), rows(os.path.join(a, "qc/summary.tsv"))
assert x[0] == y[0] and sorted(x[1:]) == sorted([ren.get(r[0], r[0])] + r[1:] for r in y[1:])
# rarefaction draws depend on a sample's place in the (sorted) table, so only the IDs
x, y = rows(os.path.join(u, "diversity/alpha.tsv")), rows(os.path.join(a, "diversity/alpha.tsv"))
assert sorted(r[0] for r in x[1:]) == sorted(ren.get(r[0], r[0]) for r in y[1:])
assert os.path.exists(os.path.join(u, "uniques", u1 + ".fasta.gz"))
json.load(open(os.path.join(u, "provenance.json"), encoding="utf-8"))
page = open(os.path.join(u, "report.html"), encoding="utf-8").read()
assert html.escape(u2, quote=False) in page and u2 not in page, "report.html: ID not escaped"
# BIOM: the IDs as UTF-8 variable-length strings, as biom-format writes them (its reader,
# Debian's 2.1 with h5py 3, cannot load non-ASCII IDs even from its own files: h5py here)
try:
    import h5py
    with h5py.File(os.path.join(u, "features/table.biom"), "r") as f:
        d = f["sample/ids"]
        assert h5py.check_string_dtype(d.dtype).encoding == "utf-8"
        ids = [v.decode("utf-8") for v in d[:]]
        assert u1 in ids and u2 in ids, ids
except ImportError:
    pass
PY
else not_ok "UTF-8 IDs in the outputs"; fi

# --- a manifest saved by a spreadsheet: the same as the clean one ------------------------
run "$LUMEN" reads -q --manifest "$R/manifest_spreadsheet.tsv" --out "$WORK/ss"
expect_rc "tests/data/regress/manifest_spreadsheet.tsv (BOM, CRLF, quotes, empty columns)" 0
run "$LUMEN" reads -q --manifest "$R/manifest_clean.tsv" --out "$WORK/sc"
expect_rc "the same manifest, clean" 0
if diff -r "$WORK/ss" "$WORK/sc" >/dev/null && [ -s "$WORK/ss/uniques/S\"2.fasta.gz" ] &&
  [ -s "$WORK/ss/uniques/S 1.fasta.gz" ]; then
  ok "spreadsheet manifest: byte-identical results, quotes removed (\"S\"\"2\" is S\"2)"
else not_ok "spreadsheet manifest results differ" "$(diff -r "$WORK/ss" "$WORK/sc" 2>&1 | head -5)"; fi
# the whole cohort's manifest through a spreadsheet round trip, in lumen run
{ printf '\xEF\xBB\xBF'; awk -F'\t' -v OFS='\t' '{ for (i = 1; i <= NF; i++) $i = "\"" $i "\""; print $0 "\t\t\r" }' "$C/manifest.tsv"; } >"$C/excel.tsv"
run "$LUMEN" run -q -t 2 --manifest "$C/excel.tsv" --index "$IDX" --out "$WORK/x" -p v4 \
  --permutations 99 --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv"
expect_rc "lumen run with the spreadsheet's manifest" 0
same_outputs "$WORK/x" "$WORK/a" && ok "lumen run: the clean manifest's results" ||
  not_ok "lumen run: results differ from the clean manifest's"
finish
