/* SPDX-License-Identifier: MIT */
/* qc/summary.tsv: the per-sample story of a run, joined from what each stage left in the
 * results folder. Reading the stage files back (rather than passing counts in memory)
 * lets lumen reads, lumen run and the Snakemake workflow write the same bytes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lumen/run.h"
#include "lumen/table.h"

static char *join(const char *dir, const char *a, const char *b)
{
    size_t n = strlen(dir) + strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s%s", dir, a, b);
    return p;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Tabs and newlines would break the TSV. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

int lm_run_write_failed(const char *dir, size_t n, char *const *ids, const lm_err_t *errs,
                        lm_err_t *err)
{
    char *path = join(dir, "qc/failed", ".tsv");
    if (!path) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (n == 0) {
        int rc = 0;
        if (unlink(path) != 0 && errno != ENOENT)
            rc = lm_err_set(err, LM_EIO, path, 0, 0, "cannot remove: %s", strerror(errno));
        free(path);
        return rc;
    }
    lm_afile_t *f = lm_afile_open(path, err);
    free(path);
    if (!f) return err->code;
    FILE *fp = lm_afile_stream(f);
    fputs("sample-id\tfile\tline\tmessage\n", fp);
    for (size_t i = 0; i < n; i++) {
        char file[sizeof(errs[i].path)], msg[sizeof(errs[i].msg)];
        snprintf(file, sizeof(file), "%s", errs[i].path[0] ? errs[i].path : "NA");
        snprintf(msg, sizeof(msg), "%s", errs[i].msg);
        one_line(file);
        one_line(msg);
        if (errs[i].line)
            fprintf(fp, "%s\t%s\t%llu\t%s\n", ids[i], file, (unsigned long long)errs[i].line, msg);
        else
            fprintf(fp, "%s\t%s\tNA\t%s\n", ids[i], file, msg);
    }
    return lm_afile_commit(f, err);
}

/* The row of `id` in a TSV whose first column is the sample ID, or NULL. */
static const lm_tsv_row_t *find_row(const lm_tsv_t *t, const char *id)
{
    for (size_t i = 0; t && i < t->nrows; i++)
        if (strcmp(t->rows[i].f[0], id) == 0) return &t->rows[i];
    return NULL;
}

/* An optional stage file: absent is fine (*have = 0), unreadable or malformed is not. */
static int read_optional(const char *dir, const char *name, lm_tsv_t *t, int *have, lm_err_t *err)
{
    *have = 0;
    char *path = join(dir, name, "");
    if (!path) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = 0;
    if (exists(path)) {
        rc = lm_tsv_read(path, t, err);
        if (!rc) t->path = NULL; /* the path string is freed below; errors were reported */
        *have = !rc;
    }
    free(path);
    return rc;
}

typedef struct qcrec {
    int ok;
    uint64_t v[6]; /* reads_in primers_found merged passed_filter uniques singletons */
    double mean_len;
} qcrec_t;

static int read_qc(const char *dir, const char *id, qcrec_t *q, lm_err_t *err)
{
    static const char *const keys[6] = {"reads_in",      "primers_found", "merged",
                                        "passed_filter", "uniques",       "singletons"};
    memset(q, 0, sizeof(*q));
    size_t n = strlen(dir) + strlen(id) + 16;
    char *jpath = malloc(n);
    if (jpath) snprintf(jpath, n, "%s/qc/%s.json", dir, id);
    if (!jpath) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!exists(jpath)) {
        free(jpath);
        return 0;
    }
    lm_jval_t *js = lm_json_read_file(jpath, err);
    int rc = js ? 0 : err->code;
    for (int k = 0; !rc && k < 6; k++) {
        const lm_jval_t *v = lm_json_get(js, keys[k]);
        if (!v || v->type != LM_JNUM)
            rc = lm_err_set(err, LM_EFORMAT, jpath, 0, 0, "QC record lacks '%s'", keys[k]);
        else if (!(v->num >= 0 && v->num < 18446744073709551616.0)) /* a count (< 2^64) */
            rc = lm_err_set(err, LM_EFORMAT, jpath, 0, 0, "QC record's '%s' is not a count: %g",
                            keys[k], v->num);
        else
            q->v[k] = (uint64_t)v->num;
    }
    if (!rc) {
        const lm_jval_t *mb = lm_json_get(js, "merged_bases");
        const lm_jval_t *ml = lm_json_get(js, "mean_merged_length");
        /* exact from the integer sum when present (no double rounding of a printed mean) */
        q->mean_len = mb && mb->type == LM_JNUM && q->v[2]
                          ? mb->num / (double)q->v[2]
                          : (ml && ml->type == LM_JNUM ? ml->num : 0.0);
        q->ok = 1;
    }
    lm_json_free(js);
    free(jpath);
    return rc;
}

int lm_run_summary(const char *dir, const lm_manifest_t *man, int reads_only, lm_err_t *err)
{
    lm_tsv_t failed = {0}, den = {0}, dropped = {0};
    int have_failed = 0, have_den = 0, have_dropped = 0, have_alpha = 0;
    lm_table_t *tab = NULL;
    lm_afile_t *f = NULL;
    char *path = NULL;
    int rc = read_optional(dir, "qc/failed.tsv", &failed, &have_failed, err);
    if (!rc && !reads_only)
        rc = read_optional(dir, "features/denoise_summary.tsv", &den, &have_den, err);
    if (!rc && !reads_only)
        rc = read_optional(dir, "diversity/dropped_samples.tsv", &dropped, &have_dropped, err);
    if (!rc && !reads_only) {
        if (!(path = join(dir, "diversity/alpha", ".tsv"))) goto oom;
        have_alpha = exists(path);
        free(path);
        if (!(path = join(dir, "features/table", ".tsv"))) goto oom;
        if (exists(path) && !(tab = lm_table_read_tsv(path, err))) rc = err->code;
        free(path);
        path = NULL;
    }
    long den_un = have_den ? lm_tsv_col(&den, "unassigned") : -1;
    long drop_total = have_dropped ? lm_tsv_col(&dropped, "total") : -1;
    long drop_reason = have_dropped ? lm_tsv_col(&dropped, "reason") : -1;
    if (!rc && !(path = join(dir, "qc/summary", ".tsv"))) goto oom;
    if (!rc && !(f = lm_afile_open(path, err))) rc = err->code;
    if (rc) goto done;
    FILE *fp = lm_afile_stream(f);
    fputs("sample-id\tstatus\treads_in\tprimers_found\tmerged\tpassed_filter\tuniques\t"
          "singletons\tmean_merged_length\tmessage\tfeature_reads\tunassigned\trarefied\tnote\n",
          fp);
    for (size_t i = 0; i < man->n; i++) {
        const char *id = man->s[i].id;
        qcrec_t q;
        if ((rc = read_qc(dir, id, &q, err))) goto done;
        const lm_tsv_row_t *fr = have_failed ? find_row(&failed, id) : NULL;
        if (fr && !q.ok) {
            char msg[2200];
            long mc = lm_tsv_col(&failed, "message"), fc = lm_tsv_col(&failed, "file");
            long lc = lm_tsv_col(&failed, "line");
            snprintf(msg, sizeof(msg), "%s%s%s%s%s", fc >= 0 ? fr->f[fc] : "",
                     lc >= 0 && strcmp(fr->f[lc], "NA") ? ":" : "",
                     lc >= 0 && strcmp(fr->f[lc], "NA") ? fr->f[lc] : "", fc >= 0 ? ": " : "",
                     mc >= 0 ? fr->f[mc] : "");
            fprintf(fp, "%s\tfailed\tNA\tNA\tNA\tNA\tNA\tNA\tNA\t%s\tNA\tNA\tNA\t\n", id, msg);
            continue;
        }
        if (!q.ok) {
            fprintf(fp,
                    "%s\tmissing\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tno QC record in qc/\tNA\tNA\tNA\t\n",
                    id);
            continue;
        }
        fprintf(fp, "%s\tok", id);
        for (int k = 0; k < 6; k++) fprintf(fp, "\t%llu", (unsigned long long)q.v[k]);
        fprintf(fp, "\t%.2f\t", q.mean_len);
        /* feature_reads */
        long col = -1;
        for (size_t j = 0; tab && j < lm_table_n_samples(tab); j++)
            if (strcmp(lm_table_sample_id(tab, j), id) == 0) col = (long)j;
        if (tab)
            fprintf(fp, "\t%llu",
                    col >= 0 ? (unsigned long long)lm_table_sample_total(tab, (size_t)col) : 0ULL);
        else
            fputs("\tNA", fp);
        const lm_tsv_row_t *dr = have_den ? find_row(&den, id) : NULL;
        fprintf(fp, "\t%s", dr && den_un >= 0 ? dr->f[den_un] : (have_den ? "0" : "NA"));
        const lm_tsv_row_t *xr = have_dropped ? find_row(&dropped, id) : NULL;
        if (!have_alpha)
            fputs("\tNA\t\n", fp);
        else if (xr)
            fprintf(fp, "\tno\t%s (%s reads in features)\n",
                    drop_reason >= 0 ? xr->f[drop_reason] : "dropped",
                    drop_total >= 0 ? xr->f[drop_total] : "NA");
        else if (tab && col < 0)
            fputs("\tno\tnot in the feature table\n", fp);
        else
            fputs("\tyes\t\n", fp);
    }
    rc = lm_afile_commit(f, err);
    f = NULL;
    goto done;
oom:
    rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
done:
    lm_afile_abort(f);
    free(path);
    lm_table_destroy(tab);
    lm_tsv_free(&failed);
    lm_tsv_free(&den);
    lm_tsv_free(&dropped);
    return rc;
}
