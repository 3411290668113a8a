# SPDX-License-Identifier: MIT
# Region mismatch (issue #15, point 1), through benchmarks/region_mismatch.sh on the gold
# reference: with --method lumen and with --method nn, (A) 250-nt V4 queries on a 150-nt
# V4 reference get a genus F within 0.01 of the same queries cut to 150 nt, and (B) a
# full-length reference gives 250-nt V4 queries a genus F within 0.01 of the extracted V4
# reference ("within": not lower by more than 0.01). RDP's own method (the default) is run too and must show
# the problem (A fails by far), so the check can fail. Exit 77 without the gold reference
# or seqkit.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
if [ ! -r "$GOLD" ] || ! command -v seqkit >/dev/null; then
  echo "SKIP: needs $GOLD and seqkit (apt-get install microbiomeutil-data seqkit)"
  exit 77
fi
BENCH="$(dirname "$0")/../../benchmarks/region_mismatch.sh"
run bash "$BENCH" "$LUMEN" "$WORK/lumen" --method lumen
expect_rc "region_mismatch.sh --method lumen" 0
cat "$WORK/out"
expect_out "lumen: A within 0.01" "^A: .*within 0\.01"
expect_out "lumen: B within 0.01" "^B: .*within 0\.01"
INDEX_OPTS=--near run bash "$BENCH" "$LUMEN" "$WORK/nn" --method nn
expect_rc "region_mismatch.sh --method nn" 0
cat "$WORK/out"
expect_out "nn: A within 0.01" "^A: .*within 0\.01"
expect_out "nn: B within 0.01" "^B: .*within 0\.01"
run bash "$BENCH" "$LUMEN" "$WORK/rdp" --method rdp
expect_rc "region_mismatch.sh --method rdp" 0
cat "$WORK/out"
if awk '/^A: / {exit !($8 < -0.1)}' "$WORK/out"; then ok "rdp: A shows the problem (F lower by more than 0.1)"
else not_ok "rdp: A does not show the problem" "$(cat "$WORK/out")"; fi
finish
