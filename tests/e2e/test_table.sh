#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen table and lumen taxa end to end: pooling hand-written uniques, the filters,
# features.fasta IDs = MD5 of the sequences, the BIOM file read back by biom-format, the
# taxa levels as q2-taxa collapses them, and bad input.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
# uniq FILE SEQ:SIZE...: a uniques file as lumen reads writes it (gzip).
uniq() {
  local f=$1; shift
  for x in "$@"; do printf '>%s;size=%s\n%s\n' "$(md5 "${x%%:*}")" "${x##*:}" "${x%%:*}"; done | gzip -c > "$f"
}
A=ACGTACGTAAAA B=ACGTACGTCCCC C=TTTTGGGGCCCC D=GGGGAAAATTTT E=CATCATCATCAT
mkdir -p "$WORK/r/uniques"
uniq "$WORK/r/uniques/S2.fasta.gz" $A:10 $B:3 $C:1
uniq "$WORK/r/uniques/S1.fasta.gz" $A:5 $C:2 $D:1
uniq "$WORK/r/uniques/S3.fasta.gz" $B:7 $E:1 $C:1
# Totals: A 15 (2 samples), B 10 (2), C 4 (3), D 1 (1), E 1 (1).

run "$LUMEN" table --reads "$WORK/r" --out "$WORK/o" -t 2
expect_rc "table" 0
want=$(printf '%s\n' "# Constructed by lumen" \
  "#OTU ID	S1	S2	S3" \
  "$(md5 $A)	5	10	0" \
  "$(md5 $B)	0	3	7" \
  "$(md5 $C)	2	1	1" \
  "$(sort <<<"$(md5 $D)	1	0	0
$(md5 $E)	0	0	1")")
if [ "$(cat "$WORK/o/table.tsv")" = "$want" ]; then ok "table.tsv: pooled counts, samples sorted, features by total then MD5"
else not_ok "table.tsv differs" "$(diff <(echo "$want") "$WORK/o/table.tsv")"; fi
n=0; bad=0
while read -r h && read -r s; do
  n=$((n + 1)); [ "${h#>}" = "$(md5 "$s")" ] || bad=1
done < "$WORK/o/features.fasta"
[ $n -eq 5 ] && [ $bad -eq 0 ] && ok "features.fasta: 5 records, each ID the MD5 of its sequence" \
  || not_ok "features.fasta" "$(cat "$WORK/o/features.fasta")"
[ "$(grep '^>' "$WORK/o/features.fasta" | tr -d '>' | tr '\n' ' ')" = "$(sed '1,2d' "$WORK/o/table.tsv" | cut -f1 | tr '\n' ' ')" ] \
  && ok "features.fasta in the table's order" || not_ok "features.fasta order"

# The BIOM file, read by biom-format, holds every count of table.tsv.
$PY - "$WORK/o/table.biom" "$WORK/o/table.tsv" <<'PY' && ok "table.biom: biom.load_table equals table.tsv, count by count" || not_ok "table.biom"
import sys, warnings
warnings.simplefilter("ignore")
import biom, h5py, numpy as np, pandas as pd
b = biom.load_table(sys.argv[1])
t = pd.read_csv(sys.argv[2], sep="\t", skiprows=1, index_col=0)
assert list(b.ids(axis="observation")) == list(t.index)
assert list(b.ids(axis="sample")) == list(t.columns)
assert np.array_equal(b.matrix_data.toarray(), t.values.astype(float))
with h5py.File(sys.argv[1]) as f:
    a = f.attrs
    for k in ("id", "type", "format-url", "format-version", "generated-by", "creation-date", "shape", "nnz"):
        assert k in a, k
    assert list(a["format-version"]) == [2, 1] and list(a["shape"]) == [5, 3] and a["nnz"] == 9
    for ax in ("observation", "sample"):
        for k in ("ids", "matrix/data", "matrix/indices", "matrix/indptr", "metadata", "group-metadata"):
            assert f"{ax}/{k}" in f, (ax, k)
    # The sample axis is the CSC: its CSR over samples must give the same matrix.
    s = f["sample/matrix"]
    import scipy.sparse as sp
    m = sp.csr_matrix((s["data"][:], s["indices"][:], s["indptr"][:]), shape=(3, 5)).T.toarray()
    assert np.array_equal(m, t.values)
PY

# Thread count does not change anything.
run "$LUMEN" table --reads "$WORK/r" --out "$WORK/o1" -t 1 --no-biom; expect_rc "1 thread" 0
expect_same "table.tsv at 1 and 2 threads" "$WORK/o/table.tsv" "$WORK/o1/table.tsv"
expect_same "features.fasta at 1 and 2 threads" "$WORK/o/features.fasta" "$WORK/o1/features.fasta"
[ -e "$WORK/o1/table.biom" ] && not_ok "--no-biom wrote table.biom" || ok "--no-biom"

# Filters.
run "$LUMEN" table --reads "$WORK/r" --out "$WORK/f1" --min-total 4; expect_rc "--min-total 4" 0
[ "$(sed '1,2d' "$WORK/f1/table.tsv" | cut -f1 | tr '\n' ' ')" = "$(md5 $A) $(md5 $B) $(md5 $C) " ] \
  && ok "--min-total 4 keeps A, B, C" || not_ok "--min-total" "$(cat "$WORK/f1/table.tsv")"
run "$LUMEN" table --reads "$WORK/r" --out "$WORK/f2" --min-samples 3; expect_rc "--min-samples 3" 0
[ "$(sed '1,2d' "$WORK/f2/table.tsv" | cut -f1)" = "$(md5 $C)" ] && ok "--min-samples 3 keeps C" \
  || not_ok "--min-samples" "$(cat "$WORK/f2/table.tsv")"
[ "$(grep -c '^>' "$WORK/f2/features.fasta")" -eq 1 ] && ok "filtered features.fasta" || not_ok "filtered features.fasta"

# Bad uniques: exit 65 naming file and line, nothing written.
badu() {
  local name=$1 re=$2 content=$3
  rm -rf "$WORK/b"; mkdir -p "$WORK/b/uniques" "$WORK/bo"
  uniq "$WORK/b/uniques/S1.fasta.gz" $A:1
  printf "$content" | gzip -c > "$WORK/b/uniques/S2.fasta.gz"
  run "$LUMEN" table --reads "$WORK/b" --out "$WORK/bo"
  expect_rc "$name" 65; expect_err "$name" "$re"; expect_no_files "$name" "$WORK/bo"
}
badu "no size" "S2.fasta.gz:3: header '$(md5 $B)' is not 'MD5;size=N'" ">$(md5 $A);size=2\n$A\n>$(md5 $B)\n$B\n"
badu "wrong MD5" "S2.fasta.gz:1: ID $(md5 $B) is not the MD5 of the sequence" ">$(md5 $B);size=2\n$A\n"
badu "MD5 twice in a sample" "S2.fasta.gz:3: $(md5 $A) appears twice in one sample" ">$(md5 $A);size=2\n$A\n>$(md5 $A);size=1\n$A\n"
badu "size 0" "S2.fasta.gz:1: header .* is not 'MD5;size=N'" ">$(md5 $A);size=0\n$A\n"
mkdir -p "$WORK/empty/uniques"
run "$LUMEN" table --reads "$WORK/empty" --out "$WORK/eo"; expect_rc "no uniques files" 66
run "$LUMEN" table --reads "$WORK/nope" --out "$WORK/eo"; expect_rc "missing folder" 66

# --- taxa --------------------------------------------------------------------------------
cat > "$WORK/tab.tsv" <<'EOF'
#OTU ID	S1	S2	S3
f1	5	10	0
f2	0	3	7
f3	2	1	1
f4	1	0	0
f5	0	0	4
EOF
{
  printf 'Feature ID\tTaxon\tConfidence\n'
  printf 'f1\td__Bacteria; p__Firmicutes; c__Clostridia; o__Lachnospirales; f__Lachnospiraceae; g__Blautia; s__Blautia_obeum\t0.99\n'
  printf 'f2\td__Bacteria; p__Firmicutes; c__Clostridia; o__Lachnospirales; f__Lachnospiraceae; g__Blautia\t0.9\n'
  printf 'f3\td__Bacteria; p__Bacteroidota\t0.95\n'
  printf 'f4\tUnassigned\t0.5\n'
  printf 'f5\td__Bacteria; p__Firmicutes; c__Clostridia; o__Lachnospirales; f__Lachnospiraceae; g__Blautia; s__Blautia_obeum\t0.99\n'
} > "$WORK/tax.tsv"
run "$LUMEN" taxa --table "$WORK/tab.tsv" --taxonomy "$WORK/tax.tsv" --out "$WORK/tx"
expect_rc "taxa" 0
[ "$(cd "$WORK/tx" && ls | tr '\n' ' ')" = "level-2.tsv level-3.tsv level-4.tsv level-5.tsv level-6.tsv level-7.tsv " ] \
  && ok "levels 2 to 7 (species present)" || not_ok "taxa files: $(ls "$WORK/tx")"
# q2-taxa's collapse, re-implemented from its source (_collapse_table with padding ranks).
$PY - "$WORK/tab.tsv" "$WORK/tax.tsv" "$WORK/tx" <<'PY' && ok "every level equals q2-taxa's collapse" || not_ok "taxa levels"
import sys, re
import pandas as pd
t = pd.read_csv(sys.argv[1], sep="\t", index_col=0)
tax = pd.read_csv(sys.argv[2], sep="\t", index_col=0)["Taxon"]
depth = tax.apply(lambda x: len(x.split(";"))).max()
cols = [x.split("; ") for x in tax]
pref = [[(re.match(r"(.*?_+)", r) or [None])[0] for r in c] + [None] * (depth - len(c)) for c in cols]
ranks = list(zip(*pref))
pad = None
if all(any(p for p in col) for col in ranks) and all(len({p for p in col if p}) == 1 for col in ranks):
    pad = next(list(p) for p in pref if all(p))
def collapse(x, level):
    r = [s.strip() for s in x.split(";")]
    if len(r) < depth:
        r += [pad[i] for i in range(len(r), depth)] if pad else ["__"] * (depth - len(r))
    return ";".join(r[:level])
for level in range(2, 8):
    want = t.groupby(tax[t.index].apply(lambda x: collapse(x, level)).values).sum().sort_index()
    got = pd.read_csv(f"{sys.argv[3]}/level-{level}.tsv", sep="\t", skiprows=1, index_col=0)
    assert list(got.index) == list(want.index), (level, list(got.index), list(want.index))
    assert (got.values == want.values).all(), level
PY
grep -q $'^Unassigned;p__;c__;o__;f__\t1\t0\t0$' "$WORK/tx/level-5.tsv" \
  && ok "Unassigned padded with rank prefixes" || not_ok "Unassigned row" "$(cat "$WORK/tx/level-5.tsv")"
grep -q $'^d__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Blautia;s__Blautia_obeum\t5\t10\t4$' \
  "$WORK/tx/level-7.tsv" && ok "species row sums f1 and f5" || not_ok "species row" "$(cat "$WORK/tx/level-7.tsv")"
# Without rank prefixes, padding is "__"; a taxonomy of 6 ranks gives no level-7.
sed 's/[a-z]__//g; s/s__Blautia_obeum//' "$WORK/tax.tsv" | awk -F'\t' 'BEGIN{OFS="\t"} {sub(/; Blautia_obeum$/, "", $2); print}' > "$WORK/tax6.tsv"
run "$LUMEN" taxa --table "$WORK/tab.tsv" --taxonomy "$WORK/tax6.tsv" --out "$WORK/tx6"; expect_rc "taxa, 6 ranks" 0
[ -e "$WORK/tx6/level-7.tsv" ] && not_ok "level-7 without species" || ok "no level-7 without species"
grep -q $'^Bacteroidota\\|^Bacteria;Bacteroidota;__;__\t2\t1\t1$' "$WORK/tx6/level-4.tsv" \
  && ok "no prefixes: padded with __" || not_ok "__ padding" "$(cat "$WORK/tx6/level-4.tsv")"
# A feature without taxonomy, a bad taxonomy line.
grep -v '^f3' "$WORK/tax.tsv" > "$WORK/tax-miss.tsv"
mkdir -p "$WORK/txb"
run "$LUMEN" taxa --table "$WORK/tab.tsv" --taxonomy "$WORK/tax-miss.tsv" --out "$WORK/txb"
expect_rc "feature without taxonomy" 65; expect_err "feature without taxonomy" "tax-miss.tsv: feature 'f3' of the table has no taxonomy"
expect_no_files "feature without taxonomy" "$WORK/txb"
printf 'Feature ID\tTaxon\nf1\n' > "$WORK/tax-bad.tsv"
run "$LUMEN" taxa --table "$WORK/tab.tsv" --taxonomy "$WORK/tax-bad.tsv" --out "$WORK/txb"
expect_rc "taxonomy without Taxon" 65; expect_err "taxonomy without Taxon" "tax-bad.tsv:2: expected 'Feature ID<TAB>Taxon'"
printf 'f1\tA;B\nf1\tA;C\n' > "$WORK/tax-dup.tsv"
run "$LUMEN" taxa --table "$WORK/tab.tsv" --taxonomy "$WORK/tax-dup.tsv" --out "$WORK/txb"
expect_rc "duplicate taxonomy ID" 65; expect_err "duplicate taxonomy ID" "tax-dup.tsv:2: duplicate feature ID 'f1'"
expect_no_files "bad taxonomy" "$WORK/txb"

finish
