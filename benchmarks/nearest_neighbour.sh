#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nearest-neighbour genus calls on calibration.sh's folds (issue #15: is there a method that
# beats RDP and SINTAX where they are weak?). On the same 10 position folds of each set
# (record i in fold i mod 10) as calibration.sh, with no lumen call:
#   kmer-nn   the training reference(s) sharing the largest share of the query's distinct
#             8-mers (shared / min(|query's|, |reference's|), as lumen classify --near);
#   ident-nn  the training reference(s) at the highest vsearch global alignment identity
#             (the 64 best hits of each sequence against the whole set);
# the genus called is the majority genus of the tied best references when it holds more
# than half of them (min_consensus 0.51, as q2-feature-classifier's consensus classifiers),
# else none. Genus precision, recall and F over the queries whose genus is in training (as
# calibration.py), and over-classification (queries whose genus is absent, named a genus).
# Needs vsearch and /usr/bin/python3 with numpy and scipy; reuses WORKDIR/SET/all.tsv and
# caches WORKDIR/SET/nn_hits.tsv. About 4 CPU minutes (gold's alignments most of it).
# lumen classify --method nn is the k-mer rule (copies counted as votes); tests/e2e/
# test_classify_nn.sh checks it against an implementation like the one below.
#   usage: benchmarks/nearest_neighbour.sh CALIBRATION_WORKDIR [SET...]   (default: gold gg)
set -euo pipefail
WORK=$(realpath "$1")
shift
SETS=${*:-gold gg}
THREADS=${THREADS:-2}
for set in $SETS; do
  d=$WORK/$set
  [ -s "$d/all.tsv" ] || { echo "nearest_neighbour.sh: $d/all.tsv missing: run calibration.sh first" >&2; exit 66; }
  if [ ! -s "$d/nn_hits.tsv" ]; then
    awk -F'\t' '{print ">"$1"\n"$3}' "$d/all.tsv" > "$d/nn_all.fa"
    vsearch --usearch_global "$d/nn_all.fa" --db "$d/nn_all.fa" --self --id 0.75 --maxaccepts 64 \
      --maxrejects 64 --userout "$d/nn_hits.tsv.tmp" --userfields query+target+id \
      --threads "$THREADS" --quiet
    mv "$d/nn_hits.tsv.tmp" "$d/nn_hits.tsv"
  fi
done
/usr/bin/python3 - "$WORK" $SETS <<'PYEOF'
import collections
import sys

import numpy as np
import scipy.sparse as sparse

work, sets = sys.argv[1], sys.argv[2:]
CODE = {'A': 0, 'C': 1, 'G': 2, 'T': 3}


def words(s, k=8):
    out, code, run = set(), 0, 0
    for ch in s:
        b = CODE.get(ch)
        if b is None:
            run = 0
            continue
        code = ((code << 2) | b) & ((1 << 2 * k) - 1)
        run += 1
        if run >= k:
            out.add(code)
    return sorted(out)


def consensus(genera):
    g, n = collections.Counter(genera).most_common(1)[0]
    return g if n / len(genera) > 0.5 else None


def score(calls, genus, known):
    named = right = novel = novel_named = 0
    for q, call in calls.items():
        if not known[q]:
            novel += 1
            novel_named += call is not None
        elif call is not None:
            named += 1
            right += call == genus[q]
    n = sum(known.values())
    p, r = right / named, right / n
    return p, r, 2 * p * r / (p + r), novel_named / novel


print("set\tmethod\tprecision\trecall\tF\tovercls")
for st in sets:
    ids, genus, seq = [], {}, {}
    for line in open(f"{work}/{st}/all.tsv"):
        i, lin, s = line.rstrip('\n').split('\t')
        ids.append(i)
        genus[i], seq[i] = lin.split(';')[5], s
    fold = {q: n % 10 for n, q in enumerate(ids)}
    folds_of = collections.defaultdict(set)
    for q in ids:
        folds_of[genus[q]].add(fold[q])
    known = {q: bool(folds_of[genus[q]] - {fold[q]}) for q in ids}
    # k-mer NN: shared distinct 8-mers by a sparse product, fold by fold.
    W = [words(seq[q]) for q in ids]
    rows = np.repeat(np.arange(len(ids)), [len(w) for w in W])
    cols = np.concatenate([np.asarray(w, dtype=np.int64) for w in W])
    M = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(ids), 65536))
    nw = np.array([len(w) for w in W], np.float32)
    pos = np.arange(len(ids)) % 10
    G = np.array([genus[q] for q in ids])
    kcalls = {}
    for k in range(10):
        te, tr = np.where(pos == k)[0], np.where(pos != k)[0]
        shared = (M[te] @ M[tr].T).toarray()
        sim = shared / np.maximum(np.minimum(nw[te][:, None], nw[tr][None, :]), 1)
        for a, i in enumerate(te):
            row = sim[a]
            kcalls[ids[i]] = consensus(list(G[tr[row >= row.max() - 1e-9]]))
    # identity NN from vsearch's hits (a query without a hit in training: none).
    hits = collections.defaultdict(list)
    for line in open(f"{work}/{st}/nn_hits.tsv"):
        q, t, ident = line.rstrip('\n').split('\t')
        if fold[q] != fold[t]:
            hits[q].append((float(ident), t))
    icalls = {}
    for q in ids:
        h = hits.get(q)
        if not h:
            icalls[q] = None
            continue
        best = max(x for x, _ in h)
        icalls[q] = consensus([genus[t] for x, t in h if x >= best])
    for name, calls in (("kmer-nn", kcalls), ("ident-nn", icalls)):
        print(st, name, *("%.4f" % v for v in score(calls, genus, known)), sep='\t')
PYEOF
