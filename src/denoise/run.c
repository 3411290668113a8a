/* SPDX-License-Identifier: MIT */
/* `lumen denoise` as a library call: read a `lumen table` folder, UNOISE3, UCHIME3, map
 * every unique to a ZOTU, and write the ZOTU folder. Everything is computed before the
 * first output file is created, and each file is written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "denoise_internal.h"
#include "lumen/seqio.h"
#include "lumen/table.h"

void lm_denoise_opt_init(lm_denoise_opt_t *opt)
{
    opt->minsize = 8;
    opt->alpha = 2.0;
    opt->chimeras = LM_DENOISE_CHIM_UCHIME3;
    opt->abskew = 16.0;
    opt->map_id = 0.97;
    opt->threads = 1;
    opt->write_biom = 1;
}

int lm_denoise_opt_check(const lm_denoise_opt_t *opt, lm_err_t *err)
{
    if (opt->minsize < 1) return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--minsize must be >= 1");
    if (!(opt->alpha > 0 && opt->alpha <= 100))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--alpha must be in (0, 100]");
    if (opt->chimeras != LM_DENOISE_CHIM_NONE && opt->chimeras != LM_DENOISE_CHIM_UCHIME3)
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--chimeras must be uchime3 or none");
    if (!(opt->abskew >= 1.0))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "the chimera abundance skew must be >= 1");
    if (!(opt->map_id > 0 && opt->map_id <= 1.0))
        return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "the mapping identity must be in (0, 1]");
    return 0;
}

typedef struct fseq {
    char *id, *seq;
} fseq_t;

/* The records of a FASTA file, and a hash table of their IDs. */
typedef struct fseqs {
    fseq_t *f;
    size_t n;
    size_t mask;
    size_t *slot; /* record index + 1, 0 = empty */
} fseqs_t;

static void free_fseqs(fseqs_t *fs)
{
    for (size_t i = 0; fs->f && i < fs->n; i++) free(fs->f[i].id), free(fs->f[i].seq);
    free(fs->f);
    free(fs->slot);
    memset(fs, 0, sizeof(*fs));
}

static size_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h ^ h >> 31);
}

/* The slot of id: its record's, or the empty one where it goes. */
static size_t fseqs_slot(const fseqs_t *fs, const char *id)
{
    size_t h = hash_id(id) & fs->mask;
    while (fs->slot[h] && strcmp(fs->f[fs->slot[h] - 1].id, id) != 0) h = (h + 1) & fs->mask;
    return h;
}

static const fseq_t *fseqs_find(const fseqs_t *fs, const char *id)
{
    if (!fs->slot) return NULL;
    size_t h = fseqs_slot(fs, id);
    return fs->slot[h] ? &fs->f[fs->slot[h] - 1] : NULL;
}

/* All records of a FASTA file, indexed by ID (an ID twice is an error). */
static int read_fasta(const char *path, fseqs_t *out, lm_err_t *err)
{
    lm_fq_opt_t fo;
    lm_fq_opt_init(&fo);
    lm_fq_reader_t *r = lm_fq_open(path, &fo, err);
    if (!r) return err->code;
    lm_seqrec_t rec = {0};
    fseq_t *f = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = lm_fq_read(r, &rec, err)) == 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            fseq_t *t = realloc(f, cap * sizeof(*t));
            if (!t) {
                rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            f = t;
        }
        f[n].id = strdup(rec.name.s);
        f[n].seq = strdup(rec.seq.s);
        n++;
        if (!f[n - 1].id || !f[n - 1].seq) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
    }
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    if (rc == LM_EOF) rc = 0;
    fseqs_t fs = {.f = f, .n = n};
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    fs.mask = slots - 1;
    if (!rc && !(fs.slot = calloc(slots, sizeof(*fs.slot))))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        size_t h = fseqs_slot(&fs, f[i].id);
        if (fs.slot[h])
            rc = lm_err_set(err, LM_EFORMAT, path, 0, 0, "feature '%s' appears twice", f[i].id);
        fs.slot[h] = i + 1;
    }
    if (rc) {
        free_fseqs(&fs);
        return rc;
    }
    *out = fs;
    return 0;
}

typedef struct order {
    uint64_t size;
    const char *id;
    size_t i;
} order_t;

static int cmp_order(const void *a, const void *b)
{
    const order_t *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* ZOTUs by cluster size descending, then by creation (vsearch's sort of the centroids). */
typedef struct zord {
    uint64_t size;
    size_t c; /* unique index of the centroid, = creation order */
} zord_t;

static int cmp_zord(const void *a, const void *b)
{
    const zord_t *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

enum { HOW_JOINED = 1, HOW_GLOBAL = 2, HOW_NONE = 0 };

typedef struct state {
    size_t n;          /* uniques */
    char **seq;        /* by processing order */
    const char **id;   /* by processing order */
    uint64_t *size;    /* by processing order */
    size_t *feat;      /* table feature index of processing position */
    int64_t *centroid; /* unoise result */
    size_t nz;         /* ZOTUs (centroids) */
    zord_t *z;         /* in uchime order */
    lm_denoise_chim_t *chim;
    int64_t *zotu_of; /* per processing position: index into z[], or -1 */
    unsigned char *how;
} state_t;

static int write_text(const char *path, int (*fn)(FILE *, const void *), const void *arg,
                      lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    if (fn(lm_afile_stream(f), arg) || ferror(lm_afile_stream(f))) {
        lm_afile_abort(f);
        return lm_err_set(err, LM_EIO, path, 0, 0, "write failed: %s", strerror(errno));
    }
    return lm_afile_commit(f, err);
}

static int put_chimeras(FILE *o, const void *arg)
{
    const state_t *s = arg;
    fputs("feature-id\tparent-a\tparent-b\tscore\n", o);
    for (size_t k = 0; s->chim && k < s->nz; k++) {
        const lm_denoise_chim_t *c = &s->chim[k];
        if (!c->chimera) continue;
        fprintf(o, "%s\t%s\t%s\t%.4f\n", s->id[s->z[k].c], s->id[s->z[c->parent[0]].c],
                s->id[s->z[c->parent[1]].c], c->score);
    }
    return 0;
}

static int put_map(FILE *o, const void *arg)
{
    const state_t *s = arg;
    static const char *how[] = {"unassigned", "joined", "global"};
    fputs("feature-id\tzotu-id\thow\n", o);
    for (size_t i = 0; i < s->n; i++)
        fprintf(o, "%s\t%s\t%s\n", s->id[i],
                s->zotu_of[i] >= 0 ? s->id[s->z[s->zotu_of[i]].c] : "*", how[s->how[i]]);
    return 0;
}

typedef struct summ {
    const lm_table_t *in, *out;
    const uint64_t *assigned;
} summ_t;

static int put_summary(FILE *o, const void *arg)
{
    const summ_t *s = arg;
    lm_csr_t cs;
    lm_table_by_sample(s->out, &cs);
    fputs("sample-id\treads_in\tassigned\tunassigned\tzotus\n", o);
    for (size_t j = 0; j < lm_table_n_samples(s->in); j++) {
        uint64_t in = lm_table_sample_total(s->in, j);
        fprintf(o, "%s\t%llu\t%llu\t%llu\t%llu\n", lm_table_sample_id(s->in, j),
                (unsigned long long)in, (unsigned long long)s->assigned[j],
                (unsigned long long)(in - s->assigned[j]),
                (unsigned long long)(cs.ptr[j + 1] - cs.ptr[j]));
    }
    return 0;
}

static void free_state(state_t *s)
{
    free(s->seq);
    free(s->id);
    free(s->size);
    free(s->feat);
    free(s->centroid);
    free(s->z);
    free(s->chim);
    free(s->zotu_of);
    free(s->how);
}

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall and CPU seconds since *w0 / *c0 for the -v log; resets them. */
static void lap(const char *what, double *w0, double *c0)
{
    double w = clk(CLOCK_MONOTONIC), c = clk(CLOCK_PROCESS_CPUTIME_ID);
    lm_log_debug("%s: %.3f s wall, %.3f s CPU", what, w - *w0, c - *c0);
    *w0 = w, *c0 = c;
}

/* Steps 1-4: order, cluster, chimeras, mapping. */
static int denoise(const lm_denoise_opt_t *opt, state_t *s, lm_err_t *err)
{
    size_t n = s->n;
    double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
    int rc = lm_denoise_unoise(n, (const char *const *)s->seq, s->size, opt, s->centroid, err);
    if (rc) return rc;
    lap("unoise", &w0, &c0);
    uint64_t *csize = calloc(n ? n : 1, sizeof(*csize));
    if (!csize) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (s->centroid[i] >= 0) csize[s->centroid[i]] += s->size[i];
    s->nz = 0;
    for (size_t i = 0; i < n; i++)
        if (s->centroid[i] == (int64_t)i) s->nz++;
    s->z = malloc((s->nz ? s->nz : 1) * sizeof(*s->z));
    s->chim = calloc(s->nz ? s->nz : 1, sizeof(*s->chim));
    int64_t *zof_centroid = malloc((n ? n : 1) * sizeof(*zof_centroid));
    if (!s->z || !s->chim || !zof_centroid) {
        free(csize);
        free(zof_centroid);
        return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s->centroid[i] == (int64_t)i) s->z[k].size = csize[i], s->z[k].c = i, k++;
    free(csize);
    qsort(s->z, s->nz, sizeof(*s->z), cmp_zord);
    const char **zs = malloc((s->nz ? s->nz : 1) * sizeof(*zs));
    uint64_t *zsz = malloc((s->nz ? s->nz : 1) * sizeof(*zsz));
    if (!zs || !zsz) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t z = 0; !rc && z < s->nz; z++) zs[z] = s->seq[s->z[z].c], zsz[z] = s->z[z].size;
    if (!rc && opt->chimeras == LM_DENOISE_CHIM_UCHIME3)
        rc = lm_denoise_uchime3(s->nz, zs, zsz, opt->abskew, s->chim, err),
        lap("uchime3", &w0, &c0);
    /* the database: non-chimeric ZOTUs in uchime order */
    size_t ndb = 0;
    const char **db = malloc((s->nz ? s->nz : 1) * sizeof(*db));
    size_t *dbz = malloc((s->nz ? s->nz : 1) * sizeof(*dbz));
    unsigned char *want = calloc(n ? n : 1, 1);
    int64_t *hit = malloc((n ? n : 1) * sizeof(*hit));
    if (!rc && (!db || !dbz || !want || !hit))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) zof_centroid[i] = -1;
    for (size_t z = 0; !rc && z < s->nz; z++)
        if (!s->chim[z].chimera) {
            db[ndb] = zs[z], dbz[ndb] = z, ndb++;
            zof_centroid[s->z[z].c] = (int64_t)z;
        }
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t c = s->centroid[i];
        if (c >= 0 && zof_centroid[c] >= 0)
            s->zotu_of[i] = zof_centroid[c], s->how[i] = HOW_JOINED;
        else
            want[i] = 1, s->zotu_of[i] = -1, s->how[i] = HOW_NONE;
    }
    if (!rc) {
        lap("ordering", &w0, &c0);
        rc = lm_denoise_search(n, (const char *const *)s->seq, ndb, db, opt->map_id, opt->threads,
                               want, hit, err);
        size_t nw = 0;
        for (size_t i = 0; i < n; i++) nw += want[i];
        lm_log_debug("%zu uniques to map by search", nw);
        lap("mapping", &w0, &c0);
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (want[i] && hit[i] >= 0) s->zotu_of[i] = (int64_t)dbz[hit[i]], s->how[i] = HOW_GLOBAL;
    free(zs);
    free(zsz);
    free(db);
    free(dbz);
    free(want);
    free(hit);
    free(zof_centroid);
    return rc;
}

static int write_zotu_fasta(const char *path, const state_t *s, const size_t *zfinal, size_t nzf,
                            lm_err_t *err)
{
    lm_seq_writer_t *w = lm_seqw_open(path, LM_FMT_FASTA, 1, err);
    if (!w) return err->code;
    for (size_t k = 0; k < nzf; k++) {
        size_t c = s->z[zfinal[k]].c;
        if (lm_seqw_write(w, s->id[c], NULL, s->seq[c], strlen(s->seq[c]), NULL, err)) {
            lm_seqw_abort(w);
            return err->code;
        }
    }
    return lm_seqw_commit(w, err);
}

/* The output files, written at once (each atomically); the error reported is that of the
 * first file in this order that failed. */
typedef struct outs {
    const char *dir;
    const lm_denoise_opt_t *opt;
    const state_t *s;
    const size_t *zfinal;
    size_t nzf;
    const lm_table_t *in, *zt;
    const uint64_t *assigned;
} outs_t;

enum { OUT_FASTA, OUT_TSV, OUT_BIOM, OUT_CHIM, OUT_MAP, OUT_SUMMARY, N_OUT };

static int write_one(const outs_t *o, int which, lm_err_t *err)
{
    static const char *name[N_OUT] = {"features.fasta", "table.tsv", "table.biom",
                                      "chimeras.tsv",   "map.tsv",   "denoise_summary.tsv"};
    size_t plen = strlen(o->dir) + 64;
    char *path = malloc(plen);
    if (!path) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    snprintf(path, plen, "%s/%s", o->dir, name[which]);
    int rc = 0;
    summ_t sm = {o->in, o->zt, o->assigned};
    switch (which) {
    case OUT_FASTA:
        rc = write_zotu_fasta(path, o->s, o->zfinal, o->nzf, err);
        break;
    case OUT_TSV:
        rc = lm_table_write_tsv(o->zt, path, err);
        break;
    case OUT_BIOM:
        if (o->opt->write_biom) rc = lm_table_write_biom(o->zt, path, NULL, err);
        break;
    case OUT_CHIM:
        rc = write_text(path, put_chimeras, o->s, err);
        break;
    case OUT_MAP:
        rc = write_text(path, put_map, o->s, err);
        break;
    default:
        rc = write_text(path, put_summary, &sm, err);
        break;
    }
    free(path);
    return rc;
}

static int write_outputs(const outs_t *o, int threads, lm_err_t *err)
{
    lm_err_t e[N_OUT];
    int rcs[N_OUT];
    memset(e, 0, sizeof(e));
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 1 ? 2 : 1)
    for (int w = 0; w < N_OUT; w++) rcs[w] = write_one(o, w, &e[w]);
    for (int w = 0; w < N_OUT; w++)
        if (rcs[w]) {
            if (err) *err = e[w];
            return rcs[w];
        }
    return 0;
}

int lm_denoise_run(const lm_denoise_opt_t *opt, const char *table_dir, const char *out_dir,
                   lm_err_t *err)
{
    int rc = lm_denoise_opt_check(opt, err);
    if (rc) return rc;
    size_t plen = strlen(table_dir) + strlen(out_dir) + 64;
    char *path = malloc(plen);
    if (!path) return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
    lm_table_t *t = NULL, *zt = NULL;
    fseqs_t fs = {0};
    state_t s = {0};
    order_t *ord = NULL;
    lm_triplet_t *trip = NULL;
    const char **zids = NULL;
    size_t *zfinal = NULL;
    uint64_t *assigned = NULL;
    /* the table and the sequences, read at once; the table's error first */
    {
        lm_err_t e[2];
        int frc = 0;
        memset(e, 0, sizeof(e));
        char *fpath = malloc(plen);
        if (!fpath) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        if (!rc) {
            snprintf(path, plen, "%s/table.tsv", table_dir);
            snprintf(fpath, plen, "%s/features.fasta", table_dir);
#pragma omp parallel sections num_threads(opt->threads > 1 ? 2 : 1)
            {
#pragma omp section
                t = lm_table_read_tsv(path, &e[0]);
#pragma omp section
                frc = read_fasta(fpath, &fs, &e[1]);
            }
            if (!t)
                rc = e[0].code ? e[0].code : LM_EINTERNAL, err ? (void)(*err = e[0]) : (void)0;
            else if (frc)
                rc = frc, err ? (void)(*err = e[1]) : (void)0;
        }
        free(fpath);
    }
    size_t n = t ? lm_table_n_features(t) : 0;
    if (!rc) {
        s.n = n;
        s.seq = malloc((n ? n : 1) * sizeof(*s.seq));
        s.id = malloc((n ? n : 1) * sizeof(*s.id));
        s.size = malloc((n ? n : 1) * sizeof(*s.size));
        s.feat = malloc((n ? n : 1) * sizeof(*s.feat));
        s.centroid = malloc((n ? n : 1) * sizeof(*s.centroid));
        s.zotu_of = malloc((n ? n : 1) * sizeof(*s.zotu_of));
        s.how = calloc(n ? n : 1, 1);
        ord = malloc((n ? n : 1) * sizeof(*ord));
        if (!s.seq || !s.id || !s.size || !s.feat || !s.centroid || !s.zotu_of || !s.how || !ord)
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; !rc && i < n; i++)
        ord[i].size = lm_table_feature_total(t, i), ord[i].id = lm_table_feature_id(t, i),
        ord[i].i = i;
    if (!rc) qsort(ord, n, sizeof(*ord), cmp_order);
    for (size_t k = 0; !rc && k < n; k++) {
        const fseq_t *f = fseqs_find(&fs, ord[k].id);
        if (!f) {
            snprintf(path, plen, "%s/features.fasta", table_dir);
            rc = lm_err_set(err, LM_EFORMAT, path, 0, 0,
                            "feature '%s' of table.tsv has no sequence in this file", ord[k].id);
            break;
        }
        s.seq[k] = f->seq, s.id[k] = ord[k].id, s.size[k] = ord[k].size, s.feat[k] = ord[k].i;
    }
    lap("input", &w0, &c0);
    if (!rc) rc = denoise(opt, &s, err);
    w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);

    /* the ZOTU table: triplets (ZOTU in uchime order, sample, count) */
    size_t ntrip = 0, nzf = 0;
    if (!rc) {
        lm_csr_t cf;
        lm_table_by_feature(t, &cf);
        trip = malloc((lm_table_nnz(t) ? lm_table_nnz(t) : 1) * sizeof(*trip));
        assigned = calloc(lm_table_n_samples(t) ? lm_table_n_samples(t) : 1, sizeof(*assigned));
        if (!trip || !assigned) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t k = 0; !rc && k < n; k++) {
            if (s.zotu_of[k] < 0) continue;
            size_t f = s.feat[k];
            for (uint64_t p = cf.ptr[f]; p < cf.ptr[f + 1]; p++) {
                trip[ntrip++] = (lm_triplet_t){(uint32_t)s.zotu_of[k], cf.idx[p], cf.val[p]};
                assigned[cf.idx[p]] += cf.val[p];
            }
        }
    }
    /* final ZOTU order: total count descending, then MD5; chimeras left out */
    if (!rc) {
        uint64_t *tot = calloc(s.nz ? s.nz : 1, sizeof(*tot));
        order_t *zo = malloc((s.nz ? s.nz : 1) * sizeof(*zo));
        size_t *rank = malloc((s.nz ? s.nz : 1) * sizeof(*rank));
        zfinal = malloc((s.nz ? s.nz : 1) * sizeof(*zfinal));
        zids = malloc((s.nz ? s.nz : 1) * sizeof(*zids));
        if (!tot || !zo || !rank || !zfinal || !zids)
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t x = 0; !rc && x < ntrip; x++) tot[trip[x].feature] += trip[x].count;
        for (size_t z = 0; !rc && z < s.nz; z++)
            if (!s.chim[z].chimera) zo[nzf++] = (order_t){tot[z], s.id[s.z[z].c], z};
        if (!rc) qsort(zo, nzf, sizeof(*zo), cmp_order);
        for (size_t k = 0; !rc && k < nzf; k++)
            zfinal[k] = zo[k].i, rank[zo[k].i] = k, zids[k] = zo[k].id;
        for (size_t x = 0; !rc && x < ntrip; x++) trip[x].feature = (uint32_t)rank[trip[x].feature];
        free(tot);
        free(zo);
        free(rank);
    }
    if (!rc) {
        size_t ns = lm_table_n_samples(t);
        const char **sids = malloc((ns ? ns : 1) * sizeof(*sids));
        if (!sids) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t j = 0; !rc && j < ns; j++) sids[j] = lm_table_sample_id(t, j);
        if (!rc && !(zt = lm_table_create(nzf, zids, ns, sids, trip, ntrip, err))) rc = err->code;
        free(sids);
    }
    if (!rc) {
        snprintf(path, plen, "%s/features.fasta", out_dir);
        rc = lm_mkdir_parents(path, err);
    }
    if (!rc) {
        outs_t o = {out_dir, opt, &s, zfinal, nzf, t, zt, assigned};
        rc = write_outputs(&o, opt->threads, err);
    }
    lap("output", &w0, &c0);
    if (!rc) {
        size_t nchim = 0;
        for (size_t z = 0; z < s.nz; z++) nchim += s.chim[z].chimera != 0;
        lm_log_info("%zu uniques, %zu ZOTUs, %zu chimeras removed", n, nzf, nchim);
    }
    free(path);
    free(ord);
    free(trip);
    free(zids);
    free(zfinal);
    free(assigned);
    free_state(&s);
    free_fseqs(&fs);
    lm_table_destroy(t);
    lm_table_destroy(zt);
    return rc;
}
