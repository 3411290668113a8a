/* SPDX-License-Identifier: MIT */
/* Test-only driver for tests/e2e/test_denoise_align.sh: reads "query<TAB>target" lines
 * and prints lm_denoise_align()'s numbers as vsearch --userfields
 * raw+mism+opens+gaps+ids+alnlen+id would: score, mismatches, internal gap openings,
 * internal gap columns, matches, columns without terminal gaps, identity (--iddef 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/denoise.h"

int main(void)
{
    lm_denoise_aligner_t *al = lm_denoise_aligner_create();
    static char line[1 << 16];
    if (!al) return 70;
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        const char *q = line, *t = tab + 1;
        lm_denoise_aln_t a;
        if (lm_denoise_align(al, q, (int)strlen(q), t, (int)strlen(t), &a, NULL)) return 70;
        printf("%d\t%d\t%d\t%d\t%d\t%d\t%.1f\n", a.score, a.mismatches, a.internal_gaps,
               a.internal_indel, a.matches, a.internal_len, a.id);
    }
    lm_denoise_aligner_destroy(al);
    return 0;
}
