#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The statistics of lumen run on a simulated trial with a known truth (issues 7 and 9): the
# whole run on a full-size cohort (156 patients x 3 visits, few reads per sample), and the
# statistics must recover what the simulator built in and states in truth/effects.json:
#   - the hazard ratio of the interferon arm for recurrence-free survival: the 95% CI of
#     lumen's Cox model (arm adjusted for baseline diversity) covers it;
#   - the hazard ratio of baseline diversity (per bit of Shannon): lumen's 95% CI (per SD,
#     turned per bit with the SD of the baseline Shannon) covers it;
#   - the sign of the correlation between the named genus and HBsAg decline, within the
#     interferon arm at week 48 (the arms differ in decline by design, so the association
#     lives within arms), and the same sign within the analogue-only arm, with q < 0.05 in
#     the interferon arm.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
REF=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -f "$REF" ]; then not_ok "gold reference missing: $REF (scripts/setup.sh installs it)"; finish; exit; fi
C=$WORK/cohort R=$WORK/results
run "$LUMEN" simulate -q --reference "$REF" --subjects 156 --reads 300 --seed 5 --out "$C"
expect_rc "simulate 156 subjects" 0
run "$LUMEN" index -q --fasta "$REF" --out "$WORK/gold.lmi"
expect_rc "index" 0
run "$LUMEN" run -q --manifest "$C/manifest.tsv" --index "$WORK/gold.lmi" --primers v4 \
  --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$R"
expect_rc "lumen run: reads -> table -> classify -> taxa -> diversity -> stats" 0
# the models of issue 14 (lumen run does not pass covariates): lumen stats again, with them
run "$LUMEN" stats -q --diversity "$R/diversity" --taxa "$R/taxa" --metadata "$C/metadata.tsv" \
  --subjects "$C/subjects.tsv" --visits "$C/visits.tsv" --out "$WORK/stats14" \
  --covariates age,sex,cnlc_stage,na_drug
expect_rc "stats --covariates age,sex,cnlc_stage,na_drug" 0

/usr/bin/python3 - "$C/truth/effects.json" "$R/stats" "$R/diversity/alpha.tsv" "$C/metadata.tsv" <<'PY' && ok "hazard ratio and genus correlation recovered" || not_ok "effects not recovered"
import csv, json, sys
eff = json.load(open(sys.argv[1]))
hr, genus = eff["survival"]["hr_arm"], eff["hbsag"]["correlated_genus"]
rho = eff["hbsag"]["correlation"]
rows = list(csv.DictReader(open(sys.argv[2] + "/survival_cox.tsv"), delimiter="\t"))
arm = [r for r in rows if r["analysis"] == "cox_rfs" and r["x"].startswith("arm:PegIFN")
       and r["y"] == "shannon + arm"]
assert len(arm) == 1, arm
lo, est, hi = float(arm[0]["ci_low"]), float(arm[0]["estimate"]), float(arm[0]["ci_high"])
print(f"  RFS hazard ratio of PegIFN+NAs: {est:.3f} (95% CI {lo:.3f}-{hi:.3f}); built in: {hr}")
assert lo <= hr <= hi
import math, statistics
alpha = {r["sample-id"]: float(r["shannon"]) for r in csv.DictReader(open(sys.argv[3]), delimiter="\t")}
week0 = [r["sample-id"] for r in csv.DictReader(open(sys.argv[4]), delimiter="\t") if r["week"] == "0"]
sd = statistics.stdev([alpha[s] for s in week0 if s in alpha])
div = [r for r in list(csv.DictReader(open(sys.argv[2] + "/survival_cox.tsv"), delimiter="\t"))
       if r["analysis"] == "cox_rfs" and r["x"] == "shannon_per_sd" and r["y"] == "shannon + arm"]
assert len(div) == 1, div
lo, est, hi = (float(div[0][k]) ** (1 / sd) for k in ("ci_low", "estimate", "ci_high"))
hrd = eff["survival"]["hr_shannon_per_bit"]
print(f"  RFS hazard ratio per bit of baseline Shannon: {est:.3f} (95% CI {lo:.3f}-{hi:.3f}; "
      f"SD {sd:.3f} bits); built in: {hrd}")
assert lo <= hrd <= hi
rows = list(csv.DictReader(open(sys.argv[2] + "/correlations.tsv"), delimiter="\t"))
for group in ("PegIFN+NAs", "NAs"):
    r = [r for r in rows if r["analysis"] == "spearman_genus" and r["y"] == "hbsag_decline"
         and r["x"].endswith("g__" + genus) and r["group"] == group and r["week"] == "48"]
    assert len(r) == 1, r
    e = float(r[0]["estimate"])
    print(f"  Spearman {genus} vs HBsAg decline, week 48, {group}: {e:.3f} (n={r[0]['n']}, "
          f"p={float(r[0]['p']):.2g}); built in: {rho} with the latent decline")
    assert (e > 0) == (rho > 0) and abs(e) > 0.1
    if group == "PegIFN+NAs":
        assert float(r[0]["q"]) < 0.05, r[0]["q"]
PY

# issue 14: the mixed model of log10 HBsAg (arm * factor(week) + covariates + (1 | subject))
# recovers the faster decline of the interferon arm: the arm x week-48 interaction is
# negative (NAs is the reference arm, week 0 the reference week) with q < 0.05; and the
# adjusted hazard ratios cover the built-in one.
/usr/bin/python3 - "$C/truth/effects.json" "$WORK/stats14" <<'PY' && ok "arm x week HBsAg effect and adjusted hazard ratios recovered" || not_ok "issue 14 effects not recovered"
import csv, json, sys
h = json.load(open(sys.argv[1]))["hbsag"]
want = -(h["decline_48w_mean_ifn"] - h["decline_48w_mean_nas"])
rows = [r for r in csv.DictReader(open(sys.argv[2] + "/mixed_models.tsv"), delimiter="\t")
        if r["analysis"] == "mixed_model" and r["y"] == "log10_hbsag"]
r = [r for r in rows if r["x"] == "armPegIFN+NAs:week48"]
assert len(r) == 1, [x["x"] for x in rows]
e, q = float(r[0]["estimate"]), float(r[0]["q"])
print(f"  log10 HBsAg, PegIFN+NAs x week 48: {e:.3f} (95% CI {float(r[0]['ci_low']):.3f}-"
      f"{float(r[0]['ci_high']):.3f}, df {float(r[0]['df']):.1f}, q={q:.2g}); built in: "
      f"{want:.3f} (difference of mean 48-week declines)")
assert e < 0 and q < 0.05
# the adjusted hazard ratios of the interferon arm for RFS (multivariable Cox with baseline
# Shannon and the covariates; IPTW-weighted Cox with robust SE) cover the built-in one
hr = json.load(open(sys.argv[1]))["survival"]["hr_arm"]
rows = list(csv.DictReader(open(sys.argv[2] + "/survival_adjusted.tsv"), delimiter="\t"))
for an, y in (("cox_rfs_adjusted", "shannon"), ("cox_rfs_iptw", "arm (IPTW)")):
    r = [r for r in rows if r["analysis"] == an and r["y"] == y and r["x"] == "armPegIFN+NAs"]
    assert len(r) == 1, r
    lo, est, hi = float(r[0]["ci_low"]), float(r[0]["estimate"]), float(r[0]["ci_high"])
    print(f"  {an}: HR {est:.3f} (95% CI {lo:.3f}-{hi:.3f}); built in: {hr}")
    assert lo <= hr <= hi
PY
finish
