#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen qc against its floor (gzip -dc to /dev/null) and against seqtk fqchk, on the same
# gzip FASTQ in the same run. Prints the best of REPS wall times and the ratios.
#   benchmarks/bench_qc.sh [READS] [REPS]     (default 1,000,000 reads of 250 nt, 3 reps)
# The data are the real dada2 MiSeq reads (scripts/setup.sh fetches them) repeated with
# renamed IDs until READS reads; plain gzip -6, as sequencers deliver them.
set -euo pipefail
cd "$(dirname "$0")/.."
READS=${1:-1000000}
REPS=${2:-3}
L=build/lumen
[ -x $L ] || { echo "build lumen first (scripts/setup.sh)"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

zcat .cache/dada2/sam1F.fastq.gz .cache/dada2/sam2F.fastq.gz > "$W/base.fq"
zcat .cache/dada2/sam1R.fastq.gz .cache/dada2/sam2R.fastq.gz > "$W/base2.fq"
# Repeat the real reads, renaming each copy, until READS records.
for f in base base2; do
  awk -v n="$READS" '{ l[NR] = $0 }
    END { m = NR; for (r = 0; r < n; r++) { k = (r * 4) % m; c = int(r * 4 / m)
            h = l[k + 1]; sub(/ /, "_" c " ", h)
            print h; print l[k + 2]; print l[k + 3]; print l[k + 4] } }' "$W/$f.fq" |
    gzip -6 > "$W/$f.fq.gz"
done
size=$(stat -c %s "$W/base.fq.gz")

best() { # best wall seconds of REPS runs of "$@"
  local b=""
  for _ in $(seq 1 "$REPS"); do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    b=$(echo "$s $e ${b:-inf}" | awk '{t=$2-$1; print (t<$3)?t:$3}')
  done
  echo "$b"
}
g=$(best gzip -dc "$W/base.fq.gz")
q1=$(best $L qc --in "$W/base.fq.gz" -t 1)
q2=$(best $L qc --in "$W/base.fq.gz" -t 2)
s=$(best seqtk fqchk "$W/base.fq.gz")
p2=$(best $L qc --in "$W/base.fq.gz" --in2 "$W/base2.fq.gz" -t 2)
g2=$(best sh -c "gzip -dc '$W/base.fq.gz' > /dev/null; gzip -dc '$W/base2.fq.gz' > /dev/null")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "input: $READS reads x 250 nt, gzip -6, $(( size / 1048576 )) MiB compressed"
printf '%-40s %8s %8s\n' "command" "seconds" "ratio"
printf '%-40s %8.3f %8s\n' "gzip -dc > /dev/null (floor)" "$g" "1.00"
printf '%-40s %8.3f %8.2f\n' "lumen qc -t 1" "$q1" "$(echo "$q1 $g" | awk '{print $1/$2}')"
printf '%-40s %8.3f %8.2f\n' "lumen qc -t 2" "$q2" "$(echo "$q2 $g" | awk '{print $1/$2}')"
printf '%-40s %8.3f %8.2f\n' "seqtk fqchk" "$s" "$(echo "$s $g" | awk '{print $1/$2}')"
printf '%-40s %8.3f %8s\n' "gzip -dc R1; gzip -dc R2 (pair floor)" "$g2" "1.00"
printf '%-40s %8.3f %8.2f\n' "lumen qc --in R1 --in2 R2 -t 2" "$p2" "$(echo "$p2 $g2" | awk '{print $1/$2}')"
