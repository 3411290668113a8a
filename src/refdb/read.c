/* SPDX-License-Identifier: MIT */
/* Reading a reference: FASTA records, with lineages from their headers or from a QIIME
 * taxonomy TSV matched by ID. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "lumen/seqio.h"
#include "refdb_internal.h"

KHASH_MAP_INIT_STR(id2tax, char *)

static void tax_free(khash_t(id2tax) * h)
{
    if (!h) return;
    for (khint_t it = kh_begin(h); it != kh_end(h); it++) {
        if (!kh_exist(h, it)) continue;
        free((char *)kh_key(h, it));
        free(kh_val(h, it));
    }
    kh_destroy(id2tax, h);
}

/* Load "id<TAB>lineage[<TAB>...]" lines; a first line "Feature ID..." or "#..." is a
 * header. Returns 0 or a negative status with err naming the file and line. */
static int tax_load(const char *path, khash_t(id2tax) * h, lm_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t ln = 0;
    int rc = 0;
    while (!rc && (n = getline(&line, &cap, f)) >= 0) {
        ln++;
        if (memchr(line, '\0', (size_t)n)) { /* a binary or damaged file */
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "NUL byte in the taxonomy");
            break;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0 || line[0] == '#' || (ln == 1 && strncmp(line, "Feature ID", 10) == 0)) continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line) {
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "expected ID<TAB>taxonomy");
            break;
        }
        *tab = '\0';
        char *tax = tab + 1, *end = strchr(tax, '\t');
        if (end) *end = '\0';
        char *id = strdup(line), *val = strdup(tax);
        int absent = 0;
        khint_t it = id && val ? kh_put(id2tax, h, id, &absent) : 0;
        if (!id || !val || absent < 0) {
            free(id);
            free(val);
            rc = lm_err_set(err, LM_ENOMEM, path, ln, 0, "out of memory");
        } else if (!absent) {
            free(id);
            free(val);
            rc = lm_err_set(err, LM_EFORMAT, path, ln, 0, "ID '%s' listed twice", line);
        } else {
            kh_val(h, it) = val;
        }
    }
    if (!rc && ferror(f)) rc = lm_err_set(err, LM_EIO, path, 0, 0, "read error");
    free(line);
    fclose(f);
    return rc;
}

/* The amplicon of seq[0..len) between the primers of pp (primers removed): *start and
 * *alen, or 0 if a primer site is missing. rc holds the reverse primer's complement. */
static int amplicon(const char *seq, size_t len, const lm_primer_pair_t *pp, const char *rc, int mm,
                    size_t *start, size_t *alen)
{
    long f = lm_primer_find(seq, len, pp->fwd, mm, 0, NULL);
    if (f < 0) return 0;
    size_t s = (size_t)f + strlen(pp->fwd);
    long r = lm_primer_find(seq + s, len - s, rc, mm, 0, NULL);
    if (r < 0) return 0;
    *start = s;
    *alen = (size_t)r;
    return 1;
}

/* Point an error raised about a record's contents at the record. */
static int locate(lm_err_t *err, const char *path, const lm_seqrec_t *rec)
{
    snprintf(err->path, sizeof(err->path), "%s", path);
    err->line = rec->line;
    err->record = rec->index + 1;
    return err->code;
}

int lm_ref_read(lm_ref_t *ref, const char *fasta, const char *taxonomy_tsv, lm_err_t *err)
{
    khash_t(id2tax) *tax = NULL;
    int rc = 0;
    if (taxonomy_tsv) {
        if (!(tax = kh_init(id2tax)))
            return lm_err_set(err, LM_ENOMEM, NULL, 0, 0, "out of memory");
        if ((rc = tax_load(taxonomy_tsv, tax, err))) {
            tax_free(tax);
            return rc;
        }
    }
    lm_fq_reader_t *r = lm_fq_open(fasta, NULL, err);
    if (!r) {
        tax_free(tax);
        return err->code;
    }
    lm_seqrec_t rec;
    memset(&rec, 0, sizeof(rec));
    lm_lineage_t lin;
    const lm_primer_pair_t *pp = NULL;
    char rev_rc[64] = "";
    int mm = 0;
    uint64_t *no_amplicon = NULL;
    ref_primers(ref, &pp, &mm, &no_amplicon);
    if (pp && strlen(pp->rev) < sizeof(rev_rc)) lm_revcomp(pp->rev, strlen(pp->rev), rev_rc);
    while (!rc && (rc = lm_fq_read(r, &rec, err)) == 0) {
        size_t start = 0, alen = rec.seq.l;
        int named;
        if (tax) {
            khint_t it = kh_get(id2tax, tax, rec.name.s);
            if (it == kh_end(tax)) {
                rc = lm_err_set(err, LM_EFORMAT, fasta, rec.line, rec.index + 1,
                                "ID '%s' is not in %s", rec.name.s, taxonomy_tsv);
                break;
            }
            const char *t = kh_val(tax, it);
            named = lm_lineage_parse(t, strlen(t), &lin, err);
        } else {
            size_t id_len;
            named = lm_lineage_from_header(rec.name.s, rec.comment.s, &lin, &id_len, err);
        }
        if (named < 0) {
            rc = locate(err, fasta, &rec);
        } else if (named == 0) {
            rc = lm_err_set(err, LM_EFORMAT, fasta, rec.line, rec.index + 1,
                            "no taxonomy for '%s' (give --taxonomy, or lineages in headers)",
                            rec.name.s);
        } else if (pp && !amplicon(rec.seq.s, rec.seq.l, pp, rev_rc, mm, &start, &alen)) {
            (*no_amplicon)++;
        } else if ((rc = lm_ref_add(ref, rec.seq.s + start, alen, &lin, err)) != 0) {
            locate(err, fasta, &rec);
        }
    }
    if (rc == LM_EOF) rc = 0;
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    tax_free(tax);
    return rc;
}
