/* SPDX-License-Identifier: MIT */
/* lm_sim_run: the output directory, samples in parallel, then the tables. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simulate_internal.h"

/* 1 if dir holds no entries, 0 if it does, -1 if it cannot be read. */
static int dir_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
    closedir(d);
    return empty;
}

/* Remove a staging tree this run created (never a directory it did not make). */
static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char sub[4096];
            if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < sizeof(sub))
                rm_tree(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int make_dir(const char *root, const char *name, lm_err_t *err)
{
    char path[4096];
    if (sim_path(path, sizeof(path), root, name, err)) return err->code;
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot create directory: %s",
                          strerror(errno));
    return 0;
}

/* Decide where files go: a fresh staging directory beside out (renamed at the end), or
 * out itself when --force overwrites a non-empty directory. */
static int prepare_out(const lm_sim_opt_t *opt, const char *out, char *root, size_t size,
                       int *staging, int *slot, lm_err_t *err)
{
    struct stat st;
    int fresh = 1;
    *staging = 0;
    if (lm_mkdir_parents(out, err)) return err->code;
    if (stat(out, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return lm_err_set(err, LM_ECREATE, out, 0, 0, "exists and is not a directory");
        int e = dir_empty(out);
        if (e < 0)
            return lm_err_set(err, LM_ECREATE, out, 0, 0, "cannot read directory: %s",
                              strerror(errno));
        if (!e && !opt->force)
            return lm_err_set(err, LM_ECREATE, out, 0, 0,
                              "output directory is not empty (use --force to overwrite)");
        if (!e) fresh = 0;
    }
    if (!fresh) {
        if ((size_t)snprintf(root, size, "%s", out) >= size)
            return lm_err_set(err, LM_ECREATE, out, 0, 0, "output path too long");
        return 0;
    }
    if ((size_t)snprintf(root, size, "%s.tmp.XXXXXX", out) >= size)
        return lm_err_set(err, LM_ECREATE, out, 0, 0, "output path too long");
    /* SIGINT and SIGTERM remove the staging folder whole (registered in the bracket that
     * creates it): what it holds is never a result until renamed into place */
    lm_tmp_create_begin();
    if (!mkdtemp(root)) {
        lm_tmp_create_end();
        return lm_err_set(err, LM_ECREATE, out, 0, 0, "cannot create output directory: %s",
                          strerror(errno));
    }
    *slot = lm_tmp_register_tree(root);
    lm_tmp_create_end();
    /* mkdtemp makes it 0700; it becomes the output folder, so give it the usual mode. */
    chmod(root, (mode_t)lm_default_mode(1));
    *staging = 1;
    return 0;
}

static int check_genera(const lm_sim_opt_t *opt, const lm_sim_ref_t *ref)
{
    for (int i = 0; i < opt->n_shifts; i++)
        if (!lm_sim_ref_genus_count(ref, opt->shifts[i].genus))
            lm_log_warn("%s: no amplicon of genus '%s': its arm shift has no effect",
                        opt->reference, opt->shifts[i].genus);
    if (!lm_sim_ref_genus_count(ref, opt->hbsag_genus))
        lm_log_warn("%s: no amplicon of genus '%s': HBsAg decline is not linked to the community",
                    opt->reference, opt->hbsag_genus);
    return 0;
}

/* Every sample in parallel; each one's error lands in its slot and the first in sample
 * order is reported, so even the message does not depend on the thread count. */
static int write_samples(lm_sim_cohort_t *c, const char *root, int threads, lm_err_t *err)
{
    size_t n = lm_sim_cohort_samples(c);
    lm_err_t *errs = calloc(n, sizeof(*errs));
    int *rcs = calloc(n, sizeof(*rcs));
    if (!errs || !rcs) {
        free(errs);
        free(rcs);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    lm_progress_t *prog = lm_progress_create("simulate", n, "samples");
    size_t done = 0;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long s = 0; s < (long)n; s++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop) continue;
        rcs[s] = lm_sim_write_sample(c, (size_t)s, root, &errs[s]);
#pragma omp critical(sim_progress)
        {
            if (rcs[s]) failed = 1;
            lm_progress_update(prog, ++done);
        }
    }
    lm_progress_destroy(prog);
    int rc = 0;
    for (size_t s = 0; s < n && !rc; s++)
        if (rcs[s]) {
            rc = rcs[s];
            lm_err_copy(err, &errs[s]);
        }
    free(errs);
    free(rcs);
    return rc;
}

int lm_sim_run(const lm_sim_opt_t *opt, lm_err_t *err)
{
    int rc = lm_sim_opt_check(opt, err);
    if (rc) return rc;
    char out[4096], root[4096];
    size_t ol = strlen(opt->out);
    while (ol > 1 && opt->out[ol - 1] == '/') ol--;
    if (ol >= sizeof(out) - 16) return lm_err_set(err, LM_ECREATE, opt->out, 0, 0, "path too long");
    memcpy(out, opt->out, ol);
    out[ol] = '\0';

    /* Refuse a non-empty output before the slow part, then read the reference before any
     * directory is made, so a bad reference leaves nothing behind. */
    struct stat st;
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode) && !opt->force && dir_empty(out) == 0)
        return lm_err_set(err, LM_ECREATE, out, 0, 0,
                          "output directory is not empty (use --force to overwrite)");
    const lm_primer_pair_t *pp = lm_primer_preset(opt->primers);
    lm_sim_ref_t *ref = lm_sim_ref_load(opt->reference, pp, opt->max_mismatch, err);
    if (!ref) return err->code;
    lm_log_info("%s: %zu of %zu sequences amplify with %s (%s/%s)", opt->reference,
                lm_sim_ref_count(ref), lm_sim_ref_total(ref), opt->primers, pp->fwd_name,
                pp->rev_name);
    check_genera(opt, ref);
    lm_sim_cohort_t *c = lm_sim_cohort_create(opt, ref, err);
    int staging = 0, slot = -1;
    rc = c ? prepare_out(opt, out, root, sizeof(root), &staging, &slot, err) : err->code;
    if (!rc) rc = make_dir(root, "reads", err);
    if (!rc) rc = make_dir(root, "truth", err);
    if (!rc && opt->read_truth) rc = make_dir(root, "truth/reads", err);
    if (!rc) rc = write_samples(c, root, opt->threads, err);
    if (!rc) rc = sim_write_tables(c, root, err);
    if (!rc && staging) {
        /* An empty out may stand in the way of the rename. */
        if (stat(out, &st) == 0) rmdir(out);
        if (rename(root, out) != 0)
            rc = lm_err_set(err, LM_ECREATE, out, 0, 0, "cannot rename %s into place: %s", root,
                            strerror(errno));
    }
    if (rc && staging && c) rm_tree(root);
    lm_tmp_unregister(slot); /* renamed into place, or removed */
    if (!rc)
        lm_log_info("%s: %zu subjects, %zu samples, %ld pairs each", out, c->n_subj, c->n_samp,
                    opt->reads);
    lm_sim_cohort_destroy(c);
    lm_sim_ref_destroy(ref);
    return rc;
}
