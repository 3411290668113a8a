/* SPDX-License-Identifier: MIT */
/* The community model: each subject draws its own taxa from the pool, weighted toward gut
 * genera, with lognormal abundances; later weeks drift from the subject's baseline, and
 * the interferon arm shifts the chosen genera. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "simulate_internal.h"

/* Relative weights of genera in stool, roughly by their typical share in healthy adult
 * gut 16S surveys; a genus not listed is a rare visitor. */
static const struct {
    const char *genus;
    double w;
} gut_weights[] = {
    {"Bacteroides", 30},
    {"Faecalibacterium", 20},
    {"Prevotella", 15},
    {"Blautia", 10},
    {"Bifidobacterium", 10},
    {"Alistipes", 8},
    {"Ruminococcus", 8},
    {"Akkermansia", 6},
    {"Roseburia", 6},
    {"Parabacteroides", 6},
    {"Lachnospiraceae Incertae Sedis", 6},
    {"Escherichia", 5},
    {"Eubacterium", 5},
    {"Ruminococcaceae Incertae Sedis", 5},
    {"Subdoligranulum", 4},
    {"Coprococcus", 4},
    {"Dorea", 3},
    {"Collinsella", 3},
    {"Dialister", 3},
    {"Phascolarctobacterium", 3},
    {"Veillonella", 2},
    {"Streptococcus", 2},
    {"Megamonas", 2},
    {"Sutterella", 2},
    {"Clostridium", 2},
    {"Anaerostipes", 2},
    {"Lactobacillus", 1.5},
    {"Enterococcus", 1},
    {"Klebsiella", 1},
    {"Enterobacter", 1},
    {"Citrobacter", 1},
    {"Desulfovibrio", 1},
    {"Methanobrevibacter", 1},
    {"Megasphaera", 1},
    {"Acidaminococcus", 1},
    {"Mitsuokella", 1},
    {"Eggerthella", 1},
    {"Holdemania", 1},
    {"Catenibacterium", 1},
    {"Coprobacillus", 1},
    {"Butyrivibrio", 1},
    {"Odoribacter", 1},
    {"Haemophilus", 0.5},
    {"Fusobacterium", 0.5},
};

#define OTHER_WEIGHT 0.02

double sim_genus_weight(const char *genus)
{
    for (size_t i = 0; i < sizeof(gut_weights) / sizeof(gut_weights[0]); i++)
        if (strcmp(gut_weights[i].genus, genus) == 0) return gut_weights[i].w;
    return OTHER_WEIGHT;
}

typedef struct keyed {
    double key;
    int idx;
} keyed_t;

static int by_key_desc(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? 1 : -1;
    return x->idx - y->idx;
}

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Weighted sampling of k amplicons without replacement (Efraimidis-Spirakis: the k
 * largest log(u)/w). Each amplicon weighs its genus weight over the genus's amplicons,
 * so a genus's chance to appear does not grow with how often the reference lists it. */
static void pick_taxa(const lm_sim_ref_t *ref, const double *w, gsl_rng *r, int k, int *out,
                      keyed_t *scratch)
{
    for (size_t i = 0; i < ref->n; i++) {
        double u = gsl_rng_uniform_pos(r);
        scratch[i].key = log(u) / w[i];
        scratch[i].idx = (int)i;
    }
    qsort(scratch, ref->n, sizeof(*scratch), by_key_desc);
    for (int j = 0; j < k; j++) out[j] = scratch[j].idx;
    /* Keep the subject's taxa in pool order: files then list them in a fixed order. */
    qsort(out, (size_t)k, sizeof(*out), by_int);
}

static double shift_of(const lm_sim_opt_t *opt, const char *genus)
{
    for (int i = 0; i < opt->n_shifts; i++)
        if (strcmp(opt->shifts[i].genus, genus) == 0) return opt->shifts[i].log2fc;
    return 0.0;
}

/* Proportions of one sample: the subject's baseline log abundances, a drift at later
 * weeks (sd 0.5, against a between-subject sd of 1.5 and different taxa, so the subject
 * dominates time) and the arm's shifts. */
static void sample_props(const lm_sim_cohort_t *c, const sim_subject_t *sj, int week, gsl_rng *r,
                         double *p, int k)
{
    double mx = -INFINITY;
    for (int j = 0; j < k; j++) {
        double a = sj->loga[j];
        if (week > 0) {
            a += gsl_ran_gaussian_ziggurat(r, 0.5);
            if (sj->ifn) a += log(2.0) * shift_of(&c->opt, lm_sim_ref_genus(c->ref, sj->taxa[j]));
        }
        p[j] = a;
        if (a > mx) mx = a;
    }
    double sum = 0;
    for (int j = 0; j < k; j++) sum += (p[j] = exp(p[j] - mx));
    for (int j = 0; j < k; j++) p[j] /= sum;
}

int sim_communities(lm_sim_cohort_t *c, lm_err_t *err)
{
    const lm_sim_ref_t *ref = c->ref;
    int k = c->opt.taxa;
    double *w = malloc(ref->n * sizeof(*w));
    keyed_t *scratch = malloc(ref->n * sizeof(*scratch));
    gsl_rng *r = lm_rng_create(c->opt.seed, 0);
    int rc = 0;
    if (!w || !scratch || !r) {
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < ref->n; i++)
        w[i] = sim_genus_weight(ref->genera[ref->genus[i]]) / (double)ref->genus_n[ref->genus[i]];
    for (size_t s = 0; s < c->n_subj; s++) {
        sim_subject_t *sj = &c->subj[s];
        lm_rng_reseed(r, c->opt.seed, SIM_STREAM(SIM_STREAM_SUBJECT, s));
        pick_taxa(ref, w, r, k, sj->taxa, scratch);
        for (int j = 0; j < k; j++)
            sj->loga[j] = log(sim_genus_weight(lm_sim_ref_genus(ref, sj->taxa[j]))) +
                          gsl_ran_gaussian_ziggurat(r, 1.5);
        for (int t = 0; t < SIM_NSTOOL; t++) {
            sim_sample_t *sm = &c->samp[s * SIM_NSTOOL + t];
            sample_props(c, sj, sm->week, r, sm->p, k);
        }
        /* Baseline Shannon (bits) and the HBsAg genus, from the true week-0 proportions. */
        const double *p0 = c->samp[s * SIM_NSTOOL].p;
        double h = 0, g = 0;
        for (int j = 0; j < k; j++) {
            if (p0[j] > 0) h -= p0[j] * log2(p0[j]);
            if (strcmp(lm_sim_ref_genus(ref, sj->taxa[j]), c->opt.hbsag_genus) == 0) g += p0[j];
        }
        sj->shannon0 = h;
        sj->genus_z = log10(g + 1e-5); /* standardised below */
    }
    double sh = 0, gm = 0, gv = 0;
    for (size_t s = 0; s < c->n_subj; s++) {
        sh += c->subj[s].shannon0;
        gm += c->subj[s].genus_z;
    }
    c->shannon_mean = sh / (double)c->n_subj;
    c->genus_mean = gm / (double)c->n_subj;
    for (size_t s = 0; s < c->n_subj; s++)
        gv += (c->subj[s].genus_z - c->genus_mean) * (c->subj[s].genus_z - c->genus_mean);
    c->genus_sd = c->n_subj > 1 ? sqrt(gv / (double)(c->n_subj - 1)) : 0.0;
    for (size_t s = 0; s < c->n_subj; s++)
        c->subj[s].genus_z =
            c->genus_sd > 0 ? (c->subj[s].genus_z - c->genus_mean) / c->genus_sd : 0.0;
done:
    free(w);
    free(scratch);
    gsl_rng_free(r);
    return rc;
}
