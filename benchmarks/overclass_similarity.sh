#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A first idea for over-classification (issue #15, point 2), measured: name a genus only
# when the query's 8-mer similarity to the assigned genus's nearest training reference
# (shared distinct 8-mers / the query's distinct 8-mers) reaches a cutoff. On folds 0 and 1
# of overclass.sh (genera left out: every genus named is wrong) and of the 10-fold
# position split (genus known for most), lumen --method rdp at 0.8, the table gives for
# each cutoff the share of novel-genus queries still named and the genus P/R/F of the
# known-genus queries. Needs /usr/bin/python3.
#   usage: benchmarks/overclass_similarity.sh LUMEN [WORKDIR]
set -euo pipefail
LUMEN=$(realpath "$1")
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-ocs.XXXXXX")}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
. "$(dirname "$(realpath "$0")")/gold_forms.sh"
mkdir -p "$WORK"
cd "$WORK"
gold_tsv "$GOLD" > all.tsv
awk -F'\t' '{split($2, a, ";"); print a[6]}' all.tsv | sort -u | awk -F'\t' '{print $1 "\t" (NR - 1) % 10}' > genus_fold.tsv
: > cov.tsv
for f in 0 1; do
  awk -F'\t' -v k=$f 'NR == FNR {g[$1] = $2; next} {split($2, a, ";"); print > (g[a[6]] == k ? "logo_test.tsv" : "logo_train.tsv")}' \
    genus_fold.tsv all.tsv
  awk -F'\t' -v k=$f '(NR-1)%10!=k' all.tsv > cv_train.tsv
  awk -F'\t' -v k=$f '(NR-1)%10==k' all.tsv > cv_test.tsv
  for s in logo cv; do
    tsv_rdp_fasta ${s}_train.tsv > ${s}_train.fa
    awk -F'\t' '{print ">"$1"\n"$3}' ${s}_test.tsv > ${s}_test.fa
    "$LUMEN" index --fasta ${s}_train.fa --out $s.lmi --quiet --threads 2
    "$LUMEN" classify --index $s.lmi --in ${s}_test.fa --out $s.tsv --details ${s}_det.tsv --confidence 0.8 --quiet --threads 2
  done
  /usr/bin/python3 - >> cov.tsv <<'PYEOF'
import collections
def load(p):
    return [(i, lin.split(';'), s) for i, lin, s in (l.rstrip('\n').split('\t') for l in open(p))]
def kset(s):
    return {s[i:i + 8] for i in range(len(s) - 7)}
for st in ('logo', 'cv'):
    tr, te = load(st + '_train.tsv'), load(st + '_test.tsv')
    bygen = collections.defaultdict(list)
    for _, lin, s in tr:
        bygen[lin[5]].append(s)
    det = {}
    for l in open(st + '_det.tsv'):
        f = l.rstrip('\n').split('\t')
        if f[0] != 'Feature ID':
            det[f[0]] = (f[12], float(f[13]) if f[13] else 0.0)
    cache = {}
    for i, lin, s in te:
        g, c = det[i]
        if g not in cache:
            cache[g] = [kset(x) for x in bygen.get(g, [])]
        q = kset(s)
        sim = max((len(q & r) / len(q) for r in cache[g]), default=0)
        print(st, i, lin[5], g, c, round(sim, 4), int(lin[5] in bygen), sep='\t')
PYEOF
done
/usr/bin/python3 - <<'PYEOF'
rows = [l.rstrip('\n').split('\t') for l in open('cov.tsv')]
logo = [r for r in rows if r[0] == 'logo']
cv = [r for r in rows if r[0] == 'cv' and r[6] == '1']
print(f"novel-genus queries {len(logo)}, known-genus queries {len(cv)}")
print("cutoff\tnovel_named\tknown_P\tknown_R\tknown_F")
for cut in (0, 0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.96):
    on = sum(1 for r in logo if float(r[4]) >= 0.8 - 1e-9 and float(r[5]) >= cut)
    named = [r for r in cv if float(r[4]) >= 0.8 - 1e-9 and float(r[5]) >= cut]
    right = sum(1 for r in named if r[2] == r[3])
    p = right / len(named) if named else 0
    rc = right / len(cv)
    print(f"{cut:.2f}\t{100 * on / len(logo):.2f}%\t{p:.4f}\t{rc:.4f}\t{2 * p * rc / (p + rc) if p + rc else 0:.4f}")
PYEOF
