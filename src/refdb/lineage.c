/* SPDX-License-Identifier: MIT */
/* Lineage parsing: the taxonomy strings of QIIME/Greengenes, SILVA/RDP/DADA2 and SINTAX,
 * all normalised to the seven ranks of refdb.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lumen/refdb.h"

static const char *const rank_names[LM_NRANKS] = {"domain", "phylum", "class",  "order",
                                                  "family", "genus",  "species"};

const char *lm_rank_name(int rank)
{
    return rank >= 0 && rank < LM_NRANKS ? rank_names[rank] : "?";
}

int lm_rank_from_letter(int c)
{
    switch (c) {
    case 'd':
    case 'k':
        return LM_RANK_DOMAIN;
    case 'p':
        return LM_RANK_PHYLUM;
    case 'c':
        return LM_RANK_CLASS;
    case 'o':
        return LM_RANK_ORDER;
    case 'f':
        return LM_RANK_FAMILY;
    case 'g':
        return LM_RANK_GENUS;
    case 's':
        return LM_RANK_SPECIES;
    default:
        return -1;
    }
}

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) (*s)++, (*len)--;
    while (*len && isspace((unsigned char)(*s)[*len - 1])) (*len)--;
}

static int set_name(lm_lineage_t *lin, int rank, const char *s, size_t len, lm_err_t *err)
{
    if (len >= sizeof(lin->name[0]))
        return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "taxon name longer than %zu bytes",
                          sizeof(lin->name[0]) - 1);
    /* control characters would break the index's lineage keys (and every TSV after it) */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                              "control character (byte 0x%02x) in taxon name '%.*s'",
                              (unsigned char)s[i], (int)len, s);
    memcpy(lin->name[rank], s, len);
    lin->name[rank][len] = '\0';
    /* names reach taxonomy.tsv, the report and BIOM's HDF5 (UTF-8 strings that biom-format
     * decodes strictly): a reference saved as Latin-1 is refused here, by name */
    for (const unsigned char *u = (const unsigned char *)lin->name[rank]; *u;) {
        int k = lm_utf8_len(u);
        if (!k) {
            int at = (int)(u - (const unsigned char *)lin->name[rank]);
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0,
                              "taxon name '%.*s...' is not valid UTF-8 (byte 0x%02X at byte %d): "
                              "convert the reference to UTF-8 (iconv -f latin1 -t utf-8)",
                              at, lin->name[rank], *u, at + 1);
        }
        u += k;
    }
    return 0;
}

static int count_named(const lm_lineage_t *lin)
{
    int n = 0;
    for (int r = 0; r < LM_NRANKS; r++) n += lin->name[r][0] != '\0';
    return n;
}

/* Names that only say "nothing known here" are gaps, as QIIME's empty g__ is. */
static int is_placeholder(const char *s, size_t len)
{
    static const char *const words[] = {"unidentified", "Unassigned", "unclassified", NULL};
    for (int i = 0; words[i]; i++)
        if (len == strlen(words[i]) && memcmp(s, words[i], len) == 0) return 1;
    return 0;
}

int lm_lineage_parse(const char *s, size_t len, lm_lineage_t *lin, lm_err_t *err)
{
    memset(lin, 0, sizeof(*lin));
    int pos = 0, first = 1;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && s[j] != ';') j++;
        const char *f = s + i;
        size_t flen = j - i;
        trim(&f, &flen);
        i = j + 1;
        if (first && flen == 4 && (memcmp(f, "Root", 4) == 0 || memcmp(f, "root", 4) == 0)) {
            first = 0;
            continue;
        }
        first = 0;
        int rank = pos;
        if (flen >= 3 && f[1] == '_' && f[2] == '_' && islower((unsigned char)f[0])) {
            rank = lm_rank_from_letter(f[0]);
            if (rank < 0)
                return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "unknown rank prefix '%.3s'", f);
            if (rank == LM_RANK_DOMAIN && f[0] == 'k') lin->kingdom = 1;
            lin->prefixed = 1;
            f += 3, flen -= 3;
        } else if (flen == 0 && j >= len) {
            break; /* a trailing ';' (DADA2) ends the list */
        }
        if (rank >= LM_NRANKS)
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "more than %d ranks in lineage",
                              LM_NRANKS);
        if (flen && !is_placeholder(f, flen) && set_name(lin, rank, f, flen, err)) return err->code;
        pos = rank + 1;
    }
    return count_named(lin);
}

int lm_lineage_parse_sintax(const char *s, size_t len, lm_lineage_t *lin, lm_err_t *err)
{
    memset(lin, 0, sizeof(*lin));
    if (len >= 4 && memcmp(s, "tax=", 4) == 0) s += 4, len -= 4;
    size_t i = 0;
    while (i < len && s[i] != ';') {
        size_t j = i;
        while (j < len && s[j] != ',' && s[j] != ';') j++;
        if (j - i < 2 || s[i + 1] != ':')
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "SINTAX field '%.*s' is not r:name",
                              (int)(j - i), s + i);
        int rank = lm_rank_from_letter(s[i]);
        if (rank < 0)
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "unknown SINTAX rank '%c'", s[i]);
        if (s[i] == 'k') lin->kingdom = 1;
        if (set_name(lin, rank, s + i + 2, j - i - 2, err)) return err->code;
        i = j < len && s[j] == ',' ? j + 1 : j;
    }
    lin->prefixed = 1;
    return count_named(lin);
}

int lm_lineage_from_header(const char *name, const char *comment, lm_lineage_t *lin, size_t *id_len,
                           lm_err_t *err)
{
    memset(lin, 0, sizeof(*lin));
    *id_len = strlen(name);
    const char *tax = strstr(name, ";tax=");
    if (tax) { /* SINTAX: the ID ends at the ';' */
        *id_len = (size_t)(tax - name);
        return lm_lineage_parse_sintax(tax + 1, strlen(tax + 1), lin, err);
    }
    if (comment && (tax = strstr(comment, "tax=")) && (tax == comment || tax[-1] == ';'))
        return lm_lineage_parse_sintax(tax, strlen(tax), lin, err);
    if (strchr(name, ';')) { /* DADA2: the whole header is the lineage, spaces and all */
        char buf[4096];
        int n = snprintf(buf, sizeof(buf), "%s%s%s", name, comment && *comment ? " " : "",
                         comment ? comment : "");
        if (n < 0 || (size_t)n >= sizeof(buf))
            return lm_err_set(err, LM_EFORMAT, NULL, 0, 0, "lineage header too long");
        *id_len = 0;
        return lm_lineage_parse(buf, (size_t)n, lin, err);
    }
    if (comment && strchr(comment, ';')) { /* SILVA, RDP, the gold set: last TAB field */
        const char *f = strrchr(comment, '\t');
        f = f ? f + 1 : comment;
        return lm_lineage_parse(f, strlen(f), lin, err);
    }
    return 0;
}
