#!/bin/bash
# SPDX-License-Identifier: MIT
# lumen simulate: a small cohort checked against its own truth, determinism across thread
# counts, and refusals of bad input.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
CHECK="$(dirname "$0")/sim_check.py"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -r "$REF" ]; then
  echo "# $REF missing (apt-get install microbiomeutil-data): using the 3-amplicon fixture"
  REF=$DATA/sim_ref.fasta
fi
SIM=("$LUMEN" simulate --reference "$REF" --subjects 3 --reads 200 --seed 7 --read-truth -q)

run "${SIM[@]}" --out "$WORK/t1" --threads 1
expect_rc "simulate -t 1" 0
run "${SIM[@]}" --out "$WORK/t2" --threads 2
expect_rc "simulate -t 2" 0

# Every file, the BGZF reads included, is the same bytes at 1 and 2 threads.
if diff -r "$WORK/t1" "$WORK/t2" >"$WORK/diff" 2>&1; then ok "threads 1 vs 2: identical trees"
else not_ok "threads 1 vs 2 differ" "$(head -5 "$WORK/diff")"; fi
n=$(find "$WORK/t1" -type f | wc -l)
[ "$n" -eq $((4 + 18 + 5 + 9)) ] && ok "file count $n" || not_ok "file count $n"

# Reads, truth and clinical tables agree (counts exact, mismatch rate, ranges, columns).
run /usr/bin/python3 "$CHECK" "$WORK/t1" "$REF"
expect_rc "truth check" 0
expect_out "truth check summary" "ratio (0\.9|1\.0|1\.1)"

# The forward reads start with 515F (IUPAC: Y = C/T, M = A/C), the reverse ones with 806R.
r1=$(gzip -dc "$WORK/t1/reads/P002-W24_R1.fastq.gz" | awk 'NR % 4 == 2' |
     grep -cE '^GTG[CT]CAGC[AC]GCCGCGGTAA')
r2=$(gzip -dc "$WORK/t1/reads/P002-W24_R2.fastq.gz" | awk 'NR % 4 == 2' |
     grep -cE '^GGACTAC[ACGT][ACG]GGGT[AT]TCTAAT')
[ "$r1" -ge 180 ] && [ "$r2" -ge 180 ] && ok "primers on reads ($r1, $r2 of 200)" ||
  not_ok "primers on reads ($r1, $r2 of 200)"

# The pairs parse as FASTQ with matching mate names.
run "$LUMEN" qc --in "$WORK/t1/reads/P001-W00_R1.fastq.gz" --in2 "$WORK/t1/reads/P001-W00_R2.fastq.gz"
expect_rc "lumen qc on a pair" 0
expect_out "qc counts 200 reads" "P001-W00_R1.fastq.gz	FASTQ	200	50000	250"

# Another seed gives other reads; chimeras are counted in their own truth row.
run "$LUMEN" simulate --reference "$REF" --subjects 2 --reads 300 --seed 8 --chimera-rate 0.2 \
  --read-truth -q --out "$WORK/c"
expect_rc "simulate with chimeras" 0
run /usr/bin/python3 "$CHECK" "$WORK/c" "$REF"
expect_rc "truth check with chimeras" 0
chim=$(awk -F'\t' '$1 == "chimera" { for (i = 2; i <= NF; i++) s += $i } END { print s + 0 }' \
  "$WORK/c/truth/counts_by_reference.tsv")
[ "$chim" -ge 250 ] && [ "$chim" -le 470 ] && ok "chimeras: $chim of 1800 pairs" ||
  not_ok "chimeras: $chim of 1800 pairs (expected about 360)"
if cmp -s "$WORK/t1/reads/P001-W00_R1.fastq.gz" "$WORK/c/reads/P001-W00_R1.fastq.gz"; then
  not_ok "seeds 7 and 8 gave the same reads"; else ok "another seed, other reads"; fi

# Built-in effects show in the truth: a strong arm shift of Bacteroides (2^4) in the
# PegIFN+NAs arm only; subjects differ more than their weeks (Bray-Curtis); the latent
# HBsAg decline correlates with the named genus at about --hbsag-rho.
run "$LUMEN" simulate --reference "$REF" --subjects 40 --reads 400 --arm-shift Bacteroides:4 \
  --hbsag-genus Bacteroides --hbsag-rho 0.7 -q --out "$WORK/e"
expect_rc "simulate 40 subjects" 0
run /usr/bin/python3 - "$WORK/e" <<'PY'
import csv, statistics as st, sys
d = sys.argv[1]
rd = lambda p: list(csv.reader(open(d + p), delimiter="\t"))
g = rd("/truth/counts_by_genus.tsv")
arm = {r[0]: r[3] for r in rd("/metadata.tsv")[1:]}
samples = g[0][1:]
tot = {s: sum(int(r[i + 1]) for r in g[1:]) for i, s in enumerate(samples)}
bac = {s: int(r[i + 1]) / tot[s] for r in g[1:] if r[0] == "Bacteroides" for i, s in enumerate(samples)}
def fold(a):
    ss = [s for s in samples if arm[s] == a]
    later = st.mean(bac[s] for s in ss if not s.endswith("W00"))
    return later / st.mean(bac[s] for s in ss if s.endswith("W00"))
fi, fn = fold("PegIFN+NAs"), fold("NAs")
vec = {s: [int(r[i + 1]) for r in g[1:]] for i, s in enumerate(samples)}
def bc(a, b):
    return sum(abs(x - y) for x, y in zip(vec[a], vec[b])) / sum(x + y for x, y in zip(vec[a], vec[b]))
within = st.mean(bc(s, t) for s in samples for t in samples if s < t and s[:4] == t[:4])
between = st.mean(bc(s, t) for s in samples for t in samples if s < t and s[:4] != t[:4])
lat = rd("/truth/latent.tsv")[1:]
ifn = [r for r in lat if r[1] == "PegIFN+NAs"]
rho = st.correlation([float(r[3]) for r in ifn], [float(r[4]) for r in ifn])
print("fold ifn %.2f nas %.2f; bray-curtis within %.3f between %.3f; rho %.2f" % (fi, fn, within, between, rho))
ok = fi > 1.5 and fi > 1.5 * fn and within < between and 0.4 < rho < 0.95
sys.exit(0 if ok else 1)
PY
expect_rc "effects visible in the truth" 0

# Refusals: each with its exit code and a message, and nothing left behind.
mkdir "$WORK/bad"
run "$LUMEN" simulate --reference "$WORK/no-such.fasta" --out "$WORK/bad/o1"
expect_rc "missing reference" 66
expect_err "missing reference message" "no-such.fasta.*cannot open reference"
run "$LUMEN" simulate --reference "$REF" --subjects 0 --out "$WORK/bad/o2"
expect_rc "--subjects 0" 64
expect_err "--subjects 0 message" "--subjects.*1 to 9999"
run "$LUMEN" simulate --reference "$DATA/sim_ref.fasta" --primers v3v4 --out "$WORK/bad/o3"
expect_rc "reference without amplicons" 65
expect_err "no amplicon message" "sim_ref.fasta: no sequence of 5 amplifies"
run "$LUMEN" simulate --reference "$REF" --primers v9 --out "$WORK/bad/o4"
expect_rc "unknown primers" 64
run "$LUMEN" simulate --reference "$REF" --arm-shift Blautia --out "$WORK/bad/o5"
expect_rc "bad --arm-shift" 64
expect_err "bad --arm-shift message" "GENUS:LOG2FC"
expect_no_files "refused runs" "$WORK/bad"
[ -z "$(ls -A "$WORK/bad")" ] && ok "no directories left" || not_ok "left: $(ls -A "$WORK/bad")"

cp "$WORK/t1/manifest.tsv" "$WORK/keep"
run "${SIM[@]}" --out "$WORK/t1" --seed 9
expect_rc "existing output directory" 73
expect_err "existing output message" "t1: output directory is not empty \(use --force"
expect_same "existing output untouched" "$WORK/keep" "$WORK/t1/manifest.tsv"
run "${SIM[@]}" --out "$WORK/t1" --force
expect_rc "--force into a non-empty directory" 0
if diff -r "$WORK/t1" "$WORK/t2" >/dev/null; then ok "--force rewrites the same cohort"
else not_ok "--force output differs"; fi
mkdir "$WORK/empty"
run "${SIM[@]}" --out "$WORK/empty/"
expect_rc "empty existing directory" 0
[ -s "$WORK/empty/truth/effects.json" ] && ok "empty directory filled" || not_ok "empty directory"
ls -d "$WORK"/*.tmp.* >/dev/null 2>&1 && not_ok "staging directories left" || ok "no staging left"

run "$LUMEN" simulate --help
expect_rc "--help" 0
expect_out "--help text" "--chimera-rate"
finish
