/* SPDX-License-Identifier: MIT */
/* The table stage as files: list the per-sample uniques of a reads folder, pool them and
 * write features.fasta, table.tsv and table.biom; and the taxa stage (one table per rank).
 * lumen table, lumen taxa and lumen run call these, so they write the same bytes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lumen/seqio.h"
#include "lumen/table.h"

typedef struct sample_file {
    char *id, *path;
} sample_file_t;

static int cmp_sample(const void *a, const void *b)
{
    return strcmp(((const sample_file_t *)a)->id, ((const sample_file_t *)b)->id);
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

/* The uniques files of DIR/uniques, sorted by sample ID. */
static int list_samples(const char *dir, sample_file_t **out, size_t *n, lm_err_t *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/uniques", dir);
    DIR *d = opendir(path);
    if (!d) return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    sample_file_t *s = NULL;
    size_t ns = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        const char *suf = ends_with(e->d_name, ".fasta.gz") ? ".fasta.gz"
                          : ends_with(e->d_name, ".fasta")  ? ".fasta"
                                                            : NULL;
        if (!suf || e->d_name[0] == '.') continue;
        if (ns == cap) {
            cap = cap ? 2 * cap : 64;
            sample_file_t *t = realloc(s, cap * sizeof(*t));
            if (!t) {
                rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            s = t;
        }
        size_t len = strlen(e->d_name) - strlen(suf);
        s[ns].id = strndup(e->d_name, len);
        s[ns].path = malloc(strlen(path) + strlen(e->d_name) + 2);
        if (!s[ns].id || !s[ns].path) {
            free(s[ns].id);
            free(s[ns].path);
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        sprintf(s[ns].path, "%s/%s", path, e->d_name);
        ns++;
    }
    closedir(d);
    if (!rc && !ns) rc = lm_err_set(err, LM_ENOINPUT, path, 0, 0, "no <sample>.fasta.gz files");
    if (ns) qsort(s, ns, sizeof(*s), cmp_sample);
    for (size_t i = 1; !rc && i < ns; i++)
        if (strcmp(s[i].id, s[i - 1].id) == 0)
            rc = lm_err_set(err, LM_EFORMAT, s[i].path, 0, 0, "sample '%s' has two files", s[i].id);
    *out = s;
    *n = ns;
    return rc;
}

static int write_fasta(const char *path, const lm_table_t *t, char **seqs, lm_err_t *err)
{
    lm_seq_writer_t *w = lm_seqw_open(path, LM_FMT_FASTA, 1, err);
    if (!w) return err->code;
    for (size_t i = 0; i < lm_table_n_features(t); i++)
        if (lm_seqw_write(w, lm_table_feature_id(t, i), NULL, seqs[i], strlen(seqs[i]), NULL,
                          err)) {
            lm_seqw_abort(w);
            return err->code;
        }
    return lm_seqw_commit(w, err);
}

int lm_table_list_uniques(const char *reads_dir, char ***ids, char ***paths, size_t *n,
                          lm_err_t *err)
{
    sample_file_t *s = NULL;
    size_t ns = 0;
    *ids = *paths = NULL;
    *n = 0;
    int rc = list_samples(reads_dir, &s, &ns, err);
    char **I = rc ? NULL : malloc((ns ? ns : 1) * sizeof(*I));
    char **P = rc ? NULL : malloc((ns ? ns : 1) * sizeof(*P));
    if (!rc && (!I || !P)) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t j = 0; j < ns; j++) {
        if (rc) {
            free(s[j].id);
            free(s[j].path);
        } else {
            I[j] = s[j].id;
            P[j] = s[j].path;
        }
    }
    free(s);
    if (rc) {
        free(I);
        free(P);
        return rc;
    }
    *ids = I;
    *paths = P;
    *n = ns;
    return 0;
}

static int make_dir(const char *dir, lm_err_t *err)
{
    int rc = lm_mkdir_parents(dir, err);
    if (!rc && mkdir(dir, 0777) != 0 && errno != EEXIST)
        rc =
            lm_err_set(err, LM_ECREATE, dir, 0, 0, "cannot create the folder: %s", strerror(errno));
    return rc;
}

int lm_table_build(size_t ns, const char *const *paths, const char *const *ids,
                   const lm_table_pool_opt_t *po, const char *out_dir, int biom, size_t *n_features,
                   lm_err_t *err)
{
    char **seqs = NULL;
    char *path = malloc(strlen(out_dir) + 32);
    lm_table_t *t = NULL;
    int rc = path ? 0 : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc && !(t = lm_table_pool(ns, paths, ids, po, &seqs, err))) rc = err->code;
    if (!rc) rc = make_dir(out_dir, err);
    if (!rc) sprintf(path, "%s/features.fasta", out_dir), rc = write_fasta(path, t, seqs, err);
    if (!rc) sprintf(path, "%s/table.tsv", out_dir), rc = lm_table_write_tsv(t, path, err);
    if (!rc && biom)
        sprintf(path, "%s/table.biom", out_dir), rc = lm_table_write_biom(t, path, NULL, err);
    if (!rc) {
        lm_log_info("%zu samples, %zu features, %zu non-zero counts", ns, lm_table_n_features(t),
                    lm_table_nnz(t));
        if (n_features) *n_features = lm_table_n_features(t);
    }
    for (size_t i = 0; t && seqs && i < lm_table_n_features(t); i++) free(seqs[i]);
    free(seqs);
    lm_table_destroy(t);
    free(path);
    return rc;
}

int lm_table_taxa_write(const char *table, const char *taxonomy, const char *out_dir,
                        int *top_level, lm_err_t *err)
{
    lm_table_t *t = lm_table_read_tsv(table, err), *lv[8] = {0};
    lm_table_taxonomy_t *tx = t ? lm_table_taxonomy_read(taxonomy, err) : NULL;
    int rc = tx ? 0 : err->code, depth = tx ? lm_table_taxonomy_depth(tx) : 0;
    int top = depth >= 7 ? 7 : 6;
    if (!rc && depth < 6)
        lm_log_warn("%s has only %d ranks: writing levels 2 to %d", taxonomy, depth, depth);
    if (!rc && depth < 6) top = depth;
    /* Collapse every level before writing any, so bad input leaves no file behind. */
    for (int l = 2; !rc && l <= top; l++)
        if (!(lv[l] = lm_table_collapse(t, tx, l, taxonomy, err))) rc = err->code;
    if (!rc) rc = make_dir(out_dir, err);
    char *path = malloc(strlen(out_dir) + 32);
    if (!rc && !path) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (int l = 2; !rc && l <= top; l++) {
        sprintf(path, "%s/level-%d.tsv", out_dir, l);
        rc = lm_table_write_tsv(lv[l], path, err);
    }
    if (!rc && top_level) *top_level = top;
    free(path);
    for (int l = 0; l < 8; l++) lm_table_destroy(lv[l]);
    lm_table_taxonomy_destroy(tx);
    lm_table_destroy(t);
    return rc;
}
