#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A full disk: each command that writes a sizeable output writes it to a tmpfs of half its
# outputs' size, which fills mid-write. Each must exit 74 naming the file on the full disk,
# leave no temporary file and no partial result there (a stage command: no file at all, its
# outputs are all or nothing; lumen run: only whole files of finished steps), and, once
# there is room, a rerun in the same place gives the bytes of a run that had room.
# Exit 77 when tmpfs cannot be mounted (not root, or no CAP_SYS_ADMIN).
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
M=$WORK/disk
mkdir -p "$M"
if ! mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null; then
  echo "# skipped: cannot mount a tmpfs here (needs root)"; exit 77
fi
umount "$M"
trap 'umount "$M" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM # ctest's timeout: still unmount
faults_data
# Under LeakSanitizer (the ASan build of .ci/run): htslib's bgzf_close returns early when its
# last flush fails and does not free the BGZF (an htslib leak on the way to exit 74, not
# lumen's), so leaks inside libhts are not counted here.
printf 'leak:libhts.so\n' >"$WORK/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$WORK/lsan.supp"
VOLATILE='*/provenance.json|*/r/report.html'

d_qc() { "$LUMEN" qc -q --in "$C/reads/P001-W00_R1.fastq.gz" \
  --in2 "$C/reads/P001-W00_R2.fastq.gz" --json "$1/qc.json"; }
d_reads() { "$LUMEN" reads -q --manifest "$C/manifest.tsv" -p v4 --out "$1/o"; }
d_table() { "$LUMEN" table -q --reads "$S" --out "$1/o"; }
d_denoise() { "$LUMEN" denoise -q --table "$S/derep" --out "$1/o"; }
d_index() { "$LUMEN" index -q --fasta "$WORK/ref400.fasta" --out "$1/ref.lmi"; }
d_classify() { "$LUMEN" classify -q --index "$IDX" --in "$S/features/features.fasta" \
  --out "$1/taxonomy.tsv"; }
d_taxa() { "$LUMEN" taxa -q --table "$S/features/table.tsv" \
  --taxonomy "$S/features/taxonomy.tsv" --out "$1/o"; }
d_diversity() { "$LUMEN" diversity -q --depth auto --table "$S/features/table.tsv" --out "$1/o"; }
d_stats() { "$LUMEN" stats -q --diversity "$S/diversity" --taxa "$S/taxa" \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" \
  --permutations 99 --out "$1/o"; }
d_report() { "$LUMEN" report -q --results "$S" --out "$1/report.html"; }
d_run() { "$LUMEN" run -q --manifest "$C/manifest.tsv" --index "$IDX" --out "$1/r" -p v4 \
  --permutations 99 --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" \
  --visits "$C/visits.tsv"; }

# full NAME FN [some]: FN's outputs on a tmpfs of half their size. With "some", finished
# whole files may stay (lumen run's resumable steps); otherwise nothing may.
full() {
  local name=$1 fn=$2 ref=$WORK/ref-$2 kb left
  rm -rf "$ref"; mkdir -p "$ref"
  "$fn" "$ref" >/dev/null 2>&1 || { not_ok "$name: the run with room failed"; return; }
  kb=$(($(du -sk "$ref" | cut -f1) / 2))
  [ "$kb" -ge 8 ] || kb=8
  mount -t tmpfs -o "size=${kb}k" tmpfs "$M" || { not_ok "$name: mount"; return; }
  run "$fn" "$M"
  expect_rc "$name on a full disk (${kb} kB)" 74
  expect_err "$name: names the file and the cause" "error: $M/[^:]+: .*No space left on device"
  left=$(find "$M" -name '*.tmp.*' -o -name '.lumen-reads.*' | head -3)
  [ -z "$left" ] && ok "$name: temporary files removed" || not_ok "$name: temporary files left" "$left"
  if [ "${3:-}" = some ]; then left=$(partial_files "$M" "$ref")
  else left=$(find "$M" -type f | head -5); fi
  [ -z "$left" ] && ok "$name: nothing partial left" || not_ok "$name: left behind" "$left"
  mount -o remount,size=64m "$M"
  run "$fn" "$M"
  if [ "$RC" = 0 ] && same_outputs "$M" "$ref"; then ok "$name: with room again, the rerun gives the same bytes"
  else not_ok "$name: rerun with room: exit $RC" "$(head -3 "$WORK/err")"; fi
  umount "$M"
}

full qc d_qc
full reads d_reads
full table d_table
full denoise d_denoise
full index d_index
full classify d_classify
full taxa d_taxa
full diversity d_diversity
full stats d_stats
full report d_report
full run d_run some
finish
