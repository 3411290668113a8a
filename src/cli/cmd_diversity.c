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
    "  -d, --depth N           rarefaction depth\n"
    "      --no-rarefy         use the counts as they are\n"
    "  -s, --seed S            seed of the rarefaction streams (default 11)\n"
    "      --shannon-base B    2 (default), e, 10 or any number > 1\n"
    "      --pseudocount X     added before the CLR of Aitchison (default 1)\n"
    "      --metrics LIST      comma-separated: braycurtis,jaccard,aitchison (default all)\n"
    "      --pcoa-axes K       PCoA columns to write (default 10; 0 = all)\n"
    "      --no-pcoa           skip the PCoA (its eigen decomposition grows as samples^3)\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_NORAREFY = 1, OPT_BASE, OPT_PSEUDO, OPT_METRICS, OPT_AXES, OPT_NOPCOA };

typedef struct div_args {
    const char *table, *out;
    long depth; /* -1: smallest non-zero total */
    int no_rarefy, no_pcoa;
    unsigned long long seed;
    double base, pseudocount;
    int want[LM_DIV_NMETRICS];
    long axes;
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

static int parse_double(const char *opt, const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v))
        return cli_usage_error("%s needs a number, not '%s'", opt, arg);
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, cli_common_t *co, div_args_t *a, int *help)
{
    static const struct option longopts[] = {
        {"table", required_argument, NULL, 'i'},
        {"out", required_argument, NULL, 'o'},
        {"depth", required_argument, NULL, 'd'},
        {"seed", required_argument, NULL, 's'},
        {"no-rarefy", no_argument, NULL, OPT_NORAREFY},
        {"shannon-base", required_argument, NULL, OPT_BASE},
        {"pseudocount", required_argument, NULL, OPT_PSEUDO},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"pcoa-axes", required_argument, NULL, OPT_AXES},
        {"no-pcoa", no_argument, NULL, OPT_NOPCOA},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":i:o:d:s:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(co, c, optarg, help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'i':
            a->table = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'd':
            if (cli_parse_int("--depth", optarg, 1, 4000000000L, &a->depth)) return 64;
            break;
        case 's':
            if (cli_parse_int("--seed", optarg, 0, 4000000000L, &v)) return 64;
            a->seed = (unsigned long long)v;
            break;
        case OPT_NORAREFY:
            a->no_rarefy = 1;
            break;
        case OPT_NOPCOA:
            a->no_pcoa = 1;
            break;
        case OPT_BASE:
            if (strcmp(optarg, "e") == 0)
                a->base = exp(1.0);
            else if (parse_double("--shannon-base", optarg, &a->base))
                return 64;
            if (!(a->base > 1)) return cli_usage_error("--shannon-base must be above 1");
            break;
        case OPT_PSEUDO:
            if (parse_double("--pseudocount", optarg, &a->pseudocount)) return 64;
            if (!(a->pseudocount > 0)) return cli_usage_error("--pseudocount must be above 0");
            break;
        case OPT_METRICS:
            if (parse_metrics(optarg, a->want)) return 64;
            break;
        case OPT_AXES:
            if (cli_parse_int("--pcoa-axes", optarg, 0, 1000000000L, &a->axes)) return 64;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (*help) return 0;
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a->table) return cli_usage_error("--table is required");
    if (!a->out) return cli_usage_error("--out is required");
    if (a->no_rarefy && a->depth > 0)
        return cli_usage_error("--depth and --no-rarefy exclude each other");
    return 0;
}

static int make_dir(const char *dir, lm_err_t *err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
    return lm_err_set(err, LM_ECREATE, dir, 0, 0, "cannot create the folder: %s", strerror(errno));
}

static int write_dropped(const char *path, const lm_table_t *t, const unsigned char *dropped,
                         const char *reason, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    FILE *o = lm_afile_stream(f);
    fputs("sample-id\ttotal\treason\n", o);
    for (size_t j = 0; j < lm_table_n_samples(t); j++)
        if (dropped[j])
            fprintf(o, "%s\t%llu\t%s\n", lm_table_sample_id(t, j),
                    (unsigned long long)lm_table_sample_total(t, j),
                    lm_table_sample_total(t, j) ? reason : "empty");
    return lm_afile_commit(f, err);
}

static char *join(const char *dir, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s%s", dir, name, suffix);
    return p;
}

/* Everything after the table is read: rarefy, measure, write. */
static int run(const div_args_t *a, const lm_table_t *in, int threads, lm_err_t *err)
{
    size_t ns = lm_table_n_samples(in);
    unsigned char *dropped = calloc(ns ? ns : 1, 1);
    lm_table_t *t = NULL;
    double *D[LM_DIV_NMETRICS] = {0};
    lm_div_alpha_t *alpha = NULL;
    const char **ids = NULL;
    char *path = NULL, *path2 = NULL;
    char reason[64];
    int rc = dropped ? 0 : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc) goto done;
    uint64_t depth = (uint64_t)(a->depth > 0 ? a->depth : 0);
    if (!a->no_rarefy && !depth) {
        for (size_t j = 0; j < ns; j++) {
            uint64_t tot = lm_table_sample_total(in, j);
            if (tot && (!depth || tot < depth)) depth = tot;
        }
        if (!depth) depth = 1;
        lm_log_info("rarefying to %llu, the smallest non-zero sample total",
                    (unsigned long long)depth);
    }
    snprintf(reason, sizeof(reason), "below depth %llu", (unsigned long long)depth);
    if (a->no_rarefy) {
        unsigned char *keep = malloc(ns ? ns : 1);
        if (!keep) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        for (size_t j = 0; j < ns; j++) keep[j] = !(dropped[j] = !lm_table_sample_total(in, j));
        t = lm_table_subset_samples(in, keep, err);
        free(keep);
    } else {
        t = lm_div_rarefy(in, depth, a->seed, threads, dropped, err);
    }
    if (!t) {
        rc = err->code;
        goto done;
    }
    size_t n = lm_table_n_samples(t), nf = lm_table_n_features(t);
    for (size_t j = 0; j < ns; j++)
        if (dropped[j])
            lm_log_warn("sample '%s' dropped (%llu counts: %s)", lm_table_sample_id(in, j),
                        (unsigned long long)lm_table_sample_total(in, j),
                        lm_table_sample_total(in, j) ? reason : "empty");
    if (n == 0) {
        rc = a->depth > 0 ? lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                                       "--depth %llu is above every sample's total",
                                       (unsigned long long)depth)
                          : lm_err_set(err, LM_EFORMAT, a->table, 0, 0, "every sample is empty");
        goto done;
    }
    ids = malloc((n ? n : 1) * sizeof(*ids));
    alpha = malloc((n ? n : 1) * sizeof(*alpha));
    if (!ids || !alpha) {
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    lm_csr_t s;
    lm_table_by_sample(t, &s);
    for (size_t j = 0; j < n; j++) {
        ids[j] = lm_table_sample_id(t, j);
        /* Alpha metrics only see non-zero counts, so the sparse row is enough. */
        lm_div_alpha(s.val + s.ptr[j], s.ptr[j + 1] - s.ptr[j], a->base, &alpha[j]);
    }
    for (int m = 0; m < LM_DIV_NMETRICS; m++)
        if (a->want[m] && !(D[m] = malloc((n ? n * n : 1) * sizeof(double)))) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory (%zu samples)", n);
            goto done;
        }
    lm_div_beta_opt_t bo;
    lm_div_beta_opt_init(&bo);
    bo.pseudocount = a->pseudocount;
    bo.threads = threads;
    double t0 = omp_get_wtime();
    if ((rc = lm_div_beta_opt_check(&bo, err)) || (rc = lm_div_beta(&s, &bo, D, err))) goto done;
    lm_log_debug("beta diversity: %.3f s", omp_get_wtime() - t0);

    if ((rc = make_dir(a->out, err))) goto done;
    if (!(path = join(a->out, "alpha", ".tsv"))) goto oom;
    if ((rc = lm_div_write_alpha(path, n, ids, alpha, err))) goto done;
    for (int m = 0; m < LM_DIV_NMETRICS; m++) {
        if (!D[m]) continue;
        free(path);
        if (!(path = join(a->out, lm_div_metric_name(m), ".tsv"))) goto oom;
        t0 = omp_get_wtime();
        if ((rc = lm_div_write_matrix(path, n, ids, D[m], threads, err))) goto done;
        lm_log_debug("%s written: %.3f s", path, omp_get_wtime() - t0);
        if (a->no_pcoa || n < 2) continue;
        if (n > 3000)
            lm_log_warn(
                "the PCoA of %zu samples grows as n^3 and may take long; --no-pcoa skips it", n);
        lm_div_pcoa_t p;
        t0 = omp_get_wtime();
        if ((rc = lm_div_pcoa(D[m], n, &p, err))) goto done;
        lm_log_debug("PCoA of %s: %.3f s", lm_div_metric_name(m), omp_get_wtime() - t0);
        size_t neg = 0;
        for (size_t k = 0; k < n; k++) neg += p.raw_eigvals[k] < -1e-8;
        if (neg) /* as skbio warns: their axes are zero; compare them with the largest */
            lm_log_info("PCoA of %s: %zu negative eigenvalues (smallest %g, largest %g), "
                        "listed as raw_eigenvalue",
                        lm_div_metric_name(m), neg, p.raw_eigvals[n - 1], p.raw_eigvals[0]);
        free(path);
        free(path2);
        path2 = NULL;
        char name[64];
        snprintf(name, sizeof(name), "pcoa_%s", lm_div_metric_name(m));
        if (!(path = join(a->out, name, ".tsv")) || !(path2 = join(a->out, name, "_axes.tsv"))) {
            lm_div_pcoa_free(&p);
            goto oom;
        }
        rc = lm_div_write_pcoa(path, path2, ids, &p, (size_t)a->axes, err);
        lm_div_pcoa_free(&p);
        if (rc) goto done;
    }
    if (!a->no_rarefy) {
        free(path);
        if (!(path = join(a->out, "rarefied_table", ".tsv"))) goto oom;
        if ((rc = lm_table_write_tsv(t, path, err))) goto done;
    }
    free(path);
    if (!(path = join(a->out, "dropped_samples", ".tsv"))) goto oom;
    rc = write_dropped(path, in, dropped, reason, err);
    lm_log_info("%zu samples, %zu features: results in %s", n, nf, a->out);
    goto done;
oom:
    rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
done:
    for (int m = 0; m < LM_DIV_NMETRICS; m++) free(D[m]);
    free(path);
    free(path2);
    free(ids);
    free(alpha);
    free(dropped);
    lm_table_destroy(t);
    return rc;
}

int cmd_diversity(int argc, char **argv)
{
    cli_common_t co;
    cli_common_init(&co, "diversity");
    if (argc < 2) {
        fputs(div_usage, stderr);
        return 64;
    }
    div_args_t a = {.depth = -1,
                    .seed = LM_DEFAULT_SEED,
                    .base = 2.0,
                    .pseudocount = 1.0,
                    .want = {1, 1, 1},
                    .axes = 10};
    int help = 0, rc = parse_args(argc, argv, &co, &a, &help);
    if (rc) return rc;
    if (help) {
        fputs(div_usage, stdout);
        return 0;
    }
    /* GSL's default handler aborts; lumen checks every return code instead. */
    gsl_set_error_handler_off();
    lm_err_t err;
    lm_err_clear(&err);
    double t0 = omp_get_wtime();
    lm_table_t *t = lm_table_read_tsv(a.table, &err);
    lm_log_debug("%s read: %.3f s", a.table, omp_get_wtime() - t0);
    if (!t) return cli_fail(&err);
    rc = run(&a, t, co.threads, &err);
    lm_table_destroy(t);
    return rc ? cli_fail(&err) : 0;
}
