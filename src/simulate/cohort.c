/* SPDX-License-Identifier: MIT */
/* The cohort: arm allocation, subjects and samples, and the reads of one sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "lumen/seqio.h"
#include "simulate_internal.h"

void lm_sim_cohort_destroy(lm_sim_cohort_t *c)
{
    if (!c) return;
    for (size_t s = 0; s < c->n_subj && c->subj; s++) {
        free(c->subj[s].taxa);
        free(c->subj[s].loga);
    }
    for (size_t s = 0; s < c->n_samp && c->samp; s++) {
        free(c->samp[s].p);
        free(c->samp[s].count);
    }
    free(c->subj);
    free(c->samp);
    free(c);
}

/* Balanced allocation: exactly half the subjects (the odd one to NAs) get PegIFN+NAs, in
 * an order shuffled by the run's allocation stream. */
static int allocate_arms(lm_sim_cohort_t *c)
{
    int *arm = malloc(c->n_subj * sizeof(*arm));
    gsl_rng *r = lm_rng_create(c->opt.seed, SIM_STREAM(SIM_STREAM_ALLOC, 0));
    if (!arm || !r) {
        free(arm);
        gsl_rng_free(r);
        return LM_ENOMEM;
    }
    for (size_t s = 0; s < c->n_subj; s++) arm[s] = s < c->n_subj / 2;
    gsl_ran_shuffle(r, arm, c->n_subj, sizeof(*arm));
    for (size_t s = 0; s < c->n_subj; s++) c->subj[s].ifn = arm[s];
    free(arm);
    gsl_rng_free(r);
    return 0;
}

lm_sim_cohort_t *lm_sim_cohort_create(const lm_sim_opt_t *opt, const lm_sim_ref_t *ref,
                                      lm_err_t *err)
{
    lm_sim_cohort_t *c = calloc(1, sizeof(*c));
    if (!c) goto nomem;
    c->opt = *opt;
    c->ref = ref;
    if ((size_t)c->opt.taxa > ref->n) c->opt.taxa = (int)ref->n;
    size_t k = (size_t)c->opt.taxa;
    c->n_subj = (size_t)opt->subjects;
    c->n_samp = c->n_subj * SIM_NSTOOL;
    if (!(c->subj = calloc(c->n_subj, sizeof(*c->subj)))) goto nomem;
    if (!(c->samp = calloc(c->n_samp, sizeof(*c->samp)))) goto nomem;
    for (size_t s = 0; s < c->n_subj; s++) {
        sim_subject_t *sj = &c->subj[s];
        snprintf(sj->id, sizeof(sj->id), "P%03d", (int)(s + 1) % 100000);
        if (!(sj->taxa = malloc(k * sizeof(*sj->taxa)))) goto nomem;
        if (!(sj->loga = malloc(k * sizeof(*sj->loga)))) goto nomem;
        for (int t = 0; t < SIM_NSTOOL; t++) {
            sim_sample_t *sm = &c->samp[s * SIM_NSTOOL + t];
            sm->subject = (int)s;
            sm->week = sim_stool_weeks[t];
            snprintf(sm->id, sizeof(sm->id), "%s-W%02d", sj->id, sm->week);
            if (!(sm->p = malloc(k * sizeof(*sm->p)))) goto nomem;
            if (!(sm->count = calloc(k, sizeof(*sm->count)))) goto nomem;
        }
    }
    if (allocate_arms(c)) goto nomem;
    if (sim_communities(c, err) || sim_clinical(c, err) || sim_genus_hbsag(c, err)) {
        lm_sim_cohort_destroy(c);
        return NULL;
    }
    return c;
nomem:
    lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    lm_sim_cohort_destroy(c);
    return NULL;
}

size_t lm_sim_cohort_samples(const lm_sim_cohort_t *c)
{
    return c->n_samp;
}

const char *lm_sim_sample_id(const lm_sim_cohort_t *c, size_t s)
{
    return c->samp[s].id;
}

int sim_path(char *buf, size_t size, const char *dir, const char *name, lm_err_t *err)
{
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
        return lm_err_set(err, LM_ECREATE, dir, 0, 0, "output path too long");
    return 0;
}

/* Per-sample working memory. */
typedef struct sample_buf {
    int *src;       /* taxon (index into the subject's taxa) of each pair; -1: chimera */
    char *tpl, *rc; /* the pair's template and its reverse complement */
    char *s1, *q1, *s2, *q2;
} sample_buf_t;

static void buf_free(sample_buf_t *b)
{
    free(b->src);
    free(b->tpl);
    free(b->rc);
    free(b->s1);
    free(b->q1);
    free(b->s2);
    free(b->q2);
}

static int buf_alloc(sample_buf_t *b, size_t reads, size_t maxlen, size_t len)
{
    memset(b, 0, sizeof(*b));
    b->src = malloc(reads * sizeof(*b->src));
    b->tpl = malloc(maxlen + 1);
    b->rc = malloc(maxlen + 1);
    b->s1 = malloc(len + 1);
    b->q1 = malloc(len + 1);
    b->s2 = malloc(len + 1);
    b->q2 = malloc(len + 1);
    return b->src && b->tpl && b->rc && b->s1 && b->q1 && b->s2 && b->q2 ? 0 : LM_ENOMEM;
}

/* The order of pairs: true counts drawn first (a multinomial over the true proportions),
 * then shuffled, so the counts in truth/ are exact and the files look like a real run. */
static int draw_sources(lm_sim_cohort_t *c, sim_sample_t *sm, gsl_rng *r, int *src)
{
    size_t k = (size_t)c->opt.taxa, n = (size_t)c->opt.reads;
    unsigned int *cnt = malloc(k * sizeof(*cnt));
    if (!cnt) return LM_ENOMEM;
    sm->chimeras =
        c->opt.chimera_rate > 0 ? (long)gsl_ran_binomial(r, c->opt.chimera_rate, (unsigned)n) : 0;
    gsl_ran_multinomial(r, k, (unsigned)(n - (size_t)sm->chimeras), sm->p, cnt);
    size_t at = 0;
    for (size_t j = 0; j < k; j++) {
        sm->count[j] = cnt[j];
        for (unsigned i = 0; i < cnt[j]; i++) src[at++] = (int)j;
    }
    while (at < n) src[at++] = -1;
    gsl_ran_shuffle(r, src, n, sizeof(*src));
    free(cnt);
    return 0;
}

/* A two-parent chimera: parent a up to a breakpoint, parent b after it (at the same
 * amplicon coordinate, as an incomplete extension primes on a relative). */
static size_t make_chimera(const lm_sim_cohort_t *c, const sim_subject_t *sj,
                           gsl_ran_discrete_t *tab, gsl_rng *r, char *tpl, int *pa, int *pb,
                           size_t *bp)
{
    size_t k = (size_t)c->opt.taxa;
    int a = (int)gsl_ran_discrete(r, tab), b = a;
    for (int tries = 0; b == a && tries < 16 && k > 1; tries++) b = (int)gsl_ran_discrete(r, tab);
    size_t la, lb;
    const char *sa = lm_sim_ref_amplicon(c->ref, (size_t)sj->taxa[a], &la);
    const char *sb = lm_sim_ref_amplicon(c->ref, (size_t)sj->taxa[b], &lb);
    size_t m = la < lb ? la : lb;
    *bp = m > 90 ? 30 + gsl_rng_uniform_int(r, m - 60) : m / 2;
    memcpy(tpl, sa, *bp);
    memcpy(tpl + *bp, sb + *bp, lb - *bp);
    tpl[lb] = '\0';
    *pa = sj->taxa[a];
    *pb = sj->taxa[b];
    return lb;
}

static int write_pairs(lm_sim_cohort_t *c, sim_sample_t *sm, gsl_rng *r, sample_buf_t *b,
                       lm_seq_writer_t *w1, lm_seq_writer_t *w2, FILE *truth, lm_err_t *err)
{
    const sim_subject_t *sj = &c->subj[sm->subject];
    size_t n = (size_t)c->opt.reads, len = (size_t)c->opt.read_length;
    double tails = c->opt.poor_tail_rate;
    gsl_ran_discrete_t *tab = NULL;
    if (sm->chimeras && !(tab = gsl_ran_discrete_preproc((size_t)c->opt.taxa, sm->p)))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = 0;
    char name[96];
    for (size_t i = 0; i < n && !rc; i++) {
        const char *tpl;
        size_t tlen, bp = 0;
        int pa, pb = -1;
        if (b->src[i] >= 0) {
            pa = sj->taxa[b->src[i]];
            tpl = lm_sim_ref_amplicon(c->ref, (size_t)pa, &tlen);
        } else {
            tlen = make_chimera(c, sj, tab, r, b->tpl, &pa, &pb, &bp);
            tpl = b->tpl;
        }
        lm_revcomp(tpl, tlen, b->rc);
        /* Illumina names: tile and y number the pair, so names are unique per file. */
        snprintf(name, sizeof(name), "SIM:1:FC:1:%zu:%lu:%zu", 1101 + i / 20000,
                 1000 + gsl_rng_uniform_int(r, 28000), 1000 + i % 20000);
        lm_sim_quals(r, 1, len, tails, b->q1);
        lm_sim_sequence(r, 1, tpl, tlen, b->q1, len, b->s1);
        lm_sim_quals(r, 2, len, tails, b->q2);
        lm_sim_sequence(r, 2, b->rc, tlen, b->q2, len, b->s2);
        rc = lm_seqw_write(w1, name, "1:N:0:1", b->s1, len, b->q1, err);
        if (!rc) rc = lm_seqw_write(w2, name, "2:N:0:1", b->s2, len, b->q2, err);
        if (!rc && truth) {
            fprintf(truth, "%s\t%s\t", name, lm_sim_ref_id(c->ref, (size_t)pa));
            if (pb >= 0)
                fprintf(truth, "%s\t%zu\n", lm_sim_ref_id(c->ref, (size_t)pb), bp);
            else
                fputs("\t\n", truth);
        }
    }
    gsl_ran_discrete_free(tab);
    return rc;
}

int lm_sim_write_sample(lm_sim_cohort_t *c, size_t s, const char *dir, lm_err_t *err)
{
    sim_sample_t *sm = &c->samp[s];
    char p1[4096], p2[4096], pt[4096], rel[128];
    snprintf(rel, sizeof(rel), "reads/%s_R1.fastq.gz", sm->id);
    if (sim_path(p1, sizeof(p1), dir, rel, err)) return err->code;
    snprintf(rel, sizeof(rel), "reads/%s_R2.fastq.gz", sm->id);
    if (sim_path(p2, sizeof(p2), dir, rel, err)) return err->code;
    snprintf(rel, sizeof(rel), "truth/reads/%s.tsv", sm->id);
    if (sim_path(pt, sizeof(pt), dir, rel, err)) return err->code;

    sample_buf_t b = {0};
    gsl_rng *r = lm_rng_create(c->opt.seed, SIM_STREAM(SIM_STREAM_SAMPLE, s));
    lm_seq_writer_t *w1 = NULL, *w2 = NULL;
    lm_afile_t *tf = NULL;
    int rc = 0;
    if (!r ||
        buf_alloc(&b, (size_t)c->opt.reads, (size_t)c->ref->max_alen, (size_t)c->opt.read_length) ||
        draw_sources(c, sm, r, b.src)) {
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if (!(w1 = lm_seqw_open(p1, LM_FMT_FASTQ, 1, err)) ||
        !(w2 = lm_seqw_open(p2, LM_FMT_FASTQ, 1, err)) ||
        (c->opt.read_truth && !(tf = lm_afile_open(pt, err)))) {
        rc = err->code;
        goto done;
    }
    if (tf) fputs("read\tsource\tparent2\tbreakpoint\n", lm_afile_stream(tf));
    rc = write_pairs(c, sm, r, &b, w1, w2, tf ? lm_afile_stream(tf) : NULL, err);
    if (!rc) {
        rc = lm_seqw_commit(w1, err);
        w1 = NULL;
    }
    if (!rc) {
        rc = lm_seqw_commit(w2, err);
        w2 = NULL;
    }
    if (!rc && tf) {
        rc = lm_afile_commit(tf, err);
        tf = NULL;
    }
done:
    lm_seqw_abort(w1);
    lm_seqw_abort(w2);
    lm_afile_abort(tf);
    buf_free(&b);
    gsl_rng_free(r);
    return rc;
}
