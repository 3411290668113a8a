/* SPDX-License-Identifier: MIT */
/* truth/effects.json: every effect the simulation builds in, with its size, so that an
 * analysis of the cohort can be held against what is known to be there. */
#include <math.h>
#include <stdio.h>

#include "lumen/version.h"
#include "simulate_internal.h"

static void write_reads(lm_json_t *j, const lm_sim_cohort_t *c)
{
    const lm_sim_opt_t *o = &c->opt;
    const lm_primer_pair_t *pp = lm_primer_preset(o->primers);
    lm_json_object_begin(j, "reads");
    lm_json_int(j, "pairs_per_sample", o->reads);
    lm_json_int(j, "read_length", o->read_length);
    lm_json_string(j, "primers", o->primers);
    lm_json_string(j, "forward_primer", pp->fwd);
    lm_json_string(j, "reverse_primer", pp->rev);
    lm_json_int(j, "pcr_max_mismatches", o->max_mismatch);
    lm_json_string(j, "primer_sites",
                   "reads start with the primer oligo that bound (template base where the "
                   "IUPAC code allows it)");
    lm_json_string(j, "quality_model",
                   "Phred mean 38-7x^2 (R1), 36-12x^1.5 (R2), x = position/(length-1); per-read "
                   "offset sd ~0.75, per-base binomial noise sd 1.4; Q2..Q41");
    lm_json_double(j, "poor_tail_rate", o->poor_tail_rate);
    lm_json_string(j, "poor_tail", "from a uniform point in the last 40% of the read, Q2..Q12");
    lm_json_string(j, "substitutions",
                   "each base wrong with probability 10^(-Q/10), to one of "
                   "the 3 other bases uniformly");
    lm_json_string(j, "short_insert", "past the amplicon's end: TruSeq adapter, then random bases");
    lm_json_double(j, "chimera_rate", o->chimera_rate);
    lm_json_string(j, "read_names", "SIM:1:FC:1:<tile>:<x>:<y>, mates share the ID");
    lm_json_object_end(j);
}

static void write_community(lm_json_t *j, const lm_sim_cohort_t *c)
{
    const lm_sim_opt_t *o = &c->opt;
    lm_json_object_begin(j, "community");
    lm_json_int(j, "taxa_per_subject", o->taxa);
    lm_json_string(j, "taxon_choice",
                   "weighted without replacement; weight = genus weight / "
                   "amplicons of the genus in the pool");
    lm_json_object_begin(j, "genus_weights");
    const char *seen[] = {"Bacteroides",  "Faecalibacterium", "Prevotella",   "Blautia",
                          "Ruminococcus", "Bifidobacterium",  "Escherichia",  "Akkermansia",
                          "Alistipes",    "Roseburia",        "Streptococcus"};
    for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
        lm_json_double(j, seen[i], sim_genus_weight(seen[i]));
    lm_json_double(j, "other", sim_genus_weight(""));
    lm_json_object_end(j);
    lm_json_string(j, "abundance",
                   "log abundance = ln(genus weight) + N(0, 1.5) per subject "
                   "and taxon; proportions = softmax");
    lm_json_double(j, "between_subject_sd", 1.5);
    lm_json_double(j, "week_drift_sd", 0.5);
    lm_json_string(j, "drift", "weeks 24 and 48 each add N(0, 0.5) to the baseline log abundances");
    lm_json_string(j, "counts",
                   "multinomial(pairs - chimeras, true proportions); exact counts "
                   "in counts_by_reference.tsv and counts_by_genus.tsv");
    lm_json_array_begin(j, "arm_shifts");
    for (int i = 0; i < o->n_shifts; i++) {
        lm_json_object_begin(j, NULL);
        lm_json_string(j, "genus", o->shifts[i].genus);
        lm_json_double(j, "log2_fold", o->shifts[i].log2fc);
        lm_json_uint(j, "amplicons_in_pool", lm_sim_ref_genus_count(c->ref, o->shifts[i].genus));
        lm_json_string(j, "arm", SIM_ARM_IFN);
        lm_json_string(j, "weeks", "24, 48 (against the subject's week 0)");
        lm_json_object_end(j);
    }
    lm_json_array_end(j);
    lm_json_object_end(j);
}

static void write_survival(lm_json_t *j, const lm_sim_cohort_t *c)
{
    const lm_sim_opt_t *o = &c->opt;
    lm_json_object_begin(j, "survival");
    lm_json_string(j, "model",
                   "exponential recurrence and death times, proportional hazards "
                   "h = h0 * hr_arm^[PegIFN+NAs] * hr_shannon^(H - H_mean); RFS = "
                   "first of recurrence and death");
    lm_json_double(j, "hr_arm", o->hr_arm);
    lm_json_string(j, "hr_arm_compares", SIM_ARM_IFN " vs " SIM_ARM_NAS);
    lm_json_double(j, "hr_shannon_per_bit", o->hr_shannon);
    lm_json_string(j, "shannon",
                   "base 2, true week-0 proportions over reference sequences "
                   "(truth/latent.tsv)");
    lm_json_double(j, "shannon_mean", c->shannon_mean);
    lm_json_double(j, "h0_recurrence_per_month", c->h_recur);
    lm_json_double(j, "h0_death_per_month", c->h_death);
    lm_json_double(j, "censoring_months", SIM_CENSOR_MONTHS);
    lm_json_object_end(j);
}

static void write_hbsag(lm_json_t *j, const lm_sim_cohort_t *c)
{
    const lm_sim_opt_t *o = &c->opt;
    lm_json_object_begin(j, "hbsag");
    lm_json_string(j, "baseline", "log10 IU/mL ~ N(1.8, 0.9) truncated to [-0.5, log10 1999]");
    lm_json_double(j, "decline_48w_mean_ifn", SIM_DECLINE_IFN);
    lm_json_double(j, "decline_48w_sd_ifn", SIM_DECLINE_IFN_SD);
    lm_json_double(j, "decline_48w_mean_nas", SIM_DECLINE_NAS);
    lm_json_double(j, "decline_48w_sd_nas", SIM_DECLINE_NAS_SD);
    lm_json_string(j, "course",
                   "PegIFN+NAs: the latent decline over weeks 0-48, then the NAs "
                   "rate; NAs: the latent decline per 48 weeks throughout; assay "
                   "noise N(0, 0.05) log10");
    lm_json_string(j, "correlated_genus", o->hbsag_genus);
    lm_json_double(j, "correlation", o->hbsag_rho);
    lm_json_string(j, "correlation_of",
                   "latent 48-week decline (truth/latent.tsv) with the "
                   "standardised log10(week-0 proportion + 1e-5) of the "
                   "genus, within each arm");
    lm_json_double(j, "genus_ln_per_log10_hbsag", o->genus_hbsag);
    lm_json_string(j, "genus_ln_per_log10_hbsag_is",
                   o->genus_hbsag != 0
                       ? "the correlated genus's natural-log abundance at each stool visit "
                         "moves by this per log10 IU/mL of the visit's latent HBsAg (0 at "
                         "1.8; floored at log10 0.01), within and between subjects; on the "
                         "CLR scale of a table of G genera about this times (1 - 1/G). The "
                         "correlation above and the Shannon hazard refer to the abundances "
                         "before this effect"
                       : "off (0): the genus's abundance does not follow same-visit HBsAg");
    lm_json_double(j, "genus_log10_mean", c->genus_mean);
    lm_json_double(j, "genus_log10_sd", c->genus_sd);
    lm_json_double(j, "loss_below_iu_ml", 0.05);
    lm_json_double(j, "written_floor_iu_ml", SIM_HBSAG_FLOOR);
    lm_json_double(j, "seroconversion_given_loss_ifn", 0.6);
    lm_json_double(j, "seroconversion_given_loss_nas", 0.3);
    lm_json_string(j, "anti_hbs", "before seroconversion < 10 mIU/mL; after it 10^N(2, 0.5)");
    lm_json_string(j, "hbv_dna",
                   "detectable with probability 0.2 exp(-week/48), then "
                   "10^N(1.8, 0.5) >= 20 IU/mL; 0 = not detected");
    lm_json_string(j, "hbeag",
                   "15% positive at week 0; lost per visit with p 0.25 (PegIFN+NAs) "
                   "or 0.08 (NAs)");
    lm_json_object_end(j);
}

static void write_clinic(lm_json_t *j, const lm_sim_cohort_t *c)
{
    lm_json_object_begin(j, "sites");
    lm_json_int(j, "n", c->opt.sites);
    lm_json_string(j, "assignment",
                   c->opt.sites > 0 ? "uniform at random per subject (subjects.tsv column site)"
                                    : "none (no site column)");
    lm_json_string(j, "effect", "none");
    lm_json_object_end(j);
    lm_json_object_begin(j, "cytokines");
    lm_json_string(j, "weeks", "0, 24, 48 (empty at other visits)");
    lm_json_string(j, "model", "median * exp(subject N(0, 0.4) + visit N(0, 0.3)) * fold");
    lm_json_object_begin(j, "median_pg_ml");
    for (int k = 0; k < SIM_NCYTO; k++) lm_json_double(j, sim_cytokines[k], sim_cyto_median[k]);
    lm_json_object_end(j);
    lm_json_object_begin(j, "fold_ifn_arm_weeks_24_48");
    for (int k = 0; k < SIM_NCYTO; k++) lm_json_double(j, sim_cytokines[k], sim_cyto_ifn_fold[k]);
    lm_json_object_end(j);
    lm_json_object_end(j);
    lm_json_object_begin(j, "baseline");
    lm_json_string(j, "arms", "balanced: floor(n/2) PegIFN+NAs, shuffled");
    lm_json_string(j, "age", "N(52, 9) truncated to 18-65");
    lm_json_double(j, "male_fraction", 0.85);
    lm_json_string(j, "na_drug", "TDF 0.50, TAF 0.35, TMF 0.15");
    lm_json_string(j, "cnlc_stage", "Ia 0.55, Ib 0.30, IIa 0.15");
    lm_json_object_end(j);
    lm_json_object_begin(j, "missing");
    lm_json_double(j, "value_rate", c->opt.missing_rate);
    lm_json_double(j, "visit_rate", c->opt.missing_rate / 2);
    lm_json_string(j, "written_as", "NA; visits after death are absent");
    lm_json_object_end(j);
}

int sim_write_effects(const lm_sim_cohort_t *c, const char *path, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    const lm_sim_opt_t *o = &c->opt;
    lm_json_t j;
    lm_json_init(&j, lm_afile_stream(f));
    lm_json_object_begin(&j, NULL);
    lm_json_string(&j, "program", "lumen simulate");
    lm_json_string(&j, "version", LM_VERSION);
    lm_json_uint(&j, "seed", o->seed);
    lm_json_object_begin(&j, "reference");
    lm_json_string(&j, "path", o->reference);
    lm_json_string(&j, "md5", lm_sim_ref_md5(c->ref));
    lm_json_uint(&j, "sequences", lm_sim_ref_total(c->ref));
    lm_json_uint(&j, "amplicons", lm_sim_ref_count(c->ref));
    lm_json_object_end(&j);
    lm_json_uint(&j, "subjects", c->n_subj);
    lm_json_uint(&j, "samples", c->n_samp);
    write_reads(&j, c);
    write_community(&j, c);
    write_survival(&j, c);
    write_hbsag(&j, c);
    write_clinic(&j, c);
    lm_json_object_end(&j);
    lm_json_finish(&j);
    return lm_afile_commit(f, err);
}
