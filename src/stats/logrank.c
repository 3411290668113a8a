/* SPDX-License-Identifier: MIT */
/* Log-rank test, as survival::survdiff (rho = 0). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

#include "lumen/stats.h"
#include "stats_internal.h"

int lm_stat_logrank(const double *time, const int *event, const int *group, size_t n,
                    lm_logrank_t *res, lm_err_t *err)
{
    int rc = stat_check_surv(time, event, n, err);
    if (rc) return rc;
    int *g = malloc((n ? n : 1) * sizeof(*g));
    size_t *ord = malloc((n ? n : 1) * sizeof(*ord));
    double *w = NULL;
    gsl_matrix *V = NULL;
    gsl_vector *u = NULL, *x = NULL;
    if (!g || !ord || stat_surv_order(time, event, n, ord)) goto oom;
    size_t k = stat_group_index(group, n, g);
    if (k < 2) {
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "log-rank test needs at least two groups, got %zu", k);
        goto out;
    }
    /* w: at-risk counts (k), deaths at this time (k), observed - expected (k) */
    w = calloc(3 * k, sizeof(*w));
    V = gsl_matrix_calloc(k - 1, k - 1);
    u = gsl_vector_alloc(k - 1);
    x = gsl_vector_alloc(k - 1);
    if (!w || !V || !u || !x) goto oom;
    double *risk = w, *dg = w + k, *oe = w + 2 * k;
    for (size_t i = 0; i < n; i++) risk[g[i]] += 1;
    double nrisk = (double)n, nev = 0;
    for (size_t i = 0; i < n;) {
        double t = time[ord[i]];
        size_t j = i;
        double d = 0, left = 0;
        for (size_t q = 0; q < k; q++) dg[q] = 0;
        for (; j < n && time[ord[j]] == t; j++) {
            if (event[ord[j]]) {
                dg[g[ord[j]]] += 1;
                d += 1;
            }
            left += 1;
        }
        if (d > 0) {
            nev += d;
            for (size_t a = 0; a < k; a++) oe[a] += dg[a] - d * risk[a] / nrisk;
            if (nrisk > 1) {
                double f = d * (nrisk - d) / (nrisk - 1) / nrisk;
                for (size_t a = 0; a + 1 < k; a++)
                    for (size_t b = 0; b + 1 < k; b++) {
                        double v = f * risk[a] * ((a == b) - risk[b] / nrisk);
                        gsl_matrix_set(V, a, b, gsl_matrix_get(V, a, b) + v);
                    }
            }
        }
        for (; i < j; i++) risk[g[ord[i]]] -= 1;
        nrisk -= left;
    }
    if (nev == 0) {
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "log-rank test undefined: no events (all censored)");
        goto out;
    }
    for (size_t a = 0; a + 1 < k; a++) gsl_vector_set(u, a, oe[a]);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int bad = gsl_linalg_cholesky_decomp1(V) || gsl_linalg_cholesky_solve(V, u, x);
    gsl_set_error_handler(old);
    if (bad) {
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "log-rank test undefined: a group has no one at risk at any event");
        goto out;
    }
    double chisq = 0;
    for (size_t a = 0; a + 1 < k; a++) chisq += gsl_vector_get(u, a) * gsl_vector_get(x, a);
    *res = (lm_logrank_t){
        .n = n, .groups = (int)k, .chisq = chisq, .p = gsl_cdf_chisq_Q(chisq, (double)(k - 1))};
    goto out;
oom:
    rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
out:
    free(g);
    free(ord);
    free(w);
    gsl_matrix_free(V);
    gsl_vector_free(u);
    gsl_vector_free(x);
    return rc;
}
