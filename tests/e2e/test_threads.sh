#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Thread invariance of every command (issue #12): simulate, qc, index, reads, table,
# denoise, classify, taxa, diversity, stats, summary, report and run, each at --threads
# 1, 2 and 7 on the same small inputs, write the same bytes: every file each command
# writes, and qc's standard output, are compared with cmp (help and version write no
# file). 7 threads on a 2-core machine oversubscribes it on purpose: the partition of
# the work, the order threads finish in and the OpenMP team size all change; the
# answer must not. Every command takes --threads. A corrupt sample must also give the
# same error, word for word, at every thread count.
#
# Each thread count works in its own folder ($WORK/tN) with the same relative paths, so
# the paths recorded in the outputs are equal. What is not compared byte for byte, and
# why (everything else is):
#   - provenance.json (lumen run; lumen summary --provenance) records the run as well as
#     its result. Left out of the comparison: "start" and "end" (clock times), "threads"
#     (checked to be the -t given instead), the "-t N" pair of "command_line" (the rest
#     of the command line is compared), and each stage's "wall_seconds",
#     "cpu_seconds" and "peak_memory_mb" (measurements: more threads, more stacks and
#     arenas). Any other key that differs fails the test.
#   - report.html prints those same fields in its Run section (a <dt>/<dd> list and the
#     "Run stages" table): they are masked (the test counts what it masks), the rest of
#     the page is compared.
#   - table.biom: BIOM 2.1 requires a creation date; SOURCE_DATE_EPOCH fixes it (as
#     reproducible-builds.org defines it), and so the page's "written" date; both files
#     are then compared byte for byte.
#   - .lumen/ (lumen run's step records) holds file modification times by design.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -f "$REF" ]; then echo "skip: gold reference missing: $REF (scripts/setup.sh installs it)"; exit 77; fi
case "$LUMEN" in /*) ;; *) LUMEN=$PWD/$LUMEN ;; esac
export SOURCE_DATE_EPOCH=1700000000
THREADS=(1 2 7)
SECONDS=0

# The normalised view of provenance.json and report.html (see the top of this file): the
# volatile fields replaced by '*', and a line on stderr counting them.
cat >"$WORK/norm.py" <<'PY'
import json, re, sys
kind, path, t = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, encoding="utf-8").read()
masked = 0
def no_t(cl):
    out, i = [], 0
    while i < len(cl):
        if cl[i] in ("-t", "--threads") and i + 1 < len(cl) and cl[i + 1] == t:
            i += 2
            continue
        out.append(cl[i]); i += 1
    return out
if kind == "json":
    p = json.loads(text)
    assert p.get("threads") in (int(t), 1), ("threads", p.get("threads"), t)
    for k in ("start", "end", "threads"):
        if k in p: p[k] = "*"; masked += 1
    p["command_line"] = no_t(p["command_line"])
    for s in p.get("stages", []):
        for k in ("wall_seconds", "cpu_seconds", "peak_memory_mb"):
            if k in s: s[k] = "*"; masked += 1
    out = json.dumps(p, indent=1, sort_keys=False)
else:
    def dd(m):
        global masked
        masked += 1
        v = m.group(2)
        if m.group(1) == "command_line":
            v = re.sub(r"(^| )(-t|--threads) %s( |$)" % t, r"\1\3", v)
        else:
            v = "*"
        return "<dt>%s</dt><dd>%s</dd>" % (m.group(1), v)
    out = re.sub(r"<dt>(command_line|threads|start|end)</dt><dd>([^<]*)</dd>", dd, text)
    # the Run stages table: columns 4-6 are wall_seconds, cpu_seconds, peak_memory_mb
    i = out.find("<th>wall_seconds</th><th>cpu_seconds</th><th>peak_memory_mb</th>")
    if i >= 0:
        j = out.index("</tbody>", i)
        rows = out[i:j].split("<tr>")
        for r in range(1, len(rows)):
            cells = rows[r].split("<td")
            for c in (4, 5, 6):
                cells[c] = re.sub(r">[^<]*<", ">*<", cells[c], count=1); masked += 1
            rows[r] = "<td".join(cells)
        out = out[:i] + "<tr>".join(rows) + out[j:]
sys.stdout.write(out)
print(f"{masked} volatile fields masked in {path}", file=sys.stderr)
PY

# which command wrote a file (paths relative to $WORK/tN)
owner() {
  case "$1" in
  ./sim/*) echo simulate ;;
  ./qc/* | ./big/qc.*) echo qc ;;
  ./idx/*) echo index ;;
  ./res/uniques/* | ./res/merged/* | ./res/filtered/* | ./res/unmerged/* | ./res/qc/P*.json | ./reads_summary.tsv | ./big/*) echo reads ;;
  ./res/derep/* | ./many/*) echo table ;;
  ./res/features/taxonomy.tsv | ./res/features/details.tsv) echo classify ;;
  ./res/features/*) echo denoise ;;
  ./res/taxa/*) echo taxa ;;
  ./res/diversity/*) echo diversity ;;
  ./res/stats/*) echo stats ;;
  ./res/qc/summary.tsv | ./res/provenance.json) echo summary ;;
  ./res/report.html) echo report ;;
  ./run/*) echo run ;;
  ./err/*) echo "reads (error)" ;;
  *) echo "?" ;;
  esac
}

# same_as_1 T: every file of $WORK/tT against $WORK/t1; one result line per command
same_as_1() {
  local a=$WORK/t1 b=$WORK/t$1 f cmd
  (cd "$a" && find . -type f ! -path '*/.lumen/*' | LC_ALL=C sort) >"$WORK/l1"
  (cd "$b" && find . -type f ! -path '*/.lumen/*' | LC_ALL=C sort) >"$WORK/l2"
  if ! cmp -s "$WORK/l1" "$WORK/l2"; then
    not_ok "1 vs $1 threads: different sets of files" "$(diff "$WORK/l1" "$WORK/l2" | head -5)"
  fi
  : >"$WORK/verdicts"
  while read -r f; do
    cmd=$(owner "$f")
    case "$f" in
    */provenance.json)
      cmp -s <(/usr/bin/python3 "$WORK/norm.py" json "$a/$f" 1 2>>"$WORK/masked.1") \
        <(/usr/bin/python3 "$WORK/norm.py" json "$b/$f" "$1" 2>>"$WORK/masked.2") ;;
    */report.html)
      cmp -s <(/usr/bin/python3 "$WORK/norm.py" html "$a/$f" 1 2>>"$WORK/masked.1") \
        <(/usr/bin/python3 "$WORK/norm.py" html "$b/$f" "$1" 2>>"$WORK/masked.2") ;;
    *) cmp -s "$a/$f" "$b/$f" ;;
    esac
    printf '%s\t%s\t%s\n' "$cmd" "$?" "$f" >>"$WORK/verdicts"
  done <"$WORK/l1"
  for cmd in simulate qc index reads table denoise classify taxa diversity stats summary report run "reads (error)"; do
    local n bad
    n=$(awk -F'\t' -v c="$cmd" '$1 == c' "$WORK/verdicts" | wc -l)
    bad=$(awk -F'\t' -v c="$cmd" '$1 == c && $2 != 0 {print $3}' "$WORK/verdicts")
    if [ "$n" -eq 0 ]; then not_ok "$cmd: no output to compare"
    elif [ -z "$bad" ]; then ok "$cmd: $n files identical at 1 and $1 threads"
    else not_ok "$cmd: files differ at 1 and $1 threads" "$bad"; fi
  done
  awk -F'\t' '$1 == "?"' "$WORK/verdicts" | grep -q . && not_ok "files of no known command" "$(awk -F'\t' '$1 == "?" {print $3}' "$WORK/verdicts")"
}

# ---------------------------------------------------------------------------------------
# Every command at thread count T, in $WORK/tT; inputs other than simulate's and index's
# own come from the 1-thread folder, by the same relative path (../t1/...).
all_commands() {
  local t=$1 C=../t1/sim IDX=../t1/idx/gold.lmi
  "$LUMEN" simulate -q -t "$t" --reference "$REF" --subjects 4 --reads 1500 --seed 7 \
    --chimera-rate 0.03 --read-truth --out sim || return
  mkdir -p qc && "$LUMEN" qc -q -t "$t" --in $C/reads/P001-W00_R1.fastq.gz \
    --in2 $C/reads/P001-W00_R2.fastq.gz --json qc/pair.json >qc/pair.tsv &&
    "$LUMEN" qc -q -t "$t" --in $C/reads/P002-W24_R2.fastq.gz --json qc/one.json >qc/one.tsv || return
  mkdir -p idx && "$LUMEN" index -q -t "$t" --fasta "$REF" --out idx/gold.lmi &&
    "$LUMEN" index -q -t "$t" --fasta "$REF" --primers v4 --out idx/v4.lmi || return
  # the stages composed by their files (scripts/demo.sh's chain, every optional output on)
  "$LUMEN" reads -q -t "$t" --manifest $C/manifest.tsv --primers v4 --write-merged \
    --write-filtered --write-unmerged --out res &&
    cp res/qc/summary.tsv reads_summary.tsv &&
    "$LUMEN" table -q -t "$t" --reads res --out res/derep &&
    "$LUMEN" denoise -q -t "$t" --table res/derep --out res/features &&
    "$LUMEN" classify -q -t "$t" --index $IDX --in res/features/features.fasta \
      --details res/features/details.tsv --out res/features/taxonomy.tsv &&
    "$LUMEN" taxa -q -t "$t" --table res/features/table.tsv \
      --taxonomy res/features/taxonomy.tsv --out res/taxa &&
    "$LUMEN" diversity -q -t "$t" --depth auto --table res/features/table.tsv \
      --out res/diversity &&
    "$LUMEN" stats -q -t "$t" --diversity res/diversity --taxa res/taxa --permutations 99 \
      --covariates age,sex --metadata $C/metadata.tsv --subjects $C/subjects.tsv \
      --visits $C/visits.tsv --out res/stats &&
    "$LUMEN" summary -q -t "$t" --results res --manifest $C/manifest.tsv --provenance &&
    "$LUMEN" report -q -t "$t" --results res || return
  # one sample of 36,000 pairs: 3 batches of LM_BATCH_RECORDS (16,384), processed in
  # parallel inside the sample (with 12 small samples every thread takes whole samples);
  # and single-end, that sample beside a small one (nested: samples x batches at -t 7)
  mkdir -p big && for r in R1 R2; do cat $C/reads/*_$r.fastq.gz $C/reads/*_$r.fastq.gz >big/all_$r.fastq.gz; done &&
    printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\nALL\tall_R1.fastq.gz\tall_R2.fastq.gz\n' >big/pe.tsv &&
    printf 'sample-id\tabsolute-filepath\nALL\tall_R1.fastq.gz\nP001-W00\t../%s/reads/P001-W00_R1.fastq.gz\n' "$C" >big/se.tsv &&
    "$LUMEN" reads -q -t "$t" --manifest big/pe.tsv -p v4 --write-merged --write-filtered \
      --write-unmerged --out big/pe &&
    "$LUMEN" reads -q -t "$t" --manifest big/se.tsv -p v4 --write-filtered --out big/se &&
    "$LUMEN" qc -q -t "$t" --in big/all_R1.fastq.gz --in2 big/all_R2.fastq.gz --json big/qc.json \
      >big/qc.tsv || return
  rm big/all_R1.fastq.gz big/all_R2.fastq.gz
  # table over more samples than it reads at once (16): the 12 samples' uniques three times
  # under other names, 36 samples in 3 chunks
  mkdir -p many/uniques && for f in res/uniques/*.fasta.gz; do
    for k in a b c; do cp "$f" "many/uniques/$k-$(basename "$f")"; done
  done && "$LUMEN" table -q -t "$t" --reads many --out many/derep || return
  rm -r many/uniques
  # every stage in one process
  "$LUMEN" run -q -t "$t" --manifest $C/manifest.tsv --index $IDX -p v4 --permutations 99 \
    --covariates age,sex --metadata $C/metadata.tsv --subjects $C/subjects.tsv \
    --visits $C/visits.tsv --out run || return
  # two corrupt samples (a truncated record, a quality line of the wrong length): the
  # first in manifest order is the one reported, whichever thread meets its error first
  mkdir -p err/bad && cp -r $C/reads $C/manifest.tsv err/bad/ &&
    gzip -dc $C/reads/P002-W24_R1.fastq.gz | head -n 2001 >err/bad/reads/P002-W24_R1.fastq.gz &&
    gzip -dc $C/reads/P004-W00_R2.fastq.gz | sed '4000s/.$//' >err/bad/reads/P004-W00_R2.fastq.gz
  "$LUMEN" reads -q -t "$t" --manifest err/bad/manifest.tsv --primers v4 --out err/out \
    >err/stdout 2>err/stderr
  echo "$?" >err/rc
  # with --keep-going both are recorded (qc/failed.tsv, qc/summary.tsv) and the others finish
  "$LUMEN" reads -q -t "$t" --manifest err/bad/manifest.tsv --primers v4 --keep-going \
    --out err/kept 2>err/kept.stderr
  echo "$?" >err/kept.rc
  rm -rf err/bad
  return 0
}

for t in "${THREADS[@]}"; do
  mkdir -p "$WORK/t$t"
  (cd "$WORK/t$t" && all_commands "$t") >"$WORK/log$t" 2>&1
  RC=$?
  if [ "$RC" -eq 0 ]; then ok "every command ran at $t threads"
  else not_ok "a command failed at $t threads (exit $RC)" "$(tail -5 "$WORK/log$t")"; fi
done
E=$WORK/t1/err
if [ "$(cat "$E/rc")" = 65 ] && grep -q "P002-W24" "$E/stderr" && [ ! -e "$E/out" ]; then
  ok "corrupt samples: exit 65, the first bad sample in manifest order named, nothing written"
else
  not_ok "corrupt samples: exit $(cat "$E/rc")" "$(head -3 "$E/stderr"; ls "$E/out" 2>&1)"
fi
if [ "$(cat "$E/kept.rc")" = 65 ] && [ "$(cut -f1 "$E/kept/qc/failed.tsv" | grep -c '^P00')" = 2 ] &&
  [ "$(ls "$E/kept/uniques" | wc -l)" = 10 ]; then
  ok "corrupt samples with --keep-going: both in qc/failed.tsv, the 10 others written"
else
  not_ok "corrupt samples with --keep-going" "$(cat "$E/kept.rc" "$E/kept/qc/failed.tsv" 2>&1 | head -5)"
fi
# summary --provenance records the figures lumen run records (it wrote read_pairs_in 0)
if /usr/bin/python3 - "$WORK/t1" <<'PY'; then
import csv, json, sys
d = sys.argv[1]
a, b = (json.load(open(f"{d}/{p}/provenance.json"))["results"] for p in ("res", "run"))
n = sum(int(r["reads_in"]) for r in csv.DictReader(open(f"{d}/reads_summary.tsv"), delimiter="\t"))
assert a["read_pairs_in"] == b["read_pairs_in"] == n == 18000, (a, b, n)
assert a["samples"] == b["samples"] == 12 and a["samples_failed"] == b["samples_failed"] == 0, (a, b)
PY
  ok "summary --provenance: read pairs and samples as lumen run records them"
else
  not_ok "summary --provenance: results differ from lumen run's"
fi
# the 36-sample table: each feature 3 times the 12-sample table's count, sample by sample
if /usr/bin/python3 - "$WORK/t1" <<'PY'; then
import sys
d = sys.argv[1]
def rows(p):
    r = [l.rstrip("\n").split("\t") for l in open(p) if not l.startswith("# ")]
    return r[0][1:], {x[0]: list(map(int, x[1:])) for x in r[1:]}
s12, t12 = rows(f"{d}/res/derep/table.tsv")
s36, t36 = rows(f"{d}/many/derep/table.tsv")
assert s36 == sorted(f"{k}-{s}" for k in "abc" for s in s12), s36[:5]
assert t36.keys() == t12.keys()
for f, v in t12.items():
    for k in "abc":
        assert [t36[f][s36.index(f"{k}-{s}")] for s in s12] == v, f
PY
  ok "table of 36 samples (3 reading chunks): every count as in the 12-sample table"
else
  not_ok "table of 36 samples differs from the 12-sample table"
fi
for t in 2 7; do same_as_1 "$t"; done
sed "s|$WORK/t[0-9]*/\./||" "$WORK"/masked.[12] | sort -u | sed 's|^|  |'

echo "  (the matrix took ${SECONDS} s)"
finish
