/* SPDX-License-Identifier: MIT */
/* QIIME 2 taxonomy.tsv reading and collapsing a table by rank as `qiime taxa collapse`
 * does (q2-taxa: split at ';', strip, pad with "__", cut, join with ';'). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "table_internal.h"

KHASH_MAP_INIT_STR(tax_map, char *)
KHASH_MAP_INIT_STR(tax_row, uint32_t)

struct lm_table_taxonomy {
    khash_t(tax_map) * h;
    char **order; /* lineages in file order (borrowed from h) */
    size_t n, cap;
};

void lm_table_taxonomy_destroy(lm_table_taxonomy_t *tx)
{
    if (!tx) return;
    if (tx->h) {
        for (khint_t k = kh_begin(tx->h); k != kh_end(tx->h); k++)
            if (kh_exist(tx->h, k)) {
                free((char *)kh_key(tx->h, k));
                free(kh_val(tx->h, k));
            }
        kh_destroy(tax_map, tx->h);
    }
    free(tx->order);
    free(tx);
}

const char *lm_table_taxonomy_get(const lm_table_taxonomy_t *tx, const char *feature_id)
{
    khint_t k = kh_get(tax_map, tx->h, feature_id);
    return k == kh_end(tx->h) ? NULL : kh_val(tx->h, k);
}

lm_table_taxonomy_t *lm_table_taxonomy_read(const char *path, lm_err_t *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    lm_table_taxonomy_t *tx = calloc(1, sizeof(*tx));
    int rc = tx && (tx->h = kh_init(tax_map))
                 ? 0
                 : lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    char *line = NULL;
    size_t cap = 0;
    uint64_t ln = 0;
    ssize_t got;
    while (!rc && (got = getline(&line, &cap, fp)) >= 0) {
        ln++;
        if (memchr(line, '\0', (size_t)got)) { /* a binary or damaged file */
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "NUL byte in the taxonomy");
            break;
        }
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#' || (ln == 1 && strncmp(line, "Feature ID\t", 11) == 0))
            continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line) {
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "expected 'Feature ID<TAB>Taxon'");
            break;
        }
        *tab = 0;
        char *taxon = tab + 1, *end = strchr(taxon, '\t');
        if (end) *end = 0;
        if (!*taxon) {
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "feature '%s' has an empty Taxon", line);
            break;
        }
        int ret = -1;
        char *key = strdup(line), *val = strdup(taxon);
        khint_t k = key && val ? kh_put(tax_map, tx->h, key, &ret) : 0;
        if (!key || !val || ret < 0) {
            free(key);
            free(val);
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        } else if (ret == 0) {
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "duplicate feature ID '%s'", key);
            free(key);
            free(val);
        } else {
            kh_val(tx->h, k) = val;
            if (tx->n == tx->cap) {
                size_t c = tx->cap ? 2 * tx->cap : 1024;
                char **o = realloc(tx->order, c * sizeof(*o));
                if (!o) {
                    rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
                    break;
                }
                tx->order = o;
                tx->cap = c;
            }
            tx->order[tx->n++] = val;
        }
    }
    fclose(fp);
    free(line);
    if (rc) {
        lm_table_taxonomy_destroy(tx);
        return NULL;
    }
    return tx;
}

static int count_ranks(const char *s)
{
    int n = 1;
    for (; *s; s++) n += *s == ';';
    return n;
}

int lm_table_taxonomy_depth(const lm_table_taxonomy_t *tx)
{
    int depth = 0;
    for (size_t i = 0; i < tx->n; i++)
        if (count_ranks(tx->order[i]) > depth) depth = count_ranks(tx->order[i]);
    return depth;
}

/* The rank prefix of a "; "-separated rank ("g__" of "g__Blautia"): the shortest start
 * ending in a run of underscores, as q2-taxa's regex '(.*?_+)'; 0 if there is none. */
static size_t rank_prefix(const char *r, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (r[i] == '_') {
            while (i < len && r[i] == '_') i++;
            return i;
        }
    return 0;
}

/* q2-taxa's _get_padding_ranks: when every rank position (ranks split at "; ") has the same
 * prefix wherever one is found, lineages shorter than the deepest are padded with those
 * prefixes ("c__", "o__", ...) rather than with "__". Fills pad[depth] (each a malloc'ed
 * string, or all NULL when q2-taxa would pad with "__"). */
static int padding_ranks(const lm_table_taxonomy_t *tx, int depth, char **pad)
{
    size_t *plen = calloc((size_t)depth, sizeof(size_t));
    const char **pstr = calloc((size_t)depth, sizeof(char *));
    int ok = plen && pstr, rc = ok ? 0 : -1;
    const char *full = NULL; /* the first lineage with a prefix at every rank */
    for (size_t i = 0; ok && i < tx->n; i++) {
        const char *p = tx->order[i];
        int r = 0, complete = 1;
        for (; p; r++) {
            const char *e = strstr(p, "; ");
            size_t len = e ? (size_t)(e - p) : strlen(p), k = rank_prefix(p, len);
            if (!k)
                complete = 0;
            else if (!pstr[r])
                pstr[r] = p, plen[r] = k;
            else if (plen[r] != k || strncmp(pstr[r], p, k) != 0)
                ok = 0;
            p = e ? e + 2 : NULL;
        }
        if (complete && r == depth && !full) full = tx->order[i];
    }
    for (int r = 0; ok && r < depth; r++) ok = pstr[r] != NULL;
    for (int r = 0; r < depth; r++) pad[r] = NULL;
    if (ok && full) {
        const char *p = full;
        for (int r = 0; r < depth && rc == 0; r++) {
            const char *e = strstr(p, "; ");
            size_t k = rank_prefix(p, e ? (size_t)(e - p) : strlen(p));
            if (!(pad[r] = malloc(k + 1)))
                rc = -1;
            else
                memcpy(pad[r], p, k), pad[r][k] = 0;
            p = e ? e + 2 : p + strlen(p);
        }
    }
    free(plen);
    free(pstr);
    return rc;
}

/* The lineage cut to `level` ranks, each stripped, padded with pad[r] or "__". */
static int lineage_at(const char *l, int level, char *const *pad, kstring_t *out)
{
    out->l = 0;
    const char *p = l;
    for (int r = 0; r < level; r++) {
        if (r && kputc(';', out) < 0) return -1;
        if (!p) {
            if (kputs(pad[r] ? pad[r] : "__", out) < 0) return -1;
            continue;
        }
        const char *e = strchr(p, ';'), *end = e ? e : p + strlen(p);
        while (p < end && isspace((unsigned char)*p)) p++;
        while (end > p && isspace((unsigned char)end[-1])) end--;
        if (kputsn(p, (size_t)(end - p), out) < 0) return -1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

lm_table_t *lm_table_collapse(const lm_table_t *t, const lm_table_taxonomy_t *tx, int level,
                              const char *tax_path, lm_err_t *err)
{
    char **lin = calloc(t->nf ? t->nf : 1, sizeof(char *));
    char **rows = malloc((t->nf ? t->nf : 1) * sizeof(char *));
    lm_triplet_t *trip = malloc((t->nnz ? t->nnz : 1) * sizeof(*trip));
    khash_t(tax_row) *h = kh_init(tax_row);
    kstring_t ks = {0};
    lm_table_t *out = NULL;
    size_t nr = 0;
    int depth = lm_table_taxonomy_depth(tx);
    char **pad = calloc((size_t)depth + 1, sizeof(char *));
    int rc = lin && rows && trip && h && pad
                 ? 0
                 : lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc && level > depth)
        rc = lm_err_set(err, LM_EUSAGE, tax_path, 0, 0,
                        "level %d is deeper than the taxonomy's %d ranks", level, depth);
    if (!rc && padding_ranks(tx, depth, pad))
        rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; !rc && i < t->nf; i++) {
        const char *l = lm_table_taxonomy_get(tx, t->fid[i]);
        if (!l) {
            rc = lm_err_set(err, LM_EFORMAT, tax_path, 0, 0,
                            "feature '%s' of the table has no taxonomy", t->fid[i]);
            break;
        }
        if (lineage_at(l, level, pad, &ks) < 0 || !(lin[i] = strdup(ks.s))) {
            rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        int ret;
        kh_put(tax_row, h, lin[i], &ret);
        if (ret < 0) rc = lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        if (ret > 0) rows[nr++] = lin[i];
    }
    if (!rc) {
        /* Rows in byte order of the lineage, so the output order is fixed. */
        qsort(rows, nr, sizeof(*rows), cmp_str);
        for (size_t r = 0; r < nr; r++) kh_val(h, kh_get(tax_row, h, rows[r])) = (uint32_t)r;
        size_t k = 0;
        for (size_t i = 0; i < t->nf; i++) {
            uint32_t r = kh_val(h, kh_get(tax_row, h, lin[i]));
            for (uint64_t p = t->fptr[i]; p < t->fptr[i + 1]; p++)
                trip[k++] = (lm_triplet_t){r, t->fidx[p], t->fval[p]};
        }
        out = lm_table_create(nr, (const char *const *)rows, t->ns, (const char *const *)t->sid,
                              trip, k, err);
    }
    for (size_t i = 0; lin && i < t->nf; i++) free(lin[i]);
    free(lin);
    free(rows);
    free(trip);
    free(ks.s);
    for (int r = 0; pad && r < depth; r++) free(pad[r]);
    free(pad);
    kh_destroy(tax_row, h);
    return out;
}
