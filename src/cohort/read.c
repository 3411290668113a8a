/* SPDX-License-Identifier: MIT */
/* Reading subjects.tsv, metadata.tsv and visits.tsv into a cohort, with the checks each
 * table's rows get as they are read. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohort_internal.h"

static char *dup_cell(const char *s)
{
    if (cell_missing(s)) return NULL;
    size_t l = strlen(s) + 1;
    char *d = malloc(l);
    if (d) memcpy(d, s, l);
    return d;
}

static long find_subject(const lm_cohort_t *c, const char *id)
{
    for (size_t i = 0; i < c->nsubj; i++)
        if (strcmp(c->subj[i].id, id) == 0) return (long)i;
    return -1;
}

static int in_list(int w, const int *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == w) return 1;
    return 0;
}

/* An event code: 0, 1 or missing (-1); anything else is an error. */
static int cell_event(const tsv_t *t, const tsv_row_t *r, long col, int *ev, lm_err_t *err)
{
    double v;
    int rc = cell_num(t, r, col, &v, err);
    if (rc < 0) return rc;
    if (rc == 1) {
        *ev = -1;
        return 0;
    }
    if (v != 0 && v != 1)
        return lm_err_set(err, LM_EFORMAT, t->path, r->line, 0,
                          "column '%s': event code '%s' is not 0 (censored) or 1 (event)",
                          t->header.f[col], r->f[col]);
    *ev = (int)v;
    return 0;
}

static int cell_time(const tsv_t *t, const tsv_row_t *r, long col, double *v, lm_err_t *err)
{
    int rc = cell_num(t, r, col, v, err);
    if (rc < 0) return rc;
    if (*v < 0)
        return lm_err_set(err, LM_EFORMAT, t->path, r->line, 0, "column '%s': time %s is negative",
                          t->header.f[col], r->f[col]);
    return 0;
}

/* Keep every column of subjects.tsv (for covariates named on the command line): the
 * header and the subjects' cells copied into one buffer. */
static int keep_cells(lm_cohort_t *c, const tsv_t *t, lm_err_t *err)
{
    size_t nc = t->header.n, len = 0;
    for (size_t k = 0; k < nc; k++) len += strlen(t->header.f[k]) + 1;
    for (size_t i = 0; i < t->nrows; i++)
        for (size_t k = 0; k < nc; k++) len += strlen(t->rows[i].f[k]) + 1;
    c->sbuf = malloc(len + 1);
    c->scol = calloc(nc + 1, sizeof(char *));
    c->scell = calloc(t->nrows * nc + 1, sizeof(char *));
    if (!c->sbuf || !c->scol || !c->scell)
        return lm_err_set(err, LM_ENOMEM, t->path, 0, 0, "out of memory");
    c->nscol = nc;
    char *b = c->sbuf;
    for (size_t k = 0; k < nc; k++) {
        size_t l = strlen(t->header.f[k]) + 1;
        memcpy(b, t->header.f[k], l);
        c->scol[k] = b;
        b += l;
    }
    /* rows and subjects correspond one to one (a bad row stops the read) */
    for (size_t i = 0; i < t->nrows && i < c->nsubj; i++)
        for (size_t k = 0; k < nc; k++) {
            const char *f = t->rows[i].f[k];
            size_t l = strlen(f) + 1;
            memcpy(b, f, l);
            c->scell[i * nc + k] = cell_missing(f) ? NULL : b;
            b += l;
        }
    return 0;
}

int read_subjects(lm_cohort_t *c, const char *path, lm_err_t *err)
{
    tsv_t t;
    int rc = tsv_read(path, &t, err);
    if (rc) return rc;
    static const char *names[] = {"subject-id", "arm",        "age",       "sex",       "na_drug",
                                  "cnlc_stage", "rfs_months", "rfs_event", "os_months", "os_event"};
    long col[10];
    for (int k = 0; k < 10 && !rc; k++) rc = tsv_need(&t, names[k], &col[k], err);
    if (!rc && !(c->subj = calloc(t.nrows + 1, sizeof(*c->subj))))
        rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const tsv_row_t *r = &t.rows[i];
        lm_subject_t *s = &c->subj[c->nsubj];
        if (cell_missing(r->f[col[0]])) {
            rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0, "empty subject-id");
            break;
        }
        if (find_subject(c, r->f[col[0]]) >= 0) {
            rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0, "duplicate subject-id '%s'",
                            r->f[col[0]]);
            break;
        }
        c->nsubj++;
        s->line = r->line;
        s->id = dup_cell(r->f[col[0]]);
        s->arm = dup_cell(r->f[col[1]]);
        s->sex = dup_cell(r->f[col[3]]);
        s->na_drug = dup_cell(r->f[col[4]]);
        s->cnlc_stage = dup_cell(r->f[col[5]]);
        if (!s->id || (!s->arm && !cell_missing(r->f[col[1]])) ||
            (!s->sex && !cell_missing(r->f[col[3]])) ||
            (!s->na_drug && !cell_missing(r->f[col[4]])) ||
            (!s->cnlc_stage && !cell_missing(r->f[col[5]]))) {
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        if ((rc = cell_num(&t, r, col[2], &s->age, err)) < 0) break;
        if ((rc = cell_time(&t, r, col[6], &s->rfs_months, err)) < 0) break;
        if ((rc = cell_event(&t, r, col[7], &s->rfs_event, err)) < 0) break;
        if ((rc = cell_time(&t, r, col[8], &s->os_months, err)) < 0) break;
        if ((rc = cell_event(&t, r, col[9], &s->os_event, err)) < 0) break;
        rc = 0;
        /* "NA" reads as missing, as in R and pandas: an arm called NA is almost always
         * the analogue-only arm mislabelled (DESIGN.md). */
        if (!strcmp(r->f[col[1]], "NA")) {
            lm_log_warn("%s:%llu: arm 'NA' reads as missing; write the analogue-only arm as "
                        "'NAs'",
                        path, (unsigned long long)r->line);
            rc = lm_cohort_add_check(c, "arm_na", "subjects.tsv", r->line, s->id,
                                     "arm 'NA' reads as missing; write 'NAs' for analogues alone");
        } else if (!s->arm) {
            rc = lm_cohort_add_check(c, "missing_arm", "subjects.tsv", r->line, s->id,
                                     "arm is missing");
        }
        if (!rc && !isnan(s->age) && (s->age < 18 || s->age > 65))
            rc = lm_cohort_add_check(c, "eligibility_age", "subjects.tsv", r->line, s->id,
                                     "age %g outside 18-65", s->age);
        if (!rc && s->na_drug && strcmp(s->na_drug, "TDF") && strcmp(s->na_drug, "TAF") &&
            strcmp(s->na_drug, "TMF"))
            rc = lm_cohort_add_check(c, "unknown_na_drug", "subjects.tsv", r->line, s->id,
                                     "na_drug '%s' is not TDF, TAF or TMF", s->na_drug);
        if ((s->rfs_event >= 0) != !isnan(s->rfs_months) ||
            (s->os_event >= 0) != !isnan(s->os_months))
            rc = rc ? rc
                    : lm_cohort_add_check(c, "incomplete_survival", "subjects.tsv", r->line, s->id,
                                          "a survival time without its event code, or "
                                          "the reverse");
        if (rc) rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    }
    if (!rc) rc = keep_cells(c, &t, err);
    tsv_free(&t);
    return rc;
}

int read_metadata(lm_cohort_t *c, const char *path, lm_err_t *err)
{
    tsv_t t;
    int rc = tsv_read(path, &t, err);
    if (rc) return rc;
    long cs, cw, ca = tsv_col(&t, "arm");
    if ((rc = tsv_need(&t, "subject-id", &cs, err)) || (rc = tsv_need(&t, "week", &cw, err))) {
        tsv_free(&t);
        return rc;
    }
    if (!(c->samp = calloc(t.nrows + 1, sizeof(*c->samp))))
        rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const tsv_row_t *r = &t.rows[i];
        const char *id = r->f[0];
        if (cell_missing(id)) {
            rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0, "empty sample ID");
            break;
        }
        for (size_t k = 0; k < c->nsamp; k++)
            if (!strcmp(c->samp[k].id, id))
                rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0,
                                "duplicate sample ID '%s' (also on line %llu)", id,
                                (unsigned long long)c->samp[k].line);
        if (rc) break;
        if (cell_missing(r->f[cs])) {
            /* A sample the metadata cannot place: reported, left out of the join. */
            rc = lm_cohort_add_check(c, "sample_without_metadata", "metadata.tsv", r->line, id,
                                     "no subject-id: the sample is left out");
            if (rc) rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            continue;
        }
        long s = find_subject(c, r->f[cs]);
        if (s < 0) {
            rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0,
                            "sample '%s': unknown subject-id '%s' (not in subjects.tsv)", id,
                            r->f[cs]);
            break;
        }
        lm_sample_t *m = &c->samp[c->nsamp];
        if ((rc = cell_week(&t, r, cw, &m->week, err))) break;
        if (!(m->id = dup_cell(id))) {
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        c->nsamp++;
        m->subject = (size_t)s;
        m->line = r->line;
        m->arm = c->subj[s].arm;
        if (!in_list(m->week, lm_stool_weeks, 3))
            rc = lm_cohort_add_check(c, "week_off_protocol", "metadata.tsv", r->line, id,
                                     "stool week %d is not 0, 24 or 48", m->week);
        for (size_t k = 0; !rc && k + 1 < c->nsamp; k++)
            if (c->samp[k].subject == m->subject && c->samp[k].week == m->week)
                rc = lm_cohort_add_check(c, "duplicate_subject_week", "metadata.tsv", r->line, id,
                                         "subject %s already has sample '%s' at week %d",
                                         c->subj[s].id, c->samp[k].id, m->week);
        if (!rc && ca >= 0 && !cell_missing(r->f[ca]) && (!m->arm || strcmp(r->f[ca], m->arm)))
            rc = lm_cohort_add_check(c, "arm_mismatch", "metadata.tsv", r->line, id,
                                     "arm '%s' but subjects.tsv says '%s' (subjects.tsv used)",
                                     r->f[ca], m->arm ? m->arm : "NA");
        if (rc) rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    }
    tsv_free(&t);
    return rc;
}

int read_visits(lm_cohort_t *c, const char *path, lm_err_t *err)
{
    tsv_t t;
    int rc = tsv_read(path, &t, err);
    if (rc) return rc;
    long cs, cw, cv[LM_VIS_NVARS];
    rc = tsv_need(&t, "subject-id", &cs, err);
    if (!rc) rc = tsv_need(&t, "week", &cw, err);
    for (int k = 0; !rc && k < LM_VIS_NVARS; k++)
        rc = tsv_need(&t, lm_visit_var_name[k], &cv[k], err);
    if (!rc && !(c->vis = calloc(t.nrows + 1, sizeof(*c->vis))))
        rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < t.nrows; i++) {
        const tsv_row_t *r = &t.rows[i];
        long s = cell_missing(r->f[cs]) ? -1 : find_subject(c, r->f[cs]);
        if (s < 0) {
            rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0,
                            "unknown subject-id '%s' (not in subjects.tsv)", r->f[cs]);
            break;
        }
        lm_visit_t *v = &c->vis[c->nvis];
        if ((rc = cell_week(&t, r, cw, &v->week, err))) break;
        v->subject = (size_t)s;
        v->line = r->line;
        const char *sid = c->subj[s].id;
        for (int k = 0; k < LM_VIS_NVARS; k++) {
            const char *cell = r->f[cv[k]];
            if (k == LM_VIS_HBEAG &&
                (!strcmp(cell, "positive") || !strcmp(cell, "pos") || !strcmp(cell, "+"))) {
                v->v[k] = 1;
                continue;
            }
            if (k == LM_VIS_HBEAG &&
                (!strcmp(cell, "negative") || !strcmp(cell, "neg") || !strcmp(cell, "-"))) {
                v->v[k] = 0;
                continue;
            }
            if (cell[0] == '<') {
                /* below the detection limit x: LOD/2, flagged, never 0 or missing */
                char *end;
                double lod = strtod(cell + 1, &end);
                if (end == cell + 1 || *end || !(lod > 0) || !isfinite(lod)) {
                    rc = lm_err_set(err, LM_EFORMAT, path, r->line, 0,
                                    "column '%s': '%s' is not a detection limit ('<' and a "
                                    "positive number)",
                                    lm_visit_var_name[k], cell);
                    break;
                }
                v->v[k] = lod / 2;
                v->below_lod |= 1u << k;
                if (lm_cohort_add_check(c, "below_detection_limit", "visits.tsv", r->line, sid,
                                        "%s %s: below the detection limit, used as %g (LOD/2)",
                                        lm_visit_var_name[k], cell, lod / 2)) {
                    rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
                    break;
                }
                continue;
            }
            if ((rc = cell_num(&t, r, cv[k], &v->v[k], err)) < 0) break;
            rc = 0;
            if (v->v[k] < 0) {
                /* A negative concentration is impossible: reported and made missing, so
                 * it never enters an analysis as a value. */
                if (lm_cohort_add_check(c, "negative_value", "visits.tsv", r->line, sid,
                                        "%s = %s is negative (treated as missing)",
                                        lm_visit_var_name[k], cell))
                    rc = LM_ENOMEM;
                v->v[k] = NAN;
            }
        }
        if (rc) break;
        c->nvis++;
        if (!in_list(v->week, lm_visit_weeks, 14))
            rc = lm_cohort_add_check(c, "week_off_protocol", "visits.tsv", r->line, sid,
                                     "visit week %d is not a protocol week", v->week);
        for (size_t k = 0; !rc && k + 1 < c->nvis; k++)
            if (c->vis[k].subject == v->subject && c->vis[k].week == v->week)
                rc = lm_cohort_add_check(c, "duplicate_visit", "visits.tsv", r->line, sid,
                                         "second visit at week %d (line %llu is used)", v->week,
                                         (unsigned long long)c->vis[k].line);
        if (!rc && v->week == 0 && v->v[LM_VIS_HBSAG] >= LM_HBSAG_ELIGIBLE)
            rc = lm_cohort_add_check(c, "eligibility_hbsag", "visits.tsv", r->line, sid,
                                     "baseline HBsAg %g IU/mL >= 2000", v->v[LM_VIS_HBSAG]);
        if (!rc && v->v[LM_VIS_HBSAG] == 0)
            rc = lm_cohort_add_check(c, "hbsag_zero", "visits.tsv", r->line, sid,
                                     "HBsAg 0 at week %d: counts as loss, log10 missing", v->week);
        if (rc) rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    }
    tsv_free(&t);
    return rc;
}
