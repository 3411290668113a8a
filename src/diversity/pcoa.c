/* SPDX-License-Identifier: MIT */
/* Principal coordinates as scikit-bio 0.5.8's pcoa(method="eigh") computes them. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "lumen/diversity.h"

void lm_div_pcoa_free(lm_div_pcoa_t *p)
{
    if (!p) return;
    free(p->raw_eigvals);
    free(p->eigvals);
    free(p->proportion);
    free(p->coords);
    *p = (lm_div_pcoa_t){0};
}

/* Gower centring of A = -D^2/2: G = A - row mean - column mean + grand mean (skbio's
 * center_distance_matrix). Means are summed in index order. */
static void gower(const double *D, size_t n, gsl_matrix *G, double *rowmean)
{
    double grand = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++) s += -0.5 * D[i * n + j] * D[i * n + j];
        rowmean[i] = s / (double)n;
        grand += rowmean[i];
    }
    grand /= (double)n;
    /* D is symmetric, so column means equal row means. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(G, i, j,
                           -0.5 * D[i * n + j] * D[i * n + j] - rowmean[i] - rowmean[j] + grand);
}

int lm_div_pcoa(const double *D, size_t n, lm_div_pcoa_t *out, lm_err_t *err)
{
    *out = (lm_div_pcoa_t){0};
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(D[i]))
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                              "PCoA needs finite distances (is a sample empty?)");
    if (!n) return 0;
    out->n = n;
    out->raw_eigvals = malloc(n * sizeof(double));
    out->eigvals = malloc(n * sizeof(double));
    out->proportion = malloc(n * sizeof(double));
    out->coords = calloc(n * n, sizeof(double));
    double *rowmean = malloc(n * sizeof(double));
    gsl_matrix *G = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
    int rc = 0;
    if (!out->raw_eigvals || !out->eigvals || !out->proportion || !out->coords || !rowmean || !G ||
        !V || !ev || !w) {
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    gower(D, n, G, rowmean);
    if (gsl_eigen_symmv(G, ev, V, w) || gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC)) {
        rc = LM_BUG(err, "gsl_eigen_symmv failed");
        goto done;
    }
    /* skbio: np.isclose(eigvals, 0) -> 0, negatives -> 0 with their axes; proportions
     * over the sum of what is left. */
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        double e = gsl_vector_get(ev, k);
        out->raw_eigvals[k] = e;
        out->eigvals[k] = (fabs(e) <= 1e-8 || e < 0) ? 0.0 : e;
        sum += out->eigvals[k];
    }
    for (size_t k = 0; k < n; k++) {
        out->proportion[k] = sum > 0 ? out->eigvals[k] / sum : NAN;
        if (out->eigvals[k] <= 0) continue;
        /* Fix the arbitrary sign: the first entry within 1e-6 (relative) of the largest
         * magnitude is positive. The tolerance keeps rounding noise from choosing between
         * entries that are equal in exact arithmetic. */
        double big = 0;
        for (size_t i = 0; i < n; i++)
            if (fabs(gsl_matrix_get(V, i, k)) > big) big = fabs(gsl_matrix_get(V, i, k));
        size_t best = 0;
        while (best + 1 < n && fabs(gsl_matrix_get(V, best, k)) < big * (1 - 1e-6)) best++;
        double sign = gsl_matrix_get(V, best, k) < 0 ? -1.0 : 1.0, root = sqrt(out->eigvals[k]);
        for (size_t i = 0; i < n; i++)
            out->coords[i * n + k] = sign * gsl_matrix_get(V, i, k) * root + 0.0;
    }
done:
    free(rowmean);
    gsl_matrix_free(G);
    gsl_matrix_free(V);
    gsl_vector_free(ev);
    if (w) gsl_eigen_symmv_free(w);
    if (rc) lm_div_pcoa_free(out);
    return rc;
}
