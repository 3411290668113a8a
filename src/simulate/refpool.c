/* SPDX-License-Identifier: MIT */
/* The amplicon pool: a reference FASTA cut by in-silico PCR. The genus parsing is
 * deliberately small (last ';' field of the last tab field); the refdb module owns real
 * taxonomy formats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/seqio.h"
#include "simulate_internal.h"

char *lm_sim_header_genus(const char *comment, char *out, size_t size)
{
    const char *f = strrchr(comment, '\t');
    f = f ? f + 1 : comment;
    /* The field ends before trailing blanks and a trailing ';' (SILVA writes "...;Genus;"). */
    size_t end = strlen(f);
    while (end && strchr(" \r\n", f[end - 1])) end--;
    if (end && f[end - 1] == ';') end--;
    /* A header whose last field is not a lineage (no ';') names no genus. */
    size_t start = end;
    while (start && f[start - 1] != ';') start--;
    if (start == 0) start = end;
    while (start < end && f[start] == ' ') start++;
    while (end > start && f[end - 1] == ' ') end--;
    size_t n = end - start < size ? end - start : size - 1;
    memcpy(out, f + start, n);
    out[n] = '\0';
    return out;
}

int lm_sim_pcr(const char *seq, size_t len, const lm_primer_pair_t *pp, int max_mm, size_t *start,
               size_t *end, int *mm)
{
    size_t flen = strlen(pp->fwd), rlen = strlen(pp->rev);
    char rc[64];
    if (rlen >= sizeof(rc) || len < flen + rlen) return -1;
    lm_revcomp(pp->rev, rlen, rc);
    int m1, m2;
    long f = lm_primer_find(seq, len, pp->fwd, max_mm, 0, &m1);
    if (f < 0) return -1;
    size_t from = (size_t)f + flen;
    long r = lm_primer_find(seq + from, len - from, rc, max_mm, 0, &m2);
    if (r < 0) return -1;
    *start = (size_t)f;
    *end = from + (size_t)r + rlen;
    *mm = m1 + m2;
    return 0;
}

/* The first base an IUPAC code allows (A, C, G, T order). */
static char first_base(unsigned char c)
{
    unsigned m = lm_iupac_mask(c);
    return m & 1 ? 'A' : m & 2 ? 'C' : m & 4 ? 'G' : 'T';
}

/* Copy the primer oligo that bound template t: the template's base where the code
 * allows it, else the code's first base. */
static void put_primer(char *dst, const char *t, const char *primer, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = lm_iupac_match((unsigned char)t[i], (unsigned char)primer[i])
                     ? t[i]
                     : first_base((unsigned char)primer[i]);
}

static int add_genus(lm_sim_ref_t *ref, const char *g)
{
    for (size_t i = 0; i < ref->n_genera; i++)
        if (strcmp(ref->genera[i], g) == 0) {
            ref->genus_n[i]++;
            return (int)i;
        }
    if (ref->n_genera == ref->cap_genera) {
        size_t cap = ref->cap_genera ? 2 * ref->cap_genera : 256;
        char **ng = realloc(ref->genera, cap * sizeof(*ng));
        if (!ng) return -1;
        ref->genera = ng;
        size_t *nn = realloc(ref->genus_n, cap * sizeof(*nn));
        if (!nn) return -1;
        ref->genus_n = nn;
        ref->cap_genera = cap;
    }
    if (!(ref->genera[ref->n_genera] = strdup(g))) return -1;
    ref->genus_n[ref->n_genera] = 1;
    return (int)ref->n_genera++;
}

static int add_amplicon(lm_sim_ref_t *ref, const lm_seqrec_t *rec, const lm_primer_pair_t *pp,
                        size_t s, size_t e)
{
    if (ref->n == ref->cap) {
        size_t cap = ref->cap ? 2 * ref->cap : 1024;
        char **ni = realloc(ref->id, cap * sizeof(*ni));
        if (ni) ref->id = ni;
        char **na = realloc(ref->amp, cap * sizeof(*na));
        if (na) ref->amp = na;
        size_t *nl = realloc(ref->alen, cap * sizeof(*nl));
        if (nl) ref->alen = nl;
        int *ng = realloc(ref->genus, cap * sizeof(*ng));
        if (ng) ref->genus = ng;
        if (!ni || !na || !nl || !ng) return -1;
        ref->cap = cap;
    }
    size_t n = e - s, flen = strlen(pp->fwd), rlen = strlen(pp->rev);
    char *a = malloc(n + 1), rc[64], genus[128];
    if (!a) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)rec->seq.s[s + i];
        a[i] = lm_iupac_match(b, 'N') ? (char)b : first_base(b);
    }
    a[n] = '\0';
    put_primer(a, rec->seq.s + s, pp->fwd, flen);
    lm_revcomp(pp->rev, rlen, rc);
    put_primer(a + n - rlen, rec->seq.s + e - rlen, rc, rlen);
    lm_sim_header_genus(rec->comment.s ? rec->comment.s : "", genus, sizeof(genus));
    int g = add_genus(ref, *genus ? genus : "unclassified");
    ref->id[ref->n] = strdup(rec->name.s);
    if (g < 0 || !ref->id[ref->n]) {
        free(a);
        free(ref->id[ref->n]);
        return -1;
    }
    ref->amp[ref->n] = a;
    ref->alen[ref->n] = n;
    ref->genus[ref->n] = g;
    ref->n++;
    return 0;
}

/* MD5 of the file's bytes, for effects.json: the truth names the exact reference. */
static int file_md5(const char *path, char hex[33], lm_err_t *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return lm_err_set(err, LM_ENOINPUT, path, 0, 0, "cannot open reference: %s",
                          strerror(errno));
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    if (!buf)
        rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    else if (ferror(fp))
        rc = lm_err_set(err, LM_EIO, path, 0, 0, "read failed: %s", strerror(errno));
    else if (lm_md5_hex(buf, n, hex))
        rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    free(buf);
    fclose(fp);
    return rc;
}

lm_sim_ref_t *lm_sim_ref_load(const char *path, const lm_primer_pair_t *pp, int max_mm,
                              lm_err_t *err)
{
    lm_sim_ref_t *ref = calloc(1, sizeof(*ref));
    if (!ref) {
        lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    if (file_md5(path, ref->md5, err)) {
        lm_sim_ref_destroy(ref);
        return NULL;
    }
    lm_fq_reader_t *r = lm_fq_open(path, NULL, err);
    if (!r) {
        lm_sim_ref_destroy(ref);
        return NULL;
    }
    lm_seqrec_t rec = {0};
    int rc;
    size_t flen = strlen(pp->fwd), rlen = strlen(pp->rev);
    while ((rc = lm_fq_read(r, &rec, err)) == 0) {
        ref->total++;
        size_t s, e;
        int mm;
        /* A product must hold more than its primers to be an amplicon worth reading. */
        if (lm_sim_pcr(rec.seq.s, rec.seq.l, pp, max_mm, &s, &e, &mm) || e - s < flen + rlen + 50)
            continue;
        if (add_amplicon(ref, &rec, pp, s, e)) {
            rc = lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        if ((double)(e - s) > ref->max_alen) ref->max_alen = (double)(e - s);
    }
    lm_seqrec_free(&rec);
    lm_fq_close(r);
    if (rc == LM_EOF && ref->n == 0)
        rc = lm_err_set(err, LM_EFORMAT, path, 0, 0,
                        "no sequence of %zu amplifies with primers %s/%s (%d mismatches)",
                        ref->total, pp->fwd_name, pp->rev_name, max_mm);
    if (rc != LM_EOF) {
        lm_sim_ref_destroy(ref);
        return NULL;
    }
    return ref;
}

void lm_sim_ref_destroy(lm_sim_ref_t *ref)
{
    if (!ref) return;
    for (size_t i = 0; i < ref->n; i++) {
        free(ref->id[i]);
        free(ref->amp[i]);
    }
    for (size_t i = 0; i < ref->n_genera; i++) free(ref->genera[i]);
    free(ref->id);
    free(ref->amp);
    free(ref->alen);
    free(ref->genus);
    free(ref->genera);
    free(ref->genus_n);
    free(ref);
}

size_t lm_sim_ref_count(const lm_sim_ref_t *ref)
{
    return ref->n;
}

size_t lm_sim_ref_total(const lm_sim_ref_t *ref)
{
    return ref->total;
}

const char *lm_sim_ref_id(const lm_sim_ref_t *ref, size_t i)
{
    return ref->id[i];
}

const char *lm_sim_ref_genus(const lm_sim_ref_t *ref, size_t i)
{
    return ref->genera[ref->genus[i]];
}

const char *lm_sim_ref_amplicon(const lm_sim_ref_t *ref, size_t i, size_t *len)
{
    if (len) *len = ref->alen[i];
    return ref->amp[i];
}

const char *lm_sim_ref_md5(const lm_sim_ref_t *ref)
{
    return ref->md5;
}

size_t lm_sim_ref_genus_count(const lm_sim_ref_t *ref, const char *genus)
{
    for (size_t i = 0; i < ref->n_genera; i++)
        if (strcmp(ref->genera[i], genus) == 0) return ref->genus_n[i];
    return 0;
}
