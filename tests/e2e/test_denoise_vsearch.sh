#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen denoise against vsearch (Debian package vsearch) as the oracle, on the pooled
# uniques of a small simulated cohort (lumen simulate -> reads -> table) plus a few
# chimeras built from abundant features (so that UCHIME3 has something to find):
#   - ZOTU set (UNOISE3 centroids) >= 99% identical to vsearch --cluster_unoise's;
#   - chimera calls agree with vsearch --uchime3_denovo on >= 98% of the centroids, the
#     chimeras both call have the same parents and score, and the built ones are caught;
#   - per-sample counts within 1% of vsearch --usearch_global --id 0.97 --otutabout;
#   - the same output at 1, 2 and 4 threads;
#   - bad input: missing table, a feature of table.tsv absent from features.fasta.
# Exit 77 (skipped) when vsearch is missing.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if ! command -v vsearch >/dev/null 2>&1 || [ ! -r "$REF" ]; then
  echo "skip: vsearch or the gold reference is missing (scripts/packages.txt)"
  exit 77
fi

run "$LUMEN" simulate --reference "$REF" --subjects 4 --reads 3000 --seed 7 \
  --chimera-rate 0.02 --out "$WORK/sim" -q
expect_rc "simulate" 0
run "$LUMEN" reads --manifest "$WORK/sim/manifest.tsv" --primers v4 --out "$WORK/res" -q -t 2
expect_rc "reads" 0
run "$LUMEN" table --reads "$WORK/res" --out "$WORK/res/derep" -q -t 2
expect_rc "table" 0

# Add 6 chimeras: prefix of an abundant feature + suffix of the next, 10 reads each.
D=$WORK/res/derep
$PY - "$D" <<'PY'
import hashlib, sys
d = sys.argv[1]
seqs, name = {}, None
for line in open(d + "/features.fasta"):
    line = line.strip()
    if line.startswith(">"): name = line[1:]
    else: seqs[name] = seqs.get(name, "") + line
rows, header = [], []
for line in open(d + "/table.tsv"):
    if line.startswith("#"): header.append(line); continue
    c = line.rstrip("\n").split("\t"); rows.append((c[0], [int(x) for x in c[1:]]))
rows.sort(key=lambda r: (-sum(r[1]), r[0]))
top = [r for r in rows if sum(r[1]) >= 400][:12]
ns = len(rows[0][1])
with open(d + "/features.fasta", "a") as fa, open(d + "/table.tsv", "a") as tt:
    for k in range(0, len(top) - 1, 2):
        a, b = seqs[top[k][0]], seqs[top[k + 1][0]]
        s = a[:len(a) // 2] + b[len(a) // 2:]
        m = hashlib.md5(s.encode()).hexdigest()
        if m in seqs: continue
        fa.write(">%s\n%s\n" % (m, s))
        tt.write("%s\t%s\n" % (m, "\t".join(["10"] + ["0"] * (ns - 1))))
        print(m)
PY
[ $? -eq 0 ] && ok "chimeras added" || not_ok "chimeras added"
$PY - "$D" >"$WORK/built.txt" <<'PY'
import sys
for line in open(sys.argv[1] + "/table.tsv"):
    c = line.rstrip("\n").split("\t")
    if not line.startswith("#") and sum(int(x) for x in c[1:]) == 10 and c[1] == "10": print(c[0])
PY

for t in 1 2 4; do
  run "$LUMEN" denoise --table "$D" --out "$WORK/d$t" -t $t --no-biom
  expect_rc "denoise -t $t" 0
done
for f in features.fasta table.tsv chimeras.tsv map.tsv denoise_summary.tsv; do
  expect_same "threads 1 vs 2: $f" "$WORK/d1/$f" "$WORK/d2/$f"
  expect_same "threads 1 vs 4: $f" "$WORK/d1/$f" "$WORK/d4/$f"
done

# vsearch on the same pooled uniques
V=$WORK/vs
mkdir -p "$V"
$PY "$HERE/denoise_vs.py" prep "$D" "$V"
(cd "$V" &&
  vsearch --cluster_unoise pooled.fa --sizein --minsize 8 --unoise_alpha 2 \
    --centroids zotus.fa --sizeout --threads 1 --quiet &&
  vsearch --uchime3_denovo zotus.fa --sizein --sizeout --nonchimeras nonchim.fa \
    --chimeras chim.fa --uchimeout uchime.tsv --quiet &&
  vsearch --usearch_global reads.fa --db nonchim.fa --id 0.97 --sizein \
    --otutabout otu.tsv --threads 2 --quiet) 2>"$WORK/vs.err"
[ $? -eq 0 ] && ok "vsearch ran" || not_ok "vsearch ran" "$(head -5 "$WORK/vs.err")"
$PY "$HERE/denoise_vs.py" compare "$WORK/d1" "$V" "$WORK/sim/truth" >"$WORK/cmp.tsv"
cat "$WORK/cmp.tsv"
get() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$WORK/cmp.tsv"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
ge "$(get centroids_identical_pct)" 99 && ok "ZOTUs >= 99% identical to vsearch's" ||
  not_ok "ZOTUs: $(get centroids_identical_pct)% identical"
ge "$(get chimera_calls_agree_pct)" 98 && ok "chimera calls agree >= 98%" ||
  not_ok "chimera calls: $(get chimera_calls_agree_pct)% agree"
ge "$(get chimeras_lumen)" 1 && ok "chimeras found" || not_ok "no chimeras found"
sp=$(get chimeras_same_parents_and_score)
[ "${sp%% of *}" = "${sp##* of }" ] && ok "chimeras: same parents and score as vsearch ($sp)" ||
  not_ok "chimeras: same parents and score for $sp"
caught=0
while read -r m; do grep -q "^$m	" "$WORK/d1/chimeras.tsv" && caught=$((caught + 1)); done <"$WORK/built.txt"
[ "$caught" -ge $(($(wc -l <"$WORK/built.txt") - 1)) ] && ok "built chimeras caught ($caught)" ||
  not_ok "built chimeras caught: $caught of $(wc -l <"$WORK/built.txt")"
le "$(get max_sample_assigned_diff_pct)" 1 && ok "per-sample assigned within 1%" ||
  not_ok "per-sample assigned differ by $(get max_sample_assigned_diff_pct)%"
le "$(get max_sample_l1_diff_pct)" 1 && ok "per-sample ZOTU counts within 1%" ||
  not_ok "per-sample ZOTU counts differ by $(get max_sample_l1_diff_pct)%"
# summary: reads_in = assigned + unassigned and reads_in = the input table's column sums
$PY - "$D/table.tsv" "$WORK/d1/denoise_summary.tsv" "$WORK/d1/table.tsv" <<'PY' && ok "summary adds up" || not_ok "summary does not add up"
import sys
def cols(p):
    h, sums = None, None
    for line in open(p):
        c = line.rstrip("\n").split("\t")
        if line.startswith("#OTU ID"): h = c[1:]; sums = [0] * len(h); continue
        if line.startswith("#"): continue
        for j, x in enumerate(c[1:]): sums[j] += int(x)
    return dict(zip(h, sums))
tin, tout = cols(sys.argv[1]), cols(sys.argv[3])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])][1:]
assert len(rows) == len(tin)
for s, rin, a, u, z in rows:
    assert int(rin) == tin[s] and int(a) + int(u) == int(rin) and int(a) == tout[s], s
PY

# bad input
run "$LUMEN" denoise --table "$WORK/nowhere" --out "$WORK/bad1"
expect_rc "missing table" 66
expect_err "missing table" "nowhere/table.tsv"
expect_no_files "missing table" "$WORK/bad1"
mkdir -p "$WORK/b2"
cp "$D/table.tsv" "$WORK/b2/"
awk -v m=">$(head -1 "$WORK/built.txt")" '/^>/ { skip = ($0 == m) } !skip' "$D/features.fasta" >"$WORK/b2/features.fasta"
run "$LUMEN" denoise --table "$WORK/b2" --out "$WORK/bad2"
expect_rc "feature without sequence" 65
expect_err "feature without sequence" "feature '$(head -1 "$WORK/built.txt")' of table.tsv has no sequence"
expect_no_files "feature without sequence" "$WORK/bad2"
run "$LUMEN" denoise --table "$D" --out "$WORK/bad3" --chimeras maybe
expect_rc "bad --chimeras" 64
run "$LUMEN" denoise --help
expect_out "help" "cluster_unoise"
finish
