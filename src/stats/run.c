/* SPDX-License-Identifier: MIT */
/* lm_stats_run(): read and join the inputs, run each analysis in a fixed order, then
 * write every table atomically. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_internal.h"

static const char *const out_name[OUT_N] = {
    "correlations.tsv", "arm_comparisons.tsv", "permanova.tsv",         "survival_cox.tsv",
    "survival_km.tsv",  "logrank.tsv",         "endpoints.tsv",         "skipped.tsv",
    "mixed_models.tsv", "models_skipped.tsv",  "survival_adjusted.tsv", "iptw_balance.tsv",
    "genus_models.tsv"};
static const char *const dist_names[MAX_DIST] = {"braycurtis", "jaccard", "aitchison"};

void lm_stats_opt_init(lm_stats_opt_t *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->permutations = 999;
    opt->seed = LM_DEFAULT_SEED;
    opt->min_prevalence = 0.1;
}

int lm_stats_opt_check(const lm_stats_opt_t *opt, lm_err_t *err)
{
    if (!opt->diversity || !opt->metadata || !opt->subjects || !opt->visits || !opt->out)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                          "--diversity, --metadata, --subjects, --visits and --out are required");
    if (!(opt->min_prevalence >= 0 && opt->min_prevalence <= 1))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "prevalence must be within 0-1");
    lm_permanova_opt_t po;
    lm_permanova_opt_init(&po);
    po.permutations = opt->permutations;
    return lm_permanova_opt_check(&po, err);
}

const lm_sample_t *alpha_sample(const run_ctx_t *c, size_t i)
{
    long s = c->alpha_sample[i];
    return s < 0 ? NULL : lm_cohort_sample(c->co, (size_t)s);
}

static char *path_join(const char *dir, const char *name)
{
    size_t l = strlen(dir) + strlen(name) + 2;
    char *p = malloc(l);
    if (p) snprintf(p, l, "%s/%s", dir, name);
    return p;
}

/* Every sample a diversity or taxa table names must be in the metadata: a sample ID that
 * is not is a broken join (a typo, the wrong metadata), not something to skip. */
static int check_ids(const run_ctx_t *c, const lm_matrix_t *m, int by_col, lm_err_t *err)
{
    size_t n = by_col ? m->ncol : m->nrow;
    for (size_t i = 0; i < n; i++) {
        const char *id = by_col ? m->col_id[i] : m->row_id[i];
        if (lm_cohort_find_sample(c->co, id) < 0)
            return lm_err_set(err, LM_EFORMAT, m->path,
                              by_col ? (m->nrow ? m->row_line[0] - 1 : 1) : m->row_line[i], 0,
                              "unknown sample ID '%s' (not in the metadata)", id);
    }
    return 0;
}

static int load(run_ctx_t *c, lm_err_t *err)
{
    const lm_stats_opt_t *o = c->opt;
    if (!(c->co = lm_cohort_load(o->metadata, o->subjects, o->visits, err))) return err->code;
    char *p = path_join(o->diversity, "alpha.tsv");
    if (!p) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    c->alpha = lm_matrix_read(p, LM_MATRIX_ALPHA, err);
    free(p);
    if (!c->alpha) return err->code;
    int rc = check_ids(c, c->alpha, 0, err);
    if (rc) return rc;
    if (!(c->alpha_sample = malloc((c->alpha->nrow + 1) * sizeof(long))))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < c->alpha->nrow; i++)
        c->alpha_sample[i] = lm_cohort_find_sample(c->co, c->alpha->row_id[i]);
    /* The join sample -> visit is made once: every correlation test reads it. */
    size_t ns = lm_cohort_n_samples(c->co);
    if (!(c->sample_visit = malloc((ns + 1) * sizeof(*c->sample_visit))))
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t s = 0; s < ns; s++) {
        const lm_sample_t *sm = lm_cohort_sample(c->co, s);
        c->sample_visit[s] = lm_cohort_visit_at(c->co, sm->subject, sm->week);
    }
    for (size_t s = 0; s < ns; s++) {
        const lm_sample_t *sm = lm_cohort_sample(c->co, s);
        if (lm_matrix_row(c->alpha, sm->id) < 0 &&
            lm_cohort_add_check(c->co, "sample_without_data", "metadata.tsv", sm->line, sm->id,
                                "not in alpha.tsv (not sequenced, or dropped by rarefaction)"))
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (int k = 0; k < MAX_DIST; k++) {
        char name[64];
        snprintf(name, sizeof(name), "%s.tsv", dist_names[k]);
        if (!(p = path_join(o->diversity, name)))
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        if (access(p, F_OK) == 0) {
            lm_matrix_t *m = lm_matrix_read(p, LM_MATRIX_DIST, err);
            if (!m || check_ids(c, m, 0, err)) {
                free(p);
                lm_matrix_destroy(m);
                return err->code;
            }
            c->dist_name[c->ndist] = dist_names[k];
            c->dist[c->ndist++] = m;
        }
        free(p);
    }
    if (o->taxa) {
        if (!(p = path_join(o->taxa, "level-6.tsv")))
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        c->taxa = lm_matrix_read(p, LM_MATRIX_FEATURES, err);
        free(p);
        if (!c->taxa || check_ids(c, c->taxa, 1, err)) return err->code;
    }
    return 0;
}

static void write_checks(const lm_cohort_t *co, FILE *f)
{
    fputs("kind\tfile\tline\tid\tmessage\n", f);
    for (size_t i = 0; i < lm_cohort_n_checks(co); i++) {
        const lm_cohort_check_t *k = lm_cohort_check(co, i);
        fprintf(f, "%s\t%s\t", k->kind, k->file);
        if (k->line)
            fprintf(f, "%llu", (unsigned long long)k->line);
        else
            fputs("NA", f);
        fprintf(f, "\t%s\t%s\n", k->id[0] ? k->id : "NA", k->msg);
    }
}

/* The derived HBsAg endpoints of every visit (DESIGN.md), for the statistician's own
 * models: one row per subject and week. */
static void write_visits(const lm_cohort_t *co, FILE *f)
{
    fputs("subject-id\tarm\tweek\thbsag_iu_ml\tlog10_hbsag\thbsag_decline\thbsag_loss\t"
          "seroconversion\n",
          f);
    for (size_t i = 0; i < lm_cohort_n_visits(co); i++) {
        const lm_visit_t *v = lm_cohort_visit(co, i);
        const lm_subject_t *s = lm_cohort_subject(co, v->subject);
        if (lm_cohort_visit_at(co, v->subject, v->week) != v) continue; /* duplicates */
        fprintf(f, "%s\t%s\t%d", s->id, s->arm ? s->arm : "NA", v->week);
        double d[3] = {v->v[LM_VIS_HBSAG], v->log10_hbsag, v->hbsag_decline};
        for (int k = 0; k < 3; k++)
            if (isnan(d[k]))
                fputs("\tNA", f);
            else
                fprintf(f, "\t%.15g", d[k]);
        int e[2] = {v->hbsag_loss, v->seroconversion};
        for (int k = 0; k < 2; k++)
            if (e[k] < 0)
                fputs("\tNA", f);
            else
                fprintf(f, "\t%d", e[k]);
        fputc('\n', f);
    }
}

/* Open every output under a temporary name, write, and rename only when all are
 * written: a failure part-way leaves no table behind. */
static int write_all(run_ctx_t *c, lm_err_t *err)
{
    if (lm_mkdir_parents(c->opt->out, err)) return err->code;
    if (mkdir(c->opt->out, 0777) != 0 && errno != EEXIST)
        return lm_err_set(err, LM_ECREATE, c->opt->out, 0, 0, "cannot create folder: %s",
                          strerror(errno));
    /* the tidy tables, then cohort_checks.tsv, visits_derived.tsv, cytokines_derived.tsv
     * and hbsag_loss_time.tsv */
    enum { NF = OUT_N + 4 };
    static const char *const extra[4] = {"cohort_checks.tsv", "visits_derived.tsv",
                                         "cytokines_derived.tsv", "hbsag_loss_time.tsv"};
    lm_afile_t *f[NF] = {0};
    int rc = 0;
    for (int k = 0; k < NF && !rc; k++) {
        char *p = path_join(c->opt->out, k < OUT_N ? out_name[k] : extra[k - OUT_N]);
        if (!p) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        f[k] = lm_afile_open(p, err);
        free(p);
        if (!f[k]) {
            rc = err->code;
            break;
        }
        FILE *s = lm_afile_stream(f[k]);
        if (k == OUT_N + 3)
            write_loss_time(c->co, s);
        else if (k == OUT_N + 2)
            write_derived(c->co, s);
        else if (k == OUT_N + 1)
            write_visits(c->co, s);
        else if (k == OUT_N)
            write_checks(c->co, s);
        else if (k == OUT_SKIP || k == OUT_MSKIP)
            tidy_write_skipped(&c->out[k], s);
        else
            tidy_write(&c->out[k], s);
    }
    for (int k = 0; k < NF; k++) {
        if (rc) {
            lm_afile_abort(f[k]);
        } else if (lm_afile_commit(f[k], err)) {
            rc = err->code;
        }
    }
    return rc;
}

int lm_stats_run(const lm_stats_opt_t *opt, lm_err_t *err)
{
    int rc = lm_stats_opt_check(opt, err);
    if (rc) return rc;
    run_ctx_t c;
    memset(&c, 0, sizeof(c));
    c.opt = opt;
    for (int k = 0; k < OUT_N; k++) c.out[k].name = out_name[k];
    c.out[OUT_MIXED].ext = c.out[OUT_SURVADJ].ext = c.out[OUT_IPTW].ext = c.out[OUT_GENUS].ext = 1;
    rc = load(&c, err);
    if (!rc) rc = covars_parse(c.co, opt->covariates, &c.cov, err);
    if (!rc) rc = covars_site(c.co, opt->site, opt->subjects, &c.cov, err);
    if (!rc) rc = run_endpoints(&c, err);
    if (!rc) rc = run_correlations(&c, err);
    if (!rc) rc = run_arm_tests(&c, err);
    if (!rc) rc = run_permanova(&c, err);
    if (!rc) rc = run_survival(&c, err);
    if (!rc) rc = run_mixed_models(&c, err);
    if (!rc) rc = run_adjusted_survival(&c, err);
    if (!rc) rc = run_hbsag_loss(&c, err);
    for (int k = 0; !rc && k < OUT_N; k++)
        if (tidy_adjust(&c.out[k])) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc) rc = write_all(&c, err);
    for (int k = 0; k < OUT_N; k++) tidy_free(&c.out[k]);
    covars_free(&c.cov);
    lm_cohort_destroy(c.co);
    lm_matrix_destroy(c.alpha);
    free(c.alpha_sample);
    free(c.sample_visit);
    for (int k = 0; k < c.ndist; k++) lm_matrix_destroy(c.dist[k]);
    lm_matrix_destroy(c.taxa);
    return rc;
}
