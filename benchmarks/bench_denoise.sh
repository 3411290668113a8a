#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of `lumen denoise` (UNOISE3 + UCHIME3 + mapping every unique to a ZOTU)
# against vsearch --cluster_unoise + --uchime3_denovo (and, separately, the mapping that
# vsearch needs a third command for: --usearch_global --id 0.97 --otutabout), on the
# same pooled uniques, at the same thread count, on SET (env):
#   s48x50000 (default): the issue's set, 48 subjects x 3 visits x 50,000 pairs (about
#      124,000 pooled uniques): DEREP (default /work/bench-data/runs/scale-s48x50000/lumen/
#      derep, the output of lumen table; copied, never written; made here by lumen simulate
#      --subjects 16 --reads 50000 --seed 11, reads and table when absent) and TRUTH (default
#      /work/bench-data/s48x50000/truth); the vsearch mapping is timed once (MAPREPEAT);
#   small: a quick set made here (lumen simulate --subjects 16 --reads 5000 --seed 11, then
#      lumen reads --primers v4 and lumen table: 48 samples, about 14,000 uniques);
#   then (both) the real MiSeq reads of Debian's r-bioc-dada2 (sam1, sam2; scripts/setup.sh
#   puts them in .cache/dada2), ZOTUs of both tools compared.
# Each set: the ZOTU comparison and the truth (templates recovered exactly, ZOTUs matching
# no template) for both tools; lumen's steps (its -v log: input, unoise, uchime3, mapping,
# output); wall and CPU seconds from /usr/bin/time (the best of REPEAT runs), peak RSS.
#
# usage: benchmarks/bench_denoise.sh [LUMEN] [WORKDIR]
#        (env: SET=s48x50000|small THREADS=2 REPEAT=3 MAPREPEAT=1 DEREP=DIR TRUTH=DIR)
# needs: vsearch time (apt-get install -y vsearch time)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LUMEN=$(readlink -f "${1:-$ROOT/build/lumen}")
W=${2:-/tmp/lumen-bench-denoise}
T=${THREADS:-2}
REPEAT=${REPEAT:-3}
MAPREPEAT=${MAPREPEAT:-1}
SET=${SET:-s48x50000}
PY=/usr/bin/python3
VS=$ROOT/tests/e2e/denoise_vs.py
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
mkdir -p "$W"
cd "$W"

# best of REPEAT runs of a command: "WALL CPU RSS" (seconds, CPU = user + system, peak
# RSS in MB; the run with the least wall time). The CPU time matters when other jobs
# share the machine. best_n N CMD...: the same over N runs.
best() { best_n "$REPEAT" "$@"; }
best_n() {
  local b="" s n=$1
  shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %U %S %M" -o "$W/t.txt" "$@" >/dev/null 2>&1
    s=$(awk '{ printf "%.2f %.2f %.0f", $1, $2 + $3, $4 / 1024 }' "$W/t.txt")
    b=$(awk -v a="$b" -v s="$s" 'BEGIN { split(a, x, " "); split(s, y, " ");
      print (a == "" || y[1] < x[1]) ? s : a }')
  done
  echo "$b"
}

# bench NAME DEREP [TRUTHDIR]: time both tools on DEREP's pooled uniques, then compare
bench() {
  local name=$1 d=$2 truth=${3:-} v=$W/$1-vs l=$W/$1-lumen
  mkdir -p "$v"
  $PY "$VS" prep "$d" "$v"
  local nu
  nu=$(grep -c '>' "$v/pooled.fa")
  local tl tu tc tm
  echo "== $name: $nu pooled uniques, $T threads; load before: $(uptime | sed 's/.*load average/load average/')"
  tl=$(best "$LUMEN" denoise --table "$d" --out "$l" -t "$T" -q)
  "$LUMEN" denoise --table "$d" --out "$l" -t "$T" -v 2>&1 |
    grep -E 'debug: (input|unoise|uchime3|mapping|output):' |
    sed 's/^lumen denoise: debug: /  lumen step /'
  cd "$v"
  tu=$(best vsearch --cluster_unoise pooled.fa --sizein --minsize 8 --unoise_alpha 2 \
    --centroids zotus.fa --sizeout --threads "$T" --quiet)
  tc=$(best vsearch --uchime3_denovo zotus.fa --sizein --sizeout --nonchimeras nonchim.fa \
    --chimeras chim.fa --uchimeout uchime.tsv --quiet)
  tm=$(best_n "$MAPREPEAT" vsearch --usearch_global reads.fa --db nonchim.fa --id 0.97 --sizein \
    --otutabout otu.tsv --threads "$T" --quiet)
  cd "$W"
  echo "== $name: best of $REPEAT (mapping: of $MAPREPEAT): wall s, CPU s, peak RSS MB"
  printf 'lumen denoise (all three steps)      %s\n' "$tl"
  printf 'vsearch --cluster_unoise             %s\n' "$tu"
  printf 'vsearch --uchime3_denovo             %s\n' "$tc"
  printf 'vsearch --usearch_global (mapping)   %s\n' "$tm"
  awk -v l="$tl" -v u="$tu" -v c="$tc" -v m="$tm" 'BEGIN {
    split(l, L, " "); split(u, U, " "); split(c, C, " "); split(m, M, " ")
    printf "ratio vsearch (unoise + uchime3) / lumen (all):           wall %.2fx  CPU %.2fx\n",
      (U[1] + C[1]) / L[1], (U[2] + C[2]) / L[2]
    printf "ratio vsearch (unoise + uchime3 + mapping) / lumen (all): wall %.2fx  CPU %.2fx\n",
      (U[1] + C[1] + M[1]) / L[1], (U[2] + C[2] + M[2]) / L[2] }'
  $PY "$VS" compare "$l" "$v" $truth
  echo "load after: $(uptime | sed 's/.*load average/load average/')"
}

# --- 1. the simulated set ----------------------------------------------------------------
if [ "$SET" = small ]; then
  if [ ! -s sim48/derep/table.tsv ]; then
    "$LUMEN" simulate --reference "$REF" --subjects 16 --reads 5000 --seed 11 --out sim48/cohort -q
    "$LUMEN" reads --manifest sim48/cohort/manifest.tsv --primers v4 --out sim48/res -t "$T" -q
    "$LUMEN" table --reads sim48/res --out sim48/derep -t "$T" -q
  fi
  bench small "$W/sim48/derep" "$W/sim48/cohort/truth"
else
  DEREP=${DEREP:-/work/bench-data/runs/scale-s48x50000/lumen/derep}
  TRUTH=${TRUTH:-/work/bench-data/s48x50000/truth}
  if [ ! -s "$DEREP/table.tsv" ]; then
    # not on this machine: make the set here (simulate about 2 min, reads and table 1 min)
    echo "== making the 48 x 50,000-pair set in $W/gen48 (no $DEREP)"
    if [ ! -s gen48/derep/table.tsv ]; then
      "$LUMEN" simulate --reference "$REF" --subjects 16 --reads 50000 --seed 11 --out gen48/cohort -q
      "$LUMEN" reads --manifest gen48/cohort/manifest.tsv --primers v4 --out gen48/res -t "$T" -q
      "$LUMEN" table --reads gen48/res --out gen48/derep -t "$T" -q
    fi
    DEREP=$W/gen48/derep TRUTH=$W/gen48/cohort/truth
  fi
  if [ ! -s s48x50000/derep/table.tsv ]; then
    mkdir -p s48x50000/derep
    cp "$DEREP/table.tsv" "$DEREP/features.fasta" s48x50000/derep/
  fi
  bench s48x50000 "$W/s48x50000/derep" "$([ -d "$TRUTH" ] && echo "$TRUTH")"
fi

# --- 2. DADA2's real MiSeq reads -----------------------------------------------------------
X=""
for c in "$ROOT/.cache/dada2" /work/main/.cache/dada2; do
  [ -s "$c/sam1F.fastq.gz" ] && X=$c && break
done
if [ -z "$X" ]; then
  echo "== dada2: skipped (run scripts/setup.sh to fetch the reads into .cache/dada2)"
  exit 0
fi
if [ ! -s dada2/derep/table.tsv ]; then
  mkdir -p dada2
  printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\n' >dada2/manifest.tsv
  for s in sam1 sam2; do printf '%s\t%s\t%s\n' "$s" "$X/${s}F.fastq.gz" "$X/${s}R.fastq.gz"; done \
    >>dada2/manifest.tsv
  "$LUMEN" reads --manifest dada2/manifest.tsv --out dada2/res -t "$T" -q
  "$LUMEN" table --reads dada2/res --out dada2/derep -t "$T" -q
fi
bench dada2 "$W/dada2/derep"
uptime
