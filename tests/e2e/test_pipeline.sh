#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The stages composed by their files, as scripts/demo.sh runs them, on a small simulated
# cohort whose truth is known: simulate -> reads -> table -> index/classify -> taxa ->
# diversity -> stats. Checks that the genus profiles lumen measures agree with the truth
# the simulator built in, that every read is accounted for, and that the whole chain gives
# byte-identical results at 1 and 2 threads.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -f "$REF" ]; then not_ok "gold reference missing: $REF (scripts/setup.sh installs it)"; finish; exit; fi

# table.biom carries a creation date (BIOM requires one); fix it to compare runs.
export SOURCE_DATE_EPOCH=1700000000
chain() { # chain THREADS OUT
  local t=$1 o=$2 c=$WORK/cohort
  "$LUMEN" reads -q -t "$t" --manifest "$c/manifest.tsv" --primers v4 --out "$o" &&
  "$LUMEN" table -q -t "$t" --reads "$o" --out "$o/features" &&
  "$LUMEN" classify -q -t "$t" --index "$WORK/gold.lmi" --in "$o/features/features.fasta" \
    --out "$o/features/taxonomy.tsv" &&
  "$LUMEN" taxa -q -t "$t" --table "$o/features/table.tsv" \
    --taxonomy "$o/features/taxonomy.tsv" --out "$o/taxa" &&
  "$LUMEN" diversity -q -t "$t" --table "$o/features/table.tsv" --out "$o/diversity" &&
  "$LUMEN" stats -q -t "$t" --diversity "$o/diversity" --taxa "$o/taxa" \
    --metadata "$c/metadata.tsv" --subjects "$c/subjects.tsv" --visits "$c/visits.tsv" \
    --out "$o/stats"
}

run "$LUMEN" simulate -q --reference "$REF" --subjects 4 --reads 1500 --seed 7 --out "$WORK/cohort"
expect_rc "simulate" 0
run "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi"; expect_rc "index" 0
run chain 1 "$WORK/t1"; expect_rc "the chain at 1 thread" 0
run chain 2 "$WORK/t2"; expect_rc "the chain at 2 threads" 0

# Thread invariance of every result file.
(cd "$WORK/t1" && find . -type f | sort) > "$WORK/files1"
(cd "$WORK/t2" && find . -type f | sort) > "$WORK/files2"
expect_same "same files at 1 and 2 threads" "$WORK/files1" "$WORK/files2"
ndiff=0
while read -r f; do
  case "$f" in *.gz) cmp -s <(gzip -dc "$WORK/t1/$f") <(gzip -dc "$WORK/t2/$f") ;;
               *) cmp -s "$WORK/t1/$f" "$WORK/t2/$f" ;; esac || { ndiff=$((ndiff+1)); echo "  differs: $f"; }
done < "$WORK/files1"
[ "$ndiff" -eq 0 ] && ok "all $(wc -l < "$WORK/files1") result files identical at 1 and 2 threads" \
  || not_ok "$ndiff result files differ between 1 and 2 threads"

# Every read that passed the filter is in the table, sample by sample.
/usr/bin/python3 - "$WORK/t1" "$WORK/cohort" <<'PY' && ok "reads, table and truth agree" || not_ok "reads/table/truth check"
import csv, sys
res, coh = sys.argv[1], sys.argv[2]
qc = {r["sample-id"]: r for r in csv.DictReader(open(f"{res}/qc/summary.tsv"), delimiter="\t")}
rows = [l.rstrip("\n").split("\t") for l in open(f"{res}/features/table.tsv") if not l.startswith("# ")]
samples = rows[0][1:]
totals = [sum(int(r[i + 1]) for r in rows[1:]) for i in range(len(samples))]
for s, t in zip(samples, totals):
    assert int(qc[s]["passed_filter"]) == t, (s, qc[s]["passed_filter"], t)
    assert int(qc[s]["reads_in"]) == 1500, s
assert len(samples) == 12, samples
PY

# Genus profiles: lumen's level-6 table against the simulator's truth, per sample. The
# reads carry sequencing errors and the classifier cuts uncertain lineages, so the test
# asks for close profiles (Bray-Curtis < 0.15) and the same dominant genus.
/usr/bin/python3 - "$WORK/t1/taxa/level-6.tsv" "$WORK/cohort/truth/counts_by_genus.tsv" <<'PY' && ok "genus profiles match the truth" || not_ok "genus profiles differ from the truth"
import sys
def read(path, key):
    rows = [l.rstrip("\n").split("\t") for l in open(path) if not l.startswith("# ")]
    samples = rows[0][1:]
    prof = {s: {} for s in samples}
    for r in rows[1:]:
        g = key(r[0])
        for s, v in zip(samples, r[1:]):
            prof[s][g] = prof[s].get(g, 0) + int(v)
    return prof
lum = read(sys.argv[1], lambda x: x.split(";")[-1].replace("g__", "").strip() or "unassigned")
tru = read(sys.argv[2], lambda x: x)
worst = 0
for s in tru:
    a, b = lum[s], tru[s]
    ta, tb = sum(a.values()), sum(b.values())
    keys = set(a) | set(b)
    bc = sum(abs(a.get(k, 0) / ta - b.get(k, 0) / tb) for k in keys) / 2
    worst = max(worst, bc)
    assert max(a, key=a.get) == max(b, key=b.get), (s, max(a, key=a.get), max(b, key=b.get))
print(f"  worst per-sample Bray-Curtis between lumen's genera and the truth: {worst:.3f}")
assert worst < 0.15, worst
PY

# The statistics ran on the real chain's output.
for f in correlations arm_comparisons permanova survival_cox survival_km logrank endpoints; do
  if [ -s "$WORK/t1/stats/$f.tsv" ]; then ok "stats/$f.tsv written"; else not_ok "stats/$f.tsv missing"; fi
done
finish
