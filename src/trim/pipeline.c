/* SPDX-License-Identifier: MIT */
/* The per-read pipeline: primers, truncation, merging, filtering. Each call reads its
 * input records and writes only its own result slot, so batches run in parallel with
 * results that do not depend on the thread count. */
#include <stdlib.h>
#include <string.h>

#include "lumen/trim.h"

struct lm_trim {
    lm_trim_opt_t opt;
    char *fwd, *rev; /* owned copies of the primers, or NULL */
    lm_merger_t *merger;
};

static const char *const fate_names[LM_FATE_N] = {
    "pass", "no_primer", "too_short", "not_merged", "max_n", "max_ee", "length",
};

const char *lm_trim_fate_name(lm_trim_fate_t f)
{
    return (unsigned)f < LM_FATE_N ? fate_names[f] : "unknown";
}

void lm_trim_opt_init(lm_trim_opt_t *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->primer_mismatches = 2;
    opt->truncq = -1;
    opt->maxee = 1.0;
    opt->min_len = 1;
    opt->max_n = 0;
    lm_merge_opt_init(&opt->merge);
}

static int check_primer(const char *p, const char *what, lm_err_t *err)
{
    if (!p) return 0;
    if (!*p) return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "the %s primer is empty", what);
    for (const char *c = p; *c; c++)
        if (!lm_iupac_mask((unsigned char)*c))
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                              "the %s primer '%s' has '%c', which is no IUPAC code", what, p, *c);
    return 0;
}

int lm_trim_opt_check(const lm_trim_opt_t *o, lm_err_t *err)
{
    int rc;
    if ((rc = check_primer(o->fwd_primer, "forward", err)) ||
        (rc = check_primer(o->rev_primer, "reverse", err)))
        return rc;
    if (o->primer_mismatches < 0)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--primer-mismatches must be >= 0");
    if (o->truncq > 93)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--truncq must be at most 93");
    if (o->trunc_len_f < 0 || o->trunc_len_r < 0)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "truncation lengths must be >= 0");
    if (o->min_len < 1 || (o->max_len && o->max_len < o->min_len))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--min-len/--max-len are inconsistent");
    return lm_merge_opt_check(&o->merge, err);
}

lm_trim_t *lm_trim_create(const lm_trim_opt_t *opt)
{
    lm_trim_t *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->opt = *opt;
    if ((opt->fwd_primer && !(t->fwd = strdup(opt->fwd_primer))) ||
        (opt->rev_primer && !(t->rev = strdup(opt->rev_primer))) ||
        !(t->merger = lm_merger_create(&opt->merge))) {
        lm_trim_destroy(t);
        return NULL;
    }
    /* upper-case the primers once; matching compares upper-case codes */
    for (char *c = t->fwd; c && *c; c++) *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    for (char *c = t->rev; c && *c; c++) *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    t->opt.fwd_primer = t->fwd;
    t->opt.rev_primer = t->rev;
    /* lm_expected_errors() fills its table on first use; do it here, before any thread */
    (void)lm_expected_errors("I", 1);
    return t;
}

void lm_trim_destroy(lm_trim_t *t)
{
    if (!t) return;
    lm_merger_destroy(t->merger);
    free(t->fwd);
    free(t->rev);
    free(t);
}

void lm_trim_result_free(lm_trim_result_t *r)
{
    free(r->seq.s);
    free(r->qual.s);
    memset(r, 0, sizeof(*r));
}

size_t lm_trim_truncq(const char *qual, size_t len, int truncq)
{
    if (truncq < 0) return len;
    for (size_t i = 0; i < len; i++)
        if ((int)(unsigned char)qual[i] - 33 <= truncq) return i;
    return len;
}

size_t lm_count_n(const char *seq, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += seq[i] == 'N';
    return n;
}

/* A view of one read after primer removal and truncation. */
typedef struct view {
    const char *s, *q;
    size_t l;
} view_t;

/* Remove an anchored primer; returns 0 if it was found (or none was asked for). */
static int strip_primer(const lm_trim_opt_t *o, const char *primer, view_t *v)
{
    if (!primer) return 0;
    if (lm_primer_find(v->s, v->l, primer, o->primer_mismatches, 1, NULL) != 0)
        return o->keep_unprimed ? 1 : -1;
    size_t pl = strlen(primer);
    v->s += pl;
    v->q += pl;
    v->l -= pl;
    return 0;
}

/* Quality truncation first, then a fixed length (DADA2's order: truncQ, then truncLen,
 * dropping reads that are now shorter than truncLen). Returns -1 if the read is dropped. */
static int truncate_read(const lm_trim_opt_t *o, int trunc_len, view_t *v)
{
    v->l = lm_trim_truncq(v->q, v->l, o->truncq);
    if (trunc_len > 0) {
        if (v->l < (size_t)trunc_len) return -1;
        v->l = (size_t)trunc_len;
    }
    return v->l ? 0 : -1;
}

static int set_final(kstring_t *ks, const char *s, size_t l)
{
    ks->l = 0;
    return kputsn(s, l, ks) < 0 ? LM_ENOMEM : 0;
}

/* The filters on the final read, in the order they are reported. */
static lm_trim_fate_t final_filters(const lm_trim_opt_t *o, lm_trim_result_t *res)
{
    const char *s = res->seq.s;
    size_t l = res->seq.l;
    res->ee = lm_expected_errors(res->qual.s, res->qual.l);
    if (o->max_n >= 0 && lm_count_n(s, l) > (size_t)o->max_n) return LM_FATE_MAXN;
    if (o->maxee >= 0 && !(res->ee <= o->maxee)) return LM_FATE_MAXEE;
    if (l < (size_t)o->min_len || (o->max_len && l > (size_t)o->max_len)) return LM_FATE_LENGTH;
    return LM_FATE_PASS;
}

static void result_reset(lm_trim_result_t *res)
{
    res->fate = LM_FATE_PASS;
    res->merge = LM_MERGE_OK;
    res->primers_found = 0;
    res->merged = 0;
    res->ee = 0.0;
    res->seq.l = res->qual.l = 0;
}

int lm_trim_pair(const lm_trim_t *t, lm_merge_buf_t *b, const lm_seqrec_t *r1,
                 const lm_seqrec_t *r2, lm_trim_result_t *res)
{
    const lm_trim_opt_t *o = &t->opt;
    result_reset(res);
    view_t v1 = {r1->seq.s, r1->qual.s, r1->seq.l}, v2 = {r2->seq.s, r2->qual.s, r2->seq.l};
    int p1 = strip_primer(o, o->fwd_primer, &v1), p2 = strip_primer(o, o->rev_primer, &v2);
    if (p1 < 0 || p2 < 0) {
        res->fate = LM_FATE_NO_PRIMER;
        return 0;
    }
    res->primers_found = p1 == 0 && p2 == 0;
    if (truncate_read(o, o->trunc_len_f, &v1) || truncate_read(o, o->trunc_len_r, &v2)) {
        res->fate = LM_FATE_TOO_SHORT;
        return 0;
    }
    int st = lm_merge_pair(t->merger, b, v1.s, v1.q, v1.l, v2.s, v2.q, v2.l, &res->seq, &res->qual,
                           NULL);
    if (st < 0) return st;
    res->merge = (lm_merge_status_t)st;
    if (st != LM_MERGE_OK) {
        res->fate = LM_FATE_NOT_MERGED;
        return 0;
    }
    res->merged = 1;
    res->fate = final_filters(o, res);
    return 0;
}

int lm_trim_single(const lm_trim_t *t, const lm_seqrec_t *r1, lm_trim_result_t *res)
{
    const lm_trim_opt_t *o = &t->opt;
    result_reset(res);
    view_t v = {r1->seq.s, r1->qual.s, r1->seq.l};
    int p = strip_primer(o, o->fwd_primer, &v);
    if (p < 0) {
        res->fate = LM_FATE_NO_PRIMER;
        return 0;
    }
    res->primers_found = p == 0;
    if (truncate_read(o, o->trunc_len_f, &v)) {
        res->fate = LM_FATE_TOO_SHORT;
        return 0;
    }
    if (set_final(&res->seq, v.s, v.l) || set_final(&res->qual, v.q, v.l)) return LM_ENOMEM;
    res->fate = final_filters(o, res);
    return 0;
}
