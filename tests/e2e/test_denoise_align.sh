#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen denoise's alignment against vsearch's (Debian package vsearch) on ~1,800 pairs:
# variants of three 16S V4 sequences of the gold reference with substitutions,
# insertions, deletions (also in homopolymers) and trimmed or extended ends, every pair
# aligned by vsearch --allpairs_global --acceptall; the score, mismatches, gap openings,
# gap columns, matches, columns (without terminal gaps) and identity must equal vsearch's for every pair, since
# UNOISE's skew rule uses the mismatches and the mapping uses the identity. The one-pair
# aligner and the lane ones (8 SSE2 or 16 AVX2 targets per query at once) are checked.
# Exit 77 (skipped) when vsearch or the test driver is missing.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DRIVER=$(cd "$(dirname "$LUMEN")" && pwd)/tests/align_driver
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if ! command -v vsearch >/dev/null 2>&1 || [ ! -x "$DRIVER" ] || [ ! -r "$REF" ]; then
  echo "skip: needs vsearch, the gold reference and tests/align_driver"
  exit 77
fi

$PY - "$REF" >"$WORK/v.fa" <<'PY'
import random, sys
rng = random.Random(11)
seqs, s = [], []
for line in open(sys.argv[1]):
    if line.startswith(">"):
        if s: seqs.append("".join(s).upper())
        s = []
    else: s.append(line.strip())
if s: seqs.append("".join(s).upper())
# the V4 region: from the 515F site (GTGCCAGCAGCCGCGGTAA) on, 253 bases after it
base = []
for x in seqs:
    i = x.find("GTGCCAGCAGCCGCGGTAA")
    if i >= 0 and len(x) > i + 19 + 253 and set(x[i:i + 272]) <= set("ACGT"):
        base.append(x[i + 19:i + 19 + 253])
    if len(base) == 3: break
def mutate(s, n):
    s = list(s)
    for _ in range(n):
        k = rng.random(); p = rng.randrange(len(s))
        if k < 0.5: s[p] = rng.choice([b for b in "ACGT" if b != s[p]])
        elif k < 0.7: s.insert(p, s[p])          # homopolymer insertion
        elif k < 0.85: s.insert(p, rng.choice("ACGT"))
        elif len(s) > 200: del s[p]
    return "".join(s)
out = []
for b in base:
    out.append(b)
    for k in range(19):
        v = mutate(b, rng.randrange(0, 12))
        r = rng.random()
        if r < 0.15: v = v[rng.randrange(1, 6):]
        elif r < 0.3: v = v[:-rng.randrange(1, 6)]
        elif r < 0.4: v = "".join(rng.choice("ACGT") for _ in range(rng.randrange(1, 5))) + v
        out.append(v)
for i, s in enumerate(out):
    print(">s%d\n%s" % (i, s))
PY
vsearch --allpairs_global "$WORK/v.fa" --acceptall --userout "$WORK/vs.tsv" \
  --userfields query+target+raw+mism+opens+gaps+ids+alnlen+id --threads 1 --quiet 2>/dev/null
[ -s "$WORK/vs.tsv" ] && ok "vsearch aligned $(wc -l <"$WORK/vs.tsv") pairs" || not_ok "vsearch output"
awk '/^>/ { n = substr($1, 2); next } { print n "\t" $0 }' "$WORK/v.fa" | sort >"$WORK/seq.tsv"
# query and target sequences in vsearch's order, then lumen's numbers for them
awk -F'\t' 'NR == FNR { s[$1] = $2; next } { print s[$1] "\t" s[$2] }' "$WORK/seq.tsv" \
  "$WORK/vs.tsv" >"$WORK/pairs.tsv"
cut -f3- "$WORK/vs.tsv" >"$WORK/vsn.tsv"
n=$(wc -l <"$WORK/vsn.tsv")
# check NAME: the driver's output ($WORK/lm.tsv) against vsearch's numbers
check() {
  local same
  same=$(paste "$WORK/lm.tsv" "$WORK/vsn.tsv" | awk -F'\t' '{ ok = 1; for (i = 1; i <= 7; i++)
    if ($i + 0 != $(i + 7) + 0) ok = 0; s += ok } END { print s + 0 }')
  if [ "$n" -gt 1000 ] && [ "$same" -eq "$n" ]; then ok "$1: all $n pairs: the same numbers as vsearch"
  else
    not_ok "$1: $same of $n pairs agree with vsearch" "$(paste "$WORK/lm.tsv" "$WORK/vsn.tsv" |
      awk -F'\t' '{ for (i = 1; i <= 7; i++) if ($i + 0 != $(i + 7) + 0) { print; next } }' | head -5)"
  fi
}
"$DRIVER" <"$WORK/pairs.tsv" >"$WORK/lm.tsv"
check "one pair at a time"
"$DRIVER" 8 <"$WORK/pairs.tsv" >"$WORK/lm.tsv"
check "8 lanes"
"$DRIVER" 16 <"$WORK/pairs.tsv" >"$WORK/lm.tsv"
check "16 lanes (AVX2 if present)"
finish
