/* SPDX-License-Identifier: MIT */
/* Structures the files of the simulate module share. */
#ifndef LUMEN_SIMULATE_INTERNAL_H
#define LUMEN_SIMULATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "lumen/simulate.h"

/* Random streams: lm_rng_create(seed, kind << 32 | unit). Each kind numbers its own
 * units, so adding a kind never changes the streams of another. */
enum {
    SIM_STREAM_ALLOC = 1,
    SIM_STREAM_SUBJECT,
    SIM_STREAM_SAMPLE,
    SIM_STREAM_CLINIC,
    SIM_STREAM_VISITS,
    SIM_STREAM_SITE
};
#define SIM_STREAM(kind, unit) (((uint64_t)(kind) << 32) | (uint64_t)(unit))

/* The visit weeks of the trial, and the weeks with stool and cytokines. */
#define SIM_NVISITS 14
extern const int sim_visit_weeks[SIM_NVISITS];
#define SIM_NSTOOL 3
extern const int sim_stool_weeks[SIM_NSTOOL];

/* Clinical constants (clinical.c), all stated in truth/effects.json. */
#define SIM_NCYTO           6
#define SIM_CENSOR_MONTHS   60.0 /* administrative censoring at 5 years */
#define SIM_RFS5_NAS_RECUR  0.55 /* 5-year freedom from recurrence, NAs arm, mean Shannon */
#define SIM_OS5_NAS         0.85 /* 5-year survival, NAs arm, mean Shannon */
#define SIM_DECLINE_IFN     1.8  /* mean log10 HBsAg decline over 48 weeks, PegIFN+NAs */
#define SIM_DECLINE_IFN_SD  0.9
#define SIM_DECLINE_NAS     0.1 /* per 48 weeks, NAs (and PegIFN+NAs after week 48) */
#define SIM_DECLINE_NAS_SD  0.1
#define SIM_HBSAG_FLOOR     0.01 /* IU/mL written for values below it */
#define SIM_WEEKS_PER_MONTH (52.1775 / 12.0)
extern const char *const sim_cytokines[SIM_NCYTO];
extern const double sim_cyto_median[SIM_NCYTO];
extern const double sim_cyto_ifn_fold[SIM_NCYTO];
extern const char *const sim_drugs[3];
extern const char *const sim_stages[3];

#define SIM_ARM_IFN "PegIFN+NAs"
#define SIM_ARM_NAS "NAs"

struct lm_sim_ref {
    size_t n, cap, total;
    char **id, **amp;
    size_t *alen;
    int *genus;      /* index into genera */
    char **genera;   /* distinct genus names, in order of first appearance */
    size_t *genus_n; /* amplicons per genus */
    size_t n_genera, cap_genera;
    double max_alen;
    char md5[33];
};

typedef struct sim_subject {
    char id[16];
    int ifn;                    /* 1: PegIFN+NAs, 0: NAs */
    int age, male, drug, stage; /* stage -1: missing */
    int hbeag0;                 /* HBeAg positive at baseline */
    double log_hbsag0;          /* log10 IU/mL at week 0 */
    double decline;             /* latent log10 HBsAg decline over the first 48 weeks */
    int site;                   /* 0-based study site (--sites), 0 without */
    double genus_z;             /* standardised log10 abundance of the HBsAg genus at week 0 */
    double shannon0;            /* bits, from the true week-0 proportions */
    double rfs, os;             /* months */
    int rfs_event, os_event;
    int *taxa;    /* opt->taxa amplicon indices */
    double *loga; /* their baseline log abundances */
} sim_subject_t;

typedef struct sim_sample {
    char id[24];
    int subject, week;
    double *p;   /* true proportions over the subject's taxa */
    long *count; /* true pairs by taxon, filled by lm_sim_write_sample() */
    long chimeras;
} sim_sample_t;

struct lm_sim_cohort {
    lm_sim_opt_t opt;
    const lm_sim_ref_t *ref;
    sim_subject_t *subj;
    sim_sample_t *samp;
    size_t n_subj, n_samp;
    double shannon_mean;         /* centre of the Shannon hazard term */
    double genus_mean, genus_sd; /* of log10 baseline abundance of the HBsAg genus */
    double h_recur, h_death;     /* baseline hazards per month */
};

/* community.c */
int sim_communities(lm_sim_cohort_t *c, lm_err_t *err);
double sim_genus_weight(const char *genus);
/* clinical.c */
int sim_clinical(lm_sim_cohort_t *c, lm_err_t *err);
/* The latent log10 HBsAg of subject sj at stool week w (0, 24, 48), floored as written. */
double sim_hbsag_at(const sim_subject_t *sj, int week);
/* --genus-hbsag: the genus's abundance at each stool visit follows that visit's HBsAg
 * (after sim_clinical; draws no random numbers). --sites: each subject's site. */
int sim_genus_hbsag(lm_sim_cohort_t *c, lm_err_t *err);
#define SIM_GENUS_HBSAG_CENTRE 1.8 /* log10 IU/mL at which the effect is 0 */
int sim_write_subjects(const lm_sim_cohort_t *c, const char *path, lm_err_t *err);
int sim_write_visits(const lm_sim_cohort_t *c, const char *path, lm_err_t *err);
/* tables.c */
int sim_write_tables(const lm_sim_cohort_t *c, const char *dir, lm_err_t *err);
int sim_path(char *buf, size_t size, const char *dir, const char *name, lm_err_t *err);
int sim_write_effects(const lm_sim_cohort_t *c, const char *path, lm_err_t *err);

#endif
