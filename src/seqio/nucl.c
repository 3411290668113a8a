/* SPDX-License-Identifier: MIT */
/* IUPAC nucleotide codes: masks, complements, reverse complements. */
#include "lumen/seqio.h"

/* Bit masks: A=1, C=2, G=4, T=8. */
static const struct {
    char code;
    unsigned mask;
    char comp;
} codes[] = {
    {'A', 1, 'T'},  {'C', 2, 'G'},  {'G', 4, 'C'}, {'T', 8, 'A'},  {'U', 8, 'A'}, {'R', 5, 'Y'},
    {'Y', 10, 'R'}, {'S', 6, 'S'},  {'W', 9, 'W'}, {'K', 12, 'M'}, {'M', 3, 'K'}, {'B', 14, 'V'},
    {'D', 13, 'H'}, {'H', 11, 'D'}, {'V', 7, 'B'}, {'N', 15, 'N'},
};

static unsigned char g_mask[256];
static char g_comp[256];

/* Tables are built on first use; concurrent first uses write the same bytes. */
static void init_tables(void)
{
    if (g_comp['A']) return;
    for (int c = 0; c < 256; c++) g_comp[c] = 'N';
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        unsigned char up = (unsigned char)codes[i].code, lo = (unsigned char)(up + 32);
        g_mask[up] = g_mask[lo] = (unsigned char)codes[i].mask;
        g_comp[lo] = codes[i].comp;
        g_comp[up] = codes[i].comp;
    }
}

unsigned lm_iupac_mask(unsigned char c)
{
    init_tables();
    return g_mask[c];
}

char lm_complement(unsigned char c)
{
    init_tables();
    return g_comp[c];
}

void lm_revcomp(const char *seq, size_t len, char *out)
{
    init_tables();
    for (size_t i = 0; i < len; i++) out[i] = g_comp[(unsigned char)seq[len - 1 - i]];
    out[len] = '\0';
}

void lm_reverse(char *s, size_t len)
{
    for (size_t i = 0, j = len; i + 1 < j; i++, j--) {
        char t = s[i];
        s[i] = s[j - 1];
        s[j - 1] = t;
    }
}
