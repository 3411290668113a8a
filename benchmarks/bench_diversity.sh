#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bray-Curtis and Jaccard matrices: lumen diversity against scikit-bio's beta_diversity
# and vegan's vegdist, on seeded stool-like tables (most features in few samples).
#   usage: benchmarks/bench_diversity.sh [LUMEN] [THREADS]
# Sizes: 1,000 samples x 5,000 features and 5,000 x 20,000. The peers are dense and
# quadratic in samples x features; on the largest table they run on the first
# $PEER_SUBSET samples (default 1000) and their time is scaled by the number of pairs
# (reported as "extrapolated"), unless PEER_FULL=1.
# Prints wall seconds, peak RSS (/usr/bin/time -v) and the lumen/peer ratios.
set -euo pipefail
LUMEN=${1:-build/lumen}
THREADS=${2:-2}
PEER_SUBSET=${PEER_SUBSET:-1000}
PEER_FULL=${PEER_FULL:-0}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/lumen-bench-div.XXXXXX")
trap 'rm -rf "$W"' EXIT

gen() { # SEED SAMPLES FEATURES MEAN_PREVALENCE OUT
  $PY - "$@" <<'PY'
import sys
import numpy as np
seed, ns, nf, prev, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rng = np.random.default_rng(seed)
# Prevalence ~ Beta(0.1, b): most features in a few samples, a core in most of them.
p = rng.beta(0.1, 0.1 * (1 - prev) / prev, size=nf)
mu = rng.lognormal(2.5, 1.5, size=nf)
with open(out, "w") as f:
    f.write("#OTU ID\t" + "\t".join(f"S{j:05d}" for j in range(ns)) + "\n")
    for i in range(nf):
        x = np.zeros(ns, dtype=np.int64)
        on = rng.random(ns) < p[i]
        x[on] = 1 + rng.negative_binomial(1, 1 / (1 + mu[i]), size=on.sum())
        f.write(f"F{i:06d}\t" + "\t".join(map(str, x)) + "\n")
PY
}

# timed NAME CMD...: wall seconds and peak RSS (MiB) into $W/NAME.time
timed() {
  local name=$1; shift
  /usr/bin/time -v "$@" > "$W/$name.out" 2> "$W/$name.err" || { cat "$W/$name.err" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
              /Maximum resident set size/{m=$2/1024}
              END{printf "%.2f %.0f\n", w, m}' "$W/$name.err" > "$W/$name.time"
}

skbio_run() { # TABLE NSAMPLES
  timed skbio $PY - "$1" "$2" <<'PY'
import sys, time
import numpy as np, pandas as pd
from skbio.diversity import beta_diversity
t = pd.read_csv(sys.argv[1], sep="\t", index_col=0)
X = t.values.T[: int(sys.argv[2])]
ids = list(t.columns[: int(sys.argv[2])])
t0 = time.time()
beta_diversity("braycurtis", X, ids)
beta_diversity("jaccard", X, ids)
print("compute", time.time() - t0)
PY
}

vegan_run() { # TABLE NSAMPLES
  timed vegan Rscript -e '
suppressMessages(library(vegan)); a <- commandArgs(TRUE)
x <- t(as.matrix(read.table(a[1], sep = "\t", header = TRUE, row.names = 1, comment.char = "", check.names = FALSE)))
x <- x[seq_len(as.integer(a[2])), ]
t0 <- Sys.time(); d1 <- vegdist(x, "bray"); d2 <- vegdist(x, "jaccard", binary = TRUE)
cat("compute", as.numeric(Sys.time() - t0, units = "secs"), "\n")' "$1" "$2"
}

printf '%-14s %-8s %10s %10s %10s %12s\n' table tool wall_s peak_MiB lumen_x note
for size in "1000 5000 0.05" "5000 20000 0.015"; do
  set -- $size
  ns=$1 nf=$2 prev=$3
  tab="$W/t_${ns}x${nf}.tsv"
  gen 42 "$ns" "$nf" "$prev" "$tab"
  nnz=$(awk -F'\t' 'NR>1{for(i=2;i<=NF;i++) if($i!="0") n++} END{print n}' "$tab")
  echo "# ${ns} x ${nf}: $nnz non-zero counts ($(awk -v n="$nnz" -v a="$ns" 'BEGIN{printf "%.0f", n/a}') per sample)"
  timed lumen "$LUMEN" diversity --table "$tab" --out "$W/out" --no-rarefy --metrics braycurtis,jaccard \
    --no-pcoa --threads "$THREADS" --quiet
  read -r lw lm < "$W/lumen.time"
  printf '%-14s %-8s %10s %10s %10s %12s\n' "${ns}x${nf}" lumen "$lw" "$lm" 1 "TSV in+out"
  sub=$ns; [ "$ns" -gt "$PEER_SUBSET" ] && [ "$PEER_FULL" != 1 ] && sub=$PEER_SUBSET
  scale=$(awk -v n="$ns" -v s="$sub" 'BEGIN{print (n*(n-1))/(s*(s-1))}')
  for peer in skbio vegan; do
    ${peer}_run "$tab" "$sub"
    read -r pw pm < "$W/$peer.time"
    pc=$(awk '/^compute/{print $2}' "$W/$peer.out")
    note="measured"
    if [ "$sub" != "$ns" ]; then
      pw=$(awk -v w="$pw" -v c="$pc" -v k="$scale" 'BEGIN{printf "%.1f", w - c + c*k}')
      note="extrap.$sub"
    fi
    printf '%-14s %-8s %10s %10s %10s %12s\n' "${ns}x${nf}" "$peer" "$pw" "$pm" \
      "$(awk -v p="$pw" -v l="$lw" 'BEGIN{printf "%.1f", p/l}')" "$note (compute ${pc}s)"
  done
done
