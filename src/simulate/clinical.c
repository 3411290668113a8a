/* SPDX-License-Identifier: MIT */
/* The clinical model: baseline characteristics, survival from arm- and diversity-
 * dependent hazards, and the HBsAg, HBV and cytokine course at the trial's visits. Every
 * constant here is also written to truth/effects.json (tables.c), so keep the two in step
 * through the SIM_* macros below. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "simulate_internal.h"

const int sim_visit_weeks[SIM_NVISITS] = {0,  12,  24,  36,  48,  60,  72,
                                          96, 120, 144, 168, 192, 216, 240};
const int sim_stool_weeks[SIM_NSTOOL] = {0, 24, 48};
const char *const sim_cytokines[SIM_NCYTO] = {"il2", "il4", "il6", "il10", "tnfa", "ifng"};
const double sim_cyto_median[SIM_NCYTO] = {3, 2, 5, 4, 8, 6};
const double sim_cyto_ifn_fold[SIM_NCYTO] = {1.0, 1.0, 1.3, 1.2, 1.0, 1.8};
const char *const sim_drugs[3] = {"TDF", "TAF", "TMF"};
const char *const sim_stages[3] = {"Ia", "Ib", "IIa"};

/* Normal truncated to [lo, hi] by rejection (the bounds sit within 2 sd of the mean). */
static double trunc_normal(gsl_rng *r, double mu, double sd, double lo, double hi)
{
    double x;
    do x = mu + gsl_ran_gaussian_ziggurat(r, sd);
    while (x < lo || x > hi);
    return x;
}

int sim_clinical(lm_sim_cohort_t *c, lm_err_t *err)
{
    const lm_sim_opt_t *o = &c->opt;
    c->h_recur = -log(SIM_RFS5_NAS_RECUR) / SIM_CENSOR_MONTHS;
    c->h_death = -log(SIM_OS5_NAS) / SIM_CENSOR_MONTHS;
    gsl_rng *r = lm_rng_create(o->seed, 0);
    if (!r) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    double rho = o->hbsag_rho, rest = sqrt(1 - rho * rho);
    for (size_t s = 0; s < c->n_subj; s++) {
        sim_subject_t *sj = &c->subj[s];
        lm_rng_reseed(r, o->seed, SIM_STREAM(SIM_STREAM_CLINIC, s));
        sj->age = (int)lround(trunc_normal(r, 52, 9, 18, 65));
        sj->male = gsl_rng_uniform(r) < 0.85;
        double u = gsl_rng_uniform(r);
        sj->drug = u < 0.5 ? 0 : u < 0.85 ? 1 : 2;
        u = gsl_rng_uniform(r);
        sj->stage = u < 0.55 ? 0 : u < 0.85 ? 1 : 2;
        if (gsl_rng_uniform(r) < o->missing_rate) sj->stage = -1;
        sj->hbeag0 = gsl_rng_uniform(r) < 0.15;
        sj->log_hbsag0 = trunc_normal(r, 1.8, 0.9, -0.5, log10(1999.0));
        /* The latent decline over 48 weeks: correlated with the standardised baseline
         * abundance of the named genus at rho, whatever the arm. */
        double e = gsl_ran_gaussian_ziggurat(r, 1.0);
        double z = rho * sj->genus_z + rest * e;
        sj->decline = sj->ifn ? SIM_DECLINE_IFN + SIM_DECLINE_IFN_SD * z
                              : SIM_DECLINE_NAS + SIM_DECLINE_NAS_SD * z;
        /* Proportional hazards: recurrence and death share the linear predictor, so RFS
         * (first of the two) and OS both have exactly these hazard ratios. */
        double lp = (sj->ifn ? log(o->hr_arm) : 0.0) +
                    log(o->hr_shannon) * (sj->shannon0 - c->shannon_mean);
        double tr = gsl_ran_exponential(r, 1.0 / (c->h_recur * exp(lp)));
        double td = gsl_ran_exponential(r, 1.0 / (c->h_death * exp(lp)));
        double t = tr < td ? tr : td;
        sj->rfs_event = t < SIM_CENSOR_MONTHS;
        sj->rfs = sj->rfs_event ? t : SIM_CENSOR_MONTHS;
        sj->os_event = td < SIM_CENSOR_MONTHS;
        sj->os = sj->os_event ? td : SIM_CENSOR_MONTHS;
        /* Times are written with 2 decimals: keep an event from rounding to 60.00. */
        if (sj->rfs_event && sj->rfs > SIM_CENSOR_MONTHS - 0.01) sj->rfs = SIM_CENSOR_MONTHS - 0.01;
        if (sj->os_event && sj->os > SIM_CENSOR_MONTHS - 0.01) sj->os = SIM_CENSOR_MONTHS - 0.01;
    }
    gsl_rng_free(r);
    return 0;
}

int sim_write_subjects(const lm_sim_cohort_t *c, const char *path, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    FILE *out = lm_afile_stream(f);
    fputs("subject-id\tarm\tage\tsex\tna_drug\tcnlc_stage\trfs_months\trfs_event\tos_months\t"
          "os_event",
          out);
    fputs(c->opt.sites > 0 ? "\tsite\n" : "\n", out);
    for (size_t s = 0; s < c->n_subj; s++) {
        const sim_subject_t *sj = &c->subj[s];
        fprintf(out, "%s\t%s\t%d\t%s\t%s\t%s\t%.2f\t%d\t%.2f\t%d", sj->id,
                sj->ifn ? SIM_ARM_IFN : SIM_ARM_NAS, sj->age, sj->male ? "M" : "F",
                sim_drugs[sj->drug], sj->stage < 0 ? "NA" : sim_stages[sj->stage], sj->rfs,
                sj->rfs_event, sj->os, sj->os_event);
        if (c->opt.sites > 0)
            fprintf(out, "\tsite%d\n", sj->site + 1);
        else
            fputc('\n', out);
    }
    return lm_afile_commit(f, err);
}

/* A value, or NA with probability rate (each visit loses a few values, as real data do). */
static void put_num(FILE *out, gsl_rng *r, double rate, const char *fmt, double v)
{
    fputc('\t', out);
    if (gsl_rng_uniform(r) < rate)
        fputs("NA", out);
    else
        fprintf(out, fmt, v);
}

/* One subject's visit rows, from the subject's own stream (so subjects are independent of
 * each other's missing values and visits). */
static void subject_visits(const lm_sim_cohort_t *c, const sim_subject_t *sj, gsl_rng *r, FILE *out)
{
    const lm_sim_opt_t *o = &c->opt;
    int ifn = sj->ifn, lost = 0, sero = 0, hbeag = sj->hbeag0;
    double anti0 = pow(10, gsl_ran_gaussian_ziggurat(r, 0.4)), anti_sero = 0;
    double cyto_subj[SIM_NCYTO];
    for (int k = 0; k < SIM_NCYTO; k++) cyto_subj[k] = gsl_ran_gaussian_ziggurat(r, 0.4);
    double death_week = sj->os_event ? sj->os * SIM_WEEKS_PER_MONTH : 1e9;
    for (int v = 0; v < SIM_NVISITS; v++) {
        int w = sim_visit_weeks[v];
        double t = w;
        double lh = sj->log_hbsag0;
        if (w > 0) {
            lh -= ifn ? sj->decline * (t < 48 ? t / 48 : 1) +
                            SIM_DECLINE_NAS * (t > 48 ? (t - 48) / 48 : 0)
                      : sj->decline * t / 48;
            lh += gsl_ran_gaussian_ziggurat(r, 0.05);
        }
        double hbsag = pow(10, lh);
        if (hbsag < SIM_HBSAG_FLOOR) hbsag = SIM_HBSAG_FLOOR;
        if (hbsag < 0.05 && !lost) {
            lost = 1;
            sero = gsl_rng_uniform(r) < (ifn ? 0.6 : 0.3);
            anti_sero = pow(10, trunc_normal(r, 2.0, 0.5, 1.1, 3.5));
        }
        double anti = sero ? anti_sero : anti0 < 9 ? anti0 : 9;
        double pdna = 0.2 * exp(-t / 48);
        double dna = gsl_rng_uniform(r) < pdna ? pow(10, trunc_normal(r, 1.8, 0.5, 1.31, 4)) : 0;
        if (hbeag && w > 0 && gsl_rng_uniform(r) < (ifn ? 0.25 : 0.08)) hbeag = 0;
        int stool = w == 0 || w == 24 || w == 48;
        double cy[SIM_NCYTO];
        for (int k = 0; k < SIM_NCYTO; k++)
            cy[k] = sim_cyto_median[k] * exp(cyto_subj[k] + gsl_ran_gaussian_ziggurat(r, 0.3)) *
                    (ifn && w > 0 ? sim_cyto_ifn_fold[k] : 1.0);
        int missed = w > 0 && gsl_rng_uniform(r) < o->missing_rate / 2;
        if (missed || w > death_week) continue;
        fprintf(out, "%s\t%d", sj->id, w);
        if (w == 0)
            fprintf(out, "\t%.4g", hbsag);
        else
            put_num(out, r, o->missing_rate, "%.4g", hbsag);
        put_num(out, r, o->missing_rate, "%.3g", anti);
        put_num(out, r, o->missing_rate, "%.0f", dna);
        fputc('\t', out);
        fputs(gsl_rng_uniform(r) < o->missing_rate ? "NA" : hbeag ? "positive" : "negative", out);
        for (int k = 0; k < SIM_NCYTO; k++) {
            if (stool)
                put_num(out, r, o->missing_rate, "%.2f", cy[k]);
            else
                fputc('\t', out); /* not measured at this visit: empty */
        }
        fputc('\n', out);
    }
}

int sim_write_visits(const lm_sim_cohort_t *c, const char *path, lm_err_t *err)
{
    gsl_rng *r = lm_rng_create(c->opt.seed, 0);
    if (!r) return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) {
        gsl_rng_free(r);
        return err->code;
    }
    FILE *out = lm_afile_stream(f);
    fputs("subject-id\tweek\thbsag_iu_ml\tanti_hbs_miu_ml\thbv_dna_iu_ml\thbeag", out);
    for (int k = 0; k < SIM_NCYTO; k++) fprintf(out, "\t%s", sim_cytokines[k]);
    fputc('\n', out);
    for (size_t s = 0; s < c->n_subj; s++) {
        lm_rng_reseed(r, c->opt.seed, SIM_STREAM(SIM_STREAM_VISITS, s));
        subject_visits(c, &c->subj[s], r, out);
    }
    gsl_rng_free(r);
    return lm_afile_commit(f, err);
}

double sim_hbsag_at(const sim_subject_t *sj, int week)
{
    /* weeks 0-48: both arms decline linearly by the latent 48-week decline */
    double lh = sj->log_hbsag0 - sj->decline * (week < 48 ? week / 48.0 : 1.0);
    double fl = log10(SIM_HBSAG_FLOOR);
    return lh < fl ? fl : lh;
}

int sim_genus_hbsag(lm_sim_cohort_t *c, lm_err_t *err)
{
    (void)err;
    const lm_sim_opt_t *o = &c->opt;
    int k = o->taxa;
    gsl_rng *r = NULL;
    if (o->sites > 0 && !(r = lm_rng_create(o->seed, 0)))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t s = 0; s < c->n_subj; s++) {
        sim_subject_t *sj = &c->subj[s];
        if (r) {
            lm_rng_reseed(r, o->seed, SIM_STREAM(SIM_STREAM_SITE, s));
            sj->site = (int)gsl_rng_uniform_int(r, (unsigned long)o->sites);
        }
        if (o->genus_hbsag == 0) continue;
        for (int t = 0; t < SIM_NSTOOL; t++) {
            sim_sample_t *sm = &c->samp[s * SIM_NSTOOL + t];
            double f = exp(o->genus_hbsag * (sim_hbsag_at(sj, sm->week) - SIM_GENUS_HBSAG_CENTRE));
            double sum = 0;
            for (int j = 0; j < k; j++) {
                if (!strcmp(lm_sim_ref_genus(c->ref, sj->taxa[j]), o->hbsag_genus)) sm->p[j] *= f;
                sum += sm->p[j];
            }
            for (int j = 0; j < k; j++) sm->p[j] /= sum;
        }
    }
    gsl_rng_free(r);
    return 0;
}
