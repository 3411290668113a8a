/* SPDX-License-Identifier: MIT */
/* The upper quantile of Student's t at any positive df, as R's qt(). */
#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats_internal.h"

/* log P(T > x), x = e^lx > 1. Q = I_w(df/2, 1/2) / 2 with w = df / (df + x^2); GSL's
 * gsl_cdf_tdist_Q squares x and returns 0 past about 1e154, so once w < 1e-20 the
 * leading term of the incomplete beta's series is used, which is then exact to double
 * precision: I_w(a, b) = w^a / (a B(a, b)) (1 + O(w)). */
static double log_upper_tail(double lx, double df)
{
    const double a = df / 2;
    const double lw = 2 * lx > 600 ? log(df) - 2 * lx : log(df) - log(df + exp(2 * lx));
    if (lw < -46) return a * lw - log(a) - gsl_sf_lnbeta(a, 0.5) - log(2.0);
    return log(gsl_cdf_tdist_Q(exp(lx), df));
}

double stat_t_quantile(double p, double df)
{
    if (!(df > 0) || !(p > 0.5 && p < 1)) return NAN;
    /* GSL's Newton steps fail to converge below about df 0.01 (a degenerate Satterthwaite
     * df of a mixed model reaches 4e-4) and its default handler then aborts the process:
     * call it with the handler off and, when it gives up, solve log Q(x) = log(1 - p) by
     * bisection on log x (Q falls monotonically). Past DBL_MAX the quantile is infinite,
     * as R's qt() says (qt(0.975, 0.001) = Inf). */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    double x = gsl_cdf_tdist_Pinv(p, df);
    if (isnan(x)) {
        const double lq = log1p(-p);
        double lo = 0, hi = log(DBL_MAX); /* Q(e^lo) = 1/4 > 1 - p */
        if (log_upper_tail(hi, df) > lq) {
            x = INFINITY;
        } else {
            for (int i = 0; i < 200 && hi - lo > 4 * DBL_EPSILON * hi; i++) {
                const double mid = 0.5 * (lo + hi);
                if (log_upper_tail(mid, df) > lq)
                    lo = mid;
                else
                    hi = mid;
            }
            x = exp(0.5 * (lo + hi));
        }
    }
    gsl_set_error_handler(old);
    return x;
}
