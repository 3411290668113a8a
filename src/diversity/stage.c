/* SPDX-License-Identifier: MIT */
/* The diversity stage as files: read a table, rarefy, measure alpha and beta diversity,
 * ordinate, write. lumen diversity and lumen run call lm_div_run, so they write the same
 * bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>
#include <omp.h>

#include "lumen/diversity.h"

void lm_div_run_opt_init(lm_div_run_opt_t *o)
{
    memset(o, 0, sizeof(*o));
    o->depth = 0;
    o->auto_keep = 0.9;
    o->seed = LM_DEFAULT_SEED;
    o->base = 2.0;
    o->pseudocount = 1.0;
    for (int m = 0; m < LM_DIV_NMETRICS; m++) o->want[m] = 1;
    o->axes = 10;
}

static int cmp_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

uint64_t lm_div_auto_depth(const lm_table_t *t, double keep)
{
    size_t n = lm_table_n_samples(t);
    if (!n) return 1;
    uint64_t *tot = malloc(n * sizeof(*tot));
    if (!tot) return 1;
    for (size_t j = 0; j < n; j++) tot[j] = lm_table_sample_total(t, j);
    qsort(tot, n, sizeof(*tot), cmp_desc);
    /* the k-th largest total keeps k samples; k = ceil(keep * n), at least 1 */
    size_t k = (size_t)ceil(keep * (double)n - 1e-9);
    if (k < 1) k = 1;
    if (k > n) k = n;
    uint64_t d = tot[k - 1];
    free(tot);
    return d ? d : 1;
}

static int make_dir(const char *dir, lm_err_t *err)
{
    int rc = lm_mkdir_parents(dir, err);
    if (rc) return rc;
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
static int run(const lm_div_run_opt_t *a, const char *table_path, const lm_table_t *in,
               const char *out, int threads, uint64_t *depth_used, lm_err_t *err)
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
    if (!a->no_rarefy && a->depth == LM_DIV_DEPTH_AUTO) {
        depth = lm_div_auto_depth(in, a->auto_keep);
        lm_log_info("rarefying to %llu, the largest depth that keeps %g%% of the samples",
                    (unsigned long long)depth, 100.0 * a->auto_keep);
    }
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
                          : lm_err_set(err, LM_EFORMAT, table_path, 0, 0, "every sample is empty");
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

    if ((rc = make_dir(out, err))) goto done;
    if (!(path = join(out, "alpha", ".tsv"))) goto oom;
    if ((rc = lm_div_write_alpha(path, n, ids, alpha, err))) goto done;
    for (int m = 0; m < LM_DIV_NMETRICS; m++) {
        if (!D[m]) continue;
        free(path);
        if (!(path = join(out, lm_div_metric_name(m), ".tsv"))) goto oom;
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
        if (!(path = join(out, name, ".tsv")) || !(path2 = join(out, name, "_axes.tsv"))) {
            lm_div_pcoa_free(&p);
            goto oom;
        }
        rc = lm_div_write_pcoa(path, path2, ids, &p, (size_t)a->axes, err);
        lm_div_pcoa_free(&p);
        if (rc) goto done;
    }
    if (!a->no_rarefy) {
        free(path);
        if (!(path = join(out, "rarefied_table", ".tsv"))) goto oom;
        if ((rc = lm_table_write_tsv(t, path, err))) goto done;
    }
    free(path);
    if (!(path = join(out, "dropped_samples", ".tsv"))) goto oom;
    rc = write_dropped(path, in, dropped, reason, err);
    lm_log_info("%zu samples, %zu features: results in %s", n, nf, out);
    if (depth_used) *depth_used = a->no_rarefy ? 0 : depth;
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

int lm_div_run(const lm_div_run_opt_t *opt, const char *table_path, const char *out_dir,
               int threads, uint64_t *depth_used, lm_err_t *err)
{
    /* GSL's default handler aborts; lumen checks every return code instead. */
    gsl_set_error_handler_off();
    double t0 = omp_get_wtime();
    lm_table_t *t = lm_table_read_tsv(table_path, err);
    lm_log_debug("%s read: %.3f s", table_path, omp_get_wtime() - t0);
    if (!t) return err->code;
    int rc = run(opt, table_path, t, out_dir, threads, depth_used, err);
    lm_table_destroy(t);
    return rc;
}
