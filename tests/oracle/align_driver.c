/* SPDX-License-Identifier: MIT */
/* Test-only driver for tests/e2e/test_denoise_align.sh: reads "query<TAB>target" lines
 * and prints lm_denoise_align()'s numbers as vsearch --userfields
 * raw+mism+opens+gaps+ids+alnlen+id would: score, mismatches, internal gap openings,
 * internal gap columns, matches, columns without terminal gaps, identity (--iddef 2).
 * With the argument "8" (or "16"), each pair is aligned by the 8-lane SSE2 aligner (or the
 * 16-lane one, AVX2 when the CPU has it) instead: the query against its target in lane 0
 * and the targets of the next pairs in the other lanes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/denoise/denoise_internal.h"
#include "lumen/denoise.h"

static void put(const lm_denoise_aln_t *a)
{
    printf("%d\t%d\t%d\t%d\t%d\t%d\t%.1f\n", a->score, a->mismatches, a->internal_gaps,
           a->internal_indel, a->matches, a->internal_len, a->id);
}

int main(int argc, char **argv)
{
    int lanes = argc > 1 ? atoi(argv[1]) : 0;
    lm_denoise_aligner_t *al = lm_denoise_aligner_create();
    static char line[1 << 16];
    char **qs = NULL, **ts = NULL;
    size_t n = 0, cap = 0;
    if (!al) return 70;
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            qs = realloc(qs, cap * sizeof(*qs));
            ts = realloc(ts, cap * sizeof(*ts));
            if (!qs || !ts) return 70;
        }
        qs[n] = strdup(line), ts[n] = strdup(tab + 1);
        if (!qs[n] || !ts[n]) return 70;
        n++;
    }
    for (size_t k = 0; k < n; k++) {
        lm_denoise_aln_t a[16];
        if (!lanes) {
            if (lm_denoise_align(al, qs[k], (int)strlen(qs[k]), ts[k], (int)strlen(ts[k]), &a[0],
                                 NULL))
                return 70;
        } else {
            const char *t[16];
            int tl[16], m = 0;
            for (size_t x = k; x < n && m < lanes && m < 16; x++, m++)
                t[m] = ts[x], tl[m] = (int)strlen(ts[x]);
            int rc = lanes == 8 ? dn_align8(al, qs[k], (int)strlen(qs[k]), t, tl, m, a)
                                : dn_alignv(al, qs[k], (int)strlen(qs[k]), t, tl, m, a, NULL, NULL);
            if (rc < 0) return 70;
        }
        put(&a[0]);
    }
    for (size_t k = 0; k < n; k++) free(qs[k]), free(ts[k]);
    free(qs);
    free(ts);
    lm_denoise_aligner_destroy(al);
    return 0;
}
