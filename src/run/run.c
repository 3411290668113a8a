/* SPDX-License-Identifier: MIT */
/* lumen run: the stages in data order, each a step that is skipped when its record says it
 * is up to date (step.c), calling the same entry points as the stage commands. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "lumen/report.h"
#include "lumen/stats.h"
#include "run_internal.h"

typedef struct run {
    const lm_run_cfg_t *cfg;
    const char *dir;
    prov_t prov;
    char path[4][4200]; /* scratch paths */
} run_t;

static const char *at(run_t *r, int k, const char *rel)
{
    snprintf(r->path[k], sizeof(r->path[k]), "%s/%s", r->dir, rel);
    return r->path[k];
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Run fn as step s unless its record is up to date; outs (relative) are recorded. */
typedef int (*step_fn)(run_t *r, void *arg, lm_err_t *err);

static int pooled(run_t *r, stage_acct_t *a, step_t *s, step_fn fn, void *arg,
                  const char *const *outs, int nouts, lm_err_t *err)
{
    step_key(s);
    if (step_uptodate(r->dir, s)) {
        a->skipped++;
        lm_log_info("%s: up to date", s->name);
        return 0;
    }
    step_forget(r->dir, s);
    lm_log_info("%s: running", s->name);
    int rc = fn(r, arg, err);
    for (int i = 0; !rc && i < nouts; i++) rc = step_output(s, r->dir, outs[i], err);
    if (!rc) rc = step_record(r->dir, s, err);
    if (!rc) a->ran++;
    return rc;
}

static stage_acct_t *stage(run_t *r, const char *name)
{
    stage_acct_t *a = &r->prov.stages[r->prov.nstages++];
    acct_start(a, name);
    return a;
}

static void stage_done(stage_acct_t *a)
{
    acct_stop(a);
    lm_log_debug("%s: %.2f s wall, %.2f s CPU", a->name, a->wall, a->cpu);
}

/* Records of a FASTA file (its '>' lines), for the stage accounting. */
static uint64_t fasta_records(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    uint64_t n = 0;
    int c, bol = 1;
    while ((c = getc(f)) != EOF) {
        n += bol && c == '>';
        bol = c == '\n';
    }
    fclose(f);
    return n;
}

/* --- table ------------------------------------------------------------------------ */

typedef struct table_arg {
    size_t ns;
    char **ids, **paths;
    size_t nfeat;
} table_arg_t;

static int do_table(run_t *r, void *arg, lm_err_t *err)
{
    table_arg_t *t = arg;
    return lm_table_build(t->ns, (const char *const *)t->paths, (const char *const *)t->ids,
                          &r->cfg->pool, at(r, 0, r->cfg->denoise ? "derep" : "features"),
                          r->cfg->biom, &t->nfeat, err);
}

typedef struct id_idx {
    const char *id;
    size_t i;
} id_idx_t;

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const id_idx_t *)a)->id, ((const id_idx_t *)b)->id);
}

static int step_table(run_t *r, const lm_manifest_t *man, const int *ok, lm_err_t *err)
{
    stage_acct_t *a = stage(r, "table");
    a->items_in_unit = "samples";
    a->items_out_unit = "features";
    table_arg_t t = {0};
    id_idx_t *order = malloc((man->n ? man->n : 1) * sizeof(*order));
    t.ids = calloc(man->n ? man->n : 1, sizeof(char *));
    t.paths = calloc(man->n ? man->n : 1, sizeof(char *));
    step_t s;
    int rc = step_begin(&s, "table", err);
    if (!rc && (!order || !t.ids || !t.paths))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    /* the samples in byte order of their IDs, as lumen table lists them */
    size_t n = 0;
    for (size_t i = 0; !rc && i < man->n; i++)
        if (ok[i]) order[n].id = man->s[i].id, order[n++].i = i;
    if (!rc) qsort(order, n, sizeof(*order), cmp_id);
    for (size_t k = 0; !rc && k < n; k++) {
        const char *id = order[k].id;
        size_t len = strlen(r->dir) + strlen(id) + 32;
        t.ids[k] = strdup(id);
        t.paths[k] = malloc(len);
        if (!t.ids[k] || !t.paths[k]) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        snprintf(t.paths[k], len, "%s/uniques/%s.fasta.gz", r->dir, id);
        t.ns = k + 1;
        step_text(&s, id);
        rc = step_input(&s, t.paths[k], err);
    }
    if (!rc && n == 0)
        rc = lm_err_set(err, LM_EFORMAT, r->cfg->manifest, 0, 0,
                        "no sample finished the read stage: nothing to pool");
    if (!rc) step_params(&s, r->cfg, "table");
    static const char *const outs_feat[] = {"features/features.fasta", "features/table.tsv",
                                            "features/table.biom"};
    static const char *const outs_derep[] = {"derep/features.fasta", "derep/table.tsv",
                                             "derep/table.biom"};
    if (!rc) step_text(&s, r->cfg->denoise ? "to derep" : "to features");
    if (!rc)
        rc = pooled(r, a, &s, do_table, &t, r->cfg->denoise ? outs_derep : outs_feat,
                    r->cfg->biom ? 3 : 2, err);
    a->items_in = n;
    a->items_out =
        rc ? 0
           : fasta_records(
                 at(r, 0, r->cfg->denoise ? "derep/features.fasta" : "features/features.fasta"));
    for (size_t k = 0; k < t.ns; k++) free(t.ids[k]), free(t.paths[k]);
    free(t.ids);
    free(t.paths);
    free(order);
    step_free(&s);
    stage_done(a);
    return rc;
}

/* --- denoise ------------------------------------------------------------------------ */

static int do_denoise(run_t *r, void *arg, lm_err_t *err)
{
    (void)arg;
    lm_denoise_opt_t o = r->cfg->dn;
    o.threads = r->cfg->threads;
    o.write_biom = r->cfg->biom;
    return lm_denoise_run(&o, at(r, 0, "derep"), at(r, 1, "features"), err);
}

/* Without denoising, what an earlier denoised run left in features/ must not be read as
 * this run's (the summary's unassigned column reads denoise_summary.tsv). */
static void forget_denoise(run_t *r)
{
    static const char *const left[] = {"features/denoise_summary.tsv", "features/chimeras.tsv",
                                       "features/map.tsv"};
    for (int i = 0; i < 3; i++) unlink(at(r, 0, left[i]));
}

static int step_denoise(run_t *r, lm_err_t *err)
{
    stage_acct_t *a = stage(r, "denoise");
    a->items_in_unit = "uniques";
    a->items_out_unit = "features";
    step_t s;
    const char *ins[] = {at(r, 2, "derep/features.fasta"), at(r, 3, "derep/table.tsv")};
    static const char *const outs[] = {"features/features.fasta",      "features/table.tsv",
                                       "features/chimeras.tsv",        "features/map.tsv",
                                       "features/denoise_summary.tsv", "features/table.biom"};
    int rc = step_begin(&s, "denoise", err);
    for (int i = 0; !rc && i < 2; i++) rc = step_input(&s, ins[i], err);
    if (!rc) step_params(&s, r->cfg, "denoise");
    if (!rc) step_text(&s, r->cfg->biom ? "biom" : "no biom");
    if (!rc) rc = pooled(r, a, &s, do_denoise, NULL, outs, r->cfg->biom ? 6 : 5, err);
    if (!rc) {
        a->items_in = fasta_records(at(r, 0, "derep/features.fasta"));
        a->items_out = fasta_records(at(r, 0, "features/features.fasta"));
    }
    step_free(&s);
    stage_done(a);
    return rc;
}

/* --- classify, taxa, diversity ------------------------------------------------------ */

static int do_classify(run_t *r, void *arg, lm_err_t *err)
{
    return lm_cls_classify_file(r->cfg->index, at(r, 0, "features/features.fasta"),
                                at(r, 1, "features/taxonomy.tsv"), NULL, &r->cfg->cls,
                                r->cfg->threads, (size_t *)arg, err);
}

static int do_taxa(run_t *r, void *arg, lm_err_t *err)
{
    return lm_table_taxa_write(at(r, 0, "features/table.tsv"), at(r, 1, "features/taxonomy.tsv"),
                               at(r, 2, "taxa"), (int *)arg, err);
}

static int do_diversity(run_t *r, void *arg, lm_err_t *err)
{
    step_t *s = arg;
    uint64_t depth = 0;
    int rc = lm_div_run(&r->cfg->div, at(r, 0, "features/table.tsv"), at(r, 1, "diversity"),
                        r->cfg->threads, &depth, err);
    if (!rc && depth) snprintf(s->note, sizeof(s->note), "%llu", (unsigned long long)depth);
    return rc;
}

static int simple_step(run_t *r, const char *name, const char *params, const char *const *ins,
                       int nin, step_fn fn, void *arg, const char *out, stage_acct_t *a, step_t *s,
                       lm_err_t *err)
{
    int rc = step_begin(s, name, err);
    for (int i = 0; !rc && i < nin; i++) rc = step_input(s, ins[i], err);
    if (!rc && params) step_params(s, r->cfg, params);
    if (!rc) rc = pooled(r, a, s, fn, arg ? arg : s, &out, 1, err);
    return rc;
}

/* --- the clinical tables and stats -------------------------------------------------- */

static int copy_file(const char *from, const char *to, lm_err_t *err)
{
    FILE *in = fopen(from, "rb");
    if (!in) return lm_err_set(err, LM_ENOINPUT, from, 0, 0, "cannot open: %s", strerror(errno));
    lm_afile_t *f = lm_afile_open(to, err);
    if (!f) {
        fclose(in);
        return err->code;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), in)) > 0) fwrite(buf, 1, got, lm_afile_stream(f));
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        lm_afile_abort(f);
        return lm_err_set(err, LM_EIO, from, 0, 0, "read error");
    }
    return lm_afile_commit(f, err);
}

static int do_cohort(run_t *r, void *arg, lm_err_t *err)
{
    (void)arg;
    const lm_run_cfg_t *c = r->cfg;
    int rc = lm_mkdir_parents(at(r, 0, "cohort/x"), err);
    if (!rc && c->metadata) rc = copy_file(c->metadata, at(r, 0, "cohort/metadata.tsv"), err);
    if (!rc && c->subjects) rc = copy_file(c->subjects, at(r, 0, "cohort/subjects.tsv"), err);
    if (!rc && c->visits) rc = copy_file(c->visits, at(r, 0, "cohort/visits.tsv"), err);
    return rc;
}

static int do_stats(run_t *r, void *arg, lm_err_t *err)
{
    (void)arg;
    lm_stats_opt_t o = r->cfg->stats;
    o.diversity = at(r, 0, "diversity");
    o.taxa = at(r, 1, "taxa");
    char meta[4200], subj[4200], vis[4200], out[4200];
    snprintf(meta, sizeof(meta), "%s/cohort/metadata.tsv", r->dir);
    snprintf(subj, sizeof(subj), "%s/cohort/subjects.tsv", r->dir);
    snprintf(vis, sizeof(vis), "%s/cohort/visits.tsv", r->dir);
    snprintf(out, sizeof(out), "%s/stats", r->dir);
    o.metadata = meta;
    o.subjects = subj;
    o.visits = vis;
    o.out = out;
    if (lm_stats_opt_check(&o, err)) return err->code;
    omp_set_num_threads(r->cfg->threads);
    return lm_stats_run(&o, err);
}

static int clinical(run_t *r, lm_err_t *err)
{
    const lm_run_cfg_t *c = r->cfg;
    if (!c->metadata && !c->subjects && !c->visits) {
        lm_log_info("stats: skipped (no --metadata, --subjects and --visits: a general 16S run)");
        return 0;
    }
    stage_acct_t *a = stage(r, "cohort");
    step_t s;
    const char *ins[3];
    const char *outs[3];
    int nin = 0;
    if (c->metadata) ins[nin] = c->metadata, outs[nin++] = "cohort/metadata.tsv";
    if (c->subjects) ins[nin] = c->subjects, outs[nin++] = "cohort/subjects.tsv";
    if (c->visits) ins[nin] = c->visits, outs[nin++] = "cohort/visits.tsv";
    int rc = step_begin(&s, "cohort", err);
    for (int i = 0; !rc && i < nin; i++) {
        rc = step_input(&s, ins[i], err);
        step_text(&s, outs[i]);
    }
    if (!rc) rc = pooled(r, a, &s, do_cohort, NULL, outs, nin, err);
    step_free(&s);
    stage_done(a);
    if (rc) return rc;
    if (!c->metadata || !c->subjects || !c->visits) {
        lm_log_info("stats: skipped (the clinical statistics need --metadata, --subjects and "
                    "--visits)");
        return 0;
    }
    a = stage(r, "stats");
    rc = step_begin(&s, "stats", err);
    const char *div_files[] = {"diversity/alpha.tsv",   "diversity/braycurtis.tsv",
                               "diversity/jaccard.tsv", "diversity/aitchison.tsv",
                               "taxa/level-6.tsv",      "cohort/metadata.tsv",
                               "cohort/subjects.tsv",   "cohort/visits.tsv"};
    for (size_t i = 0; !rc && i < sizeof(div_files) / sizeof(*div_files); i++) {
        const char *p = at(r, 0, div_files[i]);
        if (exists(p)) rc = step_input(&s, p, err);
    }
    if (!rc) step_params(&s, r->cfg, "stats");
    const char *out = "stats";
    if (!rc) rc = pooled(r, a, &s, do_stats, NULL, &out, 1, err);
    step_free(&s);
    stage_done(a);
    return rc;
}

/* --- provenance inputs ------------------------------------------------------------- */

static int checksum(run_t *r, const char *role, const char *path, lm_err_t *err)
{
    char hex[33];
    uint64_t size;
    int rc = md5_file(path, hex, &size, err);
    if (!rc && prov_add_input(&r->prov, role, NULL, path, hex, size))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    return rc;
}

/* --- the run ----------------------------------------------------------------------- */

/* Read pairs of every sample that has them, finished in this run or before; with failed,
 * also the samples whose status is 'failed'. */
static uint64_t summary_reads_in(run_t *r, size_t *failed)
{
    lm_tsv_t t;
    lm_err_t e;
    uint64_t n = 0;
    if (lm_tsv_read(at(r, 0, "qc/summary.tsv"), &t, &e)) return 0;
    long c = lm_tsv_col(&t, "reads_in"), st = lm_tsv_col(&t, "status");
    for (size_t i = 0; c >= 0 && i < t.nrows; i++) n += strtoull(t.rows[i].f[c], NULL, 10);
    for (size_t i = 0; failed && st >= 0 && i < t.nrows; i++)
        *failed += strcmp(t.rows[i].f[st], "failed") == 0;
    lm_tsv_free(&t);
    return n;
}

/* One run per results folder at a time: two would overwrite each other's steps. The lock
 * goes with the process (flock), so a killed run never leaves a stale one. */
static int lock_folder(const char *dir, int *fd, lm_err_t *err)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/.lumen/lock", dir);
    int rc = lm_mkdir_parents(path, err);
    if (rc) return rc;
    snprintf(path, sizeof(path), "%s/.lumen", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot create: %s", strerror(errno));
    snprintf(path, sizeof(path), "%s/.lumen/lock", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0)
        return lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot create: %s", strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return lm_err_set(err, LM_ECREATE, dir, 0, 0,
                          "another lumen run is writing to this folder (wait for it, or use "
                          "another --out)");
    }
    return 0;
}

/* Temporary files ("<name>.tmp.XXXXXX") that a killed run could not remove: with the
 * folder locked, none belongs to a live writer. */
static void sweep(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth < 2) sweep(path, depth + 1);
            continue;
        }
        const char *t = strstr(e->d_name, ".tmp.");
        if (S_ISREG(sb.st_mode) && t && strlen(t) == 11) {
            lm_log_debug("removing %s, left by an interrupted run", path);
            unlink(path);
        }
    }
    closedir(d);
}

static int pooled_stages(run_t *r, const lm_manifest_t *man, const int *ok, lm_err_t *err)
{
    int rc = step_table(r, man, ok, err);
    if (rc) return rc;
    if (r->cfg->denoise)
        rc = step_denoise(r, err);
    else
        forget_denoise(r);
    if (rc) return rc;
    step_t s;
    stage_acct_t *a = stage(r, "classify");
    size_t ncls = 0;
    a->items_in_unit = "features";
    const char *cin[] = {at(r, 2, "features/features.fasta"), r->cfg->index};
    rc = simple_step(r, "classify", "classify", cin, 2, do_classify, &ncls, "features/taxonomy.tsv",
                     a, &s, err);
    a->items_in = rc ? ncls : fasta_records(at(r, 0, "features/features.fasta"));
    step_free(&s);
    stage_done(a);
    if (rc) return rc;

    a = stage(r, "taxa");
    int top = 0;
    const char *tin[] = {at(r, 2, "features/table.tsv"), at(r, 3, "features/taxonomy.tsv")};
    rc = simple_step(r, "taxa", NULL, tin, 2, do_taxa, &top, "taxa", a, &s, err);
    step_free(&s);
    stage_done(a);
    if (rc) return rc;

    a = stage(r, "diversity");
    const char *din[] = {at(r, 2, "features/table.tsv")};
    rc = simple_step(r, "diversity", "diversity", din, 1, do_diversity, NULL, "diversity", a, &s,
                     err);
    if (!rc && s.note[0]) {
        r->prov.rarefied = 1;
        r->prov.depth_used = strtoull(s.note, NULL, 10);
    }
    step_free(&s);
    stage_done(a);
    if (rc) return rc;
    return clinical(r, err);
}

int lm_run(const lm_run_cfg_t *cfg, lm_err_t *err)
{
    run_t r = {.cfg = cfg, .dir = cfg->out};
    r.prov.start = time(NULL);
    int lock = -1;
    lm_manifest_t *man = NULL;
    lm_trim_t *t = NULL;
    int *ok = NULL;
    lm_err_t first;
    lm_err_clear(&first);
    int rc = lm_manifest_read(cfg->manifest, &man, err);
    if (!rc) rc = lock_folder(cfg->out, &lock, err);
    if (!rc) sweep(cfg->out, 0);
    if (!rc && !(t = lm_trim_create(&cfg->trim)))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc && !(ok = calloc(man->n, sizeof(*ok))))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    /* the small inputs are checked before any work, so a typo fails at once */
    if (!rc) rc = checksum(&r, "manifest", cfg->manifest, err);
    if (!rc) rc = checksum(&r, "index", cfg->index, err);
    if (!rc && cfg->metadata) rc = checksum(&r, "metadata", cfg->metadata, err);
    if (!rc && cfg->subjects) rc = checksum(&r, "subjects", cfg->subjects, err);
    if (!rc && cfg->visits) rc = checksum(&r, "visits", cfg->visits, err);
    if (!rc) {
        r.prov.samples = man->n;
        lm_log_info("%zu samples, %d threads, results in %s", man->n, cfg->threads, cfg->out);
        rc = run_reads(cfg, man, t, &r.prov, ok, &first, err);
    }
    int failed = first.code != 0;
    if (!rc && failed && !cfg->keep_going) {
        /* the finished samples keep their records; the summary says where things stand */
        if (lm_run_summary(r.dir, man, 1, err)) lm_log_err(err);
        lm_err_copy(err, &first);
        rc = first.code;
        goto done;
    }
    if (!rc) rc = pooled_stages(&r, man, ok, err);
    if (!rc) rc = lm_run_summary(r.dir, man, 0, err);
    if (!rc) r.prov.reads_in = summary_reads_in(&r, NULL);
    if (!rc) {
        /* the report shows provenance.json too: it is written first without the report's
         * own time, then again once the report exists */
        stage_acct_t *a = stage(&r, "report");
        r.prov.end = time(NULL);
        rc = prov_write(at(&r, 0, "provenance.json"), cfg, &r.prov, err);
        if (!rc) rc = lm_report_write(r.dir, NULL, err);
        if (!rc) a->ran = 1;
        stage_done(a);
        r.prov.end = time(NULL);
        if (!rc) rc = prov_write(at(&r, 0, "provenance.json"), cfg, &r.prov, err);
        if (!rc && cfg->json) rc = prov_write(cfg->json, cfg, &r.prov, err);
    }
    if (!rc) {
        double total = 0;
        for (int i = 0; i < r.prov.nstages; i++) total += r.prov.stages[i].wall;
        lm_log_info("done in %.1f s: results in %s", total, cfg->out);
        for (int i = 0; i < r.prov.nstages; i++) {
            const stage_acct_t *a = &r.prov.stages[i];
            lm_log_info("  %-10s %7.2f s %5.1f%%  (%zu run, %zu up to date)", a->name, a->wall,
                        total > 0 ? 100.0 * a->wall / total : 0.0, a->ran, a->skipped);
        }
    }
    if (!rc && failed) { /* --keep-going: the rest finished, but the exit code says so */
        lm_log_warn("%zu sample(s) failed; see %s/qc/failed.tsv", r.prov.samples_failed, cfg->out);
        lm_err_copy(err, &first);
        rc = first.code;
    }
done:
    if (lock >= 0) close(lock);
    free(ok);
    lm_trim_destroy(t);
    lm_manifest_destroy(man);
    prov_free(&r.prov);
    return rc;
}

int lm_run_provenance_files(const char *dir, const lm_manifest_t *man, const char *executor,
                            int argc, char *const *argv, lm_err_t *err)
{
    run_t r = {.dir = dir};
    lm_run_cfg_t cfg = {.argc = argc, .argv = argv, .executor = executor, .threads = 1};
    lm_cls_opt_init(&cfg.cls);
    lm_div_run_opt_init(&cfg.div);
    lm_stats_opt_init(&cfg.stats);
    r.cfg = &cfg;
    r.prov.start = r.prov.end = time(NULL);
    r.prov.samples = man->n;
    /* the figures lumen run records, from the qc/summary.tsv just written */
    r.prov.reads_in = summary_reads_in(&r, &r.prov.samples_failed);
    int rc = checksum(&r, "manifest", man->path, err);
    for (size_t i = 0; !rc && i < man->n; i++) {
        char hex[33];
        uint64_t size;
        for (int k = 0; !rc && k < 2; k++) {
            const char *p = k ? man->s[i].r2 : man->s[i].r1;
            if (!p) continue;
            rc = md5_file(p, hex, &size, err);
            if (!rc &&
                prov_add_input(&r.prov, k ? "reverse" : "forward", man->s[i].id, p, hex, size))
                rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    static const char *const clin[] = {"metadata", "subjects", "visits"};
    for (int k = 0; !rc && k < 3; k++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "cohort/%s.tsv", clin[k]);
        const char *p = at(&r, 0, rel);
        if (exists(p)) rc = checksum(&r, clin[k], p, err);
    }
    if (!rc) rc = prov_write(at(&r, 1, "provenance.json"), &cfg, &r.prov, err);
    prov_free(&r.prov);
    return rc;
}
