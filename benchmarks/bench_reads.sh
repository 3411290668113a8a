#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of `lumen reads` (merge + filter + dereplicate) against the vsearch chain
# (--fastq_mergepairs | --fastq_filter | --derep_fulllength) and against fastp --merge
# alone, on >= 1M read pairs of 2x250 V4 reads: DADA2's real MiSeq reads (sam1, sam2 of
# Debian's r-bioc-dada2, 3000 pairs) replicated with renamed read IDs. Same data, same
# thread count for every tool. Wall and CPU seconds and peak RSS come from /usr/bin/time -v.
# Then peak memory against reads and against uniques: lumen on 1/10 of the pairs, and on a
# "many uniques" copy in which each replicate carries its own substitution in R1's 5' part.
#
# usage: benchmarks/bench_reads.sh [LUMEN] [WORKDIR]   (env: PAIRS=1000000 THREADS=2 REPEAT=3)
# needs: vsearch fastp time pigz (apt-get install -y vsearch fastp time pigz)
set -euo pipefail
LUMEN=$(readlink -f "${1:-build/lumen}")
W=${2:-/tmp/lumen-bench-reads}
PAIRS=${PAIRS:-1000000}
T=${THREADS:-2}
mkdir -p "$W"
cd "$W"

# --- data ------------------------------------------------------------------------------
if [ ! -d dada2x ]; then
  apt-get download r-bioc-dada2 >/dev/null
  dpkg -x r-bioc-dada2_*.deb dada2x
fi
X=$W/dada2x/usr/lib/R/site-library/dada2/extdata
# make_pairs NAME COPIES MUTATE: R1/R2 of NAME, COPIES copies of sam1+sam2 with IDs
# "c<copy>_<id>"; MUTATE=1 changes one base of R1 per copy (position and base from the copy
# number) within its first 150 bases, so every copy adds new uniques.
make_pairs() {
  local name=$1 copies=$2 mutate=$3 end
  for end in F R; do
    [ -s "${name}_$end.fastq.gz" ] && continue
    zcat "$X/sam1$end.fastq.gz" "$X/sam2$end.fastq.gz" >"one_$end.fq"
    awk -v copies="$copies" -v mut=$((mutate && 1)) -v r1=$([ $end = F ] && echo 1 || echo 0) '
      { line[NR] = $0 } END {
        split("A C G T", B, " ")
        for (c = 1; c <= copies; c++) {
          p = (c % 150) + 1; k = int(c / 150) % 3
          for (i = 1; i <= NR; i += 4) {
            s = line[i + 1]
            if (mut && r1 && length(s) >= p) {
              b = substr(s, p, 1); j = 0
              for (x = 1; x <= 4; x++) if (B[x] != b && j++ == k) nb = B[x]
              s = substr(s, 1, p - 1) nb substr(s, p + 1)
            }
            print "@c" c "_" substr(line[i], 2); print s; print "+"; print line[i + 3]
          }
        }
      }' "one_$end.fq" | pigz -p "$T" -6 >"${name}_$end.fastq.gz"
    rm -f "one_$end.fq"
  done
  printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\n%s\t%s\t%s\n' \
    "$name" "$W/${name}_F.fastq.gz" "$W/${name}_R.fastq.gz" >"$name.tsv"
}
base=$(($(zcat "$X/sam1F.fastq.gz" "$X/sam2F.fastq.gz" | wc -l) / 4))
copies=$(((PAIRS + base - 1) / base))
make_pairs big "$copies" 0
make_pairs small $((copies / 10)) 0
make_pairs manyu "$copies" 1

# --- timing ----------------------------------------------------------------------------
# timed LABEL CMD...: run under /usr/bin/time -v; prints "LABEL wall cpu rss_mb".
timed() {
  local label=$1
  shift
  /usr/bin/time -v -o "$label.time" "$@" >"$label.log" 2>&1
  awk -v l="$label" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 / 1024 }
    END { printf "%-16s %8.2f %8.2f %8.1f\n", l, w, u + s, r }' "$label.time" | tee -a results.txt
}
: >results.txt
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a results.txt
echo "label              wall_s    cpu_s   rss_mb" | tee -a results.txt
# REPEAT rounds, tools interleaved; the summary takes each tool's fastest round, the usual
# way to see through other jobs on a shared machine (every round is in results.txt).
for rep in $(seq "${REPEAT:-3}"); do
  rm -rf lumen_out
  timed "lumen#$rep" "$LUMEN" reads -m big.tsv -o lumen_out -t "$T" --maxee 1 -q
  timed "vsearch_chain#$rep" bash -c "vsearch --fastq_mergepairs big_F.fastq.gz \
    --reverse big_R.fastq.gz --threads $T --fastqout - --quiet |
    vsearch --fastq_filter - --fastq_maxee 1 --fastq_maxns 0 --fastaout - --quiet --threads $T |
    vsearch --derep_fulllength - --sizeout --minseqlength 1 --fasta_width 0 \
      --output vs_derep.fa --quiet --threads $T"
  timed "fastp_merge#$rep" fastp -i big_F.fastq.gz -I big_R.fastq.gz --merge \
    --merged_out fastp_merged.fq -w "$T" -j fastp.json -h fastp.html
done
rm -rf lumen_small lumen_manyu
timed lumen_small "$LUMEN" reads -m small.tsv -o lumen_small -t "$T" --maxee 1 -q
timed lumen_manyu "$LUMEN" reads -m manyu.tsv -o lumen_manyu -t "$T" --maxee 1 -q

# --- summary ---------------------------------------------------------------------------
# col LABEL COLUMN: the smallest value over the rounds of LABEL (or LABEL itself)
col() {
  awk -v l="$1" -v c="$2" '{ split($1, a, "#") } a[1] == l && (m == "" || $c < m) { m = $c }
                          END { print m }' results.txt
}
summ() { awk -F'\t' -v c="$2" 'NR == 2 { print $c }' "$1/qc/summary.tsv"; }
echo
echo "pairs: big $(summ lumen_out 3), small $(summ lumen_small 3), many-uniques $(summ lumen_manyu 3)"
echo "uniques: big $(summ lumen_out 7), small $(summ lumen_small 7), many-uniques $(summ lumen_manyu 7)"
counts() { zcat -f "$1" | awk '/^>/ { split($0, a, "size="); n = a[2]; next } { print $0 "\t" n }' | sort; }
if cmp -s <(counts vs_derep.fa) <(counts lumen_out/uniques/big.fasta.gz); then
  echo "uniques and counts identical to the vsearch chain's ($(grep -c '>' vs_derep.fa))"
else
  echo "uniques differ from the vsearch chain's"
fi
awk -v lw="$(col lumen 2)" -v lc="$(col lumen 3)" -v vw="$(col vsearch_chain 2)" \
  -v vc="$(col vsearch_chain 3)" -v fw="$(col fastp_merge 2)" -v fc="$(col fastp_merge 3)" 'BEGIN {
  printf "fastest rounds: lumen %.2f s wall %.2f s CPU, vsearch chain %.2f / %.2f, fastp %.2f / %.2f\n", lw, lc, vw, vc, fw, fc
  printf "speed-up (wall): %.2fx vs the vsearch chain, %.2fx vs fastp --merge\n", vw / lw, fw / lw
  printf "CPU ratio: vsearch chain / lumen %.2f, fastp / lumen %.2f\n", vc / lc, fc / lc }' |
  tee -a results.txt
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a results.txt
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem/ { print $2 }') GB"
