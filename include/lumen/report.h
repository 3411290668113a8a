/* SPDX-License-Identifier: MIT */
/**
 * @file report.h
 * @brief report.html: one self-contained page (inline SVG figures, CSS and a little
 *        JavaScript, no external requests) drawn from whatever files a results folder
 *        holds, and the small plotting toolkit it is drawn with (nice ticks, boxplot
 *        statistics, Kaplan-Meier step curves, HTML escaping).
 *
 * The page reads the results folder's layout (qc/, features/, taxa/, diversity/, stats/,
 * cohort/, provenance.json). A section whose inputs are absent, or cannot be read, is left
 * out with a one-line note; the page is still written. Every string that comes from an
 * input file is escaped for HTML text and attributes.
 *
 * The maths functions are pure and thread-safe; lm_report_write() keeps nothing between
 * calls.
 */
#ifndef LUMEN_REPORT_H
#define LUMEN_REPORT_H

#include <stddef.h>

#include "lumen/stats.h"
#include "lumen/util.h"

/**
 * Write the report of results folder `results_dir` to `out_path` (NULL: results_dir/
 * report.html), atomically (lm_afile). Links to the TSV files a figure was drawn from are
 * relative to the page's folder. Errors: LM_ENOINPUT when results_dir is not a readable
 * folder, LM_ECREATE / LM_EIO when the page cannot be written, LM_ENOMEM. Bad or missing
 * inputs are not errors: their sections carry a note instead.
 */
int lm_report_write(const char *results_dir, const char *out_path, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Plotting toolkit (exposed for tests)                                               */
/* ---------------------------------------------------------------------------------- */

/** Most ticks an axis gets. */
#define LM_REPORT_MAXTICKS 64

/** Axis ticks: the axis runs from lo to hi; v[0..n) are the tick positions (data units). */
typedef struct lm_report_ticks {
    double lo, hi;
    double step; /**< linear: distance between ticks; log: 0 */
    int log;     /**< 1 for a log10 axis */
    int n;
    double v[LM_REPORT_MAXTICKS];
} lm_report_ticks_t;

/**
 * Linear ticks for data in [min, max], as R's pretty(c(min, max), n = want) (R_pretty
 * with its defaults: min.n = n %/% 3, shrink.sml = 0.75, high.u.bias = 1.5,
 * u5.bias = 0.5 + 1.5 * high.u.bias): Heckbert's nice numbers 1, 2, 5 x 10^k, and the axis
 * spans the first to the last tick. min == max (one value) gives ticks around it; NaN or
 * infinite bounds (no data) give pretty(c(0, 1)). Returns 0, or LM_EUSAGE when want < 1.
 */
int lm_report_nice_ticks(double min, double max, int want, lm_report_ticks_t *t);

/**
 * Log10 ticks for positive data in [min, max]: the powers of ten from
 * 10^floor(log10 min) to 10^ceil(log10 max) (the axis spans them), plus 2x and 5x when
 * the data cover fewer than three decades. One value spans its decade; no positive data
 * gives 1..10. Returns 0, or LM_EUSAGE when more than LM_REPORT_MAXTICKS would be needed.
 */
int lm_report_log_ticks(double min, double max, lm_report_ticks_t *t);

/** Boxplot statistics, as R's boxplot.stats(x) (coef = 1.5). */
typedef struct lm_report_box {
    size_t n;        /**< finite values used */
    double stats[5]; /**< lower whisker, lower hinge, median, upper hinge, upper whisker */
    size_t n_out;    /**< values beyond the whiskers (listed in out when non-NULL) */
} lm_report_box_t;

/**
 * boxplot.stats(x, coef = 1.5): hinges and median are Tukey's fivenum(x); the whiskers
 * reach the most extreme values within 1.5 IQR of the hinges; values beyond are outliers,
 * copied in input order into out (caller-owned, n slots; may be NULL). NaN values are
 * dropped (R's na.rm). With no values n is 0 and stats are NaN. Returns 0 or LM_ENOMEM.
 */
int lm_report_boxstats(const double *x, size_t n, lm_report_box_t *box, double *out) LM_MUST_CHECK;

/**
 * The vertices of a Kaplan-Meier curve drawn as a right-continuous step function:
 * (0, 1), then for each distinct time t_i of km a horizontal segment to (t_i, S(t_i-))
 * and a vertical one to (t_i, S(t_i)). Writes up to cap vertices into x and y and returns
 * how many the whole curve has (1 + 2 * lm_km_size(km)); call with cap 0 to size.
 */
size_t lm_report_km_steps(const lm_km_t *km, double *x, double *y, size_t cap);

/**
 * Escape s for HTML text and for a quoted attribute value: & < > " ' become entities;
 * other control characters than tab, CR and LF become U+FFFD. Returns a new string
 * (free()), or NULL when out of memory. s NULL gives "".
 */
char *lm_report_escape(const char *s);

#endif /* LUMEN_REPORT_H */
