/* SPDX-License-Identifier: MIT */
/* Kaplan-Meier with Greenwood log-scale CIs, as survival::survfit (conf.type = "log"). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "lumen/stats.h"
#include "stats_internal.h"

struct lm_km {
    size_t n, npt;
    lm_km_point_t *pt;
};

lm_km_t *lm_km_create(const double *time, const int *event, size_t n, lm_err_t *err)
{
    if (n == 0) {
        lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "Kaplan-Meier needs at least one subject");
        return NULL;
    }
    if (stat_check_surv(time, event, n, err)) return NULL;
    lm_km_t *km = calloc(1, sizeof(*km));
    size_t *ord = malloc(n * sizeof(*ord));
    if (km) km->pt = malloc(n * sizeof(*km->pt));
    if (!km || !ord || !km->pt || stat_surv_order(time, event, n, ord)) {
        free(ord);
        lm_km_destroy(km);
        lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    const double z = gsl_cdf_ugaussian_Pinv(0.975);
    double s = 1, var = 0;
    size_t risk = n;
    for (size_t i = 0; i < n;) {
        double t = time[ord[i]];
        size_t d = 0, c = 0, j = i;
        for (; j < n && time[ord[j]] == t; j++) {
            if (event[ord[j]])
                d++;
            else
                c++;
        }
        if (d) {
            s *= 1.0 - (double)d / (double)risk;
            /* Greenwood; infinite once everyone at risk has died (S = 0) */
            var += risk > d ? (double)d / ((double)risk * (double)(risk - d)) : INFINITY;
        }
        lm_km_point_t *p = &km->pt[km->npt++];
        *p = (lm_km_point_t){
            .time = t, .n_risk = risk, .n_event = d, .n_censor = c, .surv = s, .se_log = sqrt(var)};
        if (s > 0 && isfinite(var)) {
            p->lower = exp(log(s) - z * p->se_log);
            p->upper = fmin(1.0, exp(log(s) + z * p->se_log));
        } else {
            p->lower = p->upper = NAN;
        }
        risk -= d + c;
        i = j;
    }
    km->n = n;
    free(ord);
    return km;
}

void lm_km_destroy(lm_km_t *km)
{
    if (!km) return;
    free(km->pt);
    free(km);
}

size_t lm_km_size(const lm_km_t *km)
{
    return km->npt;
}

const lm_km_point_t *lm_km_point(const lm_km_t *km, size_t i)
{
    return &km->pt[i];
}

int lm_km_at(const lm_km_t *km, double t, lm_km_point_t *pt)
{
    if (km->npt == 0 || t > km->pt[km->npt - 1].time) {
        *pt = (lm_km_point_t){.time = t, .surv = NAN, .se_log = NAN, .lower = NAN, .upper = NAN};
        return LM_EOF;
    }
    /* before the first time: S = 1, everyone at risk */
    lm_km_point_t r = {.time = t, .n_risk = km->n, .surv = 1, .se_log = 0, .lower = 1, .upper = 1};
    size_t i = 0;
    for (; i < km->npt && km->pt[i].time <= t; i++) {
        r.surv = km->pt[i].surv;
        r.se_log = km->pt[i].se_log;
        r.lower = km->pt[i].lower;
        r.upper = km->pt[i].upper;
    }
    /* at risk at t: those whose time is >= t */
    r.n_risk = i > 0 && km->pt[i - 1].time == t ? km->pt[i - 1].n_risk
               : i < km->npt                    ? km->pt[i].n_risk
                                                : 0;
    *pt = r;
    return 0;
}
