# SPDX-License-Identifier: MIT
# lumen classify --method nn (issue #15) against an independent implementation: fold 0 of
# a 10-fold split (record i in fold i mod 10) of the gold reference, and of a third of the
# Greengenes V4 set when ../shared/data has it, is classified against an index of the
# other nine; a numpy/scipy oracle finds each query's nearest training
# records by the same similarity (shared distinct 8-mers / the fewer of the two's, every
# record counted, copies included) and takes, rank by rank, the taxon most of them hold.
# lumen's genus and its confidence (the share) must be the oracle's for every query (where
# two genera share the top equally, either). Also: --threads 1, 2 and 7 give the same
# bytes; an index without the references section is refused with a message to rebuild it;
# --near with --method nn is a usage error. Exit 77 without the gold reference or scipy.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
if [ ! -r "$GOLD" ] || ! /usr/bin/python3 -c 'import numpy, scipy.sparse' 2>/dev/null; then
  echo "SKIP: needs $GOLD (microbiomeutil-data) and /usr/bin/python3 with numpy and scipy"
  exit 77
fi
. "$(dirname "$0")/../../benchmarks/gold_forms.sh"
GG=${LUMEN_GG_V4:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/data/gg_13_8_v4}
[ -r "$GG/gg_13_8_99_v4_trim150.fasta" ] || GG=/work/shared/data/gg_13_8_v4
LUMEN=$(realpath "$LUMEN")
cd "$WORK" || exit 1

# The oracle: per query, its genus calls allowed (those of the top share; * when taxa
# above the genus tie) and the share.
cat > oracle.py <<'PYEOF'
import collections
import numpy as np
import scipy.sparse as sparse

CODE = {'A': 0, 'C': 1, 'G': 2, 'T': 3}
def words(s):
    out, code, run = set(), 0, 0
    for ch in s:
        b = CODE.get(ch)
        if b is None:
            run = 0
            continue
        code = ((code << 2) | b) & 0xFFFF
        run += 1
        if run >= 8:
            out.add(code)
    return sorted(out)

def load(path):
    recs = [l.rstrip('\n').split('\t') for l in open(path)]
    return [r[0] for r in recs], [r[1].split(';') for r in recs], [words(r[2]) for r in recs]

def matrix(ws):
    rows = np.repeat(np.arange(len(ws)), [len(w) for w in ws])
    cols = np.concatenate([np.asarray(w, dtype=np.int64) for w in ws])
    return sparse.csr_matrix((np.ones(len(rows), np.float64), (rows, cols)), shape=(len(ws), 65536))

_, tlin, tw = load('train.tsv')
qid, _, qw = load('test.tsv')
T = matrix(tw).T.tocsc()
dr = np.array([len(w) for w in tw], np.float64)
for c0 in range(0, len(qid), 500):
    shared = (matrix(qw[c0:c0 + 500]) @ T).toarray()
    for a, q in enumerate(qid[c0:c0 + 500]):
        den = np.minimum(len(qw[c0 + a]), dr)
        sim = np.where(den > 0, np.minimum(shared[a], den) / np.maximum(den, 1), -1.0)
        best = sim.max()
        alive = list(np.flatnonzero(sim == best)) if best >= 0 else []
        total = len(alive)
        allowed, share = None, 0.0
        for r in range(6):  # nested majority, taxa told apart by their whole path
            votes = collections.Counter(';'.join(tlin[i][:r + 1]) for i in alive)
            top = max(votes.values())
            tied = sorted(t for t, v in votes.items() if v == top)
            if r == 5:
                allowed = {t.split(';')[-1] for t in tied}
                share = top / total
            elif len(tied) > 1:  # a tie above the genus: any genus below the tied taxa
                break
            alive = [i for i in alive if ';'.join(tlin[i][:r + 1]) == tied[0]]
        print(q, '|'.join(sorted(allowed)) if allowed else '*', '%.4f' % share, sep='\t')
PYEOF

# check_set NAME: all.tsv of the set; fold 0 against the other nine, every thread count
# alike, and the oracle's calls.
check_set() {
  awk -F'\t' 'NR % 10 != 1' all.tsv > train.tsv
  awk -F'\t' 'NR % 10 == 1' all.tsv > test.tsv
  tsv_rdp_fasta train.tsv > train.fa
  awk -F'\t' '{print ">"$1"\n"$3}' test.tsv > test.fa
  run "$LUMEN" index --near --fasta train.fa --out near.lmi --threads 2 --quiet
  expect_rc "$1: index --near" 0
  for t in 1 2 7; do
    run "$LUMEN" classify --index near.lmi --in test.fa --out nn$t.tsv --details det$t.tsv \
      --method nn --confidence 0 --threads $t --quiet
    expect_rc "$1: classify --method nn --threads $t" 0
  done
  expect_same "$1: --threads 1 and 2" nn1.tsv nn2.tsv
  expect_same "$1: --threads 1 and 7" nn1.tsv nn7.tsv
  expect_same "$1: details --threads 1 and 7" det1.tsv det7.tsv
  if ! /usr/bin/python3 oracle.py > oracle.tsv 2> oracle.err || [ ! -s oracle.tsv ]; then
    not_ok "$1: the oracle ran" "$(head -5 oracle.err)"
    return
  fi
  # details: ID strand domain conf ... genus conf (columns 13, 14)
  local r
  r=$(awk -F'\t' 'NR == FNR {ok[$1] = $2; sh[$1] = $3; next}
      FNR > 1 {n++; g = $13; c = $14 + 0
        if (ok[$1] != "*") {split(ok[$1], a, "|"); hit = 0; for (i in a) if (a[i] == g) hit = 1
          if (!hit) {bad++; if (bad <= 3) ex = ex " " $1 ":" g "/" ok[$1]}}
        else star++
        d = c - sh[$1]; if (d < 0) d = -d; if (d > 0.0051) {bs++; if (bs <= 3) ex = ex " " $1 ":" c "/" sh[$1]}
        if (sh[$1] < 1) split_++}
      END {printf "%d %d %d %d %d%s", n, bad + 0, bs + 0, star + 0, split_ + 0, ex}' oracle.tsv det1.tsv)
  set -- "$1" $r
  echo "$1: queries $2, genus unlike the oracle's $3, share unlike $4, ties above the genus $5, nearest records of more than one genus $6"
  if [ "$2" -gt 500 ] && [ "$3" -eq 0 ] && [ "$4" -eq 0 ]; then
    ok "$1: nn = the oracle on $2 queries (genus and share)"
  else
    not_ok "$1: nn differs from the oracle" "$*"
  fi
}

gold_tsv "$GOLD" > all.tsv
check_set gold
if [ -r "$GG/gg_13_8_99_v4_trim150.fasta" ]; then
  # A third of the Greengenes V4 set (many identical V4 records: copies are votes).
  awk '/^>/ {n++} n % 3 == 1' "$GG/gg_13_8_99_v4_trim150.fasta" > gg.fa
  awk -F'\t' 'NR == FNR {t[$1] = $2; next} /^>/ {id = substr($1, 2); next}
    (id in t) {print id "\t" t[id] "\t" $0}' "$GG/gg_13_8_99_taxonomy.tsv" gg.fa |
    awk -F'\t' 'BEGIN {OFS = "\t"} {n = split($2, f, "; "); lin = ""; for (i = 1; i <= 6; i++) {
      x = substr(f[i], 4); if (x == "") x = "unclassified_" i; lin = lin (i > 1 ? ";" : "") x}
      print $1, lin, $3}' > all.tsv
  check_set gg
else
  echo "# no Greengenes V4 set ($GG): gold only"
fi

# Refusals.
run "$LUMEN" index --fasta train.fa --out plain.lmi --threads 2 --quiet
run "$LUMEN" classify --index plain.lmi --in test.fa --out x.tsv --method nn --quiet
expect_rc "--method nn on an index without --near" 65
expect_err "names the fix" "rebuild it with lumen index --near"
[ ! -e x.tsv ] && ok "no output" || not_ok "output left behind"
run "$LUMEN" classify --index near.lmi --in test.fa --out x.tsv --method nn --near --quiet
expect_rc "--near with --method nn" 64
expect_err "says why" "method nn"
finish
