/* SPDX-License-Identifier: MIT */
/* Beta diversity: the dense reference forms and the sparse all-pairs matrices.
 *
 * Bray-Curtis and Jaccard reduce to integer sums over the features two samples share
 * (sum|u-v| = U + V - 2 sum min(u,v)), so they are computed exactly in integers through a
 * feature -> samples index and divided once: the result cannot depend on the order of
 * work, hence not on the thread count. Aitchison is a floating sum, run per pair over the
 * merged sparse rows in feature order by one thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "lumen/diversity.h"

static const char *const metric_names[LM_DIV_NMETRICS] = {"braycurtis", "jaccard", "aitchison"};

const char *lm_div_metric_name(lm_div_metric_t m)
{
    return m < LM_DIV_NMETRICS ? metric_names[m] : "?";
}

int lm_div_metric_parse(const char *s)
{
    for (int m = 0; m < LM_DIV_NMETRICS; m++)
        if (strcmp(s, metric_names[m]) == 0) return m;
    return -1;
}

double lm_div_braycurtis(const uint64_t *u, const uint64_t *v, size_t n)
{
    uint64_t num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += u[i] > v[i] ? u[i] - v[i] : v[i] - u[i];
        den += u[i] + v[i];
    }
    return den ? (double)num / (double)den : NAN;
}

double lm_div_jaccard(const uint64_t *u, const uint64_t *v, size_t n)
{
    uint64_t both = 0, any = 0;
    for (size_t i = 0; i < n; i++) {
        both += u[i] && v[i];
        any += u[i] || v[i];
    }
    return any ? (double)(any - both) / (double)any : 0.0;
}

double lm_div_aitchison(const uint64_t *u, const uint64_t *v, size_t n, double pseudocount)
{
    if (!n) return 0.0;
    double mu = 0, mv = 0;
    for (size_t i = 0; i < n; i++) {
        mu += log((double)u[i] + pseudocount);
        mv += log((double)v[i] + pseudocount);
    }
    mu /= (double)n;
    mv /= (double)n;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (log((double)u[i] + pseudocount) - mu) - (log((double)v[i] + pseudocount) - mv);
        s += d * d;
    }
    return sqrt(s);
}

void lm_div_beta_opt_init(lm_div_beta_opt_t *opt)
{
    opt->pseudocount = 1.0;
    opt->threads = 1;
}

int lm_div_beta_opt_check(const lm_div_beta_opt_t *opt, lm_err_t *err)
{
    if (!(opt->pseudocount > 0) || !isfinite(opt->pseudocount))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "the pseudocount must be above 0");
    if (opt->threads < 1) return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "threads must be >= 1");
    return 0;
}

/* The feature-major transpose of the sample rows: for feature k, the samples holding it
 * in ascending order with their counts. */
typedef struct colindex {
    uint64_t *ptr;
    uint32_t *row;
    uint64_t *val;
} colindex_t;

static int colindex_build(const lm_csr_t *s, colindex_t *c)
{
    uint64_t nnz = s->ptr[s->n_rows];
    c->ptr = calloc(s->n_cols + 1, sizeof(uint64_t));
    c->row = malloc((nnz ? nnz : 1) * sizeof(uint32_t));
    c->val = malloc((nnz ? nnz : 1) * sizeof(uint64_t));
    uint64_t *fill = malloc((s->n_cols + 1) * sizeof(uint64_t));
    if (!c->ptr || !c->row || !c->val || !fill) {
        free(fill);
        return LM_ENOMEM;
    }
    for (uint64_t p = 0; p < nnz; p++) c->ptr[s->idx[p] + 1]++;
    for (size_t k = 0; k < s->n_cols; k++) c->ptr[k + 1] += c->ptr[k];
    memcpy(fill, c->ptr, (s->n_cols + 1) * sizeof(uint64_t));
    for (size_t i = 0; i < s->n_rows; i++)
        for (uint64_t p = s->ptr[i]; p < s->ptr[i + 1]; p++) {
            uint64_t q = fill[s->idx[p]]++;
            c->row[q] = (uint32_t)i;
            c->val[q] = s->val[p];
        }
    free(fill);
    return 0;
}

static void colindex_free(colindex_t *c)
{
    free(c->ptr);
    free(c->row);
    free(c->val);
}

/* First position in rows[lo, hi) holding a sample > i. */
static uint64_t first_after(const uint32_t *rows, uint64_t lo, uint64_t hi, size_t i)
{
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (rows[mid] <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Bray-Curtis and Jaccard of sample i against every j > i. acc_min and acc_cnt are
 * zero on entry and left zero. */
static void bc_jac_row(const lm_csr_t *s, const colindex_t *c, const uint64_t *tot, size_t i,
                       uint64_t *acc_min, uint32_t *acc_cnt, double *bc, double *jac)
{
    size_t n = s->n_rows;
    for (uint64_t p = s->ptr[i]; p < s->ptr[i + 1]; p++) {
        uint32_t k = s->idx[p];
        uint64_t u = s->val[p];
        for (uint64_t q = first_after(c->row, c->ptr[k], c->ptr[k + 1], i); q < c->ptr[k + 1];
             q++) {
            uint32_t j = c->row[q];
            acc_min[j] += u < c->val[q] ? u : c->val[q];
            acc_cnt[j]++;
        }
    }
    uint64_t nnz_i = s->ptr[i + 1] - s->ptr[i];
    for (size_t j = i + 1; j < n; j++) {
        if (bc) {
            uint64_t den = tot[i] + tot[j];
            double d = den ? (double)(den - 2 * acc_min[j]) / (double)den : NAN;
            bc[i * n + j] = bc[j * n + i] = d;
        }
        if (jac) {
            uint64_t any = nnz_i + (s->ptr[j + 1] - s->ptr[j]) - acc_cnt[j];
            double d = any ? (double)(any - acc_cnt[j]) / (double)any : 0.0;
            jac[i * n + j] = jac[j * n + i] = d;
        }
        acc_min[j] = 0;
        acc_cnt[j] = 0;
    }
}

/* Aitchison through b = ln(x + pc) - ln(pc), which is 0 where x is 0: clr(x) = b - mean(b),
 * so the both-zero features contribute (mean_i - mean_j)^2 each and only the union of the
 * two rows needs visiting. */
static double aitchison_pair(const lm_csr_t *s, const double *b, const double *mb, size_t i,
                             size_t j)
{
    double delta = mb[i] - mb[j], sum = 0;
    uint64_t p = s->ptr[i], pe = s->ptr[i + 1], q = s->ptr[j], qe = s->ptr[j + 1];
    size_t uni = 0;
    while (p < pe || q < qe) {
        double x;
        if (q >= qe || (p < pe && s->idx[p] < s->idx[q]))
            x = b[p++] - delta;
        else if (p >= pe || s->idx[q] < s->idx[p])
            x = -b[q++] - delta;
        else
            x = b[p++] - b[q++] - delta;
        sum += x * x;
        uni++;
    }
    sum += (double)(s->n_cols - uni) * delta * delta;
    return sqrt(sum);
}

int lm_div_beta(const lm_csr_t *s, const lm_div_beta_opt_t *opt, double *out[LM_DIV_NMETRICS],
                lm_err_t *err)
{
    size_t n = s->n_rows;
    uint64_t nnz = s->ptr[n];
    double *bc = out[LM_DIV_BRAYCURTIS], *jac = out[LM_DIV_JACCARD], *ait = out[LM_DIV_AITCHISON];
    for (int m = 0; m < LM_DIV_NMETRICS; m++)
        for (size_t i = 0; out[m] && i < n; i++) out[m][i * n + i] = 0.0;
    uint64_t *tot = calloc(n ? n : 1, sizeof(uint64_t));
    double *b = NULL, *mb = NULL;
    colindex_t c = {0};
    int rc = tot ? 0 : LM_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        for (uint64_t p = s->ptr[i]; p < s->ptr[i + 1]; p++) tot[i] += s->val[p];
    if (!rc && (bc || jac)) rc = colindex_build(s, &c);
    if (!rc && ait) {
        b = malloc((nnz ? nnz : 1) * sizeof(double));
        mb = malloc((n ? n : 1) * sizeof(double));
        if (!b || !mb) rc = LM_ENOMEM;
        double lpc = log(opt->pseudocount);
        for (size_t i = 0; !rc && i < n; i++) {
            double sum = 0;
            for (uint64_t p = s->ptr[i]; p < s->ptr[i + 1]; p++) {
                b[p] = log((double)s->val[p] + opt->pseudocount) - lpc;
                sum += b[p];
            }
            mb[i] = s->n_cols ? sum / (double)s->n_cols : 0.0;
        }
    }
    if (!rc && (bc || jac || ait)) {
        int oom = 0;
#pragma omp parallel num_threads(opt->threads) reduction(| : oom)
        {
            uint64_t *acc_min = calloc(n ? n : 1, sizeof(uint64_t));
            uint32_t *acc_cnt = calloc(n ? n : 1, sizeof(uint32_t));
            oom = !acc_min || !acc_cnt;
            /* Rows near the top have the most pairs: dynamic scheduling balances them. */
#pragma omp for schedule(dynamic, 1)
            for (size_t i = 0; i < n; i++) {
                if (oom) continue;
                if (bc || jac) bc_jac_row(s, &c, tot, i, acc_min, acc_cnt, bc, jac);
                if (ait)
                    for (size_t j = i + 1; j < n; j++)
                        ait[i * n + j] = ait[j * n + i] = aitchison_pair(s, b, mb, i, j);
            }
            free(acc_min);
            free(acc_cnt);
        }
        if (oom) rc = LM_ENOMEM;
    }
    colindex_free(&c);
    free(tot);
    free(b);
    free(mb);
    if (rc) return lm_err_set(err, rc, NULL, 0, 0, "out of memory");
    return 0;
}
