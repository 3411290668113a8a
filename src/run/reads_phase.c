/* SPDX-License-Identifier: MIT */
/* The per-sample part of lumen run: every sample whose record is not up to date runs the
 * read stage (samples in parallel, the remaining threads inside each), writing its
 * uniques and QC record in place, atomically, and then its step record. The MD5 of each
 * FASTQ is computed by a thread of its own while the sample is read, so the file is
 * fetched from disk once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "run_internal.h"

typedef struct md5job {
    const char *path;
    char hex[33];
    uint64_t size;
    int rc, started;
    lm_err_t err;
    pthread_t th;
} md5job_t;

static void *md5_main(void *arg)
{
    md5job_t *j = arg;
    lm_err_clear(&j->err);
    j->rc = md5_file(j->path, j->hex, &j->size, &j->err);
    return NULL;
}

static void md5_start(md5job_t *j, const char *path)
{
    memset(j, 0, sizeof(*j));
    j->path = path;
    if (!path) return;
    j->started = pthread_create(&j->th, NULL, md5_main, j) == 0;
    if (!j->started) md5_main(j); /* no thread to spare: do it here */
}

static int md5_join(md5job_t *j)
{
    if (j->started) pthread_join(j->th, NULL);
    j->started = 0;
    return j->path ? j->rc : 0;
}

static char *fmt(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s%s%s", a, b, c);
    return p;
}

typedef struct sjob {
    const lm_manifest_sample_t *ms;
    step_t step;
    int state; /* 0 queued, 1 done, 2 failed, 3 not run (the run stopped first) */
    lm_err_t err;
    lm_sample_stats_t *st;
} sjob_t;

/* DIR/SUB/<id><suffix>, or NULL when not wanted (or out of memory: caught below) */
static char *opt_path(int want, const char *dir, const char *sub, const char *id,
                      const char *suffix)
{
    if (!want) return NULL;
    size_t n = strlen(dir) + strlen(sub) + strlen(id) + strlen(suffix) + 3;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s/%s%s", dir, sub, id, suffix);
    return p;
}

static int one_sample(const lm_run_cfg_t *cfg, const lm_trim_t *t, sjob_t *j, int threads)
{
    const char *dir = cfg->out;
    const lm_trim_opt_t *topt = &cfg->trim;
    const lm_manifest_sample_t *ms = j->ms;
    char *uniq = fmt(dir, "/uniques/", ms->id), *json = fmt(dir, "/qc/", ms->id);
    char *uniq_f = uniq ? fmt(uniq, ".fasta.gz", "") : NULL;
    char *json_f = json ? fmt(json, ".json", "") : NULL;
    free(uniq);
    free(json);
    int rc = 0;
    j->st = calloc(1, sizeof(*j->st));
    if (!uniq_f || !json_f || !j->st)
        rc = lm_err_set(&j->err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    md5job_t m1, m2;
    md5_start(&m1, rc ? NULL : ms->r1);
    md5_start(&m2, rc ? NULL : ms->r2);
    int paired = ms->r2 != NULL;
    lm_sample_out_t o = {
        .uniques = uniq_f,
        .merged = opt_path(cfg->write_merged, dir, "merged", ms->id, ".fastq.gz"),
        .filtered = opt_path(cfg->write_filtered, dir, "filtered", ms->id, ".fastq.gz"),
        .unmerged1 =
            opt_path(cfg->write_unmerged && paired, dir, "unmerged", ms->id, "_R1.fastq.gz"),
        .unmerged2 =
            opt_path(cfg->write_unmerged && paired, dir, "unmerged", ms->id, "_R2.fastq.gz"),
    };
    if (!rc && ((cfg->write_merged && !o.merged) || (cfg->write_filtered && !o.filtered) ||
                (cfg->write_unmerged && paired && (!o.unmerged1 || !o.unmerged2))))
        rc = lm_err_set(&j->err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc) rc = lm_sample_run(t, ms->r1, ms->r2, &o, threads, j->st, &j->err);
    if (!rc) rc = lm_sample_write_json(json_f, ms->id, ms->r1, ms->r2, topt, j->st, &j->err);
    int r1 = md5_join(&m1), r2 = md5_join(&m2);
    if (!rc && r1) lm_err_copy(&j->err, &m1.err), rc = r1;
    if (!rc && r2) lm_err_copy(&j->err, &m2.err), rc = r2;
    if (!rc && (step_input_md5(&j->step, m1.hex, m1.size, ms->r1) ||
                (ms->r2 && step_input_md5(&j->step, m2.hex, m2.size, ms->r2))))
        rc = lm_err_set(&j->err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    char rel[4200];
    snprintf(rel, sizeof(rel), "uniques/%s.fasta.gz", ms->id);
    if (!rc) rc = step_output(&j->step, dir, rel, &j->err);
    snprintf(rel, sizeof(rel), "qc/%s.json", ms->id);
    if (!rc) rc = step_output(&j->step, dir, rel, &j->err);
    const char *extra[] = {o.merged, o.filtered, o.unmerged1, o.unmerged2};
    for (int k = 0; k < 4 && !rc; k++)
        if (extra[k]) rc = step_output(&j->step, dir, extra[k] + strlen(dir) + 1, &j->err);
    if (!rc) rc = step_record(dir, &j->step, &j->err);
    free((char *)o.merged);
    free((char *)o.filtered);
    free((char *)o.unmerged1);
    free((char *)o.unmerged2);
    free(uniq_f);
    free(json_f);
    return rc;
}

/* Name the sample in the message: "sample 'S1': <what>" (the file stays in err->path). */
static void name_sample(sjob_t *j)
{
    char msg[sizeof(j->err.msg)];
    snprintf(msg, sizeof(msg), "sample '%.200s': %.800s", j->ms->id, j->err.msg);
    memcpy(j->err.msg, msg, sizeof(msg));
}

static int mkdirs(const lm_run_cfg_t *cfg, lm_err_t *err)
{
    const char *dir = cfg->out;
    const char *sub[6] = {"uniques", "qc", ".lumen"};
    int ns = 3;
    if (cfg->write_merged) sub[ns++] = "merged";
    if (cfg->write_filtered) sub[ns++] = "filtered";
    if (cfg->write_unmerged) sub[ns++] = "unmerged";
    int rc = lm_mkdir_parents(dir, err);
    for (int i = 0; !rc && i < ns; i++) {
        char *p = fmt(dir, "/", sub[i]);
        if (!p) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        char *q = fmt(p, "/.", "");
        if (q) rc = lm_mkdir_parents(q, err); /* makes p itself */
        free(q);
        free(p);
    }
    return rc;
}

int run_reads(const lm_run_cfg_t *cfg, const lm_manifest_t *man, const lm_trim_t *t, prov_t *prov,
              int *ok, lm_err_t *first_err, lm_err_t *err)
{
    const char *dir = cfg->out;
    stage_acct_t *a = &prov->stages[prov->nstages++];
    acct_start(a, "reads");
    a->items_in_unit = "read pairs";
    a->items_out_unit = "reads passing filters";
    int rc = mkdirs(cfg, err);
    if (rc) return rc;
    size_t n = man->n, nq = 0;
    sjob_t *jobs = calloc(n ? n : 1, sizeof(*jobs));
    sjob_t **queue = calloc(n ? n : 1, sizeof(*queue));
    if (!jobs || !queue) {
        free(jobs);
        free(queue);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; !rc && i < n; i++) {
        sjob_t *j = &jobs[i];
        j->ms = &man->s[i];
        char name[1100];
        snprintf(name, sizeof(name), "reads.%s", j->ms->id);
        if ((rc = step_begin(&j->step, name, err))) break;
        step_params(&j->step, cfg, "reads");
        int bad = step_input(&j->step, j->ms->r1, &j->err);
        if (!bad && j->ms->r2) bad = step_input(&j->step, j->ms->r2, &j->err);
        step_key(&j->step);
        if (bad) {
            name_sample(j);
            j->state = 2;
        } else if (step_uptodate(dir, &j->step)) {
            j->state = 1;
            a->skipped++;
            lm_log_debug("up to date: %s", j->step.name);
        } else {
            queue[nq++] = j;
        }
    }
    lm_log_info("reads: %zu of %zu samples to process (%zu up to date)", nq, n, (size_t)a->skipped);
    int stop = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].state == 2 && !cfg->keep_going) stop = 1;
    int threads = cfg->threads > 0 ? cfg->threads : 1;
    int outer = nq > 1 ? (int)(nq < (size_t)threads ? nq : (size_t)threads) : 1;
    int inner = threads / outer > 0 ? threads / outer : 1;
#ifdef _OPENMP
    omp_set_max_active_levels(2);
#endif
    lm_progress_t *prog = lm_progress_create("lumen run: reads", nq, "samples");
    size_t done = 0, next_log = 1;
    long nql = rc ? 0 : (long)nq;
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer) if (outer > 1)
    for (long q = 0; q < nql; q++) {
        sjob_t *j = queue[q];
        int halt;
#pragma omp atomic read
        halt = stop;
        if (halt) {
            j->state = 3;
            continue;
        }
        step_forget(dir, &j->step);
        lm_err_clear(&j->err);
        lm_log_debug("running: %s", j->step.name);
        if (one_sample(cfg, t, j, inner)) {
            name_sample(j);
            j->state = 2;
            if (!cfg->keep_going) {
#pragma omp atomic write
                stop = 1;
            }
        } else {
            j->state = 1;
        }
#pragma omp critical(run_reads_progress)
        {
            done++;
            lm_progress_update(prog, done);
            if (done * 10 >= next_log * nq) { /* a log line per 10% of the samples */
                if (!isatty(2)) lm_log_info("reads: %zu of %zu samples done", done, nq);
                while (done * 10 >= next_log * nq) next_log++;
            }
        }
    }
    lm_progress_destroy(prog);
    /* outcome, in manifest order */
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        sjob_t *j = &jobs[i];
        ok[i] = j->state == 1;
        if (j->state == 1 && j->st) {
            a->ran++;
            a->items_in += j->st->reads_in;
            a->items_out += j->st->passed;
        }
        if (j->state == 2) {
            prov->samples_failed++;
            if (first) lm_err_copy(first_err, &j->err);
            first = 0;
        }
        if (j->state == 1)
            for (size_t k = 0; k < j->step.nin_md5 && !rc; k++) {
                char md5[64];
                unsigned long long size;
                int off = 0;
                if (sscanf(j->step.in_md5[k], "%63[^\t]\t%llu\t%n", md5, &size, &off) == 2 && off)
                    if (prov_add_input(prov, k == 0 ? "forward" : "reverse", j->ms->id,
                                       j->step.in_md5[k] + off, md5, size))
                        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            }
        step_free(&j->step);
        free(j->st);
    }
    /* failures of this invocation: listed, or the stale list removed */
    size_t nf = 0;
    char **fids = calloc(n ? n : 1, sizeof(*fids));
    lm_err_t *ferr = calloc(n ? n : 1, sizeof(*ferr));
    if (!fids || !ferr) rc = rc ? rc : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        if (jobs[i].state == 2) {
            fids[nf] = man->s[i].id;
            lm_err_copy(&ferr[nf++], &jobs[i].err);
            /* the first failure is the run's error, reported once by the caller */
            if (cfg->keep_going || nf > 1) lm_log_err(&jobs[i].err);
        }
    if (!rc) rc = lm_run_write_failed(dir, nf, fids, ferr, err);
    free(fids);
    free(ferr);
    free(jobs);
    free(queue);
    acct_stop(a);
    lm_log_info("reads: %zu samples processed, %zu up to date, %zu failed (%.1f s)", a->ran,
                a->skipped, prov->samples_failed, a->wall);
    return rc;
}
