#!/bin/bash
# SPDX-License-Identifier: MIT
# Time `lumen simulate` against gzip writing the same reads, at the same thread count
# (issue #5: simulating must take no longer than gzip needs to write the output).
#
# usage: benchmarks/bench_simulate.sh [LUMEN] [SUBJECTS] [PAIRS] [THREADS]
#   defaults: build/lumen, 24 subjects (x 3 weeks), 50000 pairs per sample, 2 threads
# For each thread count t in 1..THREADS: lumen simulate -t t, then the reads decompressed
# once to plain FASTQ and compressed again by gzip -c (default level 6), t files at a time
# (gzip has one thread; pigz -p t on the concatenation too, if installed). Prints wall and
# CPU seconds and the ratio lumen / gzip. Output is checked identical across thread counts.
set -euo pipefail
LUMEN=${1:-build/lumen}
SUBJ=${2:-24}
PAIRS=${3:-50000}
THREADS=${4:-2}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lumen-bench-sim.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

tm() { /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@"; cat "$WORK/time"; }

echo "# lumen simulate: $SUBJ subjects x 3 weeks x $PAIRS pairs, 2x250, v4"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $("$LUMEN" version), $(gzip --version | head -1)"
for t in $(seq 1 "$THREADS"); do
  rm -rf "$WORK/sim"
  read -r wall user sys rss < <(tm "$LUMEN" simulate --out "$WORK/sim" --subjects "$SUBJ" \
    --reads "$PAIRS" --threads "$t" -q)
  echo "lumen_simulate threads=$t wall=${wall}s cpu=$(echo "$user + $sys" | bc)s maxrss=${rss}KB"
  eval "lumen_wall_$t=$wall lumen_cpu_$t=$(echo "$user + $sys" | bc)"
  if [ "$t" -eq 1 ]; then
    mkdir "$WORK/plain"
    for f in "$WORK"/sim/reads/*.fastq.gz; do
      gzip -dc "$f" >"$WORK/plain/$(basename "$f" .gz)"
    done
    echo "reads: $(ls "$WORK/plain" | wc -l) files, $(du -sb "$WORK/plain" | cut -f1) bytes" \
         "plain, $(du -sb "$WORK/sim/reads" | cut -f1) bytes BGZF"
    mv "$WORK/sim" "$WORK/sim1"
  else
    diff -r -q "$WORK/sim1" "$WORK/sim" >/dev/null && echo "output identical to threads=1" ||
      echo "OUTPUT DIFFERS from threads=1"
  fi
  mkdir -p "$WORK/gz"
  read -r wall user sys rss < <(tm bash -c "ls '$WORK'/plain/*.fastq | xargs -P $t -I{} \
    sh -c 'gzip -c \"\$1\" > \"$WORK/gz/\$(basename \"\$1\").gz\"' _ {}")
  echo "gzip_-c files=$t-at-a-time wall=${wall}s cpu=$(echo "$user + $sys" | bc)s"
  echo "ratio lumen/gzip threads=$t: wall $(echo "scale=3; $(eval echo \$lumen_wall_$t) / $wall" | bc)," \
       "cpu $(echo "scale=3; $(eval echo \$lumen_cpu_$t) / ($user + $sys)" | bc)"
  rm -rf "$WORK/gz"
  if command -v pigz >/dev/null; then
    read -r wall user sys rss < <(tm sh -c "cat '$WORK'/plain/*.fastq | pigz -p $t -c > '$WORK/all.gz'")
    echo "pigz_-p$t wall=${wall}s; ratio lumen/pigz: $(echo "scale=3; $(eval echo \$lumen_wall_$t) / $wall" | bc)"
    rm -f "$WORK/all.gz"
  fi
done
