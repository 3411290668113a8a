#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lm_stat_* against the tools users hold them to: scipy.stats (spearmanr, mannwhitneyu,
# wilcoxon, kruskal) and R (p.adjust, survival::coxph/survfit/survdiff, vegan::adonis2),
# run here on fixtures this script generates from fixed seeds. The C functions are
# reached through the test-only tests/oracle/stats_driver. Tolerances are the issue's:
# Cox coef/se 1e-6; KM and CIs, log-rank, Spearman, MW/Wilcoxon p 1e-9 (statistics
# exactly); BH 1e-12; PERMANOVA F and R^2 1e-9, p within permutation error.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
DRIVER=$(cd "$(dirname "$LUMEN")" && pwd)/tests/stats_driver
PY=/usr/bin/python3 # Debian's scipy imports only under the system python
if [ ! -x "$DRIVER" ] || ! "$PY" -c 'import scipy' 2>/dev/null || ! command -v Rscript >/dev/null ||
   ! Rscript -e 'library(survival); library(vegan)' >/dev/null 2>&1; then
  echo "skip: needs stats_driver, python3-scipy, r-cran-survival and r-cran-vegan"
  exit 77
fi
cd "$WORK" || exit 1

# --- fixtures (fixed seeds; ties and zeros on purpose) -------------------------------
"$PY" - <<'PY'
import numpy as np
rng = np.random.default_rng(7)
def save(name, cols, fmt="%.6g"):
    np.savetxt(name, np.column_stack(cols), fmt=fmt, delimiter="\t")
x = rng.normal(size=40); y = 0.5 * x + rng.normal(size=40)
save("sp_ties.tsv", [np.round(x, 1), np.round(y, 1)])
save("sp_small.tsv", [x[:5], y[:5]])
save("mw_exact.tsv", [np.r_[x[:5], y[:7]], np.r_[np.zeros(5), np.ones(7)]])
save("mw_exact8.tsv", [np.r_[x[:8], y[:20] + 0.3], np.r_[np.zeros(8), np.ones(20)]])
save("mw_ties.tsv", [np.r_[np.round(x[:6]), np.round(y[:6])], np.r_[np.zeros(6), np.ones(6)]])
save("mw_large.tsv", [np.r_[np.round(x[:15], 1), np.round(y[:20] + 0.4, 1)],
                      np.r_[np.zeros(15), np.ones(20)]])
save("wx_exact.tsv", [x[:12], y[:12]])
a = np.round(x[:14], 1)  # tied |d|, no zero: exact, with scipy's int(R+) truncation
b = a - np.array([0.5, -0.5, 1, 1, -1.5, 2, 0.5, -2, 1.5, 3, -0.5, 1, 2.5, -1])
save("wx_ties.tsv", [a, b])
a = np.round(x[:20]); b = np.round(y[:20])
save("wx_zeros.tsv", [a, b])
save("wx_large.tsv", [np.r_[x, x[:20]], np.r_[y, y[:20] * 0.9 + 0.2]])
save("kw.tsv", [np.round(np.r_[x[:10], y[:12] + 0.5, x[20:28] - 0.3], 1),
                np.r_[np.zeros(10), np.ones(12), 2 * np.ones(8)]])
p = rng.uniform(size=25) ** 2; p[4] = p[7]; p[10] = np.nan; p[11] = 1.0
np.savetxt("bh.tsv", p, fmt="%.17g")
n = 80
x1 = rng.normal(size=n); x2 = (rng.uniform(size=n) < 0.5).astype(float)
t = np.ceil(rng.exponential(20 * np.exp(-0.5 * x1 - 0.4 * x2)))
cens = np.ceil(rng.uniform(5, 60, size=n)); ev = (t <= cens).astype(int)
time = np.minimum(t, cens)
grp3 = rng.integers(0, 3, size=n)
save("surv.tsv", [time, ev, np.round(x1, 3), x2, grp3])
save("cox1.tsv", [time, ev, np.round(x1, 3)])
save("cox2.tsv", [time, ev, np.round(x1, 3), x2])
save("km.tsv", [time, ev])
save("lr2.tsv", [time, ev, x2])
save("lr3.tsv", [time, ev, grp3])
m = 30
comp = rng.gamma(0.5, size=(m, 12)); comp[:10, :3] *= 4
bc = np.array([[np.abs(comp[i] - comp[j]).sum() / (comp[i] + comp[j]).sum() for j in range(m)]
               for i in range(m)])
np.savetxt("dist.tsv", bc, fmt="%.17g", delimiter="\t")
g = np.r_[np.zeros(10), np.ones(10), 2 * np.ones(10)].astype(int)
st = np.tile(np.arange(10), 3)
np.savetxt("groups.tsv", np.column_stack([g]), fmt="%d")
np.savetxt("groups_strata.tsv", np.column_stack([g, st]), fmt="%d")
PY

# --- lumen's answers -------------------------------------------------------------------
for f in sp_ties sp_small; do "$DRIVER" spearman $f.tsv >$f.lm; done
for f in mw_exact mw_exact8 mw_ties mw_large; do "$DRIVER" mannwhitney $f.tsv >$f.lm; done
for f in wx_exact wx_ties wx_zeros wx_large; do "$DRIVER" wilcoxon $f.tsv >$f.lm; done
"$DRIVER" kruskal kw.tsv >kw.lm
"$DRIVER" bh bh.tsv >bh.lm
"$DRIVER" cox cox1.tsv >cox1.lm
"$DRIVER" cox cox2.tsv >cox2.lm
"$DRIVER" km km.tsv 12 24 36 >km.lm
"$DRIVER" logrank lr2.tsv >lr2.lm
"$DRIVER" logrank lr3.tsv >lr3.lm
"$DRIVER" permanova dist.tsv groups.tsv 999 11 >pm.lm
"$DRIVER" permanova dist.tsv groups_strata.tsv 999 11 >pms.lm

# --- scipy's answers ---------------------------------------------------------------------
"$PY" - <<'PY' 2>/dev/null
import numpy as np, scipy.stats as st
L = lambda f: np.loadtxt(f, ndmin=2)
def out(name, *v):
    open(name + ".ref", "w").write(" ".join("%.17g" % x for x in v) + "\n")
for f in ["sp_ties", "sp_small"]:
    d = L(f + ".tsv"); r = st.spearmanr(d[:, 0], d[:, 1]); out(f, r[0], r[1])
for f in ["mw_exact", "mw_exact8", "mw_ties", "mw_large"]:
    d = L(f + ".tsv"); r = st.mannwhitneyu(d[d[:, 1] == 0, 0], d[d[:, 1] == 1, 0]); out(f, r[0], r[1])
for f in ["wx_exact", "wx_ties", "wx_zeros", "wx_large"]:
    d = L(f + ".tsv"); r = st.wilcoxon(d[:, 0], d[:, 1]); out(f, r[0], r[1])
d = L("kw.tsv"); r = st.kruskal(*[d[d[:, 1] == k, 0] for k in range(3)]); out("kw", r[0], r[1])
PY

# --- R's answers -------------------------------------------------------------------------
Rscript - <<'R' >/dev/null 2>&1
suppressMessages({library(survival); library(vegan)})
w <- function(f, v) write(formatC(v, digits = 17, format = "g"), f, ncolumns = length(v))
p <- scan("bh.tsv", quiet = TRUE)
writeLines(formatC(p.adjust(p, "BH"), digits = 17, format = "g"), "bh.ref")
s <- read.table("surv.tsv", col.names = c("time", "ev", "x1", "x2", "g3"))
for (m in list(list("cox1", ev ~ x1), list("cox2", ev ~ x1 + x2))) {
  f <- as.formula(paste("Surv(time, ev) ~", as.character(m[[2]])[3]))
  fit <- coxph(f, data = s, ties = "efron")
  cf <- summary(fit)$coefficients
  lines <- c(apply(cf, 1, function(r) paste(formatC(c(r[1], r[3], r[4], r[5]), digits = 17,
                                                    format = "g"), collapse = " ")),
             paste("lr", formatC(2 * diff(fit$loglik), digits = 17, format = "g"),
                   formatC(pchisq(2 * diff(fit$loglik), length(coef(fit)), lower.tail = FALSE),
                           digits = 17, format = "g")))
  writeLines(lines, paste0(m[[1]], ".ref"))
}
km <- survfit(Surv(time, ev) ~ 1, data = s)
tab <- cbind(km$time, km$n.risk, km$n.event, km$surv, km$std.err, km$lower, km$upper)
sm <- summary(km, times = c(12, 24, 36))
at <- cbind(sm$time, sm$n.risk, sm$surv, sm$lower, sm$upper)
writeLines(c(apply(tab, 1, function(r) paste(formatC(r, digits = 17, format = "g"), collapse = " ")),
             apply(at, 1, function(r) paste("at", paste(formatC(r, digits = 17, format = "g"),
                                                       collapse = " ")))), "km.ref")
w("lr2.ref", c(survdiff(Surv(time, ev) ~ x2, data = s)$chisq, NA))
w("lr3.ref", c(survdiff(Surv(time, ev) ~ g3, data = s)$chisq, NA))
d <- as.dist(as.matrix(read.table("dist.tsv")))
g <- factor(scan("groups.tsv", quiet = TRUE))
gs <- read.table("groups_strata.tsv")
set.seed(1)
a <- adonis2(d ~ g, permutations = 999)
w("pm.ref", c(a$F[1], a$R2[1], a$`Pr(>F)`[1]))
set.seed(1)
a <- adonis2(d ~ g, permutations = 999, strata = factor(gs$V2))
w("pms.ref", c(a$F[1], a$R2[1], a$`Pr(>F)`[1]))
R

# --- compare -----------------------------------------------------------------------------
# cmp NAME FILE TOL[,TOL...] : compare FILE.lm to FILE.ref field by field (relative-or-
# absolute tolerance per column; "=" means exactly; "-" skips the column; "p" means within
# permutation error of 999 permutations).
cmpf() {
  local msg
  if [ ! -s "$2.ref" ] || [ ! -s "$2.lm" ]; then not_ok "$1: missing output" "$(cat "$2.lm" 2>&1)"; return; fi
  if msg=$("$PY" - "$2" "$3" <<'PY'
import sys, math
f, tols = sys.argv[1], sys.argv[2].split(",")
a = [l.split() for l in open(f + ".lm") if l.strip()]
b = [l.split() for l in open(f + ".ref") if l.strip()]
if len(a) != len(b): sys.exit("%d lines vs %d" % (len(a), len(b)))
for i, (x, y) in enumerate(zip(a, b)):
    for j, (u, v) in enumerate(zip(x, y)):
        t = tols[min(j, len(tols) - 1)]
        if t == "-" or u == v: continue
        try: fu, fv = float(u), float(v)
        except ValueError: sys.exit("line %d col %d: %s vs %s" % (i + 1, j + 1, u, v))
        if math.isnan(fu) and math.isnan(fv): continue
        if t == "=":
            ok = fu == fv
        elif t == "p":
            ok = abs(fu - fv) <= 4 * math.sqrt(max(fv * (1 - fv), 1e-3) / 999) + 2e-3
        else:
            ok = abs(fu - fv) <= float(t) * max(1.0, abs(fv))
        if not ok: sys.exit("line %d col %d: lumen %s, oracle %s (tol %s)" % (i + 1, j + 1, u, v, t))
PY
  ); then ok "$1 matches"; else not_ok "$1" "$msg"; fi
}
cmpf "spearman with ties (scipy)" sp_ties 1e-9
cmpf "spearman n=5 (scipy)" sp_small 1e-9
cmpf "mann-whitney exact 5 vs 7 (scipy)" mw_exact =,1e-9,-
cmpf "mann-whitney exact 8 vs 20 (scipy)" mw_exact8 =,1e-9,-
cmpf "mann-whitney small with ties (scipy)" mw_ties =,1e-9,-
cmpf "mann-whitney 15 vs 20 with ties (scipy)" mw_large =,1e-9,-
cmpf "wilcoxon exact n=12 (scipy)" wx_exact =,1e-9,-
cmpf "wilcoxon exact with tied |d| (scipy)" wx_ties =,1e-9,-
grep -q ' 1$' wx_ties.lm && ok "wilcoxon tied |d| took the exact path" || not_ok "wilcoxon tied |d| not exact"
cmpf "wilcoxon with zero differences (scipy)" wx_zeros =,1e-9,-
cmpf "wilcoxon n=60 (scipy)" wx_large =,1e-9,-
cmpf "kruskal-wallis with ties (scipy)" kw 1e-9
cmpf "BH with ties and NA (R p.adjust)" bh 1e-12
cmpf "cox one covariate, efron (R coxph)" cox1 1e-6,1e-6,1e-6,1e-6
cmpf "cox two covariates, efron (R coxph)" cox2 1e-6,1e-6,1e-6,1e-6
cmpf "kaplan-meier + greenwood log CI (R survfit)" km 1e-9
cmpf "log-rank 2 groups (R survdiff)" lr2 1e-9,-
cmpf "log-rank 3 groups (R survdiff)" lr3 1e-9,-
cmpf "permanova (R vegan adonis2)" pm 1e-9,1e-9,p
cmpf "permanova with strata (R vegan adonis2)" pms 1e-9,1e-9,p
# --- lumen stats end to end: its tables against R and scipy doing their own join ---------
C=$DATA/cohort
"$LUMEN" stats --diversity "$C/diversity" --metadata "$C/metadata.tsv" --subjects "$C/subjects.tsv" \
  --visits "$C/visits.tsv" --out "$WORK/st" --permutations 999 --threads 2 2>/dev/null
# pick ANALYSIS X Y GROUP WEEK COLS: fields of the matching row of a lumen table
pick() {
  awk -F'\t' -v a="$2" -v x="$3" -v y="$4" -v g="$5" -v w="$6" -v c="$7" '
    $1 == a && $2 == x && $3 == y && $4 == g && $5 == w {
      n = split(c, k, ","); s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? " " : "") $k[i]
      print s }' "$WORK/st/$1.tsv"
}
{
  pick survival_cox cox_rfs shannon_per_sd shannon NA 0 7,8,9,10,11
  pick survival_cox cox_rfs shannon_per_sd "shannon + arm" NA 0 7,8,9,10,11
  pick survival_cox cox_rfs arm:PegIFN+NAs "shannon + arm" NA 0 7,8,9,10,11
  pick survival_cox cox_os likelihood_ratio shannon NA 0 10,11
} >cli_cox.lm
for m in 12 24 36; do pick survival_km km_rfs month_$m arm PegIFN+NAs NA 6,7,8,9; done >cli_km.lm
{ pick logrank logrank_rfs arm NA "NAs vs PegIFN+NAs" NA 10,11
  pick logrank logrank_os shannon_median NA "above vs at_or_below" NA 10,11; } >cli_lr.lm
{ pick permanova permanova braycurtis week strata=subject NA 7,10,11
  pick permanova permanova braycurtis arm NA 24 7,10,11; } >cli_pm.lm
{ pick correlations spearman_alpha shannon log10_hbsag NA 24 6,7,11
  pick correlations spearman_alpha chao1 il6 NA 48 6,7,11
  pick arm_comparisons mannwhitney_arm shannon arm "NAs vs PegIFN+NAs" 24 10,11
  pick arm_comparisons wilcoxon_change shannon change_week0_to_48 all 48 10,11
  pick arm_comparisons kruskal_weeks shannon week all NA 10,11; } >cli_np.lm
awk -F'\t' '$1 == "spearman_alpha" && $4 == "NA" && $5 == 24 { print $12 }' "$WORK/st/correlations.tsv" >cli_bh.lm

Rscript - "$C" <<'R' >/dev/null 2>&1
suppressMessages({library(survival); library(vegan)})
C <- commandArgs(TRUE)[1]
f <- function(v) paste(formatC(v, digits = 17, format = "g"), collapse = " ")
rd <- function(p) read.delim(file.path(C, p), check.names = FALSE, na.strings = c("", "NA"))
al <- rd("diversity/alpha.tsv"); md <- rd("metadata.tsv"); sj <- rd("subjects.tsv")
b <- merge(merge(al, md, by = "sample-id"), sj, by = "subject-id", suffixes = c(".m", ""))
b <- b[b$week == 0, ]
b$sh <- b$shannon / sd(b$shannon)
b$arm <- factor(b$arm, levels = sort(unique(b$arm)))
row <- function(fit, k) { s <- summary(fit)$coefficients; ci <- summary(fit)$conf.int
  f(c(ci[k, 1], ci[k, 3], ci[k, 4], s[k, 4], s[k, 5])) }
c1 <- coxph(Surv(rfs_months, rfs_event) ~ sh, data = b, ties = "efron")
c2 <- coxph(Surv(rfs_months, rfs_event) ~ sh + arm, data = b, ties = "efron")
c3 <- coxph(Surv(os_months, os_event) ~ sh, data = b, ties = "efron")
lr <- 2 * diff(c3$loglik)
writeLines(c(row(c1, 1), row(c2, 1), row(c2, 2), f(c(lr, pchisq(lr, 1, lower.tail = FALSE)))),
           "cli_cox.ref")
# curves and log-rank by arm use every subject with follow-up (the trial's own figures)
k <- summary(survfit(Surv(rfs_months, rfs_event) ~ 1, data = sj[sj$arm == "PegIFN+NAs", ]),
             times = c(12, 24, 36))
writeLines(sapply(seq_along(k$time), function(i) f(c(k$n.risk[i], k$surv[i], k$lower[i],
                                                       k$upper[i]))), "cli_km.ref")
d1 <- survdiff(Surv(rfs_months, rfs_event) ~ arm, data = sj)
b$hi <- b$shannon > median(b$shannon)
d2 <- survdiff(Surv(os_months, os_event) ~ hi, data = b)
writeLines(c(f(c(d1$chisq, pchisq(d1$chisq, 1, lower.tail = FALSE))),
             f(c(d2$chisq, pchisq(d2$chisq, 1, lower.tail = FALSE)))), "cli_lr.ref")
bc <- as.matrix(read.delim(file.path(C, "diversity/braycurtis.tsv"), row.names = 1,
                           check.names = FALSE))
m <- md[match(rownames(bc), md$`sample-id`), ]
set.seed(1)
a1 <- adonis2(as.dist(bc) ~ factor(week), data = m, permutations = 999,
              strata = factor(m$`subject-id`))
w <- m$week == 24
a2 <- adonis2(as.dist(bc[w, w]) ~ arm, data = m[w, ], permutations = 999)
writeLines(c(f(c(a1$R2[1], a1$F[1], a1$`Pr(>F)`[1])), f(c(a2$R2[1], a2$F[1], a2$`Pr(>F)`[1]))),
           "cli_pm.ref")
R
"$PY" - "$C" <<'PY' 2>/dev/null
import sys, csv, math
import numpy as np, scipy.stats as st
C = sys.argv[1]
def rd(p): return list(csv.DictReader(open(C + "/" + p), delimiter="\t"))
al = {r["sample-id"]: r for r in rd("diversity/alpha.tsv")}
md = {r["sample-id"]: r for r in rd("metadata.tsv")}
sj = {r["subject-id"]: r for r in rd("subjects.tsv")}
vi = {(r["subject-id"], int(r["week"])): r for r in rd("visits.tsv")}
num = lambda s: float("nan") if s in ("", "NA") else float(s)
def pairs(metric, var, week):
    x, y = [], []
    for s, r in al.items():
        m = md[s]
        if int(m["week"]) != week: continue
        v = vi.get((m["subject-id"], week))
        if v is None: continue
        c = num(v["hbsag_iu_ml"]); c = math.log10(c) if var == "log10_hbsag" else num(v[var])
        a = num(r[metric])
        if not (math.isnan(a) or math.isnan(c)): x.append(a); y.append(c)
    return x, y
out = []
for metric, var, w in [("shannon", "log10_hbsag", 24), ("chao1", "il6", 48)]:
    x, y = pairs(metric, var, w); r = st.spearmanr(x, y)
    out.append("%d %.17g %.17g" % (len(x), r[0], r[1]))
at = lambda w, arm: [num(al[s]["shannon"]) for s in al if int(md[s]["week"]) == w and sj[md[s]["subject-id"]]["arm"] == arm]
r = st.mannwhitneyu(at(24, "NAs"), at(24, "PegIFN+NAs")); out.append("%.17g %.17g" % (r[0], r[1]))
by = {(md[s]["subject-id"], int(md[s]["week"])): num(al[s]["shannon"]) for s in al}
subs = sorted(k[0] for k in by if k[1] == 0 and (k[0], 48) in by)
r = st.wilcoxon([by[(s, 48)] for s in subs], [by[(s, 0)] for s in subs]); out.append("%.17g %.17g" % (r[0], r[1]))
r = st.kruskal(*[[by[k] for k in sorted(by) if k[1] == w] for w in (0, 24, 48)])
out.append("%.17g %.17g" % (r[0], r[1]))
open("cli_np.ref", "w").write("\n".join(out) + "\n")
PY
# BH over the week-24 alpha family, by R from lumen's own p column
awk -F'\t' '$1 == "spearman_alpha" && $4 == "NA" && $5 == 24 { print $11 }' "$WORK/st/correlations.tsv" >cli_p.txt
Rscript -e 'p <- scan("cli_p.txt", quiet = TRUE); writeLines(formatC(p.adjust(p, "BH"), digits = 17, format = "g"), "cli_bh.ref")' >/dev/null 2>&1
# lumen writes 15 significant digits, hence 1e-12 where the functions above use 1e-9
cmpf "lumen stats: Cox HR, CI, z, p on baseline Shannon per SD (R coxph)" cli_cox 1e-6
cmpf "lumen stats: KM by arm at months 12-36 (R survfit)" cli_km =,1e-9
cmpf "lumen stats: log-rank by arm and median split (R survdiff)" cli_lr 1e-9
cmpf "lumen stats: PERMANOVA by week within subject, by arm at week 24 (vegan)" cli_pm 1e-9,1e-9,p
cmpf "lumen stats: Spearman, Mann-Whitney, Wilcoxon, Kruskal on joined data (scipy)" cli_np 1e-9
cmpf "lumen stats: BH q (R p.adjust)" cli_bh 1e-12
finish
