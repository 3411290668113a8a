/* SPDX-License-Identifier: MIT */
/* Pair merging as vsearch --fastq_mergepairs does it (vsearch 2.22: k-mer diagonals,
 * ungapped scoring in bits, Edgar & Flyvbjerg posterior qualities). Written from its
 * description so that merged reads match vsearch's base for base; every constant below is
 * vsearch's. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/trim.h"

#define KMER_K        5
#define KMER_N        (1u << (2 * KMER_K))
#define MIN_DIAGCOUNT 4
#define MIN_SCORE     16.0
#define DROP_MAX      16.0
#define MISMATCH_MAX  (-4.0)

struct lm_merger {
    lm_merge_opt_t opt;
    int min_diagcount;
    double min_score;
    char qual_same[128][128]; /* merged quality byte when the bases agree */
    char qual_diff[128][128]; /* ... disagree; first index is the higher quality */
    double match[128][128];   /* score of an observed match, bits */
    double mism[128][128];    /* score of an observed mismatch, bits */
    char comp[256];           /* IUPAC complement, a table to avoid a call per base */
};

struct lm_merge_buf {
    uint32_t head[KMER_N]; /* first R1 position (+1) of each k-mer, 0 = none */
    uint32_t *next;        /* further R1 positions (+1) with the same k-mer */
    int *diags;            /* shared k-mers per diagonal */
    char *q1, *q2;         /* qualities with Ns set to Q0 */
    char *rc;              /* complement of R2, same orientation */
    size_t cap;
};

static const char *const status_names[LM_MERGE_NSTATUS] = {
    "ok",       "empty_read", "repeat",      "staggered",      "max_diffs",      "max_diff_pct",
    "no_kmers", "min_score",  "min_overlap", "min_merged_len", "max_merged_len",
};

const char *lm_merge_status_name(lm_merge_status_t s)
{
    return (unsigned)s < LM_MERGE_NSTATUS ? status_names[s] : "unknown";
}

void lm_merge_opt_init(lm_merge_opt_t *opt)
{
    opt->min_overlap = 10;
    opt->max_diffs = 10;
    opt->max_diff_pct = 100.0;
    opt->allow_stagger = 0;
    opt->min_merged_len = 1;
    opt->max_merged_len = 1000000;
    opt->qmin_out = 0;
    opt->qmax_out = 41;
}

int lm_merge_opt_check(const lm_merge_opt_t *opt, lm_err_t *err)
{
    if (opt->min_overlap < 5)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--min-overlap must be at least 5");
    if (opt->max_diffs < 0)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--max-diffs must be >= 0");
    if (!(opt->max_diff_pct >= 0.0 && opt->max_diff_pct <= 100.0))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--max-diff-pct must be in 0..100");
    if (opt->min_merged_len < 1 || opt->max_merged_len < opt->min_merged_len)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "merged length limits are inconsistent");
    if (opt->qmin_out < 0 || opt->qmax_out > 93 || opt->qmin_out > opt->qmax_out)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--qmax-out must be in qmin-out..93");
    return 0;
}

/* vsearch's error probability of a quality byte: Q0 and Q1 mean "no information". */
static double q_to_p(int c)
{
    int q = c - 33;
    return q < 2 ? 0.75 : pow(10.0, -q / 10.0);
}

static char clamp_q(double p, const lm_merge_opt_t *o)
{
    double q = round(-10.0 * log10(p));
    if (q > o->qmax_out) q = o->qmax_out;
    if (q < o->qmin_out) q = o->qmin_out;
    return (char)(33 + (int)q);
}

lm_merger_t *lm_merger_create(const lm_merge_opt_t *opt)
{
    lm_merger_t *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->opt = *opt;
    /* vsearch relaxes its acceptance thresholds for overlaps below 9 bases. */
    m->min_diagcount = opt->min_overlap < 9 ? opt->min_overlap - 4 : MIN_DIAGCOUNT;
    m->min_score = opt->min_overlap < 9 ? 1.6 * opt->min_overlap : MIN_SCORE;
    for (int c = 0; c < 256; c++) m->comp[c] = lm_complement((unsigned char)c);
    for (int x = 33; x < 128; x++) {
        double px = q_to_p(x);
        for (int y = 33; y < 128; y++) {
            double py = q_to_p(y);
            double p = px * py / 3.0 / (1.0 - px - py + 4.0 * px * py / 3.0);
            m->qual_same[x][y] = clamp_q(p, opt);
            p = px * (1.0 - py / 3.0) / (px + py - 4.0 * px * py / 3.0);
            m->qual_diff[x][y] = clamp_q(p, opt);
            /* p: probability of observing a match when both bases are truly equal */
            p = 1.0 - px - py + px * py * 4.0 / 3.0;
            m->match[x][y] = log2(p / 0.25);
            double mm = log2((1.0 - p) / 0.75);
            m->mism[x][y] = mm < MISMATCH_MAX ? mm : MISMATCH_MAX;
        }
    }
    return m;
}

void lm_merger_destroy(lm_merger_t *m)
{
    free(m);
}

lm_merge_buf_t *lm_merge_buf_create(void)
{
    return calloc(1, sizeof(lm_merge_buf_t));
}

void lm_merge_buf_destroy(lm_merge_buf_t *b)
{
    if (!b) return;
    free(b->next);
    free(b->diags);
    free(b->q1);
    free(b->q2);
    free(b->rc);
    free(b);
}

static int buf_reserve(lm_merge_buf_t *b, size_t l1, size_t l2)
{
    size_t need = l1 + l2 + 1;
    if (need <= b->cap) return 0;
    size_t cap = need + need / 2;
    void *p;
    if (!(p = realloc(b->next, (cap + 1) * sizeof(*b->next)))) return LM_ENOMEM;
    b->next = p;
    if (!(p = realloc(b->diags, cap * sizeof(*b->diags)))) return LM_ENOMEM;
    b->diags = p;
    if (!(p = realloc(b->q1, cap))) return LM_ENOMEM;
    b->q1 = p;
    if (!(p = realloc(b->q2, cap))) return LM_ENOMEM;
    b->q2 = p;
    if (!(p = realloc(b->rc, cap))) return LM_ENOMEM;
    b->rc = p;
    b->cap = cap;
    return 0;
}

/* 2-bit code of A, C, G, T; -1 for anything else (which breaks k-mers). */
static int code2(unsigned char c)
{
    switch (c) {
    case 'A':
        return 0;
    case 'C':
        return 1;
    case 'G':
        return 2;
    case 'T':
    case 'U':
        return 3;
    default:
        return -1;
    }
}

/* Count, for each diagonal, the 5-mers R1 shares with the reverse complement of R2. The
 * diagonal index is l1 + l2 - i, where i is vsearch's offset (the overlap length for pairs
 * that are not staggered). */
static void find_diagonals(lm_merge_buf_t *b, const char *s1, size_t l1, const char *s2, size_t l2)
{
    const unsigned mask = KMER_N - 1;
    memset(b->head, 0, sizeof(b->head));
    memset(b->diags, 0, (l1 + l2) * sizeof(*b->diags));
    unsigned kmer = 0;
    int valid = 0; /* bases since the last non-ACGT */
    for (size_t pos = 0; pos < l1; pos++) {
        int c = code2((unsigned char)s1[pos]);
        if (c < 0) {
            valid = 0;
            continue;
        }
        kmer = ((kmer << 2) | (unsigned)c) & mask;
        if (++valid >= KMER_K) {
            uint32_t entry = (uint32_t)(pos - KMER_K + 2); /* start + 1 */
            b->next[entry] = b->head[kmer];
            b->head[kmer] = entry;
        }
    }
    kmer = 0;
    valid = 0;
    for (size_t pos = 0; pos < l2; pos++) {
        /* walk R2 from its 3' end, complementing: the reverse complement, 5' to 3' */
        int c = code2((unsigned char)s2[l2 - 1 - pos]);
        if (c < 0) {
            valid = 0;
            continue;
        }
        kmer = ((kmer << 2) | (unsigned)(3 - c)) & mask;
        if (++valid >= KMER_K) {
            long base = (long)l2 - (long)(pos - KMER_K + 1);
            for (uint32_t e = b->head[kmer]; e; e = b->next[e]) {
                long d = base + (long)e - 1;
                if (d >= 0) b->diags[d]++;
            }
        }
    }
}

/* Choose the overlap as vsearch's optimize() does; returns the offset or 0 and sets *st. */
static long best_offset(const lm_merger_t *m, lm_merge_buf_t *b, const char *s1, long l1, long l2,
                        lm_merge_status_t *st)
{
    const char *q1 = b->q1, *q2 = b->q2, *rc = b->rc;
    double best_score = 0.0;
    long best_i = 0, best_diffs = 0;
    int hits = 0, kmers = 0;
    for (long i = 1; i <= l1 + l2 - 1; i++) {
        if (b->diags[l1 + l2 - i] < m->min_diagcount) continue;
        kmers = 1;
        long f3 = i > l2 ? i - l2 : 0; /* R1's 3' end past R2's 5' end */
        long r3 = i > l1 ? i - l1 : 0; /* R2's 3' end past R1's 5' end */
        long overlap = i - f3 - r3;
        long fp = l1 - f3 - 1, rp = l2 - r3 - overlap;
        double score = 0.0, high = 0.0, drop = 0.0;
        long diffs = 0;
        for (long j = 0; j < overlap; j++, fp--, rp++) {
            unsigned qa = (unsigned char)q1[fp], qb = (unsigned char)q2[rp];
            if (s1[fp] == rc[rp]) {
                score += m->match[qa][qb];
                if (score > high) high = score;
            } else {
                score += m->mism[qa][qb];
                diffs++;
                if (score < high - drop) drop = high - score;
                /* the drop never shrinks, and a diagonal that dropped 16 bits scores 0
                 * (neither a hit nor the best): stopping here changes nothing */
                if (drop >= DROP_MAX) break;
            }
        }
        if (drop >= DROP_MAX) score = 0.0;
        if (score >= m->min_score) hits++;
        if (score > best_score) {
            best_score = score;
            best_i = i;
            best_diffs = diffs;
        }
    }
    const lm_merge_opt_t *o = &m->opt;
    long mergelen = l1 + l2 - best_i;
    if (hits > 1)
        *st = LM_MERGE_REPEAT;
    else if (!o->allow_stagger && best_i > l1)
        *st = LM_MERGE_STAGGERED;
    else if (best_diffs > o->max_diffs)
        *st = LM_MERGE_MAXDIFFS;
    else if (best_i > 0 && 100.0 * (double)best_diffs / (double)best_i > o->max_diff_pct)
        *st = LM_MERGE_MAXDIFFPCT;
    else if (!kmers)
        *st = LM_MERGE_NOKMERS;
    else if (best_score < m->min_score)
        *st = LM_MERGE_MINSCORE;
    else if (best_i < o->min_overlap)
        *st = LM_MERGE_MINOVLEN;
    else if (mergelen < o->min_merged_len)
        *st = LM_MERGE_MINMERGELEN;
    else if (mergelen > o->max_merged_len)
        *st = LM_MERGE_MAXMERGELEN;
    else {
        *st = LM_MERGE_OK;
        return best_i;
    }
    return 0;
}

static int ks_reserve(kstring_t *s, size_t n)
{
    return ks_resize(s, n + 1) ? LM_ENOMEM : 0;
}

/* Build the merged read for offset i (vsearch's merge()): R1's 5' part, the overlap with
 * posterior qualities, then R2's 5' part (reverse complemented). R2's 3' overhang past the
 * start of R1 (staggered pairs) and R1's 3' overhang past the start of R2 are dropped. */
static int build(const lm_merger_t *m, const lm_merge_buf_t *b, const char *s1, long l1, long l2,
                 long i, kstring_t *seq, kstring_t *qual)
{
    const char *q1 = b->q1, *q2 = b->q2, *rc = b->rc;
    long n = l1 + l2 - i;
    if (ks_reserve(seq, (size_t)n) || ks_reserve(qual, (size_t)n)) return LM_ENOMEM;
    char *os = seq->s, *oq = qual->s;
    long k = 0, fp = 0;
    long f5 = l1 > i ? l1 - i : 0;
    for (; fp < f5; fp++, k++) {
        os[k] = s1[fp];
        oq[k] = q1[fp];
    }
    long rp = l2 - 1 - (i > l1 ? i - l1 : 0);
    for (; fp < l1 && rp >= 0; fp++, rp--, k++) {
        char a = s1[fp], c = rc[rp], qa = q1[fp], qc = q2[rp];
        if (c == 'N') {
            os[k] = a;
            oq[k] = qa;
        } else if (a == 'N') {
            os[k] = c;
            oq[k] = qc;
        } else if (a == c) {
            os[k] = a;
            oq[k] = m->qual_same[(unsigned char)qa][(unsigned char)qc];
        } else if (qa > qc) {
            os[k] = a;
            oq[k] = m->qual_diff[(unsigned char)qa][(unsigned char)qc];
        } else {
            os[k] = c;
            oq[k] = m->qual_diff[(unsigned char)qc][(unsigned char)qa];
        }
    }
    for (; rp >= 0; rp--, k++) {
        os[k] = rc[rp];
        oq[k] = q2[rp];
    }
    os[k] = oq[k] = '\0';
    seq->l = qual->l = (size_t)k;
    return 0;
}

/* Copy a quality string, clamped into the tables' range, with the quality of every N set
 * to Q0 as vsearch does before scoring. */
static void prep_qual(char *out, const char *s, const char *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)q[i];
        out[i] = s[i] == 'N' ? '!' : (char)(c < 33 ? 33 : c > 127 ? 127 : c);
    }
}

int lm_merge_pair(const lm_merger_t *m, lm_merge_buf_t *b, const char *s1, const char *q1,
                  size_t l1, const char *s2, const char *q2, size_t l2, kstring_t *seq,
                  kstring_t *qual, int *overlap)
{
    if (l1 == 0 || l2 == 0) return LM_MERGE_EMPTY;
    if (buf_reserve(b, l1, l2)) return LM_ENOMEM;
    prep_qual(b->q1, s1, q1, l1);
    prep_qual(b->q2, s2, q2, l2);
    for (size_t j = 0; j < l2; j++) b->rc[j] = m->comp[(unsigned char)s2[j]];
    find_diagonals(b, s1, l1, s2, l2);
    lm_merge_status_t st;
    long i = best_offset(m, b, s1, (long)l1, (long)l2, &st);
    if (st != LM_MERGE_OK) return (int)st;
    if (build(m, b, s1, (long)l1, (long)l2, i, seq, qual)) return LM_ENOMEM;
    if (overlap) *overlap = (int)i;
    return LM_MERGE_OK;
}
