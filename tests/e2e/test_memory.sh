#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory of the reads stage (issue #12): memory is bounded by the uniques, never by the
# reads. One sample of 2,000,000 read pairs runs through `lumen reads` under
# `ulimit -v 1048576` (1 GiB of virtual memory) and must succeed with the right counts;
# the same community at 200,000 pairs must need the same peak RSS (within 15%). And when
# memory does run out, lumen must say so (exit 70, "out of memory"), never blame the
# input (exit 65 "corrupt or truncated", as it did), and leave no output.
#
# The data: one simulated subject (weeks 0, 24 and 48, 16,667 pairs each: 50,001
# distinct pairs), its BGZF files concatenated 4 and 40 times (a concatenation of BGZF
# files is one valid BGZF file, so this costs a copy, not a compression). The 200k and
# the 2M sample then hold exactly the same unique sequences, 10x more often: the right
# counts are 10x the 200k sample's, unique by unique, and any growth of memory would be
# growth with the reads. The files (600 MB) go to the build tree's Testing/Temporary
# (not a possibly small /tmp) and are removed at exit.
#
# Virtual memory is not resident memory: glibc gives each thread that contends for malloc
# its own arena, and each arena reserves 64 MiB of address space (HEAP_MAX_SIZE on 64-bit)
# that counts toward `ulimit -v` though it is never touched, and each thread's stack
# reserves `ulimit -s` (8 MiB). Measured VmPeak of this run: 86 MB at 1 thread, 256 MB at
# 2, 636 MB at 8, 1.2 GB at 16 threads, with the same 90 MB resident. So the test fixes
# --threads 4 and MALLOC_ARENA_MAX=2 (VmPeak 182 MB at 4 threads, 249 MB even at 16),
# which a cluster job under a virtual-memory limit (SGE h_vmem, ulimit -v) should set too.
#
# LUMEN_MEMORY_PAIRS=N changes the big sample's size (a multiple of 50,001 is used).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -f "$REF" ]; then echo "skip: gold reference missing: $REF (scripts/setup.sh installs it)"; exit 77; fi
if [ ! -x /usr/bin/time ]; then echo "skip: /usr/bin/time missing (Debian package time)"; exit 77; fi
# AddressSanitizer reserves terabytes of address space for its shadow memory, so no
# `ulimit -v` can apply to a sanitizer build; .ci/run's Release suite runs this test.
if sanitized; then
  echo "skip: sanitizer build (ulimit -v cannot apply under AddressSanitizer)"
  exit 77
fi
SECONDS=0
TMPBASE=$(cd "$(dirname "$LUMEN")" && pwd)/Testing/Temporary
mkdir -p "$TMPBASE" 2>/dev/null || TMPBASE=${TMPDIR:-/tmp}
D=$(mktemp -d "$TMPBASE/lumen-memory.XXXXXX")
trap 'rm -rf "$WORK" "$D"' EXIT
export MALLOC_ARENA_MAX=2
LIMIT_KB=1048576
COPIES_BIG=$(((${LUMEN_MEMORY_PAIRS:-2000000} + 50000) / 50001))

run "$LUMEN" simulate -q --reference "$REF" --subjects 1 --reads 16667 --seed 3 --out "$D/sim"
expect_rc "simulate one subject" 0
for r in R1 R2; do
  cat "$D"/sim/reads/P001-W*_"$r".fastq.gz >"$D/base_$r.fastq.gz"
  for i in 1 2 3 4; do cat "$D/base_$r.fastq.gz"; done >"$D/small_$r.fastq.gz"
  for ((i = 0; i < COPIES_BIG; i++)); do cat "$D/base_$r.fastq.gz"; done >"$D/big_$r.fastq.gz"
done
for s in base small big; do
  printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\n%s\t%s_R1.fastq.gz\t%s_R2.fastq.gz\n' \
    "$s" "$s" "$s" >"$D/$s.tsv"
done
echo "  data ready after ${SECONDS} s ($(du -sm "$D" | cut -f1) MB)"

# reads_under_limit NAME: lumen reads on $D/NAME.tsv under the 1 GiB limit, peak RSS in
# $WORK/NAME.rss (KB)
reads_under_limit() {
  (ulimit -v "$LIMIT_KB" && /usr/bin/time -f '%M %e %U' -o "$WORK/$1.time" \
    "$LUMEN" reads -q -t 4 --manifest "$D/$1.tsv" --primers v4 --out "$D/out_$1")
}
t0=$SECONDS
run reads_under_limit small; expect_rc "reads: 200,004 pairs under ulimit -v 1 GiB" 0
t1=$SECONDS
run reads_under_limit big; expect_rc "reads: $((COPIES_BIG * 50001)) pairs under ulimit -v 1 GiB" 0
t2=$SECONDS
read -r rss_small wall_small cpu_small <"$WORK/small.time"
read -r rss_big wall_big cpu_big <"$WORK/big.time"
echo "  peak RSS: ${rss_small} KB at 200,004 pairs (${wall_small} s, ${cpu_small} s CPU);" \
  "${rss_big} KB at $((COPIES_BIG * 50001)) pairs (${wall_big} s, ${cpu_big} s CPU)"

# The right counts: every per-sample figure and every unique's size exactly 10x
# (COPIES_BIG/4x) the 200k run's, the same uniques, and every pair read.
if /usr/bin/python3 - "$D" "$COPIES_BIG" <<'PY'; then
import csv, gzip, sys
d, copies = sys.argv[1], int(sys.argv[2])
def row(s):
    return next(csv.DictReader(open(f"{d}/out_{s}/qc/summary.tsv"), delimiter="\t"))
def uniques(s):
    out, name = {}, None
    for line in gzip.open(f"{d}/out_{s}/uniques/{s}.fasta.gz", "rt"):
        if line.startswith(">"):
            md5, size = line[1:].strip().split(";size=")
            name = md5
            out[name] = [int(size), ""]
        else:
            out[name][1] += line.strip()
    return out
a, b = row("small"), row("big")
assert int(a["reads_in"]) == 4 * 50001 and int(b["reads_in"]) == copies * 50001, (a["reads_in"], b["reads_in"])
for k in ("reads_in", "primers_found", "merged", "passed_filter"):
    assert int(b[k]) * 4 == int(a[k]) * copies, (k, a[k], b[k])
assert a["uniques"] == b["uniques"], (a["uniques"], b["uniques"])
ua, ub = uniques("small"), uniques("big")
assert ua.keys() == ub.keys()
for k in ua:
    assert ub[k][1] == ua[k][1] and ub[k][0] * 4 == ua[k][0] * copies, k
print(f"  {b['reads_in']} pairs in, {b['passed_filter']} passed, {b['uniques']} uniques")
PY
  ok "the right counts: every figure and every unique's size $COPIES_BIG/4 times the 200k run's"
else
  not_ok "counts of the big run differ from the 200k run's scaled"
fi

# Memory follows the uniques, not the reads: 10x the reads, the same uniques, the same
# peak RSS (within 15%: allocator noise; growth with the reads would be 10x the batch).
if [ -n "$rss_big" ] && [ "$rss_big" -le $((rss_small * 115 / 100)) ]; then
  ok "peak RSS barely changes: ${rss_small} KB at 200,004 pairs, ${rss_big} KB at $((COPIES_BIG * 50001))"
else
  not_ok "peak RSS grows with the reads: ${rss_small} KB -> ${rss_big} KB"
fi

# Running out of memory: at limits too small for the run, exit 70 with "out of memory",
# never 65 (htslib reports a failed inflate allocation like corrupt data), no output
# left. At 1 thread (libgomp exits 1 when it cannot create a thread, which lumen cannot
# catch). A limit too small to load the shared libraries (exit 127) does not count.
failed=0 wrong=""
for lim in 40000 50000 60000 70000 80000; do
  (ulimit -v "$lim" && exec "$LUMEN" reads -q -t 1 --manifest "$D/base.tsv" --primers v4 \
    --out "$D/oom") >/dev/null 2>"$WORK/oom.err"
  rc=$?
  case $rc in
  0 | 127) ;;
  70) if grep -q "out of memory" "$WORK/oom.err" && [ ! -e "$D/oom" ]; then failed=$((failed + 1))
      else wrong="$wrong $lim:70:$(head -c 200 "$WORK/oom.err")"; fi ;;
  *) wrong="$wrong $lim:$rc:$(head -c 200 "$WORK/oom.err")" ;;
  esac
  rm -rf "$D/oom"
done
if [ -z "$wrong" ] && [ "$failed" -gt 0 ]; then
  ok "out of memory at $failed of 5 limits (40-80 MB): exit 70, 'out of memory', no output"
elif [ -z "$wrong" ]; then
  echo "  (no limit from 40 to 80 MB made the run fail on this machine: nothing to check)"
else
  not_ok "out of memory reported wrongly" "$wrong"
fi

echo "  (200k run $((t1 - t0)) s, big run $((t2 - t1)) s, whole test ${SECONDS} s; $(uptime | sed 's/.*load/load/'))"
finish
