/* SPDX-License-Identifier: MIT */
/* vsearch's global alignment: the recurrences and traceback preferences of its 16-bit
 * SIMD aligner (align_simd.cc, search16 and backtrack16), computed in a band around the
 * diagonals joining the two ends, and again over the whole matrix when the path touches
 * the band's edge. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "denoise_internal.h"

/* Scores (vsearch defaults): match 2, mismatch -4; a gap costs QR for its first column
 * and R for each further one: 20/2 inside, 2/1 at either end. */
enum { SC_MATCH = 2, SC_MISMATCH = -4, QR_IN = 20, R_IN = 2, QR_END = 2, R_END = 1 };
enum { D_UP = 1, D_LEFT = 2, D_EXTUP = 4, D_EXTLEFT = 8 };
enum { BAND1 = 8, BAND2 = 32 };
#define NEG (-(1 << 29))

struct lm_denoise_aligner {
    unsigned char *dir;
    size_t dcap;
    int *h, *f;
    size_t rcap;
    char *ops;
    size_t ocap;
    unsigned char *qc, *tc;
    size_t qcap, tcap;
    /* 8 lanes */
    unsigned char *dir8;
    size_t d8cap;
    void *v8; /* H, F, target codes, target-gap penalties: 5 x (w + 2) vectors */
    size_t v8cap;
};

lm_denoise_aligner_t *lm_denoise_aligner_create(void)
{
    return calloc(1, sizeof(lm_denoise_aligner_t));
}

void lm_denoise_aligner_destroy(lm_denoise_aligner_t *al)
{
    if (!al) return;
    free(al->dir);
    free(al->h);
    free(al->f);
    free(al->ops);
    free(al->qc);
    free(al->tc);
    free(al->dir8);
    free(al->v8);
    free(al);
}

/* 4-bit nucleotide codes (vsearch's chrmap_4bit for A, C, G, T/U); 15 for anything else. */
static const unsigned char CODE4[256] = {
    ['A'] = 1, ['a'] = 1, ['C'] = 2, ['c'] = 2, ['G'] = 4,
    ['g'] = 4, ['T'] = 8, ['t'] = 8, ['U'] = 8, ['u'] = 8,
};

static inline unsigned char code4(char c)
{
    unsigned char x = CODE4[(unsigned char)c];
    return x ? x : 15;
}

static int grow(lm_denoise_aligner_t *al, int ql, int tl)
{
    size_t need = (size_t)ql * (size_t)tl;
    if (need > al->dcap) {
        unsigned char *d = realloc(al->dir, need);
        if (!d) return LM_ENOMEM;
        al->dir = d, al->dcap = need;
    }
    if ((size_t)tl + 2 > al->rcap) {
        int *h = realloc(al->h, ((size_t)tl + 2) * sizeof(int));
        if (!h) return LM_ENOMEM;
        al->h = h;
        int *f = realloc(al->f, ((size_t)tl + 2) * sizeof(int));
        if (!f) return LM_ENOMEM;
        al->f = f, al->rcap = (size_t)tl + 2;
    }
    if ((size_t)ql > al->qcap) {
        unsigned char *c = realloc(al->qc, (size_t)ql);
        if (!c) return LM_ENOMEM;
        al->qc = c, al->qcap = (size_t)ql;
    }
    if ((size_t)tl > al->tcap) {
        unsigned char *c = realloc(al->tc, (size_t)tl);
        if (!c) return LM_ENOMEM;
        al->tc = c, al->tcap = (size_t)tl;
    }
    if ((size_t)ql + tl + 1 > al->ocap) {
        char *o = realloc(al->ops, (size_t)ql + tl + 1);
        if (!o) return LM_ENOMEM;
        al->ops = o, al->ocap = (size_t)ql + tl + 1;
    }
    return 0;
}

/* One cell of the recurrences (see the file comment); qrt/rt are the target-gap
 * penalties of column j, qrq/rq the query-gap penalties of row i. */
#define CELL(j, qrt, rt)                                                                           \
    do {                                                                                           \
        int h = diag + sc[tc[j]];                                                                  \
        diag = H[(j) + 1];                                                                         \
        int fj = F[j];                                                                             \
        unsigned d = fj > h;                                                                       \
        h = fj > h ? fj : h;                                                                       \
        unsigned l = E > h;                                                                        \
        h = E > h ? E : h;                                                                         \
        H[(j) + 1] = h;                                                                            \
        int fo = h - (qrt), fe = fj - (rt);                                                        \
        unsigned xu = fe > fo;                                                                     \
        F[j] = fe > fo ? fe : fo;                                                                  \
        int eo = h - qrq, ee = E - rq;                                                             \
        unsigned xl = ee > eo;                                                                     \
        E = ee > eo ? ee : eo;                                                                     \
        drow[j] = (unsigned char)(d | l << 1 | xu << 2 | xl << 3);                                 \
    } while (0)

/* Fill the direction matrix for diagonals j - i in [lo, hi]; returns the score. */
static int fill(lm_denoise_aligner_t *al, const unsigned char *qc, int ql, const unsigned char *tc,
                int tl, int lo, int hi)
{
    int *H = al->h, *F = al->f;
    unsigned char *dir = al->dir;
    H[0] = 0;
    for (int j = 0; j < tl; j++) {
        H[j + 1] = -(QR_END + j * R_END);
        int qrt = j == tl - 1 ? QR_END : QR_IN;
        F[j] = H[j + 1] - qrt;
    }
    int eprev = -1;
    for (int i = 0; i < ql; i++) {
        int s = i + lo > 0 ? i + lo : 0;
        int e = i + hi < tl - 1 ? i + hi : tl - 1;
        int qrq = i == ql - 1 ? QR_END : QR_IN, rq = i == ql - 1 ? R_END : R_IN;
        int diag, E;
        if (s == 0) {
            diag = H[0];
            H[0] = -(QR_END + i * R_END);
            E = H[0] - qrq;
        } else {
            diag = H[s];
            E = NEG;
        }
        if (i > 0 && e > eprev)
            for (int j = eprev + 1; j <= e; j++) F[j] = NEG;
        int sc[16];
        for (int x = 0; x < 16; x++) sc[x] = (x == qc[i] && x != 15) ? SC_MATCH : SC_MISMATCH;
        unsigned char *drow = dir + (size_t)i * tl;
        int ein = e < tl - 1 ? e : tl - 2;
        for (int j = s; j <= ein; j++) CELL(j, QR_IN, R_IN);
        if (e == tl - 1 && s <= e) CELL(tl - 1, QR_END, R_END);
        eprev = e;
    }
    return H[tl];
}

/* Trace back from the end over a direction matrix whose cell (i, j) is
 * dir[((size_t)i * w + j) * stride]; ops are written reversed. Returns the number of
 * columns, or -1 if the path touched the band's edge (when banded). */
static int trace(const unsigned char *dir, size_t stride, int w, char *ops, int ql, int tl, int lo,
                 int hi, int banded)
{
    /* the band's right edge is real only where it ends before this target does */
    int n = 0, i = ql - 1, j = tl - 1;
    char op = 0;
    while (i >= 0 && j >= 0) {
        if (banded && ((j - i == lo && i + lo > 0) || (j - i == hi && i + hi < tl - 1))) return -1;
        unsigned char d = dir[((size_t)i * w + j) * stride];
        if (op == 'I' && (d & D_EXTLEFT))
            op = 'I', j--;
        else if (op == 'D' && (d & D_EXTUP))
            op = 'D', i--;
        else if (d & D_LEFT)
            op = 'I', j--;
        else if (d & D_UP)
            op = 'D', i--;
        else
            op = 'M', i--, j--;
        ops[n++] = op;
    }
    while (i >= 0) ops[n++] = 'D', i--;
    while (j >= 0) ops[n++] = 'I', j--;
    return n;
}

/* The numbers of an alignment from its n reversed ops. */
static void count_ops(const char *ops, int n, const char *q, int ql, const char *t, int tl,
                      int score, lm_denoise_aln_t *a)
{
    memset(a, 0, sizeof(*a));
    int qi = ql, tj = tl;
    char prev = 0;
    for (int k = 0; k < n; k++) {
        char op = ops[k];
        if (op == 'M') {
            qi--, tj--;
            unsigned char x = code4(q[qi]), y = code4(t[tj]);
            if (x == y)
                a->matches++;
            else
                a->mismatches++;
        } else {
            if (op != prev) a->gaps++;
            if (op == 'D')
                qi--;
            else
                tj--;
        }
        prev = op;
    }
    a->score = score;
    a->alnlen = n;
    a->indels = n - a->matches - a->mismatches;
    /* terminal runs: ops[0] is the last column, ops[n-1] the first */
    int left = 0, right = 0;
    if (ops[n - 1] != 'M') {
        char c = ops[n - 1];
        for (int k = n - 1; k >= 0 && ops[k] == c; k--) left++;
    }
    if (ops[0] != 'M' && left < n) {
        char c = ops[0];
        for (int k = 0; k < n && ops[k] == c; k++) right++;
    }
    a->internal_len = n - left - right;
    a->internal_indel = a->indels - left - right;
    a->internal_gaps = a->gaps - (left > 0) - (right > 0);
    a->id = a->internal_len > 0 ? 100.0 * a->matches / a->internal_len : 0.0;
}

/* Equal lengths and at most 3 substitutions (and no ambiguous base): the gapless
 * alignment scores 2L - 6X. Any other alignment either has an interior gap run and another
 * gap run (at most 2(L - 1) - 22 = 2L - 24 < 2L - 6X) or is the whole sequence shifted by a
 * with terminal gaps at both ends (2L - 4a - 2 - 6u for u mismatches on that diagonal,
 * below 2L - 6X once u >= X, and for any u when a >= 8). So the gapless alignment is the
 * only optimum, and vsearch's traceback returns it. Returns X, or -1 when this does not
 * apply. */
static int gapless(const char *q, const char *t, int l)
{
    int x = 0;
    for (int i = 0; i < l; i++) {
        unsigned char a = code4(q[i]), b = code4(t[i]);
        if (a == 15 || b == 15) return -1;
        if (a != b && ++x > 3) return -1;
    }
    for (int s = 1; s < 8 && s < l; s++) {
        int u1 = 0, u2 = 0;
        for (int i = 0; i + s < l && u1 < x; i++) u1 += code4(q[i]) != code4(t[i + s]);
        for (int i = 0; i + s < l && u2 < x; i++) u2 += code4(q[i + s]) != code4(t[i]);
        if (u1 < x || u2 < x) return -1;
    }
    return x;
}

int lm_denoise_align(lm_denoise_aligner_t *al, const char *q, int ql, const char *t, int tl,
                     lm_denoise_aln_t *a, char *ops_out)
{
    if (ql == tl && ql > 0) {
        int x = gapless(q, t, ql);
        if (x >= 0) {
            memset(a, 0, sizeof(*a));
            a->score = 2 * (ql - x) - 4 * x;
            a->alnlen = a->internal_len = ql;
            a->matches = ql - x;
            a->mismatches = x;
            a->id = 100.0 * a->matches / ql;
            if (ops_out) memset(ops_out, 'M', (size_t)ql), ops_out[ql] = 0;
            return 0;
        }
    }
    memset(a, 0, sizeof(*a));
    if (ql <= 0 || tl <= 0) {
        int n = ql > 0 ? ql : tl > 0 ? tl : 0;
        a->alnlen = a->indels = n;
        a->gaps = n > 0;
        a->score = n > 0 ? -(QR_END + (n - 1) * R_END) : 0;
        if (ops_out) memset(ops_out, ql > 0 ? 'D' : 'I', (size_t)n), ops_out[n] = 0;
        return 0;
    }
    if (grow(al, ql, tl)) return LM_ENOMEM;
    for (int i = 0; i < ql; i++) al->qc[i] = code4(q[i]);
    for (int j = 0; j < tl; j++) al->tc[j] = code4(t[j]);
    /* a narrow band first, then wider ones, then the whole matrix */
    static const int bands[] = {BAND1, BAND2};
    int dl = tl - ql, score = 0, n = -1;
    for (int b = 0; n < 0 && b < 2; b++) {
        int lo = (dl < 0 ? dl : 0) - bands[b], hi = (dl > 0 ? dl : 0) + bands[b];
        if (lo <= -ql && hi >= tl) break;
        score = fill(al, al->qc, ql, al->tc, tl, lo, hi);
        n = trace(al->dir, 1, tl, al->ops, ql, tl, lo, hi, 1);
    }
    if (n < 0) {
        score = fill(al, al->qc, ql, al->tc, tl, -ql, tl);
        n = trace(al->dir, 1, tl, al->ops, ql, tl, -ql, tl, 0);
    }
    count_ops(al->ops, n, q, ql, t, tl, score, a);
    const char *ops = al->ops;
    if (ops_out) {
        for (int k = 0; k < n; k++) ops_out[k] = ops[n - 1 - k];
        ops_out[n] = 0;
    }
    return 0;
}

int lm_denoise_skew_ok(uint64_t qsize, uint64_t tsize, int d, double alpha)
{
    if (d == 0) return 1;
    double skew = (double)qsize / (double)(tsize ? tsize : 1);
    double beta = 1.0 / pow(2.0, alpha * d + 1.0);
    return skew <= beta;
}

/* ---------------------------------------------------------------------------------- */
/* One query against up to 8 (SSE2) or 16 (AVX2) targets at once: the same recurrences in
 * lanes of 16-bit integers (as vsearch's search16 does), one band covering every lane's
 * band. A lane whose path reaches that band's edge is aligned again on its own. */

#define NEG16 (-16000)

static int grow_lanes(lm_denoise_aligner_t *al, int ql, int w, int lanes)
{
    size_t need = (size_t)ql * w * lanes;
    if (need > al->d8cap) {
        unsigned char *d = realloc(al->dir8, need);
        if (!d) return LM_ENOMEM;
        al->dir8 = d, al->d8cap = need;
    }
    size_t vn = 5 * ((size_t)w + 2) * 2 * lanes;
    if (vn > al->v8cap) {
        free(al->v8);
        void *v = NULL;
        if (posix_memalign(&v, 32, vn)) return LM_ENOMEM;
        al->v8 = v, al->v8cap = vn;
    }
    if ((size_t)ql + w + 1 > al->ocap) {
        char *o = realloc(al->ops, (size_t)ql + w + 1);
        if (!o) return LM_ENOMEM;
        al->ops = o, al->ocap = (size_t)ql + w + 1;
    }
    if ((size_t)ql > al->qcap) {
        unsigned char *c = realloc(al->qc, (size_t)ql);
        if (!c) return LM_ENOMEM;
        al->qc = c, al->qcap = (size_t)ql;
    }
    return 0;
}

/* NAME(al, q, ql, t, tl, n, out): the lanes version for vector type VT of LANES shorts,
 * VC the matching vector of LANES chars; ATTR the function's target attribute. */
#define DEFINE_LANES(NAME, FILL, VT, VC, LANES, ATTR)                                              \
    ATTR static void FILL(lm_denoise_aligner_t *al, int ql, int w, int lo, int hi)                 \
    {                                                                                              \
        VT *H = al->v8, *F = H + w + 2, *tcv = F + w + 2, *qrtv = tcv + w + 2,                     \
           *rtv = qrtv + w + 2;                                                                    \
        const unsigned char *qc = al->qc;                                                          \
        const VT zero = {0};                                                                       \
        const VT one = zero + 1, two = zero + 2, four = zero + 4, eight = zero + 8,                \
                 six = zero + 6, mis = zero + SC_MISMATCH, negv = zero + NEG16;                    \
        H[0] = zero;                                                                               \
        for (int j = 0; j < w; j++) {                                                              \
            H[j + 1] = zero - (short)(QR_END + j * R_END);                                         \
            F[j] = H[j + 1] - qrtv[j];                                                             \
        }                                                                                          \
        int eprev = -1;                                                                            \
        for (int i = 0; i < ql; i++) {                                                             \
            int s = i + lo > 0 ? i + lo : 0;                                                       \
            int e = i + hi < w - 1 ? i + hi : w - 1;                                               \
            int last = i == ql - 1;                                                                \
            VT qrq = zero + (short)(last ? QR_END : QR_IN),                                        \
               rq = zero + (short)(last ? R_END : R_IN);                                           \
            VT diag, E;                                                                            \
            if (s == 0) {                                                                          \
                diag = H[0];                                                                       \
                H[0] = zero - (short)(QR_END + i * R_END);                                         \
                E = H[0] - qrq;                                                                    \
            } else {                                                                               \
                diag = H[s];                                                                       \
                E = negv;                                                                          \
            }                                                                                      \
            if (i > 0 && e > eprev)                                                                \
                for (int j = eprev + 1; j <= e; j++) F[j] = negv;                                  \
            VT qv = zero + (short)qc[i];                                                           \
            int qbad = qc[i] == 15;                                                                \
            unsigned char *drow = al->dir8 + (size_t)i * w * LANES;                                \
            for (int j = s; j <= e; j++) {                                                         \
                VT m = tcv[j] == qv;                                                               \
                VT h = diag + (qbad ? mis : (m & six) + mis);                                      \
                diag = H[j + 1];                                                                   \
                VT fj = F[j];                                                                      \
                VT up = fj > h;                                                                    \
                h = (fj & up) | (h & ~up);                                                         \
                VT lf = E > h;                                                                     \
                h = (E & lf) | (h & ~lf);                                                          \
                H[j + 1] = h;                                                                      \
                VT fo = h - qrtv[j], fe = fj - rtv[j];                                             \
                VT xu = fe > fo;                                                                   \
                F[j] = (fe & xu) | (fo & ~xu);                                                     \
                VT eo = h - qrq, ee = E - rq;                                                      \
                VT xl = ee > eo;                                                                   \
                E = (ee & xl) | (eo & ~xl);                                                        \
                VT d = (up & one) | (lf & two) | (xu & four) | (xl & eight);                       \
                VC dc = __builtin_convertvector(d, VC);                                            \
                memcpy(drow + (size_t)j * LANES, &dc, LANES);                                      \
            }                                                                                      \
            eprev = e;                                                                             \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    ATTR static int NAME(lm_denoise_aligner_t *al, const char *q, int ql, const char *const *t,    \
                         const int *tl, int n, lm_denoise_aln_t *out, dn_stop_fn stop, void *ctx)  \
    {                                                                                              \
        int w = 0, lo = 0, hi = 0, bad = ql <= 0 || n <= 0 || n > LANES;                           \
        for (int l = 0; l < n && !bad; l++) {                                                      \
            int dl = tl[l] - ql;                                                                   \
            int llo = (dl < 0 ? dl : 0) - BAND1, lhi = (dl > 0 ? dl : 0) + BAND1;                  \
            if (l == 0 || llo < lo) lo = llo;                                                      \
            if (l == 0 || lhi > hi) hi = lhi;                                                      \
            if (tl[l] > w) w = tl[l];                                                              \
            if (tl[l] <= 0) bad = 1;                                                               \
        }                                                                                          \
        /* 16-bit scores: keep every score far from NEG16 and the int16 range */                   \
        if (bad || ql > 4000 || w > 4000) {                                                        \
            for (int l = 0; l < n; l++) {                                                          \
                if (lm_denoise_align(al, q, ql, t[l], tl[l], &out[l], NULL)) return LM_ENOMEM;     \
                if (stop && stop(l, &out[l], ctx)) return l + 1;                                   \
            }                                                                                      \
            return n;                                                                              \
        }                                                                                          \
        if (grow_lanes(al, ql, w, LANES)) return LM_ENOMEM;                                        \
        for (int i = 0; i < ql; i++) al->qc[i] = code4(q[i]);                                      \
        VT *H = al->v8, *F = H + w + 2, *tcv = F + w + 2, *qrtv = tcv + w + 2,                     \
           *rtv = qrtv + w + 2;                                                                    \
        (void)F;                                                                                   \
        const VT zero = {0};                                                                       \
        for (int j = 0; j < w; j++) {                                                              \
            VT c = zero, qr = zero + QR_IN, r = zero + R_IN;                                       \
            for (int l = 0; l < LANES; l++) {                                                      \
                int k = l < n ? l : 0;                                                             \
                c[l] = (short)(j < tl[k] ? code4(t[k][j]) : 0);                                    \
                if (j == tl[k] - 1) qr[l] = QR_END, r[l] = R_END;                                  \
            }                                                                                      \
            tcv[j] = c, qrtv[j] = qr, rtv[j] = r;                                                  \
        }                                                                                          \
        int banded = lo > -ql || hi < w;                                                           \
        if (!banded) lo = -ql, hi = w;                                                             \
        FILL(al, ql, w, lo, hi);                                                                   \
        /* H holds the last row; lane l ends at column tl[l] - 1, inside every band */             \
        for (int l = 0; l < n; l++) {                                                              \
            int score = H[tl[l]][l];                                                               \
            int m = trace(al->dir8 + l, LANES, w, al->ops, ql, tl[l], lo, hi, banded);             \
            if (m < 0) {                                                                           \
                if (lm_denoise_align(al, q, ql, t[l], tl[l], &out[l], NULL)) return LM_ENOMEM;     \
            } else                                                                                 \
                count_ops(al->ops, m, q, ql, t[l], tl[l], score, &out[l]);                         \
            if (stop && stop(l, &out[l], ctx)) return l + 1;                                       \
        }                                                                                          \
        return n;                                                                                  \
    }

typedef short v8s __attribute__((vector_size(16)));
typedef signed char v8c __attribute__((vector_size(8)));
DEFINE_LANES(align_sse2, fill_sse2, v8s, v8c, 8, )

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_LANES 1
typedef short v16s __attribute__((vector_size(32)));
typedef signed char v16c __attribute__((vector_size(16)));
DEFINE_LANES(align_avx2, fill_avx2, v16s, v16c, 16, __attribute__((target("avx2"))))
#endif

int dn_align8(lm_denoise_aligner_t *al, const char *q, int ql, const char *const *t, const int *tl,
              int n, lm_denoise_aln_t *out)
{
    int r = align_sse2(al, q, ql, t, tl, n, out, NULL, NULL);
    return r < 0 ? r : 0;
}

int dn_lanes(void)
{
#ifdef HAVE_AVX2_LANES
    return __builtin_cpu_supports("avx2") ? 16 : 8;
#else
    return 8;
#endif
}

/* Offsets the lane numbers given to the caller's stop function by the batch's first. */
typedef struct shift {
    dn_stop_fn stop;
    void *ctx;
    int k;
} shift_t;

static int shifted(int l, const lm_denoise_aln_t *a, void *ctx)
{
    shift_t *sh = ctx;
    return sh->stop(l + sh->k, a, sh->ctx);
}

int dn_alignv(lm_denoise_aligner_t *al, const char *q, int ql, const char *const *t, const int *tl,
              int n, lm_denoise_aln_t *out, dn_stop_fn stop, void *ctx)
{
#ifdef HAVE_AVX2_LANES
    if (n > 8 && dn_lanes() == 16) return align_avx2(al, q, ql, t, tl, n, out, stop, ctx);
#endif
    for (int k = 0; k < n; k += 8) {
        shift_t sh = {stop, ctx, k};
        int m = n - k < 8 ? n - k : 8;
        int r = align_sse2(al, q, ql, t + k, tl + k, m, out + k, stop ? shifted : NULL, &sh);
        if (r < 0) return r;
        if (r < m) return k + r;
    }
    return n;
}
