/* SPDX-License-Identifier: MIT */
/**
 * @file stats.h
 * @brief The statistics lumen reports: rank tests, correlations, multiple-testing
 *        correction, PERMANOVA and survival analysis, each matching a named R or scipy
 *        function (stated per function) so that users can hold every number against it.
 *
 * Everything here is plain maths on caller-owned arrays: nothing is kept between calls,
 * so every function is thread-safe. Missing values are the caller's business: pass
 * complete cases only (a NaN in an input is an LM_EFORMAT error, except in BH).
 * Functions return 0 or a negative lm_status and fill err: LM_EFORMAT for data the test
 * cannot use (too few observations, a constant variable), with a message that says why.
 */
#ifndef LUMEN_STATS_H
#define LUMEN_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/util.h"

/** Result of a two-sample or k-sample test. */
typedef struct lm_stat_test {
    double statistic; /**< U, T, H or rho: see each function */
    double p;         /**< two-sided p-value */
    double z;         /**< standardised statistic when the normal approximation was used,
                           else NaN */
    int exact;        /**< 1 when p comes from the exact null distribution */
} lm_stat_test_t;

/**
 * Average ranks (1-based; ties get the mean of their positions), as
 * scipy.stats.rankdata(method='average') and R rank(). rank has n slots.
 * Returns 0 or LM_ENOMEM.
 */
int lm_stat_rank(const double *x, size_t n, double *rank) LM_MUST_CHECK;

/**
 * Spearman's rho with ties (Pearson correlation of average ranks) and its two-sided p
 * from the t distribution with n-2 degrees of freedom, as scipy.stats.spearmanr.
 * Errors: n < 3, or x or y constant (rho undefined).
 */
int lm_stat_spearman(const double *x, const double *y, size_t n, lm_stat_test_t *res,
                     lm_err_t *err) LM_MUST_CHECK;

/**
 * Mann-Whitney U test, two-sided, as scipy.stats.mannwhitneyu(x, y) with its defaults
 * (scipy 1.10: method='auto', use_continuity=True). statistic is U of x (U1). The p-value
 * is exact when min(nx, ny) <= 8 and there are no ties; otherwise the normal
 * approximation with tie correction and continuity correction. Errors: nx or ny is 0.
 */
int lm_stat_mannwhitney(const double *x, size_t nx, const double *y, size_t ny, lm_stat_test_t *res,
                        lm_err_t *err) LM_MUST_CHECK;

/**
 * Wilcoxon signed-rank test of the paired differences x[i] - y[i], two-sided, as
 * scipy.stats.wilcoxon(x, y) with its defaults (scipy 1.10: zero_method='wilcox',
 * correction=False, method='auto'). statistic is min(R+, R-). Exact when n <= 50 and no
 * difference is zero (like scipy, R+ is then truncated to an integer if |d| has ties);
 * otherwise zero differences are dropped and the normal approximation with tie
 * correction is used. Errors: n = 0, or every difference is zero.
 */
int lm_stat_wilcoxon(const double *x, const double *y, size_t n, lm_stat_test_t *res,
                     lm_err_t *err) LM_MUST_CHECK;

/**
 * Kruskal-Wallis H test with tie correction, p from chi-square with k-1 df, as
 * scipy.stats.kruskal and R kruskal.test. group[i] is any integer label of x[i].
 * Errors: fewer than two groups, or all values identical.
 */
int lm_stat_kruskal(const double *x, const int *group, size_t n, lm_stat_test_t *res,
                    lm_err_t *err) LM_MUST_CHECK;

/**
 * Benjamini-Hochberg adjusted p-values, as R p.adjust(p, "BH") (the same arithmetic, so
 * the same doubles). NaN entries are left out of the family and come back NaN.
 * q has n slots and may be p itself. Returns 0 or LM_ENOMEM.
 */
int lm_stat_padjust_bh(const double *p, size_t n, double *q) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* PERMANOVA                                                                          */
/* ---------------------------------------------------------------------------------- */

typedef struct lm_permanova_opt {
    int permutations; /**< default 999 (as adonis2) */
    uint64_t seed;    /**< the run's --seed (default LM_DEFAULT_SEED) */
    uint64_t stream;  /**< which test this is, so each test has its own random stream */
} lm_permanova_opt_t;

void lm_permanova_opt_init(lm_permanova_opt_t *opt);
/** LM_EUSAGE unless 1 <= permutations <= 1000000. */
int lm_permanova_opt_check(const lm_permanova_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

typedef struct lm_permanova {
    size_t n;
    int df_model, df_resid;
    double ss_model, ss_resid, ss_total;
    double F, r2, p;
    int permutations;
} lm_permanova_t;

/**
 * One-factor PERMANOVA of the n x n distance matrix dist (row-major, symmetric) by
 * group, as vegan::adonis2(dist ~ group, permutations = P, strata = strata): pseudo-F,
 * R^2 and p = (#{F_perm >= F - sqrt(DBL_EPSILON)} + 1) / (P + 1), vegan's rule. With
 * strata (NULL for none) labels are permuted only within each stratum (permute::how's
 * blocks). The random stream is lm_rng_create(opt->seed, opt->stream). Errors: fewer than
 * three samples, fewer than two groups, as many groups as samples.
 */
int lm_stat_permanova(const double *dist, size_t n, const int *group, const int *strata,
                      const lm_permanova_opt_t *opt, lm_permanova_t *res,
                      lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Survival                                                                           */
/* ---------------------------------------------------------------------------------- */

/** Most covariates a Cox model takes. */
#define LM_COX_MAXP 16

typedef struct lm_cox {
    size_t n, nevent;
    int p, iter;
    double coef[LM_COX_MAXP], se[LM_COX_MAXP], z[LM_COX_MAXP], p_wald[LM_COX_MAXP];
    double se_naive[LM_COX_MAXP]; /**< from the inverse information (= se unless robust) */
    double hr[LM_COX_MAXP], hr_low[LM_COX_MAXP], hr_high[LM_COX_MAXP]; /**< 95% CI */
    double loglik0, loglik; /**< partial log-likelihood at beta = 0 and at the fit */
    double lr_chisq, lr_p;  /**< likelihood-ratio test on p df */
} lm_cox_t;

/**
 * Cox proportional hazards by Newton-Raphson with Efron's tie handling, as
 * survival::coxph(Surv(time, event) ~ x, ties = "efron"): coefficients, standard errors
 * from the inverse information, Wald z and p, hazard ratios with 95% CIs, and the
 * likelihood-ratio test. x is n x p row-major (p <= LM_COX_MAXP); event is 0 or 1.
 * Errors: p out of range, fewer than three subjects, no events, negative times, a
 * constant (or collinear) covariate, or no convergence in 30 iterations (monotone
 * likelihood: a covariate separates events from censored times).
 */
int lm_stat_cox(const double *time, const int *event, const double *x, size_t n, int p,
                lm_cox_t *res, lm_err_t *err) LM_MUST_CHECK;

/**
 * lm_stat_cox with case weights w (NULL: all 1; else positive) and, with robust set, the
 * robust sandwich variance, as coxph(Surv(time, event) ~ x, weights = w, robust = TRUE,
 * ties = "efron"): Efron's approximation with the tied deaths' mean weight (coxfit6),
 * se/z/p/CIs from the sandwich built on the weighted dfbeta residuals (se_naive keeps
 * the inverse information's). The likelihood-ratio test is the weighted one coxph prints
 * (not valid with weights; reported for completeness).
 */
int lm_stat_cox_weighted(const double *time, const int *event, const double *x, const double *w,
                         size_t n, int p, int robust, lm_cox_t *res, lm_err_t *err) LM_MUST_CHECK;

/**
 * lm_stat_cox_weighted stratified: with strata (n integer labels; NULL for none) each
 * stratum has its own baseline hazard and risk sets never cross strata, as
 * coxph(Surv(time, event) ~ x + strata(s), weights = w, robust = robust, ties = "efron").
 * Covariates are centred over all subjects (the likelihood does not depend on it). The
 * likelihood-ratio test is on p df (strata add no parameters).
 */
int lm_stat_cox_strata(const double *time, const int *event, const double *x, const double *w,
                       const int *strata, size_t n, int p, int robust, lm_cox_t *res,
                       lm_err_t *err) LM_MUST_CHECK;

/** Most columns a logistic model takes. */
#define LM_LOGIT_MAXP 32

typedef struct lm_logit {
    size_t n;
    int p, iter;
    double coef[LM_LOGIT_MAXP], se[LM_LOGIT_MAXP], z[LM_LOGIT_MAXP], p_wald[LM_LOGIT_MAXP];
    double deviance; /**< residual deviance */
} lm_logit_t;

/**
 * Logistic regression of y (0/1) on the n x p row-major design x (with its intercept
 * column, if wanted) by IRLS from glm's start, as glm(y ~ 0 + x, family = binomial):
 * coefficients, SEs from the inverse information, Wald z and p. fitted (n slots, or NULL)
 * gets the fitted probabilities. name[j] names column j in messages. Errors (LM_EFORMAT):
 * p out of range, n <= p, y all 0 or all 1, a rank-deficient design (naming the column),
 * fitted probabilities 0 or 1 (separation), no convergence in 50 iterations.
 */
int lm_stat_logit(const int *y, const double *x, size_t n, int p, const char *const *name,
                  lm_logit_t *res, double *fitted, lm_err_t *err) LM_MUST_CHECK;

/** One step of a Kaplan-Meier curve, or the curve read at a time. */
typedef struct lm_km_point {
    double time;
    size_t n_risk, n_event, n_censor;
    double surv;         /**< S(t) */
    double se_log;       /**< Greenwood standard error of log S(t) (survfit's $std.err) */
    double lower, upper; /**< 95% CI, conf.type = "log"; NaN when S(t) = 0 */
} lm_km_point_t;

/** A Kaplan-Meier curve. Free with lm_km_destroy(). */
typedef struct lm_km lm_km_t;

/**
 * Kaplan-Meier estimate with Greenwood variance and log-transformed 95% confidence
 * limits (upper limit capped at 1), as survival::survfit(Surv(time, event) ~ 1) with
 * its default conf.type = "log". One point per distinct time (events or censorings).
 * Returns NULL and fills err on error (n = 0, negative time, event not 0/1, ENOMEM).
 */
lm_km_t *lm_km_create(const double *time, const int *event, size_t n, lm_err_t *err) LM_MUST_CHECK;
void lm_km_destroy(lm_km_t *km);
size_t lm_km_size(const lm_km_t *km);
/** The i-th distinct time (borrowed). */
const lm_km_point_t *lm_km_point(const lm_km_t *km, size_t i);
/**
 * The curve at time t, as summary(survfit, times = t): the step at the largest time
 * <= t, with n_risk the number at risk at t. Returns 0, or LM_EOF when t is past the
 * last observed time (summary() drops such times; *pt is then filled with NaNs).
 */
int lm_km_at(const lm_km_t *km, double t, lm_km_point_t *pt);

typedef struct lm_logrank {
    size_t n;
    int groups;
    double chisq, p;
} lm_logrank_t;

/**
 * Log-rank test of equal survival across groups, as survival::survdiff (rho = 0):
 * chi-square on (groups - 1) df. group[i] is any integer label. Errors: fewer than two
 * groups, no events, negative times, event not 0/1.
 */
int lm_stat_logrank(const double *time, const int *event, const int *group, size_t n,
                    lm_logrank_t *res, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Linear mixed models                                                                */
/* ---------------------------------------------------------------------------------- */

/** Most fixed-effect columns a mixed model takes. */
#define LM_LMM_MAXP 64

typedef struct lm_lmm {
    size_t n;      /**< observations */
    size_t groups; /**< subjects (levels of the grouping factor) */
    int p;         /**< fixed-effect columns */
    int q;         /**< random effects per group: 1 (intercept) or 2 (intercept, slope) */
    int nevals;    /**< evaluations of the REML criterion the optimiser made */
    int singular;  /**< 1 when a random-effect variance is at its bound 0 (lme4's
                        isSingular(tol = 1e-4) on theta) */
    double beta[LM_LMM_MAXP], se[LM_LMM_MAXP], t[LM_LMM_MAXP];
    double df[LM_LMM_MAXP];  /**< Satterthwaite degrees of freedom (lmerTest) */
    double p_t[LM_LMM_MAXP]; /**< 2 * pt(-|t|, df) */
    double theta[3];         /**< lme4's theta: lower Cholesky factor of the relative
                                  covariance, column-wise (l11[, l21, l22]) */
    double sigma;            /**< residual standard deviation */
    double var_int, var_slope, cov_int_slope; /**< random-effect (co)variances (NaN when
                                                   q = 1) */
    double reml; /**< REML criterion at the optimum (lme4's REMLcrit) */
    int kr;      /**< 1 when the Kenward-Roger fields below are filled (lm_stat_lmm_kr) */
    double se_kr[LM_LMM_MAXP]; /**< SE from pbkrtest's adjusted covariance (vcovAdj) */
    double t_kr[LM_LMM_MAXP], df_kr[LM_LMM_MAXP], p_kr[LM_LMM_MAXP]; /**< Lb_ddf's df */
} lm_lmm_t;

/**
 * Linear mixed model by REML with a random intercept per group, and with slope not NULL
 * a correlated random slope on slope[] as well: lme4::lmer(y ~ 0 + X + (1 | group)) or
 * (1 + slope | group), with t-tests on each coefficient by Satterthwaite's degrees of
 * freedom as lmerTest computes them (the numerical Hessian of the deviance in
 * (theta, sigma) and the Jacobian of cov(beta), numDeriv's Richardson scheme). x is
 * n x p row-major and holds the intercept column if one is wanted; name[j] names column
 * j in messages. The REML criterion is profiled over sigma and minimised over theta
 * (Brent for one parameter, Nelder-Mead then Newton for three), to a tolerance far
 * below lme4's default so that both reach the same optimum.
 * Errors (LM_EFORMAT): p out of range, a NaN, fewer than two groups, not more
 * observations than random effects (lme4's checks), a rank-deficient design (the message
 * names the first column that is a linear combination of the ones before it), or no
 * convergence (the message gives the number of evaluations).
 */
int lm_stat_lmm(const double *y, const double *x, size_t n, int p, const int *group,
                const double *slope, const char *const *name, lm_lmm_t *res,
                lm_err_t *err) LM_MUST_CHECK;

/**
 * lm_stat_lmm, and Kenward-Roger's t-tests as well, as lmerTest's summary(ddf =
 * "Kenward-Roger") computes them with pbkrtest: se_kr from the adjusted covariance of
 * beta (pbkrtest::vcovAdj), df_kr from pbkrtest::Lb_ddf, t_kr = beta / se_kr and p_kr =
 * 2 * pt(-|t_kr|, df_kr); res->kr is set. The Satterthwaite fields are filled too.
 */
int lm_stat_lmm_kr(const double *y, const double *x, size_t n, int p, const int *group,
                   const double *slope, const char *const *name, lm_lmm_t *res,
                   lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* The stats stage: cohort + diversity -> tidy tables                                 */
/* ---------------------------------------------------------------------------------- */

typedef struct lm_stats_opt {
    const char *diversity; /**< folder with alpha.tsv and <metric>.tsv matrices */
    const char *taxa;      /**< folder with level-6.tsv, or NULL */
    const char *metadata, *subjects, *visits;
    const char *out;        /**< output folder (created if missing) */
    int permutations;       /**< PERMANOVA permutations (default 999) */
    uint64_t seed;          /**< default LM_DEFAULT_SEED */
    double min_prevalence;  /**< genera in at least this fraction of samples (0.1) */
    const char *covariates; /**< comma-separated subjects.tsv columns for the models, or
                                 NULL */
    int random_slope;       /**< mixed models: (1 + week | subject) instead of (1 | subject) */
    int week_numeric;       /**< mixed models: week as a number (linear time), not a factor */
    int genus_log;          /**< genus models: MaAsLin2's LOG transform instead of CLR */
    int df_kr;              /**< mixed and genus models: Kenward-Roger SE and df
                                 (pbkrtest) instead of Satterthwaite's (lmerTest) */
    const char *site;       /**< subjects.tsv column of the study site, or NULL: a factor
                                 (first level the reference) in the mixed, genus and
                                 propensity models, strata(site) in the Cox models, and
                                 the strata of the PERMANOVA by arm */
} lm_stats_opt_t;

void lm_stats_opt_init(lm_stats_opt_t *opt);
/** LM_EUSAGE when a required path is missing or a number is out of range. */
int lm_stats_opt_check(const lm_stats_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/**
 * Run every analysis of issue #7 and write the tidy tables (columns analysis, x, y, group,
 * week, n, estimate, ci_low, ci_high, statistic, p, q; "NA" where a column does not
 * apply) to opt->out: correlations.tsv, arm_comparisons.tsv, permanova.tsv,
 * survival_cox.tsv, survival_km.tsv, logrank.tsv, endpoints.tsv, plus cohort_checks.tsv
 * (problems found in the inputs), skipped.tsv (tests that could not be run, and why) and
 * visits_derived.tsv (log10 HBsAg, decline, loss, seroconversion per subject and week).
 * The models of issue #14 go to their own tables, with the columns above plus model,
 * formula and df: mixed_models.tsv (lm_stat_lmm per response), survival_adjusted.tsv
 * (multivariable and IPTW-weighted Cox), iptw_balance.tsv (propensity model, weights,
 * standardised mean differences), and models_skipped.tsv (models not fitted, and why);
 * the tables of issue #7 do not depend on the model options.
 * All inputs are read and every number computed before anything is written; files are
 * written under temporary names and renamed only when all are complete, so an error
 * leaves nothing behind. PERMANOVA runs on the current OpenMP threads; the output does not
 * depend on their number.
 */
int lm_stats_run(const lm_stats_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_STATS_H */
