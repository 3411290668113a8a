/* SPDX-License-Identifier: MIT */
/* UTF-8 validation for text that reaches lumen's outputs from outside: sample IDs (file
 * names, every TSV) and taxon names (BIOM's HDF5 stores them as UTF-8 strings, which
 * biom-format and QIIME 2 decode strictly). */
#include "lumen/util.h"

int lm_utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    int n = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
            : (s[0] & 0xF0) == 0xE0        ? 3
            : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                           : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))) return 0;
    if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))) return 0;
    return n;
}
