/* SPDX-License-Identifier: MIT */
/* The cohort's tables: manifest, metadata, and truth/ (amplicons, true counts, latent
 * subject values, effects.json). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simulate_internal.h"

static int write_manifest(const lm_sim_cohort_t *c, FILE *out)
{
    /* Paths are relative to the manifest's folder (DESIGN.md), so the cohort can move. */
    fputs("sample-id\tforward-absolute-filepath\treverse-absolute-filepath\n", out);
    for (size_t s = 0; s < c->n_samp; s++)
        fprintf(out, "%s\treads/%s_R1.fastq.gz\treads/%s_R2.fastq.gz\n", c->samp[s].id,
                c->samp[s].id, c->samp[s].id);
    return 0;
}

static int write_metadata(const lm_sim_cohort_t *c, FILE *out)
{
    fputs("sample-id\tsubject-id\tweek\tarm\n", out);
    for (size_t s = 0; s < c->n_samp; s++) {
        const sim_sample_t *sm = &c->samp[s];
        const sim_subject_t *sj = &c->subj[sm->subject];
        fprintf(out, "%s\t%s\t%d\t%s\n", sm->id, sj->id, sm->week,
                sj->ifn ? SIM_ARM_IFN : SIM_ARM_NAS);
    }
    return 0;
}

static int write_amplicons(const lm_sim_cohort_t *c, FILE *out)
{
    for (size_t i = 0; i < c->ref->n; i++)
        fprintf(out, ">%s %s\n%s\n", c->ref->id[i], lm_sim_ref_genus(c->ref, i), c->ref->amp[i]);
    return 0;
}

/* True pair counts by reference (rows: every amplicon some subject carries, in pool
 * order) or by genus (alphabetical), one column per sample, in biom's TSV form.
 * Chimeric pairs are counted in a last row "chimera" when chimeras were asked for. */
static int write_counts(const lm_sim_cohort_t *c, FILE *out, int by_genus)
{
    const lm_sim_ref_t *ref = c->ref;
    size_t nrow = by_genus ? ref->n_genera : ref->n, k = (size_t)c->opt.taxa;
    long *m = calloc(nrow * c->n_samp, sizeof(*m));
    char *used = calloc(nrow, 1);
    size_t *order = malloc(nrow * sizeof(*order));
    if (!m || !used || !order) {
        free(m);
        free(used);
        free(order);
        return LM_ENOMEM;
    }
    for (size_t s = 0; s < c->n_samp; s++) {
        const sim_sample_t *sm = &c->samp[s];
        const sim_subject_t *sj = &c->subj[sm->subject];
        for (size_t j = 0; j < k; j++) {
            size_t row = by_genus ? (size_t)ref->genus[sj->taxa[j]] : (size_t)sj->taxa[j];
            m[row * c->n_samp + s] += sm->count[j];
            used[row] = 1;
        }
    }
    for (size_t i = 0; i < nrow; i++) order[i] = i;
    if (by_genus) /* insertion sort by name: about a thousand genera, once */
        for (size_t a = 1; a < nrow; a++)
            for (size_t b = a;
                 b > 0 && strcmp(ref->genera[order[b - 1]], ref->genera[order[b]]) > 0; b--) {
                size_t t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
    fputs("#OTU ID", out);
    for (size_t s = 0; s < c->n_samp; s++) fprintf(out, "\t%s", c->samp[s].id);
    fputc('\n', out);
    for (size_t i = 0; i < nrow; i++) {
        size_t row = order[i];
        if (!used[row]) continue;
        fputs(by_genus ? ref->genera[row] : ref->id[row], out);
        for (size_t s = 0; s < c->n_samp; s++) fprintf(out, "\t%ld", m[row * c->n_samp + s]);
        fputc('\n', out);
    }
    if (c->opt.chimera_rate > 0) {
        fputs("chimera", out);
        for (size_t s = 0; s < c->n_samp; s++) fprintf(out, "\t%ld", c->samp[s].chimeras);
        fputc('\n', out);
    }
    free(m);
    free(used);
    free(order);
    return 0;
}

static int write_ref_counts(const lm_sim_cohort_t *c, FILE *out)
{
    return write_counts(c, out, 0);
}

static int write_genus_counts(const lm_sim_cohort_t *c, FILE *out)
{
    return write_counts(c, out, 1);
}

/* The latent values behind the clinical effects, per subject. */
static int write_latent(const lm_sim_cohort_t *c, FILE *out)
{
    fprintf(out,
            "subject-id\tarm\tshannon_w00_bits\t%s_w00_z\thbsag_decline_48w_latent\t"
            "log_hazard_ratio\n",
            c->opt.hbsag_genus);
    for (size_t s = 0; s < c->n_subj; s++) {
        const sim_subject_t *sj = &c->subj[s];
        double lp = (sj->ifn ? log(c->opt.hr_arm) : 0.0) +
                    log(c->opt.hr_shannon) * (sj->shannon0 - c->shannon_mean);
        fprintf(out, "%s\t%s\t%.6f\t%.6f\t%.6f\t%.6f\n", sj->id,
                sj->ifn ? SIM_ARM_IFN : SIM_ARM_NAS, sj->shannon0, sj->genus_z, sj->decline, lp);
    }
    return 0;
}

static int write_one(const lm_sim_cohort_t *c, const char *dir, const char *name,
                     int (*fn)(const lm_sim_cohort_t *, FILE *), lm_err_t *err)
{
    char path[4096];
    if (sim_path(path, sizeof(path), dir, name, err)) return err->code;
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    if (fn(c, lm_afile_stream(f))) {
        lm_afile_abort(f);
        return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    }
    return lm_afile_commit(f, err);
}

int sim_write_tables(const lm_sim_cohort_t *c, const char *dir, lm_err_t *err)
{
    char path[4096];
    int rc = write_one(c, dir, "manifest.tsv", write_manifest, err);
    if (!rc) rc = write_one(c, dir, "metadata.tsv", write_metadata, err);
    if (!rc && !(rc = sim_path(path, sizeof(path), dir, "subjects.tsv", err)))
        rc = sim_write_subjects(c, path, err);
    if (!rc && !(rc = sim_path(path, sizeof(path), dir, "visits.tsv", err)))
        rc = sim_write_visits(c, path, err);
    if (!rc) rc = write_one(c, dir, "truth/amplicons.fasta", write_amplicons, err);
    if (!rc) rc = write_one(c, dir, "truth/counts_by_reference.tsv", write_ref_counts, err);
    if (!rc) rc = write_one(c, dir, "truth/counts_by_genus.tsv", write_genus_counts, err);
    if (!rc) rc = write_one(c, dir, "truth/latent.tsv", write_latent, err);
    if (!rc && !(rc = sim_path(path, sizeof(path), dir, "truth/effects.json", err)))
        rc = sim_write_effects(c, path, err);
    return rc;
}
