#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The models of `lumen stats` (issue #14) against the R packages a statistician would use,
# run here on the same cohort files: lme4::lmer + lmerTest (Satterthwaite) for
# mixed_models.tsv and genus_models.tsv (per-genus models, MaAsLin2-style), with
# Satterthwaite df or (--df kr) Kenward-Roger's (pbkrtest); survival::coxph (Efron; weights and robust = TRUE) and glm(binomial)
# for survival_adjusted.tsv and iptw_balance.tsv, also with --site (a fixed effect in lmer
# and glm, strata(site) in coxph). The cohort comes from tests/oracle/make_models_fixture.R (fixed seed):
# unbalanced arms, missing visits, a subject with one visit, a singular fit, a constant
# column. Tolerance 1e-6 (relative, absolute below 1; p also within 1e-4 on the log scale)
# on estimates, SE, t, df, p, variance components, hazard ratios and CIs. Random-slope
# models: df and variance components to 1e-5, because they hang on theta alone, which the
# REML criterion (flat to 1e-12 along a tiny or singular slope SD) fixes only that well:
# R's own df moves by 2.6e-6 between two optima equal to 1e-12 in the criterion, and its
# variance components by 6e-6 between lme4's nloptwrap and bobyqa.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
ORACLE=$(cd "$DATA/../oracle" && pwd)
PY=/usr/bin/python3
if ! command -v Rscript >/dev/null ||
   ! Rscript -e 'suppressMessages({library(lme4); library(lmerTest)})' >/dev/null 2>&1; then
  echo "skip: needs r-cran-lme4 and r-cran-lmertest (scripts/packages.txt)"
  exit 77
fi
export LC_ALL=C # R's factor() levels in byte order, as lumen sorts them
cd "$WORK" || exit 1
Rscript "$ORACLE/make_models_fixture.R" fx || { not_ok "fixture" "R failed"; finish; exit; }
C="-d fx/diversity -T fx/taxa -m fx/metadata.tsv -s fx/subjects.tsv -V fx/visits.tsv -q"
# R's answers, each oracle run once for every variant below (R and lme4 load once):
# r1 four covariates; r2 random slope; r3 numeric week; r7 genus LOG; rs, rs8 survival
Rscript "$ORACLE/models_oracle.R" fx r1.tsv age,sex,cnlc_stage,na_drug 0 0 clr \
  r2.tsv age,sex 1 0 clr r3.tsv "" 0 1 clr r7.tsv age,sex 0 0 log \
  r9.tsv age,sex,site 0 0 clr 2>/dev/null
Rscript "$ORACLE/survival_oracle.R" fx rs.tsv age,sex,cnlc_stage,na_drug rs8.tsv age 2>/dev/null
# rk: Kenward-Roger (lmerTest ddf = "Kenward-Roger", pbkrtest) for three responses, random
# intercept with site as a factor, and random slope (pbkrtest takes ~1 s a model)
DDF=Kenward-Roger RESPONSES=log10_hbsag,th1_th2_ratio,shannon Rscript "$ORACLE/models_oracle.R" \
  fx rk1.tsv age,sex,site 0 0 clr rk2.tsv age 1 0 clr 2>/dev/null
# r9, rs9: --site site, i.e. site a fixed-effect factor in lmer and glm, strata(site) in coxph
SITE=site Rscript "$ORACLE/survival_oracle.R" fx rs9.tsv age,sex rs9l.tsv age 2>/dev/null

# mixed models: week as a factor, four covariates (two categorical with three levels)
run "$LUMEN" stats $C -o o1 --covariates age,sex,cnlc_stage,na_drug
expect_rc "stats --covariates" 0
if "$PY" "$ORACLE/compare_models.py" o1/mixed_models.tsv,o1/genus_models.tsv r1.tsv 1e-6 >cmp1 2>&1; then
  ok "lmer + lmerTest, factor weeks, covariates: $(tail -1 cmp1)"
else not_ok "lmer + lmerTest, factor weeks, covariates" "$(tail -8 cmp1)"; fi

# adjusted survival: multivariable Cox, propensity model, IPTW weights and balance, the
# weighted Cox model with robust SEs (survival::coxph, glm binomial); the fixture's months
# are whole numbers, so event times are tied
if [ "$(awk -F'\t' 'NR > 1 && $8 == 1 { print $7 }' fx/subjects.tsv | sort | uniq -d | wc -l)" -gt 3 ]; then
  ok "fixture has tied RFS event times"
else not_ok "fixture has tied RFS event times"; fi
if "$PY" "$ORACLE/compare_tidy.py" rs.tsv 1e-6 o1/survival_adjusted.tsv o1/iptw_balance.tsv \
    >cmps 2>&1; then
  ok "coxph, glm binomial, IPTW, weighted robust coxph: $(tail -1 cmps)"
else not_ok "adjusted survival" "$(tail -8 cmps)"; fi

# with one covariate the landmark models at week 24 fit on this small cohort too (with
# four they are degenerate on both sides: coxph warns, lumen skips them, saying why)
run "$LUMEN" stats $C -o o8 --covariates age
if [ "$(grep -c landmark24 rs8.tsv)" -ge 16 ] &&
   "$PY" "$ORACLE/compare_tidy.py" rs8.tsv 1e-6 o8/survival_adjusted.tsv o8/iptw_balance.tsv \
    >cmp8 2>&1; then
  ok "landmark at week 24, coxph: $(tail -1 cmp8)"
else not_ok "landmark at week 24" "$(tail -8 cmp8)"; fi
if grep -q "^cox_rfs_landmark24.*\(collinear\|converge\)" o1/models_skipped.tsv; then
  ok "degenerate landmark models reported as skipped"
else not_ok "degenerate landmark models reported as skipped"; fi

# a multi-site trial (--site): lmer with site as a fixed effect (treatment contrasts, first
# site the reference), glm(arm ~ covariates + site), coxph(... + strata(site)) for the
# multivariable, landmark and IPTW-weighted Cox models
run "$LUMEN" stats $C -o o9 --covariates age,sex --site site
expect_rc "stats --site" 0
if "$PY" "$ORACLE/compare_models.py" o9/mixed_models.tsv,o9/genus_models.tsv r9.tsv 1e-6 >cmp9 2>&1 &&
   grep -q 'siteNB' o9/genus_models.tsv; then
  ok "lmer + lmerTest, site as a fixed effect: $(tail -1 cmp9)"
else not_ok "lmer + lmerTest, site as a fixed effect" "$(tail -8 cmp9)"; fi
if "$PY" "$ORACLE/compare_tidy.py" rs9.tsv 1e-6 o9/survival_adjusted.tsv o9/iptw_balance.tsv \
    >cmp9s 2>&1 && grep -q 'siteWZ' rs9.tsv; then
  ok "coxph + strata(site), glm with site, IPTW: $(tail -1 cmp9s)"
else not_ok "coxph + strata(site)" "$(tail -8 cmp9s)"; fi
run "$LUMEN" stats $C -o o9l --covariates age --site site
if [ "$(grep -c landmark24 rs9l.tsv)" -ge 5 ] &&
   "$PY" "$ORACLE/compare_tidy.py" rs9l.tsv 1e-6 o9l/survival_adjusted.tsv o9l/iptw_balance.tsv \
    >cmp9l 2>&1; then
  ok "landmark at week 24 with strata(site): $(tail -1 cmp9l)"
else not_ok "landmark at week 24 with strata(site)" "$(tail -8 cmp9l)"; fi
# the stratified and unstratified fits differ (the strata are used), and the formula
# column says how site entered each model
run "$LUMEN" stats $C -o o9n --covariates age,sex
if ! cmp -s <(grep '^cox_rfs_iptw' o9/survival_adjusted.tsv | cut -f6-8) \
            <(grep '^cox_rfs_iptw' o9n/survival_adjusted.tsv | cut -f6-8) &&
   grep -q '^cox_rfs_iptw.*~ arm + strata(site), weights' o9/survival_adjusted.tsv &&
   grep -q '^cox_os_adjusted.*+ age + sex + strata(site)	' o9/survival_adjusted.tsv &&
   grep -q '^propensity.*arm ~ 1 + age + sex + site (binomial)' o9/iptw_balance.tsv &&
   grep -q '^genus_model.*+ age + sex + site + log10_hbsag' o9/genus_models.tsv; then
  ok "formula column: + site (linear, logistic), + strata(site) (Cox)"
else not_ok "formula column with --site"; fi
run "$LUMEN" stats $C -o o10 --site nosuch
expect_rc "--site with no such column" 65
expect_err "--site with no such column" "fx/subjects.tsv:1: --site: no column 'nosuch'"
expect_no_files "--site with no such column" o10
run "$LUMEN" stats $C -o o10 --site const_site
expect_rc "--site with one level" 65
expect_err "--site with one level" "column 'const_site' of subjects.tsv has a single level"
run "$LUMEN" stats $C -o o10 --covariates site --site site
expect_rc "--site also a covariate" 64

# Kenward-Roger instead of Satterthwaite (--df kr): SE, t, df and p as lmerTest's
# summary(ddf = "Kenward-Roger"); estimates and variance components as before
run "$LUMEN" stats $C -o ok1 --covariates age,sex --site site --df kr
expect_rc "stats --df kr" 0
run "$LUMEN" stats $C -o ok2 --covariates age --random-slope --df kr
expect_rc "stats --df kr --random-slope" 0
if [ "$(grep -c '^log10_hbsag' rk1.tsv)" -ge 10 ] && [ "$(grep -c '^shannon' rk2.tsv)" -ge 8 ] &&
   "$PY" "$ORACLE/compare_models.py" ok1/mixed_models.tsv rk1.tsv 1e-6 >cmpk1 2>&1 &&
   "$PY" "$ORACLE/compare_models.py" ok2/mixed_models.tsv rk2.tsv 1e-6 --theta-tol 1e-5 >cmpk2 2>&1 &&
   grep -q 'lmer REML, Kenward-Roger df' ok1/genus_models.tsv; then
  ok "lmerTest Kenward-Roger (pbkrtest): $(tail -1 cmpk1), slope: $(tail -1 cmpk2)"
else not_ok "lmerTest Kenward-Roger" "$(tail -4 cmpk1; tail -4 cmpk2)"; fi
run "$LUMEN" stats $C -o ok3 --df nosuch
expect_rc "--df nosuch" 64

# random slope for week
run "$LUMEN" stats $C -o o2 --covariates age,sex --random-slope
expect_rc "stats --random-slope" 0
if "$PY" "$ORACLE/compare_models.py" o2/mixed_models.tsv,o2/genus_models.tsv r2.tsv 1e-6 --theta-tol 1e-5 >cmp2 2>&1; then
  ok "lmer + lmerTest, (1 + week | subject): $(tail -1 cmp2)"
else not_ok "lmer + lmerTest, (1 + week | subject)" "$(tail -8 cmp2)"; fi

# week as a number, no covariates
run "$LUMEN" stats $C -o o3 --week-numeric
expect_rc "stats --week-numeric" 0
if "$PY" "$ORACLE/compare_models.py" o3/mixed_models.tsv,o3/genus_models.tsv r3.tsv 1e-6 >cmp3 2>&1; then
  ok "lmer + lmerTest, numeric week: $(tail -1 cmp3)"
else not_ok "lmer + lmerTest, numeric week" "$(tail -8 cmp3)"; fi

# per-genus models with MaAsLin2's LOG transform; the rare genus is filtered out
run "$LUMEN" stats $C -o o7 --covariates age,sex --genus-transform log
expect_rc "stats --genus-transform log" 0
if "$PY" "$ORACLE/compare_models.py" o7/mixed_models.tsv,o7/genus_models.tsv r7.tsv 1e-6 >cmp7 2>&1; then
  ok "genus models, LOG transform: $(tail -1 cmp7)"
else not_ok "genus models, LOG transform" "$(tail -8 cmp7)"; fi
if ! grep -q Rarella o1/genus_models.tsv && grep -q Akkermansia o1/genus_models.tsv; then
  ok "prevalence filter"
else not_ok "prevalence filter"; fi

# the singular fit is said so, its subject variance is exactly 0 (as lme4's bound)
if awk -F'\t' '$3 == "evenness_flat" && $2 == "var(subject)" && $7 == 0 && $13 ~ /singular fit/ \
      { f = 1 } END { exit !f }' o1/mixed_models.tsv; then ok "singular fit reported, variance 0"
else not_ok "singular fit" "$(grep evenness_flat o1/mixed_models.tsv | tail -2)"; fi
# the subject with one visit is in the model (lmer keeps it): n counts its row
if grep -q "^S007	0	" fx/visits.tsv && ! grep -q "^S007	12	" fx/visits.tsv; then
  ok "fixture has a subject with one visit"
else not_ok "fixture has a subject with one visit"; fi

# a constant covariate: every model is skipped with the column named, none is reported
run "$LUMEN" stats $C -o o4 --covariates age,const_site
expect_rc "constant covariate" 0
if grep -q "rank-deficient design: column 'const_site'" o4/models_skipped.tsv &&
   [ "$(grep -c '^mixed_model' o4/mixed_models.tsv)" -eq 0 ]; then
  ok "rank-deficient design names the column"
else not_ok "rank-deficient design" "$(head -3 o4/models_skipped.tsv)"; fi

# usage errors leave nothing behind
run "$LUMEN" stats $C -o o5 --covariates age,nosuch
expect_rc "unknown covariate" 64
expect_err "unknown covariate" "no column 'nosuch'"
expect_no_files "unknown covariate" o5

# without the new options the tables of issue #7 are unchanged (byte for byte)
run "$LUMEN" stats -d fx/diversity -T fx/taxa -m fx/metadata.tsv -s fx/subjects.tsv -V fx/visits.tsv -q -o o6
changed=""
for f in correlations arm_comparisons survival_cox survival_km logrank endpoints skipped; do
  cmp -s o6/$f.tsv o1/$f.tsv || changed="$changed $f.tsv"
done
if [ -z "$changed" ]; then ok "issue #7 tables do not depend on the model options"
else not_ok "changed by --covariates:$changed"; fi
finish
