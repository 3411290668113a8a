/* SPDX-License-Identifier: MIT */
/* Kruskal-Wallis H test, as scipy.stats.kruskal and R kruskal.test. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include <gsl/gsl_sort.h>

#include "lumen/stats.h"
#include "stats_internal.h"

int lm_stat_kruskal(const double *x, const int *group, size_t n, lm_stat_test_t *res, lm_err_t *err)
{
    int bad = 0;
    if (!bad) bad = stat_check_finite(x, n, "Kruskal-Wallis", err);
    if (bad) return bad;
    double *r = malloc((n ? n : 1) * 2 * sizeof(*r));
    int *g = malloc((n ? n : 1) * sizeof(*g));
    if (!r || !g) {
        free(r);
        free(g);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t k = stat_group_index(group, n, g);
    int rc = 0;
    double *rs = NULL, *cnt = NULL;
    if (k < 2) {
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "Kruskal-Wallis test needs at least two groups, got %zu", k);
        goto out;
    }
    double *sorted = r + n;
    for (size_t i = 0; i < n; i++) sorted[i] = x[i];
    gsl_sort(sorted, 1, n);
    if (sorted[0] == sorted[n - 1]) {
        rc = lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                        "Kruskal-Wallis test undefined: all values are identical");
        goto out;
    }
    rs = calloc(k, sizeof(*rs));
    cnt = calloc(k, sizeof(*cnt));
    if (!rs || !cnt || lm_stat_rank(x, n, r)) {
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rs[g[i]] += r[i];
        cnt[g[i]] += 1;
    }
    double ties = stat_tie_term_sorted(sorted, n);
    double dn = (double)n;
    ties = 1 - ties / (dn * dn * dn - dn);
    double ssbn = 0;
    for (size_t j = 0; j < k; j++) ssbn += rs[j] * rs[j] / cnt[j];
    double h = 12.0 / (dn * (dn + 1)) * ssbn - 3 * (dn + 1);
    h /= ties;
    *res = (lm_stat_test_t){
        .statistic = h, .p = gsl_cdf_chisq_Q(h, (double)(k - 1)), .z = NAN, .exact = 0};
out:
    free(rs);
    free(cnt);
    free(r);
    free(g);
    return rc;
}
