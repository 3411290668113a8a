/* SPDX-License-Identifier: MIT */
/* lumen stats: the cohort joined to diversity, and the statistics of issue #7. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lumen/stats.h"

static const char stats_usage[] =
    "Usage: lumen stats --diversity DIR --metadata metadata.tsv --subjects subjects.tsv\n"
    "                   --visits visits.tsv [--taxa DIR] --out DIR [options]\n"
    "\n"
    "Joins samples to subjects and visit weeks, derives the HBsAg endpoints (loss < 0.05\n"
    "IU/mL, seroconversion = loss and anti-HBs >= 10 mIU/mL, decline in log10 units from\n"
    "week 0), and writes tidy tables (analysis, x, y, group, week, n, estimate, ci_low,\n"
    "ci_high, statistic, p, q; NA where a column does not apply) to DIR:\n"
    "  correlations.tsv     Spearman of alpha metrics and genera (CLR, 0.5 pseudocount) vs\n"
    "                       log10 HBsAg, decline, HBV DNA, cytokines at the same week,\n"
    "                       over all samples (group NA) and within each arm\n"
    "                       (scipy.stats.spearmanr); q = BH per analysis, week, group\n"
    "  arm_comparisons.tsv  Mann-Whitney by week (scipy.stats.mannwhitneyu; estimate =\n"
    "                       U/(n1 n2)), Wilcoxon on change from week 0 (scipy.stats.wilcoxon;\n"
    "                       estimate = median change), Kruskal-Wallis across weeks\n"
    "  permanova.tsv        each distance matrix by arm per week, by week and by HBsAg loss\n"
    "                       within subject (vegan::adonis2; estimate = R^2, statistic = F)\n"
    "  survival_cox.tsv     RFS/OS on baseline alpha per SD, without and with arm (coxph,\n"
    "                       Efron ties; estimate = HR, statistic = Wald z; LR test rows)\n"
    "  survival_km.tsv      Kaplan-Meier at months 12, 24, 36, 60 overall and by arm (all\n"
    "                       subjects with follow-up) and by baseline alpha above/below the\n"
    "                       median (survfit, Greenwood, log CI; NA past the last time)\n"
    "  logrank.tsv          survdiff by arm and by the median splits\n"
    "  endpoints.tsv        HBsAg loss and seroconversion per arm and week (exact CI)\n"
    "  cohort_checks.tsv    problems found in the inputs; skipped.tsv: tests not run, why\n"
    "  visits_derived.tsv   log10 HBsAg, decline, loss, seroconversion per subject and week\n"
    "\n";

/* The model tables and the options, apart: one string literal over 4095 characters is
 * not portable C. */
static const char stats_usage2[] =
    "Model tables (the same columns, then model, formula and df):\n"
    "  mixed_models.tsv     linear mixed model per response (log10 HBsAg, log10 of each\n"
    "                       cytokine, th1_th2_ratio = mean log10 of IL-2, IFN-g, TNF-a minus\n"
    "                       that of IL-4, IL-6, IL-10, each alpha metric): response ~ arm *\n"
    "                       factor(week) + covariates + (1 | subject), REML (lme4::lmer);\n"
    "                       first sorted arm and first week are the references; estimate =\n"
    "                       coefficient, CI and p from t on Satterthwaite df (lmerTest);\n"
    "                       q = BH over each model's terms but the intercept;\n"
    "                       mixed_model_variance rows: variance components\n"
    "  survival_adjusted.tsv coxph (Efron) of RFS/OS on arm + baseline alpha per SD +\n"
    "                       covariates (cox_*_adjusted; estimate = HR, statistic = Wald z),\n"
    "                       and the arm's HR weighted by stabilised IPTW with robust SE\n"
    "                       (cox_*_iptw; coxph(weights = w, robust = TRUE));\n"
    "                       landmark at week 24 (cox_*_landmark24): subjects event-free\n"
    "                       and followed after week 24 (5.5195 months), time from it, on\n"
    "                       arm + alpha at week 0 per SD + its change to week 24 per SD +\n"
    "                       HBsAg decline to week 24 + covariates; and\n"
    "                       time to HBsAg loss (first week < 0.05 IU/mL, censored at the\n"
    "                       last known HBsAg) by arm: hbsag_loss_km (survfit at weeks 24,\n"
    "                       48, 96), hbsag_loss_logrank (survdiff), hbsag_loss_cox (coxph)\n"
    "  iptw_balance.tsv     the propensity model glm(arm ~ covariates, binomial), the\n"
    "                       weights per arm (min, quartiles, max, mean) and each covariate's\n"
    "                       standardised mean difference unweighted and weighted\n"
    "                       (denominator: the unweighted pooled SD); needs --covariates\n"
    "  genus_models.tsv     with --taxa, per genus in >= --min-prevalence of the samples\n"
    "                       (MaAsLin2-style):\n"
    "                       CLR (0.5 pseudocount) ~ arm * factor(week) + covariates +\n"
    "                       log10_hbsag + th1_th2_ratio (same visit) + (1 | subject);\n"
    "                       q = BH over every genus x term (intercepts aside)\n"
    "  models_skipped.tsv   models that could not be fitted, and why (a rank-deficient\n"
    "                       design names the column)\n"
    "  cytokines_derived.tsv  per subject and week: log10 of each cytokine, Th1 and Th2\n"
    "                       scores, th1_th2_ratio, ifng_il4_ratio (log10 IFN-g/IL-4), the\n"
    "                       log10 HBsAg change from week 0, and the variables written '<x'\n"
    "                       (below the detection limit x: used as x/2, never 0 or missing)\n"
    "  hbsag_loss_time.tsv  weeks to HBsAg loss and the event (1) or censoring (0)\n"
    "\n";

static const char stats_usage3[] =
    "Options:\n"
    "  -d, --diversity DIR    alpha.tsv and braycurtis/jaccard/aitchison.tsv (those present)\n"
    "  -m, --metadata FILE    sample-id, subject-id, week[, arm]\n"
    "  -s, --subjects FILE    one row per patient (DESIGN.md)\n"
    "  -V, --visits FILE      one row per patient and visit week (DESIGN.md)\n"
    "  -T, --taxa DIR         level-6.tsv (genus table) for the genus correlations\n"
    "  -o, --out DIR          output folder (created if missing)\n"
    "  -p, --permutations N   PERMANOVA permutations (default 999)\n"
    "  -S, --seed N           random seed (default 11); each test has its own stream\n"
    "  -C, --covariates LIST  comma-separated subjects.tsv columns the models adjust for\n"
    "                         (e.g. age,sex,cnlc_stage,na_drug); numbers stay numbers, other\n"
    "                         columns become indicators with the first level (byte order, as\n"
    "                         R's factor() in the C locale) as reference; subjects missing one\n"
    "                         are left out of the models\n"
    "      --random-slope     mixed models with (1 + week | subject)\n"
    "      --week-numeric     mixed models with week as a number (linear time)\n"
    "      --genus-transform clr|log  genus models on CLR (default) or MaAsLin2's LOG\n"
    "      --min-prevalence F genera in at least this fraction of samples enter the genus\n"
    "                         correlations and models (default 0.1)\n"
    "\n" CLI_COMMON_HELP;

const struct option cli_stats_options[] = {
    {"permutations", required_argument, NULL, CLI_ST_PERMS},
    {"covariates", required_argument, NULL, CLI_ST_COVAR},
    {"random-slope", no_argument, NULL, CLI_ST_SLOPE},
    {"week-numeric", no_argument, NULL, CLI_ST_WEEKNUM},
    {"genus-transform", required_argument, NULL, CLI_ST_GTRANS},
    {"min-prevalence", required_argument, NULL, CLI_ST_MINPREV},
    {NULL, 0, NULL, 0},
};

int cli_stats_option(lm_stats_opt_t *o, int c, const char *arg)
{
    long v;
    switch (c) {
    case CLI_ST_PERMS:
        if (cli_parse_int("--permutations", arg, 1, 1000000, &v)) return 64;
        o->permutations = (int)v;
        return 1;
    case CLI_ST_COVAR:
        o->covariates = *arg ? arg : NULL;
        return 1;
    case CLI_ST_SLOPE:
        o->random_slope = 1;
        return 1;
    case CLI_ST_WEEKNUM:
        o->week_numeric = 1;
        return 1;
    case CLI_ST_MINPREV:
        if (cli_parse_double("--min-prevalence", arg, &o->min_prevalence)) return 64;
        return 1;
    case CLI_ST_GTRANS:
        if (!strcmp(arg, "clr"))
            o->genus_log = 0;
        else if (!strcmp(arg, "log"))
            o->genus_log = 1;
        else
            return cli_usage_error("--genus-transform: '%s' is not clr or log", arg);
        return 1;
    }
    return 0;
}

int cmd_stats(int argc, char **argv)
{
    struct option longopts[32] = {
        {"diversity", required_argument, NULL, 'd'}, {"metadata", required_argument, NULL, 'm'},
        {"subjects", required_argument, NULL, 's'},  {"visits", required_argument, NULL, 'V'},
        {"taxa", required_argument, NULL, 'T'},      {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 'S'},
    };
    size_t nlo = 7;
    for (const struct option *o = cli_stats_options; o->name; o++) longopts[nlo++] = *o;
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (const struct option *o = common; o->name; o++) longopts[nlo++] = *o;
    cli_common_t co;
    cli_common_init(&co, "stats");
    if (argc < 2) {
        fputs(stats_usage, stderr);
        fputs(stats_usage2, stderr);
        fputs(stats_usage3, stderr);
        return 64;
    }
    lm_stats_opt_t opt;
    lm_stats_opt_init(&opt);
    int help = 0, c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":d:m:s:V:T:o:p:S:C:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'd':
            opt.diversity = optarg;
            break;
        case 'm':
            opt.metadata = optarg;
            break;
        case 's':
            opt.subjects = optarg;
            break;
        case 'V':
            opt.visits = optarg;
            break;
        case 'T':
            opt.taxa = optarg;
            break;
        case 'o':
            opt.out = optarg;
            break;
        case 'S':
            if (cli_parse_int("--seed", optarg, 0, 2147483647L, &v)) return 64;
            opt.seed = (uint64_t)v;
            break;
        default: {
            int r = cli_stats_option(&opt,
                                     c == 'p'   ? CLI_ST_PERMS
                                     : c == 'C' ? CLI_ST_COVAR
                                                : c,
                                     optarg);
            if (r == 64) return 64;
            if (!r) return cli_bad_option(c, argv, optind, optopt);
        }
        }
    }
    if (help) {
        fputs(stats_usage, stdout);
        fputs(stats_usage2, stdout);
        fputs(stats_usage3, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    lm_err_t err;
    lm_err_clear(&err);
    if (lm_stats_opt_check(&opt, &err)) return cli_usage_error("%s", err.msg);
    omp_set_num_threads(co.threads);
    /* all outputs or none: a failure (a full disk) leaves no subset of the files */
    lm_afile_hold();
    int rc = lm_stats_run(&opt, &err);
    int held = lm_afile_release(!rc, &err);
    if (!rc) rc = held;
    return rc ? cli_fail(&err) : 0;
}
