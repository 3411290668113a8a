/* SPDX-License-Identifier: MIT */
/* biom's TSV form of a feature table: strict reading (every error names file and line)
 * and writing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "table_internal.h"

KHASH_MAP_INIT_STR(tsv_line, uint64_t)

typedef struct tsv_state {
    const char *path;
    uint64_t line;
    size_t ns;
    char **sids;
    int taxonomy_col; /* the header's last column is "taxonomy": ignore it */
    size_t nf, fcap;
    char **fids;
    lm_triplet_t *trip;
    size_t nt, tcap;
    khash_t(tsv_line) * seen; /* feature ID -> line it was first seen on */
} tsv_state_t;

static void strip_eol(char *s, size_t *len)
{
    while (*len && (s[*len - 1] == '\n' || s[*len - 1] == '\r')) s[--(*len)] = 0;
}

/* Parse a whole non-negative count: digits, optionally ".000" (biom writes floats). */
static int parse_count(const char *s, const char *end, uint64_t *out, const char **why)
{
    if (s == end) return *why = "empty cell", -1;
    if (*s == '-') return *why = "negative count", -1;
    if (*s == '+') s++;
    uint64_t v = 0;
    const char *p = s;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) return *why = "count too large", -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (p == s) return *why = "not a number", -1;
    if (p < end && *p == '.') {
        int nonzero = 0;
        const char *q = ++p;
        for (; p < end && *p >= '0' && *p <= '9'; p++) nonzero |= *p != '0';
        if (p < end) return *why = "not a number", -1;
        if (nonzero || q == p) return *why = nonzero ? "not a whole count" : "not a number", -1;
    }
    if (p != end) return *why = "not a number", -1;
    *out = v;
    return 0;
}

static int parse_header(tsv_state_t *st, char *line, lm_err_t *err)
{
    size_t n = 0;
    for (char *p = line; *p; p++) n += *p == '\t';
    if (n == 0)
        return lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                          "the header names no samples (expected '#OTU ID<TAB>S1<TAB>...')");
    char *last = strrchr(line, '\t') + 1;
    st->taxonomy_col = strcmp(last, "taxonomy") == 0;
    st->ns = n - (size_t)st->taxonomy_col;
    if (!st->ns)
        return lm_err_set(err, LM_EFORMAT, st->path, st->line, 0, "the header names no samples");
    if (!(st->sids = calloc(st->ns, sizeof(char *))))
        return lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
    char *p = strchr(line, '\t') + 1;
    khash_t(tsv_line) *h = kh_init(tsv_line);
    int rc = h ? 0 : lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
    for (size_t j = 0; !rc && j < st->ns; j++) {
        char *tab = strchr(p, '\t');
        if (tab) *tab = 0;
        st->sids[j] = p;
        if (!*p) {
            rc = lm_err_set(err, LM_EFORMAT, st->path, st->line, 0, "sample %zu has an empty ID",
                            j + 1);
            break;
        }
        /* a sample ID is the first cell of a row in the per-sample tables (qc/summary.tsv,
         * alpha.tsv, denoise_summary.tsv), where a leading '#' reads as a comment: refused,
         * as in manifests and QIIME 2 */
        if (*p == '#') {
            rc = lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                            "sample ID '%s' (column %zu) starts with '#'", p, j + 2);
            break;
        }
        /* a last column named taxonomy holds lineages (BIOM's TSV): as a sample it would be
         * read back as that column whenever it came last */
        if (strcmp(p, "taxonomy") == 0) {
            rc = lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                            "sample ID 'taxonomy' (column %zu) is reserved: a last column of "
                            "that name holds lineages in BIOM's TSV",
                            j + 2);
            break;
        }
        int ret;
        khint_t k = kh_put(tsv_line, h, p, &ret);
        if (ret == 0)
            rc = lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                            "duplicate sample ID '%s' (columns %llu and %zu)", p,
                            (unsigned long long)kh_val(h, k) + 2, j + 2);
        else if (ret < 0)
            rc = lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
        else
            kh_val(h, k) = j;
        p = tab ? tab + 1 : p + strlen(p);
    }
    kh_destroy(tsv_line, h);
    /* sids point into line; copy them so the line buffer can be reused. */
    for (size_t j = 0; j < st->ns; j++)
        st->sids[j] = rc || !st->sids[j] ? NULL : strdup(st->sids[j]);
    for (size_t j = 0; !rc && j < st->ns; j++)
        if (!st->sids[j]) rc = lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
    return rc;
}

static int parse_row(tsv_state_t *st, char *line, lm_err_t *err)
{
    char *tab = strchr(line, '\t');
    size_t want = st->ns + (size_t)st->taxonomy_col;
    size_t have = 0;
    for (char *p = line; *p; p++) have += *p == '\t';
    if (have != want)
        return lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                          "%zu count%s where the header has %zu samples", have,
                          have == 1 ? "" : "s", st->ns);
    *tab = 0;
    if (!*line) return lm_err_set(err, LM_EFORMAT, st->path, st->line, 0, "empty feature ID");
    if (st->nf == st->fcap) {
        size_t cap = st->fcap ? 2 * st->fcap : 1024;
        char **f = realloc(st->fids, cap * sizeof(*f));
        if (!f) return lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
        st->fids = f;
        st->fcap = cap;
    }
    char *id = strdup(line);
    if (!id) return lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
    int ret;
    khint_t k = kh_put(tsv_line, st->seen, id, &ret);
    if (ret <= 0) {
        int rc = ret == 0 ? lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                                       "duplicate feature ID '%s' (first on line %llu)", id,
                                       (unsigned long long)kh_val(st->seen, k))
                          : lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
        free(id);
        return rc;
    }
    kh_val(st->seen, k) = st->line;
    /* Owned by fids from here on, whatever happens to the rest of the row. */
    st->fids[st->nf++] = id;
    char *p = tab + 1;
    for (size_t j = 0; j < st->ns; j++) {
        char *end = strchr(p, '\t');
        if (!end) end = p + strlen(p);
        uint64_t v;
        const char *why;
        if (parse_count(p, end, &v, &why))
            return lm_err_set(err, LM_EFORMAT, st->path, st->line, 0,
                              "%s: '%.*s' (feature '%s', sample '%s')", why, (int)(end - p), p, id,
                              st->sids[j]);
        if (v) {
            if (st->nt == st->tcap) {
                size_t cap = st->tcap ? 2 * st->tcap : 4096;
                lm_triplet_t *t = realloc(st->trip, cap * sizeof(*t));
                if (!t) return lm_err_set(err, LM_ENOMEM, st->path, 0, 0, "out of memory");
                st->trip = t;
                st->tcap = cap;
            }
            st->trip[st->nt++] = (lm_triplet_t){(uint32_t)(st->nf - 1), (uint32_t)j, v};
        }
        p = end + 1;
    }
    return 0;
}

lm_table_t *lm_table_read_tsv(const char *path, lm_err_t *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    tsv_state_t st = {.path = path};
    st.seen = kh_init(tsv_line);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = st.seen ? 0 : lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    while (!rc && (got = getline(&line, &cap, fp)) >= 0) {
        size_t len = (size_t)got;
        st.line++;
        strip_eol(line, &len);
        if (strlen(line) != len) {
            rc = lm_err_set(err, LM_EFORMAT, path, st.line, 0, "NUL byte in a text table");
            break;
        }
        if (!len) continue;
        if (!st.sids) {
            /* Comment lines before the header; "#OTU ID" is the header itself. */
            if (line[0] == '#' && strncmp(line, "#OTU ID", 7) != 0 && !strchr(line, '\t')) continue;
            rc = parse_header(&st, line, err);
        } else {
            rc = parse_row(&st, line, err);
        }
    }
    if (!rc && ferror(fp)) rc = lm_err_set(err, LM_EIO, path, 0, 0, "read error");
    if (!rc && !st.sids) rc = lm_err_set(err, LM_EFORMAT, path, st.line, 0, "no header line");
    fclose(fp);
    free(line);
    lm_table_t *t = NULL;
    if (!rc)
        t = lm_table_create(st.nf, (const char *const *)st.fids, st.ns,
                            (const char *const *)st.sids, st.trip, st.nt, err);
    if (!rc && !t) err->line = 0, snprintf(err->path, sizeof(err->path), "%s", path);
    for (size_t i = 0; i < st.nf; i++) free(st.fids[i]);
    for (size_t j = 0; st.sids && j < st.ns; j++) free(st.sids[j]);
    free(st.fids);
    free(st.sids);
    free(st.trip);
    kh_destroy(tsv_line, st.seen);
    return t;
}

int lm_table_fprint_tsv(const lm_table_t *t, FILE *out, int header_comment)
{
    if (header_comment) fputs("# Constructed by lumen\n", out);
    fputs("#OTU ID", out);
    for (size_t j = 0; j < t->ns; j++) fprintf(out, "\t%s", t->sid[j]);
    fputc('\n', out);
    /* Dense rows: a row of the feature-major CSR expanded with zeros. */
    for (size_t i = 0; i < t->nf; i++) {
        fputs(t->fid[i], out);
        uint64_t p = t->fptr[i], e = t->fptr[i + 1];
        for (size_t j = 0; j < t->ns; j++) {
            if (p < e && t->fidx[p] == j)
                fprintf(out, "\t%llu", (unsigned long long)t->fval[p++]);
            else
                fputs("\t0", out);
        }
        fputc('\n', out);
    }
    return ferror(out) ? LM_EIO : 0;
}

int lm_table_write_tsv(const lm_table_t *t, const char *path, lm_err_t *err)
{
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    lm_table_fprint_tsv(t, lm_afile_stream(f), 1);
    return lm_afile_commit(f, err);
}
