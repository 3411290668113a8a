/* SPDX-License-Identifier: MIT */
/* lumen table: pool the per-sample uniques of `lumen reads` into a feature table. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lumen/seqio.h"
#include "lumen/table.h"

static const char table_usage[] =
    "Usage: lumen table --reads DIR --out DIR [options]\n"
    "\n"
    "Pools per-sample uniques into a feature table. The samples are the files\n"
    "DIR/uniques/<sample-id>.fasta.gz (or .fasta), in byte order of the sample ID; each\n"
    "record is '>MD5;size=N' with its sequence, MD5 being the lower-case hex MD5 of the\n"
    "upper-case sequence (checked). A feature is one MD5 across samples.\n"
    "\n"
    "Writes to the --out folder (created if missing):\n"
    "  features.fasta  '>MD5' and the sequence, features by total count descending, then MD5\n"
    "  table.tsv       biom's TSV form: '# Constructed by lumen', '#OTU ID<TAB>S1...', counts\n"
    "  table.biom      BIOM 2.1 (HDF5): the same table, for QIIME 2, biom-format, phyloseq\n"
    "\n"
    "Options:\n"
    "  -r, --reads DIR        folder holding uniques/ (lumen reads --out)\n"
    "  -o, --out DIR          output folder\n"
    "      --min-total N      drop features with fewer than N counts in all (default 1)\n"
    "      --min-samples N    drop features found in fewer than N samples (default 1)\n"
    "      --no-biom          do not write table.biom\n"
    "\n" CLI_COMMON_HELP;

enum { OPT_MINTOTAL = 1, OPT_MINSAMPLES, OPT_NOBIOM };

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

int cmd_table(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"reads", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},
        {"min-total", required_argument, NULL, OPT_MINTOTAL},
        {"min-samples", required_argument, NULL, OPT_MINSAMPLES},
        {"no-biom", no_argument, NULL, OPT_NOBIOM},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common_t co;
    cli_common_init(&co, "table");
    if (argc < 2) {
        fputs(table_usage, stderr);
        return 64;
    }
    const char *reads = NULL, *out = NULL;
    int help = 0, c, no_biom = 0;
    long v;
    lm_table_pool_opt_t po;
    lm_table_pool_opt_init(&po);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:o:t:qvh", longopts, NULL)) != -1) {
        int h = cli_common_opt(&co, c, optarg, &help);
        if (h < 0) return 64;
        if (h) continue;
        switch (c) {
        case 'r':
            reads = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case OPT_MINTOTAL:
            if (cli_parse_int("--min-total", optarg, 1, 2000000000L, &v)) return 64;
            po.min_total = (uint64_t)v;
            break;
        case OPT_MINSAMPLES:
            if (cli_parse_int("--min-samples", optarg, 1, 2000000000L, &v)) return 64;
            po.min_samples = (uint64_t)v;
            break;
        case OPT_NOBIOM:
            no_biom = 1;
            break;
        default:
            return cli_bad_option(c, argv, optind, optopt);
        }
    }
    if (help) {
        fputs(table_usage, stdout);
        return 0;
    }
    if (optind < argc) return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!reads) return cli_usage_error("--reads is required");
    if (!out) return cli_usage_error("--out is required");
    po.threads = co.threads;

    lm_err_t err;
    lm_err_clear(&err);
    sample_file_t *s = NULL;
    size_t ns = 0;
    lm_table_t *t = NULL;
    char **seqs = NULL, *path = NULL;
    const char **ids = NULL, **paths = NULL;
    int rc = list_samples(reads, &s, &ns, &err);
    if (!rc) {
        ids = malloc(ns * sizeof(*ids));
        paths = malloc(ns * sizeof(*paths));
        path = malloc(strlen(out) + 32);
        if (!ids || !paths || !path) rc = lm_err_set(&err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t j = 0; !rc && j < ns; j++) ids[j] = s[j].id, paths[j] = s[j].path;
    if (!rc && !(t = lm_table_pool(ns, paths, ids, &po, &seqs, &err))) rc = err.code;
    if (!rc && mkdir(out, 0777) != 0 && errno != EEXIST)
        rc = lm_err_set(&err, LM_ECREATE, out, 0, 0, "cannot create the folder: %s",
                        strerror(errno));
    if (!rc) sprintf(path, "%s/features.fasta", out), rc = write_fasta(path, t, seqs, &err);
    if (!rc) sprintf(path, "%s/table.tsv", out), rc = lm_table_write_tsv(t, path, &err);
    if (!rc && !no_biom)
        sprintf(path, "%s/table.biom", out), rc = lm_table_write_biom(t, path, NULL, &err);
    if (!rc)
        lm_log_info("%zu samples, %zu features, %zu non-zero counts", ns, lm_table_n_features(t),
                    lm_table_nnz(t));
    for (size_t i = 0; t && seqs && i < lm_table_n_features(t); i++) free(seqs[i]);
    free(seqs);
    lm_table_destroy(t);
    for (size_t j = 0; j < ns; j++) free(s[j].id), free(s[j].path);
    free(s);
    free(ids);
    free(paths);
    free(path);
    return rc ? cli_fail(&err) : 0;
}
