# SPDX-License-Identifier: MIT
# lumen reads against vsearch (Debian package vsearch) as the oracle, on real MiSeq 2x250
# V4 reads (300 pairs of each of DADA2's sam1/sam2, tests/data/reads/real*) and on
# synthetic 2x200 pairs (tests/data/reads/make_synth.py):
#   - merging: merged pair counts within 1% of vsearch --fastq_mergepairs, and identical
#     merged sequences (and qualities, reported) for >= 99% of the pairs both merge;
#   - --maxee: lumen keeps exactly the reads vsearch --fastq_filter --fastq_maxee keeps;
#   - dereplication: counts equal vsearch --derep_fulllength's exactly.
# With LUMEN_FETCH_DADA2=1 the whole DADA2 files are fetched (apt-get download
# r-bioc-dada2) and compared too.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"

if ! command -v vsearch >/dev/null 2>&1; then
  echo "skip: vsearch is not installed (apt-get install vsearch)"
  exit 0
fi
R=$(cd "$DATA/reads" && pwd)

# fq2tab FILE.fastq[.gz]: name (first word), sequence, quality, tab-separated.
fq2tab() {
  zcat -f "$1" | awk 'NR % 4 == 1 { split(substr($0, 2), w, /[ \t]/); n = w[1] }
                      NR % 4 == 2 { s = $0 } NR % 4 == 0 { print n "\t" s "\t" $0 }'
}
# fa2counts FILE.fasta[.gz]: "sequence<TAB>size" from one-line FASTA with ;size=N.
fa2counts() {
  zcat -f "$1" | awk '/^>/ { split($0, a, "size="); split(a[2], b, ";"); n = b[1]; next }
                      { print $0 "\t" n }' | sort
}

# compare NAME R1 R2 [lumen options]: one data set, every oracle check. $VS_OPTS holds the
# equivalent vsearch --fastq_mergepairs options; with $VS_TRUNC="F R" the reads are first
# cut to F and R bases by vsearch --fastq_filter --fastq_trunclen (lumen's --trunc-len-f/-r).
compare() {
  local name=$1 r1=$2 r2=$3 dir
  shift 3
  dir=$WORK/$name
  mkdir -p "$dir"
  printf 'sample-id\tforward-absolute-filepath\treverse-absolute-filepath\nS\t%s\t%s\n' \
    "$r1" "$r2" >"$dir/manifest.tsv"
  if [ -n "${VS_TRUNC:-}" ]; then
    set -- "$@" --trunc-len-f "${VS_TRUNC% *}" --trunc-len-r "${VS_TRUNC#* }"
    vsearch --fastq_filter "$r1" --fastq_trunclen "${VS_TRUNC% *}" --fastqout "$dir/t1.fq" --quiet 2>/dev/null
    vsearch --fastq_filter "$r2" --fastq_trunclen "${VS_TRUNC#* }" --fastqout "$dir/t2.fq" --quiet 2>/dev/null
    r1=$dir/t1.fq r2=$dir/t2.fq
  fi
  local vs_extra=${VS_OPTS:-}

  # 1. merging, before any filter
  run "$LUMEN" reads -m "$dir/manifest.tsv" -o "$dir/l" --maxee off --max-n -1 \
    --write-merged --write-filtered -t 2 -q "$@"
  expect_rc "$name: lumen reads" 0
  vsearch --fastq_mergepairs "$r1" --reverse "$r2" $vs_extra --fastqout "$dir/v.fq" \
    --threads 1 --quiet 2>/dev/null
  fq2tab "$dir/l/merged/S.fastq.gz" | sort >"$dir/l.tab"
  fq2tab "$dir/v.fq" | sort >"$dir/v.tab"
  local nl nv both same sameq
  nl=$(wc -l <"$dir/l.tab")
  nv=$(wc -l <"$dir/v.tab")
  join -t "$(printf '\t')" "$dir/l.tab" "$dir/v.tab" >"$dir/both.tab"
  both=$(wc -l <"$dir/both.tab")
  same=$(awk -F'\t' '$2 == $4' "$dir/both.tab" | wc -l)
  sameq=$(awk -F'\t' '$2 == $4 && $3 == $5' "$dir/both.tab" | wc -l)
  echo "# $name: lumen merged $nl, vsearch $nv, both $both, same sequence $same, same quality $sameq"
  if [ "$nv" -gt 0 ] && awk -v a="$nl" -v b="$nv" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01 * b) }'; then
    ok "$name: merged count $nl within 1% of vsearch's $nv"
  else
    not_ok "$name: merged count $nl vs vsearch $nv"
  fi
  if [ "$both" -gt 0 ] && [ $((same * 100)) -ge $((both * 99)) ]; then
    ok "$name: $same of $both merged sequences identical"
  else
    not_ok "$name: only $same of $both merged sequences identical"
  fi

  # 2. --maxee: the same reads as vsearch --fastq_filter on the same merged reads
  local ee
  for ee in 0.5 1 2.5; do
    rm -rf "$dir/f"
    run "$LUMEN" reads -m "$dir/manifest.tsv" -o "$dir/f" --maxee "$ee" --max-n -1 \
      --write-filtered -t 2 -q "$@"
    vsearch --fastq_filter "$dir/l/merged/S.fastq.gz" --fastq_maxee "$ee" \
      --fastqout "$dir/vf.fq" --quiet 2>/dev/null
    if [ -s "$dir/f/filtered/S.fastq.gz" ] && [ -s "$dir/vf.fq" ] &&
      cmp -s <(fq2tab "$dir/f/filtered/S.fastq.gz" | cut -f1 | sort) \
        <(fq2tab "$dir/vf.fq" | cut -f1 | sort); then
      ok "$name: --maxee $ee keeps the reads vsearch keeps ($(grep -c '' <(fq2tab "$dir/vf.fq")))"
    else
      not_ok "$name: --maxee $ee keeps other reads than vsearch"
    fi
  done

  # 3. dereplication of lumen's filtered reads, counted by vsearch
  zcat "$dir/f/filtered/S.fastq.gz" | awk 'NR % 4 == 1 { print ">" substr($1, 2) }
                                            NR % 4 == 2 { print }' >"$dir/pass.fa"
  vsearch --derep_fulllength "$dir/pass.fa" --output "$dir/d.fa" --sizeout \
    --minseqlength 1 --fasta_width 0 --quiet 2>/dev/null
  if [ -s "$dir/d.fa" ] && cmp -s <(fa2counts "$dir/f/uniques/S.fasta.gz") <(fa2counts "$dir/d.fa"); then
    ok "$name: derep counts equal vsearch --derep_fulllength ($(grep -c '>' "$dir/d.fa") uniques)"
  else
    not_ok "$name: derep counts differ from vsearch" \
      "$(diff <(fa2counts "$dir/f/uniques/S.fasta.gz") <(fa2counts "$dir/d.fa") | head -4)"
  fi
}

compare real1 "$R/real1_F.fastq.gz" "$R/real1_R.fastq.gz"
compare real2 "$R/real2_F.fastq.gz" "$R/real2_R.fastq.gz"
compare synthA "$R/synth_A_R1.fastq.gz" "$R/synth_A_R2.fastq.gz"
compare synthB "$R/synth_B_R1.fastq.gz" "$R/synth_B_R2.fastq.gz"
VS_OPTS=--fastq_allowmergestagger compare synthA_stagger "$R/synth_A_R1.fastq.gz" \
  "$R/synth_A_R2.fastq.gz" --allow-stagger
VS_OPTS="--fastq_truncqual 12" compare synthB_truncq "$R/synth_B_R1.fastq.gz" \
  "$R/synth_B_R2.fastq.gz" --truncq 12
VS_OPTS="--fastq_minovlen 30 --fastq_maxdiffs 3" compare real1_strict "$R/real1_F.fastq.gz" \
  "$R/real1_R.fastq.gz" --min-overlap 30 --max-diffs 3
VS_TRUNC="170 160" compare synthB_trunclen "$R/synth_B_R1.fastq.gz" "$R/synth_B_R2.fastq.gz"

# Expected errors at the edge: a read with one Q0 base has exactly ee = 1.
printf '@edge1\nA\n+\n!\n@edge2\nAC\n+\n!I\n@edge3\nACGT\n+\n++++\n' >"$WORK/edge.fq"
printf 'sample-id\tabsolute-filepath\nE\t%s\n' "$WORK/edge.fq" >"$WORK/edge.tsv"
run "$LUMEN" reads -m "$WORK/edge.tsv" -o "$WORK/edge" --maxee 1 --write-filtered -q
vsearch --fastq_filter "$WORK/edge.fq" --fastq_maxee 1 --fastqout "$WORK/edge_v.fq" \
  --quiet 2>/dev/null
if [ "$(fq2tab "$WORK/edge/filtered/E.fastq.gz" | cut -f1 | tr '\n' ' ')" = "edge1 edge3 " ] &&
  cmp -s <(fq2tab "$WORK/edge/filtered/E.fastq.gz" | cut -f1) <(fq2tab "$WORK/edge_v.fq" | cut -f1); then
  ok "ee edge: the same reads as vsearch at exactly maxee ($(fq2tab "$WORK/edge_v.fq" | cut -f1 | tr '\n' ' '))"
else
  not_ok "ee edge: differs from vsearch"
fi

if [ "${LUMEN_FETCH_DADA2:-0}" = 1 ]; then
  if (cd "$WORK" && apt-get download r-bioc-dada2 >/dev/null 2>&1 && dpkg -x r-bioc-dada2_*.deb dada2x); then
    X=$WORK/dada2x/usr/lib/R/site-library/dada2/extdata
    compare dada2_sam1 "$X/sam1F.fastq.gz" "$X/sam1R.fastq.gz"
    compare dada2_sam2 "$X/sam2F.fastq.gz" "$X/sam2R.fastq.gz"
  else
    echo "skip: could not fetch r-bioc-dada2 (apt-get download)"
  fi
fi
finish
