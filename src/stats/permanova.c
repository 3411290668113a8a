/* SPDX-License-Identifier: MIT */
/* One-factor PERMANOVA, as vegan::adonis2 (pseudo-F, R^2, permutation p with strata). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "lumen/stats.h"
#include "stats_internal.h"

void lm_permanova_opt_init(lm_permanova_opt_t *opt)
{
    opt->permutations = 999;
    opt->seed = LM_DEFAULT_SEED;
    opt->stream = 0;
}

int lm_permanova_opt_check(const lm_permanova_opt_t *opt, lm_err_t *err)
{
    if (opt->permutations < 1 || opt->permutations > 1000000)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                          "permutations must be between 1 and 1000000, got %d", opt->permutations);
    return 0;
}

/* Within-group sum of squares: sum over groups of (1/n_g) sum_{i<j in g} d_ij^2. d2 is
 * the strict lower triangle of squared distances, row by row; sums run in a fixed order
 * (per group, pairs in row order), so the result does not depend on threads. */
static double ss_within(const double *d2, size_t n, const int *g, size_t k, double *acc,
                        const double *cnt)
{
    for (size_t j = 0; j < k; j++) acc[j] = 0;
    size_t o = 0;
    for (size_t i = 1; i < n; i++) {
        int gi = g[i];
        for (size_t j = 0; j < i; j++, o++)
            if (g[j] == gi) acc[gi] += d2[o];
    }
    double s = 0;
    for (size_t j = 0; j < k; j++) s += acc[j] / cnt[j];
    return s;
}

int lm_stat_permanova(const double *dist, size_t n, const int *group, const int *strata,
                      const lm_permanova_opt_t *opt, lm_permanova_t *res, lm_err_t *err)
{
    int rc = lm_permanova_opt_check(opt, err);
    if (rc) return rc;
    if (n < 3)
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                          "PERMANOVA needs at least 3 samples, got %zu", n);
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(dist[i]))
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "distance matrix is not finite");
    int P = opt->permutations;
    size_t npair = n * (n - 1) / 2;
    double *d2 = malloc(npair * sizeof(*d2));
    int *g = malloc(n * sizeof(*g)), *st = malloc(n * sizeof(*st));
    /* permutations are made and scored in chunks of CHUNK: memory stays CHUNK x n */
    enum { CHUNK = 1024 };
    int *perms = malloc((size_t)CHUNK * n * sizeof(*perms));
    double *cnt = NULL, *fperm = NULL;
    size_t *blk = malloc(n * sizeof(*blk));
    gsl_rng *rng = NULL;
    if (!d2 || !g || !st || !perms || !blk) goto oom;
    size_t k = stat_group_index(group, n, g);
    if (!k) goto oom;
    if (k < 2 || k >= n) {
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "PERMANOVA needs 2 to n-1 groups; %zu samples in %zu groups", n, k);
        goto out;
    }
    size_t nst = 1;
    if (strata) {
        nst = stat_group_index(strata, n, st);
        if (!nst) goto oom;
    } else {
        memset(st, 0, n * sizeof(*st));
    }
    cnt = calloc(2 * k, sizeof(*cnt));
    fperm = malloc((size_t)P * sizeof(*fperm));
    if (!cnt || !fperm) goto oom;
    for (size_t i = 0; i < n; i++) cnt[g[i]] += 1;
    size_t o = 0;
    double sst = 0;
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++, o++) {
            double v = dist[i * n + j];
            d2[o] = v * v;
            sst += d2[o];
        }
    sst /= (double)n;
    double dfm = (double)(k - 1), dfr = (double)(n - k);
    double ssw = ss_within(d2, n, g, k, cnt + k, cnt);
    double F = ((sst - ssw) / dfm) / (ssw / dfr);

    /* Permutations are drawn serially from one seeded stream (so they do not depend on
     * threads), then scored in parallel into their own slots. Within each stratum the
     * labels of its members are shuffled among themselves. */
    rng = lm_rng_create(opt->seed, opt->stream);
    if (!rng) goto oom;
    size_t nb = 0;
    for (size_t s = 0; s < nst; s++)
        for (size_t i = 0; i < n; i++)
            if ((size_t)st[i] == s) blk[nb++] = i;
    int fail = 0;
    for (int base = 0; base < P && !fail; base += CHUNK) {
        int m = P - base < CHUNK ? P - base : CHUNK;
        for (int p = 0; p < m; p++) {
            int *pg = perms + (size_t)p * n;
            memcpy(pg, g, n * sizeof(*pg));
            size_t start = 0;
            while (start < n) {
                size_t end = start + 1;
                while (end < n && st[blk[end]] == st[blk[start]]) end++;
                /* Fisher-Yates over the members blk[start..end) */
                for (size_t i = end - start; i > 1; i--) {
                    size_t j = (size_t)gsl_rng_uniform_int(rng, i);
                    int t = pg[blk[start + i - 1]];
                    pg[blk[start + i - 1]] = pg[blk[start + j]];
                    pg[blk[start + j]] = t;
                }
                start = end;
            }
        }
#pragma omp parallel
        {
            double *acc = malloc(k * sizeof(*acc));
            if (!acc) {
#pragma omp atomic write
                fail = 1;
            }
#pragma omp for schedule(dynamic, 8)
            for (int p = 0; p < m; p++) {
                if (!acc) continue;
                double w = ss_within(d2, n, perms + (size_t)p * n, k, acc, cnt);
                fperm[base + p] = ((sst - w) / dfm) / (w / dfr);
            }
            free(acc);
        }
    }
    if (fail) goto oom;
    const double eps = sqrt(DBL_EPSILON);
    int ge = 0;
    for (int p = 0; p < P; p++) ge += fperm[p] >= F - eps;
    *res = (lm_permanova_t){.n = n,
                            .df_model = (int)(k - 1),
                            .df_resid = (int)(n - k),
                            .ss_model = sst - ssw,
                            .ss_resid = ssw,
                            .ss_total = sst,
                            .F = F,
                            .r2 = (sst - ssw) / sst,
                            .p = (ge + 1.0) / (P + 1.0),
                            .permutations = P};
    goto out;
oom:
    rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
out:
    if (rng) gsl_rng_free(rng);
    free(d2);
    free(g);
    free(st);
    free(perms);
    free(cnt);
    free(fperm);
    free(blk);
    return rc;
}
