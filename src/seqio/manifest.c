/* SPDX-License-Identifier: MIT */
/* QIIME 2 sample manifests (paired-end and single-end), tab-separated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lumen/seqio.h"

/* Column names QIIME 2 accepts for the ID column (compared without case). */
static const char *const id_names[] = {"sample-id", "sampleid",   "sample id",   "sample_id", "id",
                                       "#sampleid", "#sample id", "sample_name", NULL};

void lm_manifest_destroy(lm_manifest_t *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->s[i].id);
        free(m->s[i].r1);
        free(m->s[i].r2);
    }
    free(m->s);
    free(m->path);
    free(m);
}

/* A spreadsheet's quoting: a cell "..." (quotes doubled inside) loses its quotes. Cells are
 * trimmed of spaces first and the text inside the quotes is kept as written. */
static void unquote(char *p)
{
    size_t n = strlen(p);
    if (n < 2 || p[0] != '"' || p[n - 1] != '"') return;
    char *o = p;
    for (const char *q = p + 1; q < p + n - 1; q++) {
        *o++ = *q;
        if (*q == '"' && q[1] == '"') q++;
    }
    *o = '\0';
}

/* Split line (modified in place) at tabs into at most max cells, trimming spaces and
 * unquoting; returns the number of cells (which may exceed max: the extra ones are
 * counted, not stored). Trailing empty cells (a spreadsheet's unused columns) are not
 * counted. */
static int split(char *line, char **cell, int max)
{
    int n = 0, last = 0;
    for (char *p = line;; n++) {
        char *tab = strchr(p, '\t');
        if (tab) *tab = '\0';
        while (*p == ' ') p++;
        char *e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\r')) *--e = '\0';
        unquote(p);
        if (n < max) cell[n] = p;
        if (*p) last = n + 1;
        if (!tab) return last > 0 ? last : 1;
        p = tab + 1;
    }
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r') return 0;
    return 1;
}

static int is_id_header(const char *c)
{
    for (int i = 0; id_names[i]; i++)
        if (strcasecmp(c, id_names[i]) == 0) return 1;
    return 0;
}

/* Expand $VAR and ${VAR} (QIIME 2 manifests often say $PWD/...) into out; an unset
 * variable is an error, as a silently empty one would name the wrong file. */
static int expand_env(const char *in, char *out, size_t size, const char *path, uint64_t ln,
                      lm_err_t *err)
{
    size_t o = 0;
    for (const char *p = in; *p;) {
        const char *val = NULL;
        if (p[0] == '$' && (p[1] == '{' || p[1] == '_' || (p[1] >= 'A' && p[1] <= 'Z') ||
                            (p[1] >= 'a' && p[1] <= 'z'))) {
            int brace = p[1] == '{';
            const char *b = p + 1 + brace, *e = b;
            while (*e == '_' || (*e >= 'A' && *e <= 'Z') || (*e >= 'a' && *e <= 'z') ||
                   (*e >= '0' && *e <= '9'))
                e++;
            if (brace && *e != '}')
                return lm_err_set(err, LM_EFORMAT, path, ln, 0, "unclosed ${ in path '%s'", in);
            char name[256];
            size_t nl = (size_t)(e - b) < sizeof(name) - 1 ? (size_t)(e - b) : sizeof(name) - 1;
            memcpy(name, b, nl);
            name[nl] = '\0';
            if (!(val = getenv(name)))
                return lm_err_set(err, LM_EFORMAT, path, ln, 0,
                                  "environment variable '%s' in path '%s' is not set", name, in);
            p = e + brace;
        }
        size_t n = val ? strlen(val) : 1;
        if (o + n >= size) return lm_err_set(err, LM_EFORMAT, path, ln, 0, "path too long");
        memcpy(out + o, val ? val : p, n);
        o += n;
        if (!val) p++;
    }
    out[o] = '\0';
    return 0;
}

/* path relative to the manifest's folder (dir, with its trailing '/', may be ""). */
static char *resolve(const char *dir, const char *p)
{
    size_t ld = p[0] == '/' ? 0 : strlen(dir), lp = strlen(p);
    char *out = malloc(ld + lp + 1);
    if (!out) return NULL;
    memcpy(out, dir, ld);
    memcpy(out + ld, p, lp + 1);
    return out;
}

typedef struct parse {
    const char *path;
    char dir[4096];
    int col_id, col_f, col_r, col_s, ncols;
    lm_manifest_t *m;
    size_t cap;
} parse_t;

#define MAXCOLS 64

static int parse_header(parse_t *ps, char **cell, int n, uint64_t ln, lm_err_t *err)
{
    if (n > MAXCOLS)
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0, "too many columns (%d)", n);
    if (!is_id_header(cell[0]))
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                          "the first column must be the sample ID (sample-id), not '%s'", cell[0]);
    ps->col_f = ps->col_r = ps->col_s = -1;
    for (int i = 1; i < n; i++) {
        int *col = strcasecmp(cell[i], "forward-absolute-filepath") == 0   ? &ps->col_f
                   : strcasecmp(cell[i], "reverse-absolute-filepath") == 0 ? &ps->col_r
                   : strcasecmp(cell[i], "absolute-filepath") == 0         ? &ps->col_s
                                                                           : NULL;
        if (!col) continue;
        if (*col >= 0)
            return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0, "column '%s' appears twice",
                              cell[i]);
        *col = i;
    }
    ps->ncols = n;
    ps->col_id = 0;
    if (ps->col_f >= 0 && ps->col_r >= 0 && ps->col_s < 0) {
        ps->m->paired = 1;
        return 0;
    }
    if (ps->col_s >= 0 && ps->col_f < 0 && ps->col_r < 0) return 0;
    if (ps->col_f >= 0 || ps->col_r >= 0)
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                          "a paired manifest needs both forward-absolute-filepath and "
                          "reverse-absolute-filepath%s",
                          ps->col_s >= 0 ? ", and no absolute-filepath column" : "");
    return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                      "missing columns: need forward-absolute-filepath and "
                      "reverse-absolute-filepath (paired) or absolute-filepath (single-end)");
}

/* Sample IDs follow QIIME 2's metadata rules: any Unicode text (UTF-8), spaces inside
 * included, but no control characters (a tab or newline would break every TSV lumen
 * writes) and not starting with '#'. They also name files (uniques/<id>.fasta.gz). */
static int check_id(parse_t *ps, const char *id, uint64_t ln, lm_err_t *err)
{
    if (!*id) return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0, "empty sample ID");
    if (*id == '#')
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                          "sample ID '%s' starts with '#' (a comment in QIIME 2's tables)", id);
    for (const unsigned char *u = (const unsigned char *)id; *u;) {
        int k = lm_utf8_len(u);
        if (!k)
            return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                              "sample ID is not valid UTF-8 (byte 0x%02X at byte %zu): save the "
                              "manifest as UTF-8",
                              *u, (size_t)(u - (const unsigned char *)id) + 1);
        if (*u < 0x20 || *u == 0x7F)
            return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                              "sample ID contains a control character (byte 0x%02X)", *u);
        u += k;
    }
    if (strcmp(id, "taxonomy") == 0)
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                          "sample ID 'taxonomy' is reserved (a last column of that name holds "
                          "lineages in BIOM's TSV tables)");
    if (strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || id[0] == '.')
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                          "sample ID '%s' cannot be a file name ('/' or a leading '.')", id);
    for (size_t i = 0; i < ps->m->n; i++)
        if (strcmp(ps->m->s[i].id, id) == 0)
            return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                              "duplicate sample ID '%s' (first on line %llu)", id,
                              (unsigned long long)ps->m->s[i].line);
    return 0;
}

static int parse_row(parse_t *ps, char **cell, int n, uint64_t ln, lm_err_t *err)
{
    if (n > ps->ncols)
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0,
                          "%d fields where the header has %d (fields are separated by tabs)", n,
                          ps->ncols);
    /* trailing empty cells were dropped from the row (a spreadsheet's empty columns) */
    for (; n < ps->ncols; n++) cell[n] = (char *)"";
    int rc = check_id(ps, cell[0], ln, err);
    if (rc) return rc;
    char e1[4096], e2[4096];
    const char *p1 = cell[ps->m->paired ? ps->col_f : ps->col_s];
    const char *p2 = ps->m->paired ? cell[ps->col_r] : NULL;
    if ((rc = expand_env(p1, e1, sizeof(e1), ps->path, ln, err)) ||
        (p2 && (rc = expand_env(p2, e2, sizeof(e2), ps->path, ln, err))))
        return rc;
    p1 = e1;
    p2 = p2 ? e2 : NULL;
    if (!*p1 || (p2 && !*p2))
        return lm_err_set(err, LM_EFORMAT, ps->path, ln, 0, "empty file path for sample '%s'",
                          cell[0]);
    lm_manifest_t *m = ps->m;
    if (m->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        void *p = realloc(m->s, cap * sizeof(*m->s));
        if (!p) return lm_err_set(err, LM_ENOMEM, ps->path, ln, 0, "out of memory");
        m->s = p;
        ps->cap = cap;
    }
    lm_manifest_sample_t *s = &m->s[m->n++];
    memset(s, 0, sizeof(*s));
    s->line = ln;
    s->id = strdup(cell[0]);
    s->r1 = resolve(ps->dir, p1);
    s->r2 = p2 ? resolve(ps->dir, p2) : NULL;
    if (!s->id || !s->r1 || (p2 && !s->r2))
        return lm_err_set(err, LM_ENOMEM, ps->path, ln, 0, "out of memory");
    return 0;
}

/* A file listed twice (for two samples, or as both reads of one) is most likely a copy and
 * paste slip in the sheet, but not certainly wrong (a control read for two runs), so it is a
 * warning, not an error. Files are compared by device and inode when they exist (another
 * spelling of the same path is the same file), else by path. */
typedef struct fkey {
    const char *path;
    dev_t dev;
    ino_t ino;
    int found;
    size_t sample;
} fkey_t;

static int fkey_cmp(const void *a, const void *b)
{
    const fkey_t *x = a, *y = b;
    if (x->found != y->found) return x->found - y->found;
    int c = x->found ? (x->dev > y->dev) - (x->dev < y->dev) : strcmp(x->path, y->path);
    if (!c && x->found) c = (x->ino > y->ino) - (x->ino < y->ino);
    return c ? c : (x->sample > y->sample) - (x->sample < y->sample);
}

static void warn_shared_files(const parse_t *ps)
{
    const lm_manifest_t *m = ps->m;
    fkey_t *k = malloc(2 * m->n * sizeof(*k));
    if (!k) return; /* only a warning */
    size_t nk = 0;
    for (size_t i = 0; i < m->n; i++)
        for (int r = 0; r < 2; r++) {
            const char *p = r ? m->s[i].r2 : m->s[i].r1;
            if (!p) continue;
            struct stat st;
            int found = stat(p, &st) == 0;
            k[nk++] = (fkey_t){p, found ? st.st_dev : 0, found ? st.st_ino : 0, found, i};
        }
    qsort(k, nk, sizeof(*k), fkey_cmp);
    for (size_t j = 1; j < nk; j++) {
        if (fkey_cmp(&k[j - 1],
                     &(fkey_t){k[j].path, k[j].dev, k[j].ino, k[j].found, k[j - 1].sample}))
            continue;
        const lm_manifest_sample_t *a = &m->s[k[j - 1].sample], *b = &m->s[k[j].sample];
        if (a == b)
            lm_log_warn("%s:%llu: sample '%s' lists the same file as forward and reverse reads: %s",
                        ps->path, (unsigned long long)a->line, a->id, k[j].path);
        else
            lm_log_warn(
                "%s:%llu: file %s of sample '%s' is also listed for sample '%s' (line %llu)",
                ps->path, (unsigned long long)b->line, k[j].path, b->id, a->id,
                (unsigned long long)a->line);
    }
    free(k);
}

static int parse_file(parse_t *ps, FILE *fp, lm_err_t *err)
{
    char *line = NULL, *cell[MAXCOLS];
    size_t cap = 0;
    uint64_t ln = 0;
    int have_header = 0, rc = 0;
    ssize_t got;
    while (!rc && (got = getline(&line, &cap, fp)) >= 0) {
        ln++;
        if (memchr(line, '\0', (size_t)got)) { /* a binary or damaged file */
            rc = lm_err_set(err, LM_EFORMAT, ps->path, ln, 0, "NUL byte in the manifest");
            break;
        }
        line[strcspn(line, "\n")] = '\0';
        /* a UTF-8 byte order mark, as spreadsheets save "UTF-8 text" */
        if (ln == 1 && !memcmp(line, "\xEF\xBB\xBF", 3))
            memmove(line, line + 3, strlen(line + 3) + 1);
        if (is_blank(line)) continue;
        /* '#' starts a comment, except a header such as "#SampleID" */
        if (line[0] == '#' && (have_header || strncasecmp(line, "#sample", 7) != 0)) continue;
        int n = split(line, cell, MAXCOLS);
        if (n > MAXCOLS) n = MAXCOLS + 1;
        if (!have_header) {
            rc = parse_header(ps, cell, n, ln, err);
            have_header = 1;
        } else {
            rc = parse_row(ps, cell, n, ln, err);
        }
    }
    if (!rc && ferror(fp))
        rc = lm_err_set(err, LM_EIO, ps->path, ln, 0, "read error: %s", strerror(errno));
    if (!rc && !have_header)
        rc = lm_err_set(err, LM_EFORMAT, ps->path, 0, 0, "empty manifest: no header line");
    if (!rc && ps->m->n == 0)
        rc = lm_err_set(err, LM_EFORMAT, ps->path, ln, 0, "the manifest lists no samples");
    free(line);
    if (!rc) warn_shared_files(ps);
    return rc;
}

int lm_manifest_read(const char *path, lm_manifest_t **out, lm_err_t *err)
{
    *out = NULL;
    parse_t ps = {.path = path};
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    if (dl >= sizeof(ps.dir))
        return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "manifest path too long");
    memcpy(ps.dir, path, dl);
    ps.dir[dl] = '\0';
    FILE *fp = fopen(path, "r");
    if (!fp)
        return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open manifest: %s",
                          strerror(errno));
    ps.m = calloc(1, sizeof(*ps.m));
    int rc = ps.m && (ps.m->path = strdup(path))
                 ? parse_file(&ps, fp, err)
                 : lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    fclose(fp);
    if (rc) {
        lm_manifest_destroy(ps.m);
        return rc;
    }
    *out = ps.m;
    return 0;
}
