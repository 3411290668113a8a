#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen diversity against its oracles: every alpha value and distance against scikit-bio
# (/usr/bin/python3) and vegan's vegdist (Rscript) to 1e-9 relative, PCoA against skbio's
# pcoa up to the sign of each axis (1e-6), thread-count independence, rarefaction, and
# bad tables (exit 65, FILE:LINE, nothing written).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

if ! $PY -c 'import skbio, numpy' 2>/dev/null; then
  not_ok "python3-skbio is missing (scripts/packages.txt)"; finish; exit 1
fi
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(vegan)' >/dev/null 2>&1; then
  not_ok "r-cran-vegan is missing (scripts/packages.txt)"; finish; exit 1
fi

# gen SEED NS NF FILE: a random sparse table like stool data (most features in few
# samples), with singletons, doubletons, an all-zero feature, a one-feature sample and an
# empty sample.
gen() {
  $PY - "$@" <<'PY'
import sys
import numpy as np
seed, ns, nf, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
prev = rng.beta(0.3, 2.0, size=nf)          # per-feature prevalence: mostly rare
mean = rng.lognormal(2.0, 1.5, size=nf)
x = np.zeros((nf, ns), dtype=np.int64)
for i in range(nf):
    present = rng.random(ns) < prev[i]
    x[i, present] = rng.negative_binomial(1, 1 / (1 + mean[i]), size=present.sum())
x[:, 0] = 0; x[0, 0] = 7                    # one-feature sample (Pielou undefined)
x[:, 1] = 0                                 # empty sample: dropped
x[nf - 1, :] = 0                            # all-zero feature
x[1, 2:6] = [1, 1, 2, 1]                    # singletons and doubletons for sure
with open(path, "w") as f:
    f.write("# Constructed by the test\n#OTU ID\t" + "\t".join(f"S{j:03d}" for j in range(ns)) + "\n")
    for i in range(nf):
        f.write(f"F{i:04d}\t" + "\t".join(str(v) for v in x[i]) + "\n")
PY
}

# compare OUTDIR TABLE PSEUDO BASE: lumen's files against skbio and vegan.
compare() {
  local out=$1 table=$2 pc=$3 base=$4
  Rscript - "$table" "$out" "$pc" >"$WORK/r.log" 2>&1 <<'R'
suppressMessages(library(vegan))
a <- commandArgs(TRUE)
x <- t(as.matrix(read.table(a[1], sep = "\t", header = TRUE, row.names = 1,
                            comment.char = "", skip = 1, check.names = FALSE)))
x <- x[rowSums(x) > 0, , drop = FALSE]
w <- function(d, name) write.table(as.matrix(d), file.path(a[2], paste0("vegan_", name, ".tsv")),
                                   sep = "\t", quote = FALSE, col.names = NA)
w(vegdist(x, "bray"), "braycurtis")
w(vegdist(x, "jaccard", binary = TRUE), "jaccard")
w(vegdist(x, "aitchison", pseudocount = as.numeric(a[3])), "aitchison")
R
  [ $? -eq 0 ] || { not_ok "Rscript vegan failed" "$(tail -5 "$WORK/r.log")"; return; }
  $PY - "$out" "$table" "$pc" "$base" <<'PY'
import sys, math
import numpy as np, pandas as pd
import warnings
warnings.simplefilter("ignore")
from skbio.diversity import alpha, beta_diversity
from skbio.stats.composition import clr
from skbio.stats.ordination import pcoa
from skbio import DistanceMatrix
from scipy.spatial.distance import pdist, squareform
out, table, pc, base = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
base = math.e if base == "e" else float(base)
t = pd.read_csv(table, sep="\t", skiprows=1, index_col=0)
t = t.loc[:, t.sum(axis=0) > 0]
ids = list(t.columns); X = t.values.T.astype(np.int64)
fails = 0
def close(a, b, rel):
    if math.isnan(a) or math.isnan(b): return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300) or abs(a - b) < 1e-300
def check(name, ok, detail=""):
    global fails
    if ok: print(f"ok - {name}")
    else:
        fails += 1; print(f"not ok - {name}\n  {detail}")
al = pd.read_csv(f"{out}/alpha.tsv", sep="\t", index_col=0)
check("alpha: same samples", list(al.index) == ids)
fn = {"observed_features": alpha.observed_otus, "chao1": alpha.chao1,
      "shannon": lambda c: alpha.shannon(c, base=base), "simpson": alpha.simpson,
      "pielou_evenness": alpha.pielou_e, "goods_coverage": alpha.goods_coverage}
for col, f in fn.items():
    bad = [(s, al.loc[s, col], f(X[k])) for k, s in enumerate(ids)
           if not close(float(al.loc[s, col]), float(f(X[k])), 1e-9)]
    check(f"alpha {col}: {len(ids)} samples equal skbio to 1e-9", not bad, bad[:3])
def load(path):
    d = pd.read_csv(path, sep="\t", index_col=0)
    return d.loc[ids, ids].values
Xc = clr(X + pc)
sk = {"braycurtis": beta_diversity("braycurtis", X, ids).data,
      "jaccard": beta_diversity("jaccard", X, ids).data,
      # skbio 0.5.8 has no Aitchison: Euclidean distance of its clr, as vegan defines it.
      "aitchison": squareform(pdist(Xc, "euclidean"))}
for m in sk:
    D = load(f"{out}/{m}.tsv")
    V = load(f"{out}/vegan_{m}.tsv")
    for name, ref in (("skbio", sk[m]), ("vegan", V)):
        off = ~(np.isclose(D, ref, rtol=1e-9, atol=0) | (np.isnan(D) & np.isnan(ref)))
        bad = [(i, j, D[i, j], ref[i, j]) for i, j in zip(*np.nonzero(off))]
        check(f"{m}: {len(ids)}x{len(ids)} equal {name} to 1e-9", not bad, bad[:3])
    r = pcoa(DistanceMatrix(sk[m], ids))
    P = pd.read_csv(f"{out}/pcoa_{m}.tsv", sep="\t", index_col=0).loc[ids].values
    A = pd.read_csv(f"{out}/pcoa_{m}_axes.tsv", sep="\t", index_col=0)
    S = r.samples.values
    ok = P.shape == S.shape
    worst = 0.0
    for k in range(min(P.shape[1], S.shape[1])):
        a, b = P[:, k], S[:, k]
        d = min(np.max(np.abs(a - b)), np.max(np.abs(a + b)))
        worst = max(worst, d)
    check(f"pcoa_{m}: coordinates equal skbio's up to sign (max diff {worst:.2e})",
          ok and worst < 1e-6, f"shapes {P.shape} {S.shape}")
    pe = np.max(np.abs(A["proportion_explained"].values - r.proportion_explained.values))
    ev = np.max(np.abs(A["eigenvalue"].values - r.eigvals.values))
    check(f"pcoa_{m}: eigenvalues and proportion explained equal skbio's", pe < 1e-6 and ev < 1e-6,
          f"{pe} {ev}")
    raw = A["raw_eigenvalue"].values
    check(f"pcoa_{m}: raw eigenvalues sum to the trace of the centred matrix",
          abs(raw.sum() - np.trace(-0.5 * (np.eye(len(ids)) - 1 / len(ids)) @ (sk[m] ** 2) @
                                   (np.eye(len(ids)) - 1 / len(ids)))) < 1e-8)
sys.exit(1 if fails else 0)
PY
  local rc=$?
  [ $rc -eq 0 ] && ok "oracle comparison in $out" || not_ok "oracle comparison in $out (see above)"
}

# --- no rarefaction: 40 samples x 80 features, skbio and vegan ----------------------
gen 1 40 80 "$WORK/t1.tsv"
run "$LUMEN" diversity --table "$WORK/t1.tsv" --out "$WORK/o1" --no-rarefy --pcoa-axes 0 -t 2
expect_rc "diversity --no-rarefy" 0
expect_err "empty sample warned" "S001.*dropped"
grep -q $'^S001\t0\tempty$' "$WORK/o1/dropped_samples.tsv" && ok "empty sample listed as dropped" \
  || not_ok "empty sample not in dropped_samples.tsv" "$(cat "$WORK/o1/dropped_samples.tsv")"
compare "$WORK/o1" "$WORK/t1.tsv" 1 2
# Shannon in base e and another pseudocount.
run "$LUMEN" diversity --table "$WORK/t1.tsv" --out "$WORK/o2" --no-rarefy --pcoa-axes 0 \
  --shannon-base e --pseudocount 0.5 -t 2
expect_rc "--shannon-base e --pseudocount 0.5" 0
compare "$WORK/o2" "$WORK/t1.tsv" 0.5 e

# A cohort-sized table: 468 samples (156 patients x 3 visits), 700 features.
gen 7 468 700 "$WORK/t3.tsv"
run "$LUMEN" diversity --table "$WORK/t3.tsv" --out "$WORK/o3" --no-rarefy --pcoa-axes 0 -t 2
expect_rc "diversity, 468 samples" 0
compare "$WORK/o3" "$WORK/t3.tsv" 1 2

# --- thread count: byte-identical outputs ----------------------------------------------
gen 2 120 300 "$WORK/t2.tsv"
run "$LUMEN" diversity --table "$WORK/t2.tsv" --out "$WORK/th1" --depth 50 --seed 3 -t 1
expect_rc "1 thread" 0
run "$LUMEN" diversity --table "$WORK/t2.tsv" --out "$WORK/th2" --depth 50 --seed 3 -t 2
expect_rc "2 threads" 0
for f in $(cd "$WORK/th1" && ls); do expect_same "$f at 1 and 2 threads" "$WORK/th1/$f" "$WORK/th2/$f"; done
[ "$(ls "$WORK/th1" | wc -l)" -eq 12 ] && ok "12 files written" || not_ok "files: $(ls "$WORK/th1")"

# --- rarefaction -----------------------------------------------------------------------
run "$LUMEN" diversity --table "$WORK/t2.tsv" --out "$WORK/r1" --depth 50 --seed 3 -t 2
expect_same "same seed, same rarefied table" "$WORK/th1/rarefied_table.tsv" "$WORK/r1/rarefied_table.tsv"
run "$LUMEN" diversity --table "$WORK/t2.tsv" --out "$WORK/r2" --depth 50 --seed 4 -t 2
if cmp -s "$WORK/r1/rarefied_table.tsv" "$WORK/r2/rarefied_table.tsv"; then
  not_ok "another seed gave the same rarefied table"; else ok "another seed draws differently"; fi
$PY - "$WORK/t2.tsv" "$WORK/r1" 50 <<'PY' && ok "rarefied counts sum to the depth, never exceed the input; dropped = below depth" || not_ok "rarefaction check"
import sys, pandas as pd
t = pd.read_csv(sys.argv[1], sep="\t", skiprows=1, index_col=0)
r = pd.read_csv(sys.argv[2] + "/rarefied_table.tsv", sep="\t", skiprows=1, index_col=0)
d = pd.read_csv(sys.argv[2] + "/dropped_samples.tsv", sep="\t", index_col=0)
depth = int(sys.argv[3])
assert (r.sum(axis=0) == depth).all()
assert list(r.index) == list(t.index)
assert (r.values <= t[r.columns].values).all()
below = [s for s in t.columns if t[s].sum() < depth]
assert sorted(below) == sorted(d.index), (below, list(d.index))
assert sorted(set(t.columns) - set(below)) == sorted(r.columns)
assert all(d.loc[s, "total"] == t[s].sum() for s in below)
PY
# The rarefied table is what the metrics were computed on: the oracles agree on it too.
run "$LUMEN" diversity --table "$WORK/r1/rarefied_table.tsv" --out "$WORK/r1b" --no-rarefy --pcoa-axes 0
cmp -s "$WORK/r1/alpha.tsv" "$WORK/r1b/alpha.tsv" && cmp -s "$WORK/r1/braycurtis.tsv" "$WORK/r1b/braycurtis.tsv" \
  && ok "metrics after rarefaction = metrics of rarefied_table.tsv" || not_ok "rarefied metrics differ"
sed 1d "$WORK/r1/rarefied_table.tsv" > "$WORK/r1t.tsv"; sed -i '1i # table' "$WORK/r1t.tsv"
compare "$WORK/r1b" "$WORK/r1t.tsv" 1 2

# --- command line ----------------------------------------------------------------------
run "$LUMEN" diversity --help; expect_rc "--help" 0; expect_out "--help" "pcoa_METRIC_axes.tsv"
run "$LUMEN" diversity --table "$WORK/t1.tsv"; expect_rc "no --out" 64
run "$LUMEN" diversity --table "$WORK/t1.tsv" --out "$WORK/x" --depth 5 --no-rarefy; expect_rc "--depth with --no-rarefy" 64
run "$LUMEN" diversity --table "$WORK/t1.tsv" --out "$WORK/x" --metrics bray; expect_rc "unknown metric" 64
run "$LUMEN" diversity --table "$WORK/nope.tsv" --out "$WORK/x"; expect_rc "missing table" 66
run "$LUMEN" diversity --table "$WORK/t1.tsv" --out "$WORK/x" --depth 100000000; expect_rc "depth above every sample" 64
expect_err "depth above every sample" "above every sample's total"
[ -e "$WORK/x" ] && not_ok "output folder made despite the error" || ok "no output folder after the error"
run "$LUMEN" diversity --table "$WORK/t1.tsv" --out "$WORK/m" --no-rarefy --metrics jaccard --no-pcoa
expect_rc "--metrics jaccard --no-pcoa" 0
[ "$(cd "$WORK/m" && ls | tr '\n' ' ')" = "alpha.tsv dropped_samples.tsv jaccard.tsv " ] \
  && ok "only the metrics asked for" || not_ok "files: $(ls "$WORK/m")"

# --- bad tables: exit 65, FILE:LINE, no output ---------------------------------------------
bad() {
  local name=$1 re=$2 content=$3
  local out="$WORK/bad-$RANDOM"
  mkdir -p "$out"
  printf "$content" > "$WORK/bad.tsv"
  run "$LUMEN" diversity --table "$WORK/bad.tsv" --out "$out" --no-rarefy
  expect_rc "$name" 65
  expect_err "$name" "$re"
  expect_no_files "$name" "$out"
}
H='#OTU ID\tA\tB\n'
bad "non-numeric count" "bad.tsv:3: not a number: 'x3'" "${H}f1\t1\t2\nf2\tx3\t4\n"
bad "negative count" "bad.tsv:2: negative count: '-1'" "${H}f1\t-1\t2\n"
bad "fractional count" "bad.tsv:2: not a whole count: '1.5'" "${H}f1\t1.5\t2\n"
bad "empty cell" "bad.tsv:2: empty cell" "${H}f1\t\t2\n"
bad "duplicate sample" "bad.tsv:1: duplicate sample ID 'A'" '#OTU ID\tA\tA\nf1\t1\t2\n'
bad "duplicate feature" "bad.tsv:4: duplicate feature ID 'f1' \\(first on line 2\\)" "${H}f1\t1\t2\nf2\t1\t2\nf1\t3\t4\n"
bad "short row" "bad.tsv:3: 1 count where the header has 2 samples" "${H}f1\t1\t2\nf2\t1\n"
bad "long row" "bad.tsv:2: 3 counts where the header has 2 samples" "${H}f1\t1\t2\t3\n"
bad "no samples" "bad.tsv:1: the header names no samples" '#OTU ID\nf1\n'

finish
