/* SPDX-License-Identifier: MIT */
/* UCHIME3 de novo as vsearch --uchime3_denovo does it (chimera.cc): the query is cut in
 * 4 parts; each part looks for up to 4 parents among the earlier non-chimeras at least
 * abskew times as abundant (k-mer candidates, --maxaccepts 4 --maxrejects 16, identity
 * >= 55%); the whole query is aligned to every candidate; the two parents with the most
 * wins of 32-column windows are chosen; the query is a chimera when a model switching
 * from one parent to the other at the best UCHIME score matches it in every voting column
 * while neither parent alone does. Sequential, as in vsearch (one thread). */
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

enum { PARTS = 4, MAXACC = 4, MAXREJ = 16, TOPHITS = MAXACC + MAXREJ, WINDOW = 32 };
enum { MAXCANDS = PARTS * MAXACC };
static const double CHIM_ID = 0.55, XN = 8.0, DN = 1.4;

typedef struct hit {
    uint32_t target;
    int rejected, accepted;
    double id;
} hit_t;

typedef struct chim {
    size_t n;
    const char *const *seqs;
    const uint64_t *sizes;
    double abskew;
    uint32_t *lens;
    dn_index_t *ix;
    dn_ranker_t rk;
    lm_denoise_aligner_t *al;
    uint32_t *k;
    size_t kcap;
    /* per query */
    uint32_t cand[MAXCANDS];
    int ncand;
    char *ops[MAXCANDS];
    int *match, *insert, *smooth, *maxsmooth, *maxi;
    char *paln[2], *qaln, *diffs;
    unsigned char *ignore;
} chim_t;

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    if (x->id != y->id) return x->id > y->id ? -1 : 1;
    return (x->target > y->target) - (x->target < y->target);
}

/* vsearch's search_onequery + search_joinhits for one part: accepted targets, sorted. */
static int search_part(chim_t *c, size_t qi, const char *part, int plen, uint32_t *acc, int *nacc)
{
    size_t nk = dn_kmers(part, (size_t)plen, &c->k, &c->kcap);
    dn_cand_t cand[TOPHITS];
    long nc = dn_rank(&c->rk, c->ix, qi, c->lens, c->k, nk, cand, TOPHITS);
    if (nc < 0) return (int)nc;
    hit_t hits[TOPHITS];
    int hc = 0, finalized = 0, delayed = 0, accepts = 0, rejects = 0;
    long idx = 0;
    uint64_t qsize = c->sizes[qi];
    const double maxsizeratio = 1.0 / c->abskew;
    for (;;) {
        int more = finalized + delayed < MAXACC + MAXREJ - 1 && rejects < MAXREJ &&
                   accepts < MAXACC && idx < nc;
        if (more) {
            hit_t *h = &hits[hc++];
            h->target = cand[idx++].seqno;
            h->accepted = 0, h->id = 0;
            uint64_t tsize = c->sizes[h->target];
            h->rejected = !((double)qsize <= maxsizeratio * (double)tsize);
            if (!h->rejected) delayed++;
        }
        if ((more && delayed == DN_MAXDELAYED) || (!more && delayed > 0)) {
            /* the batch's alignments at once, as vsearch's search16 does them */
            const char *t[DN_MAXDELAYED];
            int tl[DN_MAXDELAYED], m = 0;
            lm_denoise_aln_t a[DN_MAXDELAYED];
            for (int x = finalized; x < hc; x++)
                if (!hits[x].rejected)
                    t[m] = c->seqs[hits[x].target], tl[m] = (int)c->lens[hits[x].target], m++;
            if (m && dn_align8(c->al, part, plen, t, tl, m, a)) return LM_ENOMEM;
            for (int x = finalized, y = 0; x < hc; x++) {
                hit_t *h = &hits[x];
                int k = -1;
                if (!h->rejected) k = y++;
                if (!(rejects < MAXREJ && accepts < MAXACC)) continue;
                if (h->rejected) {
                    rejects++;
                    continue;
                }
                h->id = a[k].id;
                if (a[k].id >= 100.0 * CHIM_ID)
                    h->accepted = 1, accepts++;
                else
                    h->rejected = 1, rejects++;
            }
            finalized = hc;
            delayed = 0;
        }
        if (!more) break;
    }
    hit_t keep[TOPHITS];
    int nk2 = 0;
    for (int x = 0; x < hc; x++)
        if (hits[x].accepted) keep[nk2++] = hits[x];
    qsort(keep, (size_t)nk2, sizeof(*keep), cmp_hit);
    for (int x = 0; x < nk2; x++) acc[x] = keep[x].target;
    *nacc = nk2;
    return 0;
}

static void find_matches(chim_t *c, const char *q, int ql)
{
    memset(c->match, 0, (size_t)c->ncand * ql * sizeof(int));
    memset(c->insert, 0, (size_t)c->ncand * ql * sizeof(int));
    for (int i = 0; i < c->ncand; i++) {
        const char *t = c->seqs[c->cand[i]], *p = c->ops[i];
        int qpos = 0, tpos = 0;
        while (*p) {
            char op = *p;
            int run = 0;
            while (*p == op) run++, p++;
            if (op == 'M') {
                for (int k = 0; k < run; k++, qpos++, tpos++)
                    if (q[qpos] == t[tpos]) c->match[i * ql + qpos] = 1;
            } else if (op == 'I') {
                if (qpos < ql) c->insert[i * ql + qpos] = run;
                tpos += run;
            } else
                qpos += run;
        }
    }
}

/* Two parents by most window wins; returns 1 when both were found. */
static int find_best_parents(chim_t *c, int ql, int best[2])
{
    int sel[MAXCANDS] = {0};
    best[0] = best[1] = -1;
    for (int f = 0; f < 2; f++) {
        if (f > 0)
            for (int qpos = WINDOW - 1; qpos < ql; qpos++) {
                int z = best[f - 1] * ql + qpos;
                if (c->smooth[z] == c->maxsmooth[qpos])
                    for (int i = qpos + 1 - WINDOW; i <= qpos; i++)
                        for (int j = 0; j < c->ncand; j++) c->match[j * ql + i] = 0;
            }
        for (int j = 0; j < ql; j++) c->maxsmooth[j] = 0;
        for (int i = 0; i < c->ncand; i++) {
            if (sel[i]) continue;
            int sum = 0;
            for (int qpos = 0; qpos < ql; qpos++) {
                int z = i * ql + qpos;
                sum += c->match[z];
                if (qpos >= WINDOW) sum -= c->match[z - WINDOW];
                if (qpos >= WINDOW - 1) {
                    c->smooth[z] = sum;
                    if (sum > c->maxsmooth[qpos]) c->maxsmooth[qpos] = sum;
                }
            }
        }
        int wins[MAXCANDS] = {0};
        for (int qpos = WINDOW - 1; qpos < ql; qpos++)
            if (c->maxsmooth[qpos] != 0)
                for (int i = 0; i < c->ncand; i++)
                    if (!sel[i] && c->smooth[i * ql + qpos] == c->maxsmooth[qpos]) wins[i]++;
        int maxwins = 0;
        for (int i = 0; i < c->ncand; i++)
            if (wins[i] > maxwins) maxwins = wins[i], best[f] = i;
        if (best[f] < 0) break;
        sel[best[f]] = 1;
    }
    return best[0] >= 0 && best[1] >= 0;
}

static unsigned sym4(char ch)
{
    switch (ch) {
    case 'A':
    case 'a':
        return 1;
    case 'C':
    case 'c':
        return 2;
    case 'G':
    case 'g':
        return 4;
    case 'T':
    case 't':
    case 'U':
    case 'u':
        return 8;
    case '-':
        return 0;
    default:
        return 15;
    }
}

static int ambiguous(unsigned s)
{
    return s != 0 && s != 1 && s != 2 && s != 4 && s != 8;
}

/* The alignment of the query with its two parents and the UCHIME score. */
static void eval_parents(chim_t *c, const char *q, int ql, const int best[2],
                         lm_denoise_chim_t *res)
{
    for (int i = 0; i <= ql; i++) c->maxi[i] = 0;
    for (int f = 0; f < 2; f++) {
        const char *p = c->ops[best[f]];
        int pos = 0;
        while (*p) {
            char op = *p;
            int run = 0;
            while (*p == op) run++, p++;
            if (op == 'I') {
                if (run > c->maxi[pos]) c->maxi[pos] = run;
            } else
                pos += run;
        }
    }
    int alnlen = ql;
    for (int i = 0; i <= ql; i++) alnlen += c->maxi[i];
    for (int f = 0; f < 2; f++) {
        const char *ts = c->seqs[c->cand[best[f]]], *p = c->ops[best[f]];
        char *t = c->paln[f];
        int inserted = 0, qpos = 0, tpos = 0;
        while (*p) {
            char op = *p;
            int run = 0;
            while (*p == op) run++, p++;
            if (op == 'I') {
                for (int x = 0; x < c->maxi[qpos]; x++) *t++ = x < run ? ts[tpos++] : '-';
                inserted = 1;
            } else
                for (int x = 0; x < run; x++) {
                    if (!inserted)
                        for (int y = 0; y < c->maxi[qpos]; y++) *t++ = '-';
                    *t++ = op == 'M' ? ts[tpos++] : '-';
                    qpos++;
                    inserted = 0;
                }
        }
        if (!inserted)
            for (int x = 0; x < c->maxi[qpos]; x++) *t++ = '-';
    }
    char *qa = c->qaln;
    for (int i = 0; i < ql; i++) {
        for (int j = 0; j < c->maxi[i]; j++) *qa++ = '-';
        *qa++ = q[i];
    }
    for (int j = 0; j < c->maxi[ql]; j++) *qa++ = '-';
    memset(c->ignore, 0, (size_t)alnlen);
    for (int i = 0; i < alnlen; i++) {
        unsigned qs = sym4(c->qaln[i]), a = sym4(c->paln[0][i]), b = sym4(c->paln[1][i]);
        if (!qs || !a || !b) {
            c->ignore[i] = 1;
            if (i > 0) c->ignore[i - 1] = 1;
            if (i < alnlen - 1) c->ignore[i + 1] = 1;
        }
        if (ambiguous(qs) || ambiguous(a) || ambiguous(b)) c->ignore[i] = 1;
        char d;
        if (qs && a && b)
            d = a == b ? (qs == a ? ' ' : 'N') : qs == a ? 'A' : qs == b ? 'B' : '?';
        else
            d = ' ';
        c->diffs[i] = d;
    }
    int sumA = 0, sumB = 0, sumN = 0;
    for (int i = 0; i < alnlen; i++) {
        if (c->ignore[i]) continue;
        char d = c->diffs[i];
        if (d == 'A')
            sumA++;
        else if (d == 'B')
            sumB++;
        else if (d != ' ')
            sumN++;
    }
    int left_n = 0, left_a = 0, left_y = 0, right_n = sumA, right_a = sumN, right_y = sumB;
    double best_h = -1;
    int best_i = -1, reverse = 0;
    for (int i = 0; i < alnlen; i++) {
        if (c->ignore[i] || c->diffs[i] == ' ') continue;
        char d = c->diffs[i];
        if (d == 'A')
            left_y++, right_n--;
        else if (d == 'B')
            left_n++, right_y--;
        else
            left_a++, right_a--;
        if (left_y > left_n && right_y > right_n) {
            double h = (left_y / (XN * (left_n + DN) + left_a)) *
                       (right_y / (XN * (right_n + DN) + right_a));
            if (h > best_h) reverse = 0, best_h = h, best_i = i;
        } else if (left_n > left_y && right_n > right_y) {
            double h = (left_n / (XN * (left_y + DN) + left_a)) *
                       (right_n / (XN * (right_y + DN) + right_a));
            if (h > best_h) reverse = 1, best_h = h, best_i = i;
        }
    }
    res->score = best_h > 0 ? best_h : 0.0;
    if (best_h < 0) return;
    int ia = reverse ? 1 : 0, ib = reverse ? 0 : 1;
    int match_QA = 0, match_QB = 0, match_QM = 0, cols = 0;
    for (int i = 0; i < alnlen; i++) {
        if (c->ignore[i]) continue;
        cols++;
        unsigned qs = sym4(c->qaln[i]), as = sym4(c->paln[ia][i]), bs = sym4(c->paln[ib][i]);
        unsigned ms = i <= best_i ? as : bs;
        match_QA += qs == as;
        match_QB += qs == bs;
        match_QM += qs == ms;
    }
    double QA = 100.0 * match_QA / cols, QB = 100.0 * match_QB / cols;
    double QT = QA > QB ? QA : QB;
    res->parent[0] = c->cand[best[ia]];
    res->parent[1] = c->cand[best[ib]];
    res->chimera = match_QM == cols && QT < 100.0;
}

static int grow_query(chim_t *c, int ql)
{
    size_t n = (size_t)MAXCANDS * ql, al = (size_t)ql * 3 + 2;
    int **iv[] = {&c->match, &c->insert, &c->smooth};
    for (int i = 0; i < 3; i++) {
        int *p = realloc(*iv[i], n * sizeof(int));
        if (!p) return LM_ENOMEM;
        *iv[i] = p;
    }
    int *p = realloc(c->maxsmooth, ((size_t)ql + 1) * sizeof(int));
    if (!p) return LM_ENOMEM;
    c->maxsmooth = p;
    p = realloc(c->maxi, ((size_t)ql + 1) * sizeof(int));
    if (!p) return LM_ENOMEM;
    c->maxi = p;
    char **cv[] = {&c->paln[0], &c->paln[1], &c->qaln, &c->diffs};
    for (int i = 0; i < 4; i++) {
        char *s = realloc(*cv[i], al + 1);
        if (!s) return LM_ENOMEM;
        *cv[i] = s;
    }
    unsigned char *g = realloc(c->ignore, al + 1);
    if (!g) return LM_ENOMEM;
    c->ignore = g;
    return 0;
}

int lm_denoise_uchime3(size_t n, const char *const *seqs, const uint64_t *sizes, double abskew,
                       lm_denoise_chim_t *res, lm_err_t *err)
{
    chim_t c = {.n = n, .seqs = seqs, .sizes = sizes, .abskew = abskew};
    int rc = 0;
    size_t maxlen = 1;
    c.lens = malloc((n ? n : 1) * sizeof(*c.lens));
    c.ix = dn_index_create();
    c.al = lm_denoise_aligner_create();
    if (!c.lens || !c.ix || !c.al) rc = LM_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        c.lens[i] = (uint32_t)strlen(seqs[i]);
        if (c.lens[i] > maxlen) maxlen = c.lens[i];
    }
    if (!rc) rc = grow_query(&c, (int)maxlen * 3 + 2);
    for (int i = 0; !rc && i < MAXCANDS; i++)
        if (!(c.ops[i] = malloc(maxlen * 2 + 2))) rc = LM_ENOMEM;
    uint32_t *allk = NULL;
    size_t allcap = 0;
    for (size_t qi = 0; !rc && qi < n; qi++) {
        lm_denoise_chim_t *r = &res[qi];
        r->chimera = 0, r->parent[0] = r->parent[1] = -1, r->score = 0;
        const char *q = seqs[qi];
        int ql = (int)c.lens[qi];
        c.ncand = 0;
        if (ql >= PARTS) {
            int rest = ql, off = 0;
            for (int p = 0; !rc && p < PARTS; p++) {
                int len = (rest + (PARTS - p - 1)) / (PARTS - p);
                uint32_t acc[TOPHITS];
                int nacc = 0;
                rc = search_part(&c, qi, q + off, len, acc, &nacc);
                for (int x = 0; x < nacc; x++) {
                    int k = 0;
                    while (k < c.ncand && c.cand[k] != acc[x]) k++;
                    if (k == c.ncand) c.cand[c.ncand++] = acc[x];
                }
                rest -= len, off += len;
            }
        }
        for (int i = 0; !rc && i < c.ncand; i++) {
            lm_denoise_aln_t a;
            if (lm_denoise_align(c.al, q, ql, seqs[c.cand[i]], (int)c.lens[c.cand[i]], &a,
                                 c.ops[i]))
                rc = LM_ENOMEM;
        }
        if (rc) break;
        int best[2];
        if (c.ncand >= 2) {
            find_matches(&c, q, ql);
            if (find_best_parents(&c, ql, best)) eval_parents(&c, q, ql, best, r);
        }
        if (!r->chimera) {
            size_t nk = dn_kmers(q, (size_t)ql, &allk, &allcap);
            rc = dn_index_add(c.ix, (uint32_t)qi, allk, nk);
        }
    }
    free(allk);
    for (int i = 0; i < MAXCANDS; i++) free(c.ops[i]);
    free(c.match), free(c.insert), free(c.smooth), free(c.maxsmooth), free(c.maxi);
    free(c.paln[0]), free(c.paln[1]), free(c.qaln), free(c.diffs), free(c.ignore);
    free(c.lens);
    free(c.k);
    dn_index_destroy(c.ix);
    dn_ranker_free(&c.rk);
    lm_denoise_aligner_destroy(c.al);
    if (rc) return lm_err_set(err, rc, NULL, 0, 0, "out of memory");
    return 0;
}
