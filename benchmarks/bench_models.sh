#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Speed of the models of `lumen stats` (issue #14) against the same models in R, on the
# full simulated trial (156 subjects, 3 stool samples and 14 visits each; few reads per
# sample: the models do not depend on depth).
#   lumen: lumen stats --covariates age,sex,cnlc_stage,na_drug --taxa on a diversity folder
#          with alpha.tsv only (so no PERMANOVA is timed), random intercept, then with
#          --random-slope. The run also does the rank tests and correlations of issue #7
#          (milliseconds).
#   R:     tests/oracle/models_oracle.R (lme4::lmer + lmerTest, the same 15 responses and
#          per-genus models, optimiser tolerances as tight as lumen's) and tests/oracle/survival_oracle.R
#          (coxph, glm, IPTW, weighted robust coxph, time to HBsAg loss).
#   usage: benchmarks/bench_models.sh LUMEN [WORKDIR]
# Needs (apt): r-cran-lme4 r-cran-lmertest r-cran-survival time, and the gold reference
# (microbiomeutil-data) for the simulation.
set -euo pipefail
LUMEN=$(realpath "$1")
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/lumen-bench.XXXXXX")}
ORACLE=$(cd "$(dirname "$(realpath "$0")")/../tests/oracle" && pwd)
REF=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
COV=age,sex,cnlc_stage,na_drug
export LC_ALL=C
mkdir -p "$WORK"
cd "$WORK"

# --- the trial (not timed) --------------------------------------------------------------
if [ ! -f res/taxa/level-6.tsv ]; then
  "$LUMEN" simulate -q --reference "$REF" --subjects 156 --reads 300 --seed 5 --out sim
  "$LUMEN" reads -q --manifest sim/manifest.tsv --primers v4 --out res
  "$LUMEN" table -q --reads res --out res/features
  "$LUMEN" index -q --fasta "$REF" --out gold.lmi
  "$LUMEN" classify -q --index gold.lmi --in res/features/features.fasta --out res/features/taxonomy.tsv
  "$LUMEN" taxa -q --table res/features/table.tsv --taxonomy res/features/taxonomy.tsv --out res/taxa
  "$LUMEN" diversity -q --table res/features/table.tsv --out res/diversity
fi
mkdir -p fx/diversity fx/taxa
cp res/taxa/level-6.tsv fx/taxa/
cp sim/metadata.tsv sim/subjects.tsv sim/visits.tsv fx/
cp res/diversity/alpha.tsv fx/diversity/

measure() { local n=$1; shift; /usr/bin/time -f "%e %U %S %M" -o "$n.time" "$@" > "$n.log" 2>&1; }
wall() { cut -d' ' -f1 "$1.time"; }
cpu() { awk '{print $2 + $3}' "$1.time"; }
C="-q -d fx/diversity -T fx/taxa -m fx/metadata.tsv -s fx/subjects.tsv -V fx/visits.tsv --covariates $COV"
measure lumen_ri "$LUMEN" stats $C -t 2 -o out_ri
measure lumen_rs "$LUMEN" stats $C -t 2 --random-slope -o out_rs
measure r_ri Rscript "$ORACLE/models_oracle.R" fx r_ri.tsv "$COV" 0 0 clr
measure r_rs Rscript "$ORACLE/models_oracle.R" fx r_rs.tsv "$COV" 1 0 clr
measure r_surv Rscript "$ORACLE/survival_oracle.R" fx r_surv.tsv "$COV"
# Kenward-Roger (--df kr): lumen for every model; R (lmerTest + pbkrtest, dense n x n
# matrices) for the largest model alone, log10 HBsAg on every visit
measure lumen_kr "$LUMEN" stats $C -t 2 --df kr -o out_kr
measure r_kr env DDF=Kenward-Roger RESPONSES=log10_hbsag Rscript "$ORACLE/models_oracle.R" fx \
  r_kr.tsv "$COV" 0 0 clr
nmod=$(awk -F'\t' '$1 == "mixed_model" { m[$3] = 1 } END { print length(m) }' out_ri/mixed_models.tsv)
ngen=$(awk -F'\t' '$1 == "genus_model" { m[$3] = 1 } END { print length(m) }' out_ri/genus_models.tsv)
ntax=$(($(wc -l < fx/taxa/level-6.tsv) - 1))
nobs=$(awk -F'\t' '$1 == "mixed_model" && $2 == "(Intercept)" && $3 == "log10_hbsag" { print $6 }' out_ri/mixed_models.tsv)
ncox=$(grep -c '^cox_' out_ri/survival_adjusted.tsv || true)
echo "trial: 156 subjects; $nmod mixed models (log10 HBsAg: $nobs visits); $ngen genus models ($ntax genera, 10% prevalence); $ncox Cox rows"
echo "machine: $(nproc) cores; load $(uptime | sed 's/.*load average: //')"
printf '%-44s %8s %8s\n' "run" "wall_s" "cpu_s"
printf '%-44s %8s %8s\n' "lumen stats (all models, (1 | subject))" "$(wall lumen_ri)" "$(cpu lumen_ri)"
printf '%-44s %8s %8s\n' "lumen stats (all models, (1 + week | subject))" "$(wall lumen_rs)" "$(cpu lumen_rs)"
printf '%-44s %8s %8s\n' "R lmer+lmerTest (1 | subject)" "$(wall r_ri)" "$(cpu r_ri)"
printf '%-44s %8s %8s\n' "R lmer+lmerTest (1 + week | subject)" "$(wall r_rs)" "$(cpu r_rs)"
printf '%-44s %8s %8s\n' "R coxph/glm/IPTW/HBsAg loss" "$(wall r_surv)" "$(cpu r_surv)"
printf '%-44s %8s %8s\n' "lumen stats --df kr (all models)" "$(wall lumen_kr)" "$(cpu lumen_kr)"
printf '%-44s %8s %8s\n' "R lmerTest KR, log10 HBsAg model only" "$(wall r_kr)" "$(cpu r_kr)"
awk -v l="$(wall lumen_ri)" -v r1="$(wall r_ri)" -v r2="$(wall r_surv)" \
  'BEGIN { printf "ratio R / lumen, random intercept + survival: %.1f\n", (r1 + r2) / l }'
awk -v l="$(wall lumen_rs)" -v r1="$(wall r_rs)" -v r2="$(wall r_surv)" \
  'BEGIN { printf "ratio R / lumen, random slope + survival: %.1f\n", (r1 + r2) / l }'
# the same numbers on both sides (the oracle test's comparison, here on the full trial)
/usr/bin/python3 "$ORACLE/compare_models.py" out_ri/mixed_models.tsv,out_ri/genus_models.tsv r_ri.tsv 1e-6 | tail -1
/usr/bin/python3 "$ORACLE/compare_models.py" out_rs/mixed_models.tsv,out_rs/genus_models.tsv r_rs.tsv 1e-6 --theta-tol 1e-5 | tail -1
/usr/bin/python3 "$ORACLE/compare_tidy.py" r_surv.tsv 1e-6 out_ri/survival_adjusted.tsv out_ri/iptw_balance.tsv | tail -1
/usr/bin/python3 "$ORACLE/compare_models.py" out_kr/mixed_models.tsv r_kr.tsv 1e-6 | tail -1
