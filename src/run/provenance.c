/* SPDX-License-Identifier: MIT */
/* provenance.json: how a results folder was made. Everything needed to judge or repeat the
 * run: version and commit, the command line, every effective parameter (defaults filled
 * in; `lumen run --params` replays them), seeds, threads, host, times, each input's size
 * and MD5, and what each stage cost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lumen/version.h"
#include "run_internal.h"

double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Reset the process's resident high-water mark (Linux: "5" to /proc/self/clear_refs), so
 * each stage reports its own peak instead of the largest of every stage before it. Where
 * that is not possible the peak stays the process's, which is still an upper bound. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return;
    fputs("5", f);
    fclose(f);
}

/* The resident high-water mark in kB (VmHWM), or ru_maxrss where /proc has none. */
static long peak_rss_kb(void)
{
    long kb = -1;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        while (fgets(line, sizeof(line), f))
            if (!strncmp(line, "VmHWM:", 6)) {
                kb = strtol(line + 6, NULL, 10);
                break;
            }
        fclose(f);
    }
    if (kb > 0) return kb;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

void acct_start(stage_acct_t *a, const char *name)
{
    reset_peak_rss();
    memset(a, 0, sizeof(*a));
    a->name = name;
    a->active = 1;
    a->t0 = now_wall();
    a->c0 = cpu_now();
}

void acct_stop(stage_acct_t *a)
{
    a->wall = now_wall() - a->t0;
    a->cpu = cpu_now() - a->c0;
    a->peak_rss_kb = peak_rss_kb();
}

static char *dup_str(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int prov_add_input(prov_t *p, const char *role, const char *sample, const char *path,
                   const char *md5, uint64_t size)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 64;
        prov_input_t *in = realloc(p->in, nc * sizeof(*in));
        if (!in) return LM_ENOMEM;
        p->in = in;
        p->cap = nc;
    }
    prov_input_t *x = &p->in[p->n];
    memset(x, 0, sizeof(*x));
    x->role = dup_str(role);
    x->sample = dup_str(sample);
    x->path = dup_str(path);
    snprintf(x->md5, sizeof(x->md5), "%s", md5);
    x->size = size;
    p->n++;
    return x->role && x->path && (!sample || x->sample) ? 0 : LM_ENOMEM;
}

void prov_free(prov_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->in[i].role);
        free(p->in[i].sample);
        free(p->in[i].path);
    }
    free(p->in);
    memset(p, 0, sizeof(*p));
}

static void iso_time(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int prov_write(const char *path, const lm_run_cfg_t *cfg, const prov_t *p, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    lm_json_t js;
    lm_json_init(&js, lm_afile_stream(f));
    char host[256] = "unknown", t0[32], t1[32];
    gethostname(host, sizeof(host) - 1);
    iso_time(p->start, t0, sizeof(t0));
    iso_time(p->end, t1, sizeof(t1));
    lm_json_object_begin(&js, NULL);
    lm_json_string(&js, "program", "lumen");
    lm_json_string(&js, "version", LM_VERSION);
    lm_json_string(&js, "git_commit", LM_GIT_COMMIT);
    lm_json_string(&js, "executor", cfg->executor ? cfg->executor : "lumen run");
    lm_json_array_begin(&js, "command_line");
    lm_json_string(&js, NULL, "lumen");
    for (int i = 0; i < cfg->argc; i++) lm_json_string(&js, NULL, cfg->argv[i]);
    lm_json_array_end(&js);
    lm_json_string(&js, "host", host);
    lm_json_int(&js, "threads", cfg->threads);
    lm_json_string(&js, "start", t0);
    lm_json_string(&js, "end", t1);
    lm_json_object_begin(&js, "seeds");
    lm_json_uint(&js, "classify", cfg->cls.seed);
    lm_json_uint(&js, "diversity", cfg->div.seed);
    lm_json_uint(&js, "stats", cfg->stats.seed);
    lm_json_object_end(&js);
    /* parameters grouped by stage, in the order given; each is a command-line option */
    lm_json_object_begin(&js, "parameters");
    for (size_t i = 0; i < cfg->nparams;) {
        const char *stage = cfg->params[i].stage;
        lm_json_object_begin(&js, stage);
        for (; i < cfg->nparams && strcmp(cfg->params[i].stage, stage) == 0; i++)
            lm_json_string(&js, cfg->params[i].name, cfg->params[i].value);
        lm_json_object_end(&js);
    }
    lm_json_object_end(&js);
    lm_json_object_begin(&js, "results");
    lm_json_uint(&js, "samples", p->samples);
    lm_json_uint(&js, "samples_failed", p->samples_failed);
    lm_json_uint(&js, "read_pairs_in", p->reads_in);
    if (p->rarefied) lm_json_uint(&js, "rarefaction_depth", p->depth_used);
    lm_json_object_end(&js);
    lm_json_array_begin(&js, "inputs");
    for (size_t i = 0; i < p->n; i++) {
        lm_json_object_begin(&js, NULL);
        lm_json_string(&js, "role", p->in[i].role);
        if (p->in[i].sample) lm_json_string(&js, "sample", p->in[i].sample);
        lm_json_string(&js, "path", p->in[i].path);
        lm_json_uint(&js, "size", p->in[i].size);
        lm_json_string(&js, "md5", p->in[i].md5);
        lm_json_object_end(&js);
    }
    lm_json_array_end(&js);
    lm_json_array_begin(&js, "stages");
    for (int i = 0; i < p->nstages; i++) {
        const stage_acct_t *a = &p->stages[i];
        lm_json_object_begin(&js, NULL);
        lm_json_string(&js, "stage", a->name);
        lm_json_uint(&js, "steps_run", a->ran);
        lm_json_uint(&js, "steps_up_to_date", a->skipped);
        lm_json_double(&js, "wall_seconds", a->wall);
        lm_json_double(&js, "cpu_seconds", a->cpu);
        lm_json_double(&js, "peak_memory_mb", (double)a->peak_rss_kb / 1024.0);
        if (a->items_in_unit) {
            lm_json_uint(&js, "items_in", a->items_in);
            lm_json_string(&js, "items_in_unit", a->items_in_unit);
        }
        if (a->items_out_unit) {
            lm_json_uint(&js, "items_out", a->items_out);
            lm_json_string(&js, "items_out_unit", a->items_out_unit);
        }
        lm_json_object_end(&js);
    }
    lm_json_array_end(&js);
    lm_json_object_end(&js);
    lm_json_finish(&js);
    return lm_afile_commit(f, err);
}
