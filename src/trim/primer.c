/* SPDX-License-Identifier: MIT */
/* Primer presets and IUPAC-aware primer matching. */
#include <string.h>

#include "lumen/trim.h"

const lm_primer_pair_t lm_primer_presets[] = {
    {"v4", "515F", "GTGYCAGCMGCCGCGGTAA", "806R", "GGACTACNVGGGTWTCTAAT"},
    {"v3v4", "341F", "CCTACGGGNGGCWGCAG", "805R", "GACTACHVGGGTATCTAATCC"},
    {"v1v2", "27F", "AGAGTTTGATCMTGGCTCAG", "338R", "TGCTGCCTCCCGTAGGAGT"},
    {NULL, NULL, NULL, NULL, NULL},
};

const lm_primer_pair_t *lm_primer_preset(const char *name)
{
    for (const lm_primer_pair_t *p = lm_primer_presets; p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}

int lm_primer_mismatches(const char *seq, const char *primer, size_t plen, int max)
{
    int mm = 0;
    for (size_t i = 0; i < plen && mm <= max; i++)
        mm += !lm_iupac_match((unsigned char)seq[i], (unsigned char)primer[i]);
    return mm;
}

long lm_primer_find(const char *seq, size_t len, const char *primer, int max_mm, int anchored,
                    int *mm)
{
    size_t plen = strlen(primer);
    if (plen > len) return -1;
    long best = -1;
    int best_mm = max_mm + 1;
    size_t last = anchored ? 0 : len - plen;
    for (size_t pos = 0; pos <= last; pos++) {
        int m = lm_primer_mismatches(seq + pos, primer, plen, best_mm - 1);
        if (m < best_mm) {
            best_mm = m;
            best = (long)pos;
            if (m == 0) break;
        }
    }
    if (mm) *mm = best >= 0 ? best_mm : 0;
    return best;
}
