# SPDX-License-Identifier: MIT
# Sourced by the report tests (after lib.sh): make_results DIR builds a small results
# folder the way scripts/demo.sh does (simulate 4 subjects, every stage), with the cohort
# tables copied to DIR/cohort/ as `lumen run` will. Sets RESULTS_OK=1 on success.
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
make_results() {
  local r=$1 c=$WORK/cohort
  RESULTS_OK=0
  [ -f "$REF" ] || { not_ok "gold reference missing: $REF (scripts/setup.sh installs it)"; return 1; }
  "$LUMEN" simulate -q --reference "$REF" --subjects 4 --reads 1500 --seed 7 --out "$c" &&
  "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi" 2>/dev/null &&
  "$LUMEN" reads -q -t 2 --manifest "$c/manifest.tsv" --primers v4 --out "$r" &&
  "$LUMEN" table -q -t 2 --reads "$r" --out "$r/features" &&
  "$LUMEN" classify -q -t 2 --index "$WORK/gold.lmi" --in "$r/features/features.fasta" \
    --out "$r/features/taxonomy.tsv" &&
  "$LUMEN" taxa -q --table "$r/features/table.tsv" --taxonomy "$r/features/taxonomy.tsv" \
    --out "$r/taxa" &&
  "$LUMEN" diversity -q -t 2 --table "$r/features/table.tsv" --out "$r/diversity" &&
  "$LUMEN" stats -q -t 2 --diversity "$r/diversity" --taxa "$r/taxa" \
    --metadata "$c/metadata.tsv" --subjects "$c/subjects.tsv" --visits "$c/visits.tsv" \
    --out "$r/stats" --permutations 99 &&
  mkdir -p "$r/cohort" && cp "$c/metadata.tsv" "$c/subjects.tsv" "$c/visits.tsv" "$r/cohort/" ||
    { not_ok "building the results folder failed"; return 1; }
  # The fields the lead adds to the QC records (quality_by_position,
  # merged_length_histogram) and a provenance.json, until lumen run writes them.
  /usr/bin/python3 - "$r" <<'PY' || { not_ok "adding QC fields failed"; return 1; }
import glob, json, sys
r = sys.argv[1]
for i, f in enumerate(sorted(glob.glob(f"{r}/qc/*.json"))):
    j = json.load(open(f))
    j["quality_by_position"] = {"r1": [38 - p / 60 - (i % 3) for p in range(250)],
                                "r2": [36 - p / 40 - (i % 2) for p in range(250)]}
    j["merged_length_histogram"] = [[251, 10 + i], [252, 40 + i], [253, 1000 + 10 * i], [254, 30]]
    json.dump(j, open(f, "w"), indent=1)
json.dump({"version": "0.1.0", "date": "2026-01-01T00:00:00Z",
           "command": "lumen run --manifest m.tsv --out res",
           "parameters": {"maxee": 1.0, "primers": "v4", "seed": 11},
           "inputs": [{"path": "reads/P001-W00_R1.fastq.gz", "md5": "0" * 32}]},
          open(f"{r}/provenance.json", "w"), indent=1)
PY
  RESULTS_OK=1
}
