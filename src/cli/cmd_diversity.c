/* SPDX-License-Identifier: MIT */
/* lumen diversity: rarefaction, alpha and beta diversity, PCoA. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>
#include <omp.h>

#include "cli.h"
#include "lumen/diversity.h"

static const char div_usage[] =
    "Usage: lumen diversity --table table.tsv --out DIR [--depth N | --no-rarefy] [options]\n"
    "\n"
    "Rarefies a feature table, then computes alpha diversity, beta diversity matrices and\n"
    "their principal coordinates. Every number is scikit-bio 0.5.8's (and vegan 2.6's\n"
    "vegdist for the distances).\n"
    "\n"
    "Rarefaction draws N counts per sample without replacement (the distribution of\n"
    "skbio's subsample_counts), sample i from a stream seeded by (--seed, i), so the\n"
    "result never depends on --threads. Samples with fewer than N counts are dropped. With\n"
    "--no-rarefy the counts are used as they are and only empty samples are dropped.\n"
    "Without either option the depth is the smallest non-zero sample total.\n"
    "\n"
    "Files written to DIR:\n"
    "  alpha.tsv            sample-id, observed_features, chao1 (bias-corrected:\n"
    "                       S + F1(F1-1)/(2(F2+1)), as skbio), shannon (base 2 unless\n"
    "                       --shannon-base), simpson (1 - sum p^2), pielou_evenness\n"
    "                       (H ln / ln S; nan when S <= 1), goods_coverage (1 - F1/N)\n"
    "  braycurtis.tsv       sum|u-v| / sum(u+v)\n"
    "  jaccard.tsv          1 - |U and V| / |U or V| on presence/absence\n"
    "  aitchison.tsv        Euclidean distance of clr(x + pseudocount) over every feature\n"
    "                       row of the table (all-zero rows included), as vegdist's\n"
    "                       method=\"aitchison\"\n"
    "                       (matrices in scikit-bio's DistanceMatrix TSV: an empty cell and\n"
    "                       the sample IDs, then one row per sample)\n"
    "  pcoa_METRIC.tsv      sample-id, PC1..PCk: coordinates as skbio's pcoa (eigenvectors\n"
    "                       of the Gower-centred -D^2/2 scaled by sqrt(eigenvalue); axes\n"
    "                       with negative eigenvalues are 0; each axis's sign is fixed so\n"
    "                       its largest coordinate (the first, on near ties) is positive)\n"
    "  pcoa_METRIC_axes.tsv axis, eigenvalue (as skbio: negatives and |x| <= 1e-8 set to\n"
    "                       0), proportion_explained (eigenvalue / sum of eigenvalues),\n"
    "                       raw_eigenvalue (negatives kept): one row per axis\n"
    "  rarefied_table.tsv   the rarefied table (every input feature row kept)\n"
    "  dropped_samples.tsv  sample-id, total, reason: samples left out\n"
    "Numbers are printed with %.17g (exact round trip); undefined values as nan.\n"
    "\n"
    "Options:\n"
    "  -i, --table FILE        feature table in biom's TSV form (lumen table's table.tsv)\n"
    "  -o, --out DIR           output folder (created if missing)\n"
    "  -d, --depth N|auto[:F]|min  rarefaction depth; 'auto' takes the largest depth that\n"
    "                          keeps at least 90% of the samples (F of them with auto:F;\n"
    "                          lumen run's default), 'min' the smallest non-zero total\n"
    "                          (the default here); the depth used is logged\n"
    "      --no-rarefy         use the counts as they are\n"
    "  -s, --seed S            seed of the rarefaction streams (default 11)\n"
    "      --shannon-base B    2 (default), e, 10 or any number > 1\n"
    "      --pseudocount X     added before the CLR of Aitchison (default 1)\n"
    "      --metrics LIST      comma-separated: braycurtis,jaccard,aitchison (default all)\n"
    "      --pcoa-axes K       PCoA columns to write (default 10; 0 = all)\n"
    "      --no-pcoa           skip the PCoA (its eigen decomposition grows as samples^3)\n"
    "\n" CLI_COMMON_HELP;

typedef struct div_args {
    const char *table, *out;
    lm_div_run_opt_t o;
} div_args_t;

static int parse_metrics(const char *arg, int *want)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", arg);
    for (int m = 0; m < LM_DIV_NMETRICS; m++) want[m] = 0;
    char *save = NULL;
    int any = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int m = lm_div_metric_parse(tok);
        if (m < 0)
            return cli_usage_error("unknown metric '%s' (braycurtis, jaccard, aitchison)", tok);
        want[m] = any = 1;
    }
    return any ? 0 : cli_usage_error("--metrics names no metric");
}

const struct option cli_div_options[] = {
    {"depth", required_argument, NULL, CLI_DIV_DEPTH},
    {"seed", required_argument, NULL, CLI_DIV_SEED},
    {"no-rarefy", no_argument, NULL, CLI_DIV_NORAREFY},
    {"shannon-base", required_argument, NULL, CLI_DIV_BASE},
    {"pseudocount", required_argument, NULL, CLI_DIV_PSEUDO},
    {"metrics", required_argument, NULL, CLI_DIV_METRICS},
    {"pcoa-axes", required_argument, NULL, CLI_DIV_AXES},
    {"no-pcoa", no_argument, NULL, CLI_DIV_NOPCOA},
    {NULL, 0, NULL, 0},
};

int cli_div_option(lm_div_run_opt_t *o, int c, const char *arg)
{
    long v;
    switch (c) {
    case CLI_DIV_DEPTH:
        if (strcmp(arg, "min") == 0) {
            o->depth = 0;
            return 1;
        }
        if (strncmp(arg, "auto", 4) == 0) {
            o->depth = LM_DIV_DEPTH_AUTO;
            o->auto_keep = 0.9;
            if (arg[4] == ':') {
                if (cli_parse_double("--depth auto:FRACTION", arg + 5, &o->auto_keep)) return 64;
                if (!(o->auto_keep > 0 && o->auto_keep <= 1))
                    return cli_usage_error("--depth auto:FRACTION needs 0 < FRACTION <= 1");
            } else if (arg[4]) {
                return cli_usage_error("--depth needs a number, 'auto' or 'auto:FRACTION'");
            }
            return 1;
        }
        if (cli_parse_int("--depth", arg, 1, 4000000000L, &o->depth)) return 64;
        return 1;
    case CLI_DIV_SEED:
        if (cli_parse_int("--seed", arg, 0, 4000000000L, &v)) return 64;
        o->seed = (uint64_t)v;
        return 1;
    case CLI_DIV_NORAREFY:
        o->no_rarefy = 1;
        return 1;
    case CLI_DIV_NOPCOA:
        o->no_pcoa = 1;
        return 1;
    case CLI_DIV_BASE:
        if (strcmp(arg, "e") == 0)
            o->base = exp(1.0);
        else if (cli_parse_double("--shannon-base", arg, &o->base))
            return 64;
        if (!(o->base > 1)) return cli_usage_error("--shannon-base must be above 1");
        return 1;
    case CLI_DIV_PSEUDO:
        if (cli_parse_double("--pseudocount", arg, &o->pseudocount)) return 64;
        if (!(o->pseudocount > 0)) return cli_usage_error("--pseudocount must be above 0");
        return 1;
    case CLI_DIV_METRICS:
        return parse_metrics(arg, o->want) ? 64 : 1;
    case CLI_DIV_AXES:
        if (cli_parse_int("--pcoa-axes", arg, 0, 1000000000L, &o->axes)) return 64;
        return 1;
    }
    return 0;
}

int cli_div_check(const lm_div_run_opt_t *o)
{
    if (o->no_rarefy && o->depth != 0)
        return cli_usage_error("--depth and --no-rarefy exclude each other");
    return 0;
}

static int parse_args(int argc, char **argv, cli_common_t *co, div_args_t *a, int *help)
{
    struct option longopts[32] = {
        {"table", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
    };
    size_t n = 2;
    for (const struct option *o = cli_div_options; o->name; o++) longopts[n++] = *o;
    const struct option common[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    for (const struct option *o = common; o->name; o++) longopts[n++] = *o;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:o:d:s:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(co, c, optarg, help);
        if (h < 0) return 64;
        if (h) continue;
        if (c == 'i') {
            a->table = optarg;
            continue;
        }
        if (c == 'o') {
            a->out = optarg;
            continue;
        }
        if (c == 'd') c = CLI_DIV_DEPTH;
        if (c == 's') c = CLI_DIV_SEED;
        int r = cli_div_option(&a->o, c, optarg);
        if (r == 64) return 64;
        if (!r) return cli_bad_option(c, argv, optind, optopt);
    }
    if (*help) return 0;
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a->table) return cli_usage_error("--table is required");
    if (!a->out) return cli_usage_error("--out is required");
    return cli_div_check(&a->o) ? 64 : 0;
}

int cmd_diversity(int argc, char **argv)
{
    cli_common_t co;
    cli_common_init(&co, "diversity");
    if (argc < 2) {
        fputs(div_usage, stderr);
        return 64;
    }
    div_args_t a = {0};
    lm_div_run_opt_init(&a.o);
    int help = 0, rc = parse_args(argc, argv, &co, &a, &help);
    if (rc) return rc;
    if (help) {
        fputs(div_usage, stdout);
        return 0;
    }
    lm_err_t err;
    lm_err_clear(&err);
    /* all outputs or none: a failure (a full disk) leaves no subset of the files */
    lm_afile_hold();
    rc = lm_div_run(&a.o, a.table, a.out, co.threads, NULL, &err);
    int held = lm_afile_release(!rc, &err);
    if (!rc) rc = held;
    return rc ? cli_fail(&err) : 0;
}
