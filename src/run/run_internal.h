/* SPDX-License-Identifier: MIT */
/* The run module's private parts: step records (resume), per-stage accounting and
 * provenance. */
#ifndef LUMEN_RUN_INTERNAL_H
#define LUMEN_RUN_INTERNAL_H

#include <htslib/hts.h>

#include "lumen/run.h"

/* A step's identity while it is being described: a running MD5 of what it depends on. */
typedef struct step {
    char *name; /* "reads.<sample>", "table", ... */
    hts_md5_context *md5;
    char key[33];
    char **outs; /* output paths relative to the results folder */
    size_t nouts;
    char **in_md5; /* "md5<TAB>size<TAB>path" lines of external inputs (provenance) */
    size_t nin_md5;
    char note[256]; /* a fact the step found that later runs report (e.g. "depth 4792") */
} step_t;

int step_begin(step_t *s, const char *name, lm_err_t *err);
void step_free(step_t *s);
/* Mix in the parameters of one stage ("reads", ...) from cfg->params. */
void step_params(step_t *s, const lm_run_cfg_t *cfg, const char *stage);
/* Mix in a text (e.g. the list of samples a pooled step sees). */
void step_text(step_t *s, const char *text);
/* Mix in an input file's size and modification time (LM_ENOINPUT naming it if absent). */
int step_input(step_t *s, const char *path, lm_err_t *err);
/* Close the key. */
void step_key(step_t *s);
/* Add an output (relative to dir); a folder adds every file in it (not dot-files). */
int step_output(step_t *s, const char *dir, const char *rel, lm_err_t *err);
/* Remember an external input's MD5 (for provenance). */
int step_input_md5(step_t *s, const char *md5, uint64_t size, const char *path);
/* 1 if dir/.lumen/<name> matches the key and every recorded output is as recorded; its
 * input MD5 lines are then loaded into s. */
int step_uptodate(const char *dir, step_t *s);
/* Remove the record (before the step runs). */
void step_forget(const char *dir, const step_t *s);
/* Write the record (after the outputs are in place). */
int step_record(const char *dir, const step_t *s, lm_err_t *err);

/* MD5 of a whole file (hex), for inputs read elsewhere or concurrently. */
int md5_file(const char *path, char hex[33], uint64_t *size, lm_err_t *err);

/* What one stage cost, for provenance.json and the log. */
typedef struct stage_acct {
    const char *name;
    size_t ran, skipped;
    double wall, cpu;
    long peak_rss_kb;
    uint64_t items_in, items_out;
    const char *items_in_unit, *items_out_unit;
    int active;
    double t0, c0;
} stage_acct_t;

void acct_start(stage_acct_t *a, const char *name);
void acct_stop(stage_acct_t *a);
double now_wall(void);

/* Input checksums for provenance: role, path, size, md5. */
typedef struct prov_input {
    char *role, *sample, *path, md5[33];
    uint64_t size;
} prov_input_t;

typedef struct prov {
    prov_input_t *in;
    size_t n, cap;
    stage_acct_t stages[12];
    int nstages;
    time_t start, end;
    uint64_t depth_used;
    int rarefied;
    size_t samples, samples_failed;
    uint64_t reads_in;
} prov_t;

int prov_add_input(prov_t *p, const char *role, const char *sample, const char *path,
                   const char *md5, uint64_t size);
void prov_free(prov_t *p);
int prov_write(const char *path, const lm_run_cfg_t *cfg, const prov_t *p, lm_err_t *err);

/* The read stage of every sample not up to date; ok[i] tells which samples have their
 * outputs; the first failure (manifest order) goes to first_err. */
int run_reads(const lm_run_cfg_t *cfg, const lm_manifest_t *man, const lm_trim_t *t, prov_t *prov,
              int *ok, lm_err_t *first_err, lm_err_t *err);

#endif
