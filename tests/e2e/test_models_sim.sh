#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The per-genus models of issue 14 on a simulated multi-site trial with a known truth: the
# simulator's opt-in --genus-hbsag B makes the named genus's natural-log abundance at each
# stool visit move by B per log10 IU/mL of that visit's HBsAg (truth/effects.json:
# hbsag.genus_ln_per_log10_hbsag), which is what genus_models.tsv's log10_hbsag term
# estimates (genus CLR ~ arm * week + covariates + site + log10 HBsAg + Th1/Th2 +
# (1 | subject)). --hbsag-rho 0 leaves out the simulator's other genus-HBsAg link (the
# genus's baseline abundance and the latent decline), so this is the only one.
#   - the genus's log10_hbsag term has the sign of B and q < 0.05 (BH over every genus x
#     term test), and is the strongest association of that genus;
#   - its 95% CI covers the truth on the model's scale: CLR = ln(genus) - mean ln over
#     the G genera of the table, so the coefficient is B (1 - 1/G). (That holds for a
#     genus with a small share that is in nearly every sample, as Alistipes here: zeros,
#     at the 0.5 pseudocount, pull it a little towards 0, and for a dominant genus such as
#     the default Bacteroides, ~40% of the reads, closure against the table's zeros pulls
#     it to ~0.75 B: the sign and q still hold, the CI does not cover B (1 - 1/G).)
#   - lumen run --site site: the site column of subjects.tsv (--sites 3) enters the
#     models as the formula column says (a factor in the genus models, strata(site) in
#     Cox), the PERMANOVA by arm is stratified by it, provenance.json records it.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -f "$REF" ]; then not_ok "gold reference missing: $REF (scripts/setup.sh installs it)"; finish; exit; fi
C=$WORK/cohort R=$WORK/results
run "$LUMEN" simulate -q --reference "$REF" --subjects 60 --reads 500 --seed 3 \
  --genus-hbsag 0.8 --hbsag-rho 0 --hbsag-genus Alistipes --sites 3 --out "$C"
expect_rc "simulate 60 subjects, 3 sites, genus following HBsAg" 0
if [ "$(cut -f11 "$C/subjects.tsv" | sort -u | tr '\n' ' ')" = "site site1 site2 site3 " ]; then
  ok "subjects.tsv has the site column (site1..site3)"
else not_ok "site column" "$(head -2 "$C/subjects.tsv")"; fi
run "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi"
expect_rc "index" 0
run "$LUMEN" run -q --manifest "$C/manifest.tsv" --index "$WORK/gold.lmi" --primers v4 \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" \
  --covariates age,sex --site site --out "$R"
expect_rc "lumen run --covariates age,sex --site site" 0

/usr/bin/python3 - "$C/truth/effects.json" "$R" <<'PY' && ok "genus-HBsAg association recovered" || not_ok "genus-HBsAg association not recovered"
import csv, json, sys
h = json.load(open(sys.argv[1]))["hbsag"]
genus, b = h["correlated_genus"], h["genus_ln_per_log10_hbsag"]
r = sys.argv[2]
G = sum(1 for l in open(r + "/taxa/level-6.tsv") if not l.startswith("#"))
want = b * (1 - 1 / G)
rows = [x for x in csv.DictReader(open(r + "/stats/genus_models.tsv"), delimiter="\t")
        if x["y"].endswith("g__" + genus)]
t = [x for x in rows if x["x"] == "log10_hbsag"]
assert len(t) == 1, [x["x"] for x in rows]
t = t[0]
e, lo, hi, q = (float(t[k]) for k in ("estimate", "ci_low", "ci_high", "q"))
print(f"  {genus} CLR per log10 HBsAg: {e:.3f} (95% CI {lo:.3f}-{hi:.3f}, df {float(t['df']):.1f}, "
      f"q={q:.2g}); built in: {b} ln per log10, {want:.3f} on the CLR scale of {G} genera")
assert (e > 0) == (b > 0) and q < 0.05
assert lo <= want <= hi
# the strongest of the genus's terms (intercept aside)
qs = [float(x["q"]) for x in rows if x["q"] != "NA"]
assert q == min(qs), qs
# the site entered every genus model as a fixed effect, the formula says so
assert "+ age + sex + site + log10_hbsag" in t["formula"], t["formula"]
assert any(x["x"] == "sitesite2" for x in rows)
adj = list(csv.DictReader(open(r + "/stats/survival_adjusted.tsv"), delimiter="\t"))
assert any("+ strata(site)" in x["formula"] for x in adj if x["analysis"] == "cox_rfs_adjusted")
assert json.load(open(r + "/provenance.json"))["parameters"]["stats"]["site"] == "site"
# the PERMANOVA by arm permutes within sites (adonis2(strata = site))
pm = [x for x in csv.DictReader(open(r + "/stats/permanova.tsv"), delimiter="\t") if x["y"] == "arm"]
assert pm and all(x["group"] == "strata=site" for x in pm), pm[:1]
PY
finish
