/* SPDX-License-Identifier: MIT */
/* Checks of design matrices shared by the regression models. */
#include <math.h>
#include <stdlib.h>

#include "stats_internal.h"

/* The first column (in order) that is a linear combination of the ones before it, by
 * modified Gram-Schmidt with R's tolerance 1e-7 relative to the column's norm; -1 when
 * the design has full rank. */
int stat_aliased_column(const double *x, size_t n, int p, int *bad)
{
    double *qm = malloc(n * (size_t)p * sizeof(double) + 1);
    if (!qm) return LM_ENOMEM;
    *bad = -1;
    int kept = 0;
    for (int j = 0; j < p && *bad < 0; j++) {
        double *v = qm + (size_t)kept * n, norm0 = 0;
        for (size_t i = 0; i < n; i++) {
            v[i] = x[i * (size_t)p + j];
            norm0 += v[i] * v[i];
        }
        for (int k = 0; k < kept; k++) {
            const double *u = qm + (size_t)k * n;
            double dot = 0;
            for (size_t i = 0; i < n; i++) dot += u[i] * v[i];
            for (size_t i = 0; i < n; i++) v[i] -= dot * u[i];
        }
        double norm = 0;
        for (size_t i = 0; i < n; i++) norm += v[i] * v[i];
        if (norm0 == 0 || sqrt(norm) < 1e-7 * sqrt(norm0)) {
            *bad = j;
            break;
        }
        norm = sqrt(norm);
        for (size_t i = 0; i < n; i++) v[i] /= norm;
        kept++;
    }
    free(qm);
    return 0;
}
