#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How far can any classifier that goes by sequence identity get on issue #15's point 2 with
# the gold reference? A nearest-neighbour classifier on global alignment identity (vsearch,
# the 64 best hits of every gold sequence against all others) names the nearest training
# reference's genus when that identity reaches a cutoff T. For each T the table gives:
#   unseen_named  the share of leave-genera-out queries (overclass.sh's split: the genera
#                 sorted by name, genus i in fold i mod 10) whose nearest training
#                 reference, necessarily of another genus, is at identity >= T: every one of
#                 them is named, wrongly;
#   P, R, F       genus precision, recall and F over the 10-fold position split's queries
#                 whose genus is in training (cv_method.sh's folds, record i in fold i mod 10).
# No lumen call: this measures the reference, not a method. A rule that uses more than the
# nearest identity can do better than this line, but not by telling apart two queries whose
# nearest references are equally close. Needs vsearch and /usr/bin/python3; about 5 CPU
# minutes.
#   usage: benchmarks/overclass_ceiling.sh [WORKDIR]
set -euo pipefail
WORK=${1:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-occ.XXXXXX")}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
THREADS=${THREADS:-2}
. "$(dirname "$(realpath "$0")")/gold_forms.sh"
mkdir -p "$WORK"
cd "$WORK"
gold_tsv "$GOLD" > all.tsv
awk -F'\t' '{split($2, a, ";"); print a[6]}' all.tsv | sort -u |
  awk -F'\t' '{print $1 "\t" (NR - 1) % 10}' > genus_fold.tsv
awk -F'\t' '{print ">"$1"\n"$3}' all.tsv > all.fa
# --self: a sequence never hits itself (identical copies under other IDs still do).
[ -s hits.tsv ] || vsearch --usearch_global all.fa --db all.fa --self --id 0.75 --maxaccepts 64 \
  --maxrejects 64 --userout hits.tsv --userfields query+target+id --threads "$THREADS" --quiet
/usr/bin/python3 - <<'PYEOF'
import collections
order, genus = [], {}
for line in open('all.tsv'):
    f = line.rstrip('\n').split('\t')
    order.append(f[0])
    genus[f[0]] = f[1].split(';')[5]
pos = {q: i % 10 for i, q in enumerate(order)}
gfold = dict((g, int(k)) for g, k in (l.rstrip('\n').split('\t') for l in open('genus_fold.tsv')))
hits = collections.defaultdict(list)
for line in open('hits.tsv'):
    q, t, ident = line.rstrip('\n').split('\t')
    hits[q].append((float(ident), t))
for q in hits:
    hits[q].sort(key=lambda h: -h[0])  # stable: vsearch's order among equals

def nearest(q, allowed):
    """Identity and ID of q's nearest hit that passes allowed(); (0, None) if none of the 64."""
    return next(((i, t) for i, t in hits[q] if allowed(t)), (0.0, None))

# Leave-genera-out: the query's whole genus fold is out of training.
unseen = [nearest(q, lambda t, q=q: gfold[genus[t]] != gfold[genus[q]])[0] for q in order]
# 10-fold by position, queries whose genus keeps a reference in training.
folds_of = collections.defaultdict(set)
for q in order:
    folds_of[genus[q]].add(pos[q])
known = []
for q in order:
    if folds_of[genus[q]] - {pos[q]}:
        ident, t = nearest(q, lambda t, q=q: pos[t] != pos[q])
        known.append((ident, t is not None and genus[t] == genus[q]))
print(f"# {len(unseen)} leave-genera-out queries, {len(known)} known-genus queries (10-fold)")
print("identity>=\tunseen_named\tP\tR\tF")
for cut in (75, 95, 96, 97, 97.5, 98, 98.5, 98.7, 99, 99.5, 100):
    oc = sum(i >= cut for i in unseen) / len(unseen)
    named = [ok for i, ok in known if i >= cut]
    right = sum(named)
    p = right / len(named) if named else 1.0
    r = right / len(known)
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"{cut}\t{100 * oc:.2f}%\t{p:.4f}\t{r:.4f}\t{f:.4f}")

def quantiles(xs, ps):
    xs = sorted(xs)
    return " ".join(f"{int(p * 100)}%:{xs[int(p * (len(xs) - 1))]}" for p in ps)
print("# unseen genera, identity to the nearest reference of another genus:",
      quantiles(unseen, (0.5, 0.75, 0.9, 0.95, 0.99)))
print("# known genera, identity to the nearest training reference:",
      quantiles([i for i, _ in known], (0.1, 0.25, 0.5, 0.75)))
PYEOF
