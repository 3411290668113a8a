/* SPDX-License-Identifier: MIT */
/* Step records: what lets a rerun skip finished work. A record is a small text file
 * OUT/.lumen/<step> holding the step's key (MD5 of lumen's version, the step's parameters
 * and the size and mtime of each input) and the size and mtime of each output. Identity by
 * size and mtime is make's and rsync's: cheap, and a file lumen rewrites gets a new time,
 * so whatever reads it runs again. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lumen/version.h"
#include "run_internal.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void add(step_t *s, const char *text)
{
    hts_md5_update(s->md5, text, (unsigned long)strlen(text));
    hts_md5_update(s->md5, "\n", 1);
}

int step_begin(step_t *s, const char *name, lm_err_t *err)
{
    memset(s, 0, sizeof(*s));
    s->name = dup_str(name);
    s->md5 = hts_md5_init();
    if (!s->name || !s->md5) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    add(s, "lumen " LM_VERSION);
    add(s, name);
    return 0;
}

void step_free(step_t *s)
{
    free(s->name);
    if (s->md5) hts_md5_destroy(s->md5);
    for (size_t i = 0; i < s->nouts; i++) free(s->outs[i]);
    free(s->outs);
    for (size_t i = 0; i < s->nin_md5; i++) free(s->in_md5[i]);
    free(s->in_md5);
    memset(s, 0, sizeof(*s));
}

void step_params(step_t *s, const lm_run_cfg_t *cfg, const char *stage)
{
    char buf[4096];
    for (size_t i = 0; i < cfg->nparams; i++) {
        if (strcmp(cfg->params[i].stage, stage) != 0) continue;
        snprintf(buf, sizeof(buf), "param %s %s=%s", stage, cfg->params[i].name,
                 cfg->params[i].value);
        add(s, buf);
    }
}

void step_text(step_t *s, const char *text)
{
    add(s, text);
}

static int file_id(const char *path, uint64_t *size, int64_t *mtime_ns)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return -1;
    *size = (uint64_t)sb.st_size;
    *mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    return 0;
}

int step_input(step_t *s, const char *path, lm_err_t *err)
{
    uint64_t size;
    int64_t mt;
    if (file_id(path, &size, &mt) != 0)
        return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot read: %s", strerror(errno));
    char buf[4200];
    snprintf(buf, sizeof(buf), "in %" PRIu64 " %" PRId64 " %s", size, mt, path);
    add(s, buf);
    return 0;
}

void step_key(step_t *s)
{
    unsigned char d[16];
    hts_md5_final(d, s->md5);
    hts_md5_hex(s->key, d);
}

static int push(char ***arr, size_t *n, char *item)
{
    if (!item) return -1;
    char **a = realloc(*arr, (*n + 1) * sizeof(*a));
    if (!a) {
        free(item);
        return -1;
    }
    *arr = a;
    a[(*n)++] = item;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int step_output(step_t *s, const char *dir, const char *rel, lm_err_t *err)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return lm_err_set(err, LM_EINTERNAL, path, 0, 0, "a step's output is missing");
    if (!S_ISDIR(sb.st_mode)) {
        if (push(&s->outs, &s->nouts, dup_str(rel)))
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) return lm_err_set(err, LM_EIO, path, 0, 0, "cannot list: %s", strerror(errno));
    size_t first = s->nouts;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[4200];
        snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
        if (push(&s->outs, &s->nouts, dup_str(sub)))
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    closedir(d);
    if (s->nouts > first) qsort(s->outs + first, s->nouts - first, sizeof(char *), cmp_str);
    return rc;
}

int step_input_md5(step_t *s, const char *md5, uint64_t size, const char *path)
{
    char buf[4200];
    snprintf(buf, sizeof(buf), "%s\t%" PRIu64 "\t%s", md5, size, path);
    return push(&s->in_md5, &s->nin_md5, dup_str(buf));
}

static char *record_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 16;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/.lumen/%s", dir, name);
    return p;
}

int step_uptodate(const char *dir, step_t *s)
{
    char *path = record_path(dir, s->name);
    FILE *fp = path ? fopen(path, "r") : NULL;
    free(path);
    if (!fp) return 0;
    char line[8400];
    int key_ok = 0, outs_ok = 1, nout = 0;
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "key ", 4) == 0) {
            key_ok = strcmp(line + 4, s->key) == 0;
        } else if (strncmp(line, "out\t", 4) == 0) {
            uint64_t size, rsize;
            int64_t mt, rmt;
            char rel[4200], full[8600];
            if (sscanf(line + 4, "%" SCNu64 "\t%" SCNd64 "\t%4199[^\n]", &rsize, &rmt, rel) != 3) {
                outs_ok = 0;
                continue;
            }
            snprintf(full, sizeof(full), "%s/%s", dir, rel);
            if (file_id(full, &size, &mt) != 0 || size != rsize || mt != rmt) outs_ok = 0;
            nout++;
        } else if (strncmp(line, "note\t", 5) == 0) {
            snprintf(s->note, sizeof(s->note), "%.255s", line + 5);
        } else if (strncmp(line, "md5\t", 4) == 0) {
            push(&s->in_md5, &s->nin_md5, dup_str(line + 4));
        }
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!key_ok || !outs_ok || !nout || bad) {
        for (size_t i = 0; i < s->nin_md5; i++) free(s->in_md5[i]);
        s->nin_md5 = 0;
        return 0;
    }
    return 1;
}

void step_forget(const char *dir, const step_t *s)
{
    char *path = record_path(dir, s->name);
    if (path) unlink(path);
    free(path);
}

int step_record(const char *dir, const step_t *s, lm_err_t *err)
{
    char *path = record_path(dir, s->name);
    if (!path) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    lm_afile_t *f = lm_afile_open(path, err);
    free(path);
    if (!f) return err->code;
    FILE *fp = lm_afile_stream(f);
    fprintf(fp, "lumen-step 1\nstep %s\nkey %s\n", s->name, s->key);
    for (size_t i = 0; i < s->nouts; i++) {
        char full[8400];
        uint64_t size;
        int64_t mt;
        snprintf(full, sizeof(full), "%s/%s", dir, s->outs[i]);
        if (file_id(full, &size, &mt) != 0) {
            lm_afile_abort(f);
            return lm_err_set(err, LM_EINTERNAL, full, 0, 0, "a step's output vanished");
        }
        fprintf(fp, "out\t%" PRIu64 "\t%" PRId64 "\t%s\n", size, mt, s->outs[i]);
    }
    for (size_t i = 0; i < s->nin_md5; i++) fprintf(fp, "md5\t%s\n", s->in_md5[i]);
    if (s->note[0]) fprintf(fp, "note\t%s\n", s->note);
    return lm_afile_commit(f, err);
}

int md5_file(const char *path, char hex[33], uint64_t *size, lm_err_t *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    hts_md5_context *m = hts_md5_init();
    unsigned char *buf = malloc(1 << 20);
    if (!m || !buf) {
        fclose(fp);
        free(buf);
        if (m) hts_md5_destroy(m);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    uint64_t total = 0;
    size_t got;
    while ((got = fread(buf, 1, 1 << 20, fp)) > 0) {
        hts_md5_update(m, buf, (unsigned long)got);
        total += got;
    }
    int bad = ferror(fp);
    fclose(fp);
    free(buf);
    unsigned char d[16];
    hts_md5_final(d, m);
    hts_md5_destroy(m);
    if (bad) return lm_err_set(err, LM_EIO, path, 0, 0, "read error");
    hts_md5_hex(hex, d);
    if (size) *size = total;
    return 0;
}
