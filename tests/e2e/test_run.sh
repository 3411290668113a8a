#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen run on a small simulated cohort: the same files as the stage commands give,
# thread invariance (1, 2, 4), resume after kill -9 at seeded random moments (byte for byte
# the uninterrupted result), reruns that redo only what a change touches (a parameter, an
# added sample), a bad sample with and without --keep-going, --params replay (also of
# --method nn), a run without clinical tables, and the real MiSeq reads of DADA2's package.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -f "$REF" ]; then not_ok "gold reference missing: $REF (scripts/setup.sh installs it)"; finish; exit; fi
export SOURCE_DATE_EPOCH=1700000000 # table.biom's creation date, fixed to compare runs
C=$WORK/cohort
run "$LUMEN" simulate -q --reference "$REF" --subjects 4 --reads 1500 --seed 5 --out "$C"
expect_rc "simulate" 0
run "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi"; expect_rc "index" 0
CLIN=(--metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv")
lrun() { # lrun OUT [options...]
  local o=$1; shift
  "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/gold.lmi" --out "$o" -p v4 \
    --permutations 99 "${CLIN[@]}" "$@"
}
# the same as a background job whose $! is lumen itself (kill -9 must hit lumen, not a shell)
lexec() {
  local o=$1; shift
  exec "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/gold.lmi" --out "$o" -p v4 \
    --permutations 99 "${CLIN[@]}" "$@"
}
# compare two results folders: every file but provenance.json, the report (which shows
# provenance.json's times) and the step records
same_results() { # NAME DIR1 DIR2
  (cd "$2" && find . -type f ! -name provenance.json ! -name report.html ! -path './.lumen/*' | sort) >"$WORK/f1"
  (cd "$3" && find . -type f ! -name provenance.json ! -name report.html ! -path './.lumen/*' | sort) >"$WORK/f2"
  local bad=0 f
  if ! cmp -s "$WORK/f1" "$WORK/f2"; then
    not_ok "$1: different files" "$(diff "$WORK/f1" "$WORK/f2" | head -5)"; return
  fi
  while read -r f; do cmp -s "$2/$f" "$3/$f" || { bad=$((bad + 1)); echo "  differs: $f"; }; done <"$WORK/f1"
  if [ "$bad" = 0 ] && [ -s "$WORK/f1" ]; then ok "$1: $(wc -l <"$WORK/f1") files byte-identical"
  else not_ok "$1: $bad files differ"; fi
}

# --- a whole run, and thread invariance ---------------------------------------------
run lrun "$WORK/r1" -t 1; expect_rc "run at 1 thread" 0
for f in qc/summary.tsv features/table.tsv features/table.biom features/taxonomy.tsv \
  taxa/level-6.tsv diversity/alpha.tsv diversity/braycurtis.tsv stats/survival_cox.tsv \
  cohort/visits.tsv provenance.json report.html; do
  [ -s "$WORK/r1/$f" ] || not_ok "missing $f"
done
ok "the results layout (qc, features, taxa, diversity, cohort, stats, provenance.json)"
if [ -z "$(find "$WORK/r1" -name '*.tmp*' -o -name '.lumen-*')" ]; then ok "no temporary files left"
else not_ok "temporary files left" "$(find "$WORK/r1" -name '*.tmp*')"; fi
# genus composition against the simulator's truth (the reads came from this reference)
/usr/bin/python3 - "$WORK/r1/taxa/level-6.tsv" "$C/truth/counts_by_genus.tsv" <<'PY' && ok "genus profiles: mean Bray-Curtis to the truth below 0.1" || not_ok "genus profiles differ from the truth"
import sys
def read(path, key):
    rows = [l.rstrip("\n").split("\t") for l in open(path) if not l.startswith("# ")]
    prof = {s: {} for s in rows[0][1:]}
    for r in rows[1:]:
        for s, v in zip(rows[0][1:], r[1:]):
            prof[s][key(r[0])] = prof[s].get(key(r[0]), 0) + int(v)
    return prof
lum = read(sys.argv[1], lambda x: x.split(";")[-1].replace("g__", "").strip() or "unassigned")
tru = read(sys.argv[2], lambda x: x)
bcs = []
for s in tru:
    a, b = lum[s], tru[s]
    ta, tb = sum(a.values()), sum(b.values())
    bcs.append(sum(abs(a.get(k, 0) / ta - b.get(k, 0) / tb) for k in set(a) | set(b)) / 2)
m = sum(bcs) / len(bcs)
print(f"  mean per-sample Bray-Curtis between lumen's genera and the truth: {m:.3f} (worst {max(bcs):.3f})")
assert m < 0.1, m
PY
run lrun "$WORK/r2" -t 2; expect_rc "run at 2 threads" 0
same_results "1 vs 2 threads" "$WORK/r1" "$WORK/r2"
run lrun "$WORK/r4" -t 4; expect_rc "run at 4 threads" 0
same_results "1 vs 4 threads" "$WORK/r1" "$WORK/r4"

# provenance.json: parameters with defaults, inputs with MD5 computed while reading
# (ASan keeps freed memory in quarantine, so per-stage peaks are compared in plain builds)
SANITIZED=0; sanitized && SANITIZED=1
if SANITIZED=$SANITIZED /usr/bin/python3 - "$WORK/r1/provenance.json" "$C" <<'PY'
import hashlib, json, sys
p = json.load(open(sys.argv[1]))
assert p["executor"] == "lumen run" and p["command_line"][:2] == ["lumen", "run"]
assert p["parameters"]["reads"]["maxee"] == "1" and p["parameters"]["classify"]["confidence"] == "0.42"
assert p["parameters"]["diversity"]["depth"] == "auto:0.9" and p["results"]["rarefaction_depth"] > 0
ins = p["inputs"]; fq = [i for i in ins if i["role"] in ("forward", "reverse")]
assert len(fq) == 24, len(fq)
for i in ins:
    assert hashlib.md5(open(i["path"], "rb").read()).hexdigest() == i["md5"], i["path"]
st = {s["stage"]: s for s in p["stages"]}
assert set(st) >= {"reads", "table", "classify", "taxa", "diversity", "cohort", "stats", "report"}, st.keys()
assert st["reads"]["items_in"] == 12 * 1500 and st["reads"]["peak_memory_mb"] > 0
# each stage reports its own peak (the high-water mark is reset between stages on Linux):
# taxa, after classify has loaded and freed the index, peaks well below classify
import os
if sys.platform.startswith("linux") and os.environ.get("SANITIZED", "0") == "0":
    assert st["taxa"]["peak_memory_mb"] < 0.5 * st["classify"]["peak_memory_mb"], st
PY
then ok "provenance.json: parameters, input MD5s match md5sum, per-stage figures"
else not_ok "provenance.json"; fi

# the same bytes as the stage commands give (the same library entry points)
o=$WORK/chain
"$LUMEN" reads -q --manifest "$C/manifest.tsv" -p v4 --out "$o" &&
  "$LUMEN" table -q --reads "$o" --out "$o/derep" &&
  "$LUMEN" denoise -q --table "$o/derep" --out "$o/features" &&
  "$LUMEN" classify -q --index "$WORK/gold.lmi" --in "$o/features/features.fasta" --out "$o/features/taxonomy.tsv" &&
  "$LUMEN" taxa -q --table "$o/features/table.tsv" --taxonomy "$o/features/taxonomy.tsv" --out "$o/taxa" &&
  "$LUMEN" diversity -q --depth auto --table "$o/features/table.tsv" --out "$o/diversity"
RC=$?; expect_rc "the stage commands" 0
bad=0
for f in uniques/P001-W00.fasta.gz qc/P002-W24.json derep/features.fasta derep/table.biom \
  features/features.fasta features/table.tsv features/map.tsv features/chimeras.tsv \
  features/denoise_summary.tsv features/table.biom features/taxonomy.tsv taxa/level-6.tsv diversity/alpha.tsv \
  diversity/jaccard.tsv diversity/pcoa_braycurtis.tsv diversity/dropped_samples.tsv; do
  cmp -s "$o/$f" "$WORK/r1/$f" || { bad=1; echo "  differs: $f"; }
done
if [ $bad = 0 ]; then ok "run and the stage commands write the same bytes"; else not_ok "run vs stage commands"; fi
"$LUMEN" summary -q --results "$o" --manifest "$C/manifest.tsv" && cmp -s "$o/qc/summary.tsv" "$WORK/r1/qc/summary.tsv"
RC=$?; expect_rc "lumen summary writes run's qc/summary.tsv" 0

# --- resume --------------------------------------------------------------------------
run lrun "$WORK/r1" -t 2 -v; expect_rc "rerun of a finished run" 0
if grep -q "reads: 0 of 12 samples to process (12 up to date)" "$WORK/err" && ! grep -q ": running" "$WORK/err"; then
  ok "rerun: every step up to date, nothing runs"
else not_ok "rerun did work" "$(grep -E 'running|to process' "$WORK/err" | head -5)"; fi
cp "$WORK/r1/provenance.json" "$WORK/prov-r1.json"

run lrun "$WORK/r1" -t 2 --confidence 0.7; expect_rc "rerun with --confidence 0.7" 0
if grep -q "reads: 0 of 12 samples to process" "$WORK/err" && grep -q "classify: running" "$WORK/err" &&
  grep -q "taxa: running" "$WORK/err" && grep -q "stats: running" "$WORK/err" &&
  grep -q "table: up to date" "$WORK/err" && grep -q "denoise: up to date" "$WORK/err" &&
  grep -q "diversity: up to date" "$WORK/err"; then
  ok "--confidence reruns classify, taxa and stats, not reads, table, denoise or diversity"
else not_ok "--confidence rerun" "$(grep -E 'running|up to date|to process' "$WORK/err")"; fi

# added samples: a manifest with 10 of the 12, then all 12
head -11 "$C/manifest.tsv" >"$C/manifest10.tsv"
run "$LUMEN" run --manifest "$C/manifest10.tsv" --index "$WORK/gold.lmi" --out "$WORK/add" -p v4 -q
expect_rc "run on 10 samples" 0
run lrun "$WORK/add"; expect_rc "the same folder with 12 samples" 0
if grep -q "reads: 2 of 12 samples to process (10 up to date)" "$WORK/err" && grep -q "table: running" "$WORK/err"; then
  ok "added samples: reads runs for the 2 new samples only, then the pooled stages"
else not_ok "added samples" "$(grep -E 'running|to process' "$WORK/err")"; fi
same_results "added samples end where a fresh run does" "$WORK/r2" "$WORK/add"

# kill -9 at seeded random moments, rerun, compare with the uninterrupted run
start=$(date +%s%N); lrun "$WORK/timing" -t 2 -q; end=$(date +%s%N)
ms=$(((end - start) / 1000000)); [ "$ms" -gt 0 ] || ms=1000
RANDOM=42
resumed=0
for k in 1 2 3 4 5; do
  d=$WORK/kill$k
  at=$((RANDOM % ms))
  lexec "$d" -t 2 -q 2>/dev/null &
  pid=$!
  sleep "$(awk -v m="$at" 'BEGIN { printf "%.3f", m / 1000 }')"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  # a second kill of the rerun, later, for some
  if [ $((k % 2)) = 0 ]; then
    lexec "$d" -t 2 -q 2>/dev/null & pid=$!
    sleep "$(awk -v m="$((RANDOM % ms))" 'BEGIN { printf "%.3f", m / 2000 }')"
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  fi
  run lrun "$d" -t 2
  resumed=$((resumed + $(grep -Eo '[0-9]+ up to date\)' "$WORK/err" | grep -Eo '^[0-9]+' | head -1) + $(grep -c ': up to date' "$WORK/err")))
  if [ "$RC" = 0 ]; then same_results "kill -9 at ${at} ms (of ${ms}), then rerun" "$WORK/r2" "$d"
  else not_ok "rerun after kill -9 at $at ms: exit $RC" "$(tail -3 "$WORK/err")"; fi
  if [ -n "$(find "$d" -name '*.tmp*')" ]; then not_ok "temporary files left after the rerun"; fi
done

# two runs on one folder: the second is refused while the first holds the lock
lexec "$WORK/lock" -t 1 -q 2>/dev/null & pid=$!
sleep 0.3
run lrun "$WORK/lock" -t 1
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
expect_rc "a second run on a busy folder" 73
expect_err "it says why" "another lumen run is writing to this folder"

if [ "$resumed" -gt 0 ]; then ok "the reruns after kill -9 skipped $resumed finished steps"
else not_ok "no rerun after kill -9 skipped any step"; fi

# --- bad input -----------------------------------------------------------------------
mkdir -p "$WORK/bad"
cp "$C/manifest.tsv" "$WORK/bad/manifest.tsv"
for f in "$C"/reads/*; do ln -s "$f" "$WORK/bad/$(basename "$f")"; done
sed -i "s#reads/##g" "$WORK/bad/manifest.tsv"
rm "$WORK/bad/P002-W24_R2.fastq.gz"
head -c 3000 "$C/reads/P002-W24_R2.fastq.gz" >"$WORK/bad/P002-W24_R2.fastq.gz"
brun() { "$LUMEN" run --manifest "$WORK/bad/manifest.tsv" --index "$WORK/gold.lmi" -p v4 "$@"; }
run brun --out "$WORK/b1" -t 2
expect_rc "a truncated FASTQ stops the run" 65
expect_err "the error names the file and sample" "P002-W24_R2.fastq.gz: sample 'P002-W24': .*truncated"
if [ "$(grep -c "error:" "$WORK/err")" = 1 ]; then ok "the error is printed once"
else not_ok "the error is printed $(grep -c "error:" "$WORK/err") times"; fi
nrec=$(find "$WORK/b1/.lumen" -name 'reads.*' | wc -l)
if [ "$nrec" -ge 1 ] && [ ! -e "$WORK/b1/.lumen/reads.P002-W24" ] && [ ! -e "$WORK/b1/features/table.tsv" ]; then
  ok "finished samples keep their records ($nrec), no pooled output"
else not_ok "records after a failure" "$(ls "$WORK/b1/.lumen")"; fi
run brun --out "$WORK/b2" -t 2 --keep-going
expect_rc "--keep-going still exits 65" 65
F=$WORK/b2/qc/failed.tsv
if grep -q "^P002-W24	.*P002-W24_R2.fastq.gz" "$F" && [ -s "$WORK/b2/features/table.tsv" ] &&
  [ -s "$WORK/b2/provenance.json" ] && awk -F'\t' '$1 == "P002-W24" { print $2 }' "$WORK/b2/qc/summary.tsv" | grep -qx failed &&
  ! head -1 "$WORK/b2/features/table.tsv" | grep -q P002-W24 && ! grep -q P002-W24 "$WORK/b2/features/table.tsv"; then
  ok "--keep-going: the sample in qc/failed.tsv and summary.tsv, the rest finished without it"
else not_ok "--keep-going outputs" "$(cat "$F" 2>&1 | head -3)"; fi
cp "$C/reads/P002-W24_R2.fastq.gz" "$WORK/bad/fixed_R2.fastq.gz"
rm "$WORK/bad/P002-W24_R2.fastq.gz"; ln -s "$C/reads/P002-W24_R2.fastq.gz" "$WORK/bad/P002-W24_R2.fastq.gz"
run brun --out "$WORK/b2" -t 2 --keep-going
if [ "$RC" = 0 ] && grep -q "reads: 1 of 12 samples to process" "$WORK/err" && [ ! -e "$F" ]; then
  ok "after the fix, the rerun processes only that sample and qc/failed.tsv is gone"
else not_ok "rerun after the fix: exit $RC" "$(grep -E 'to process' "$WORK/err")"; fi

run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/nope.lmi" --out "$WORK/b3"
expect_rc "a missing index" 66
run "$LUMEN" run --manifest "$C/manifest.tsv" --out "$WORK/b3"
expect_rc "no --index" 64

# --- --params replays a run -----------------------------------------------------------
run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/gold.lmi" --out "$WORK/p1" \
  "${CLIN[@]}" --params "$WORK/prov-r1.json" -t 2
expect_rc "--params" 0
same_results "--params reproduces the run (--permutations 99 and v4 primers from the file)" "$WORK/r2" "$WORK/p1"
if /usr/bin/python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["parameters"]; b = json.load(open(sys.argv[2]))["parameters"]
sys.exit(a != b)' "$WORK/prov-r1.json" "$WORK/p1/provenance.json"; then
  ok "--params: every parameter recorded again the same"
else not_ok "--params parameters differ"; fi

# --no-denoise: the uniques are the features, and nothing of a denoised run lingers
run lrun "$WORK/r1" -t 2 --no-denoise; expect_rc "rerun with --no-denoise" 0
if grep -q "table: running" "$WORK/err" && [ ! -e "$WORK/r1/features/denoise_summary.tsv" ] &&
  [ "$(awk -F'\t' 'NR == 2 { print $12 }' "$WORK/r1/qc/summary.tsv")" = NA ] &&
  [ "$(grep -c '^>' "$WORK/r1/features/features.fasta")" -gt "$(grep -c '^>' "$WORK/r2/features/features.fasta")" ]; then
  ok "--no-denoise: features are the pooled uniques; qc/summary.tsv's unassigned is NA"
else not_ok "--no-denoise" "$(grep -E 'running|up to date' "$WORK/err")"; fi

# --- a general 16S run without clinical tables ----------------------------------------
run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/gold.lmi" --out "$WORK/g" -p v4 -t 2
expect_rc "no clinical tables" 0
expect_err "the skipped statistics are said once" "stats: skipped"
if [ -s "$WORK/g/diversity/alpha.tsv" ] && [ -s "$WORK/g/taxa/level-6.tsv" ] && [ ! -e "$WORK/g/stats" ]; then
  ok "reads, table, taxonomy, taxa and diversity without stats"
else not_ok "general run outputs"; fi

# --- --method nn: recorded in provenance.json and replayed by --params ------------------
run "$LUMEN" index -q --near --fasta "$REF" --out "$WORK/gold-near.lmi"; expect_rc "index --near" 0
run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/gold-near.lmi" --out "$WORK/nn1" -p v4 \
  -t 2 --method nn
expect_rc "lumen run --method nn" 0
if grep -q '"method": *"nn"' "$WORK/nn1/provenance.json"; then ok "provenance.json records method nn"
else not_ok "provenance.json's classify.method" "$(grep -o '"method"[^,]*' "$WORK/nn1/provenance.json")"; fi
run "$LUMEN" run --manifest "$C/manifest.tsv" --index "$WORK/gold-near.lmi" --out "$WORK/nn2" \
  --params "$WORK/nn1/provenance.json" -t 2
expect_rc "--params with method nn" 0
expect_same "--params replays --method nn" "$WORK/nn1/features/taxonomy.tsv" "$WORK/nn2/features/taxonomy.tsv"

# --- real reads: the MiSeq V4 mouse-stool pairs of r-bioc-dada2 -----------------------
D=$DATA/../../.cache/dada2
if [ -s "$D/sam1F.fastq.gz" ]; then
  printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\nsam1\t%s\t%s\nsam2\t%s\t%s\n' \
    "$(realpath "$D/sam1F.fastq.gz")" "$(realpath "$D/sam1R.fastq.gz")" \
    "$(realpath "$D/sam2F.fastq.gz")" "$(realpath "$D/sam2R.fastq.gz")" >"$WORK/real.tsv"
  run "$LUMEN" run --manifest "$WORK/real.tsv" --index "$WORK/gold.lmi" --out "$WORK/real" -t 2
  expect_rc "lumen run on DADA2's sam1/sam2" 0
  n=$(awk -F'\t' 'NR > 1 && $2 == "ok"' "$WORK/real/qc/summary.tsv" | wc -l)
  g=$(awk -F'\t' 'NR > 1 && $2 ~ /g__|;/' "$WORK/real/features/taxonomy.tsv" | wc -l)
  if [ "$n" = 2 ] && [ "$g" -gt 10 ]; then ok "real reads: 2 samples ok, $g features classified"
  else not_ok "real reads" "$(cat "$WORK/real/qc/summary.tsv")"; fi
else
  echo "# skipped: DADA2's reads not in $D (scripts/setup.sh fetches them)"
fi
finish
