/* SPDX-License-Identifier: MIT */
/* Proportions of the derived HBsAg endpoints per arm and week. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "lumen/cohort.h"

void lm_cohort_endpoint_rate(const lm_cohort_t *c, const char *arm, int week, int endpoint,
                             size_t *k, size_t *n, double *lo, double *hi)
{
    *k = *n = 0;
    for (size_t i = 0; i < lm_cohort_n_visits(c); i++) {
        const lm_visit_t *v = lm_cohort_visit(c, i);
        if (v->week != week || lm_cohort_visit_at(c, v->subject, week) != v) continue;
        const char *a = lm_cohort_subject(c, v->subject)->arm;
        if (arm && (!a || strcmp(a, arm))) continue;
        int e = endpoint == LM_END_LOSS ? v->hbsag_loss : v->seroconversion;
        if (e < 0) continue;
        (*n)++;
        *k += (size_t)e;
    }
    if (*n == 0) {
        *lo = *hi = NAN;
        return;
    }
    /* Clopper-Pearson, as R binom.test: beta quantiles, with the closed ends at 0 and n. */
    double K = (double)*k, N = (double)*n;
    *lo = *k == 0 ? 0 : gsl_cdf_beta_Pinv(0.025, K, N - K + 1);
    *hi = *k == *n ? 1 : gsl_cdf_beta_Pinv(0.975, K + 1, N - K);
}
