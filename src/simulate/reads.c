/* SPDX-License-Identifier: MIT */
/* The read model: Illumina-like qualities and substitutions drawn from them. */
#include <math.h>
#include <string.h>

#include "lumen/seqio.h"
#include "simulate_internal.h"

/* floor(10^(-Q/10) * 2^24): a base is wrong when 24 random bits fall below its entry, so
 * the substitution rate is exactly what the quality promises (to 2^-24). */
static const uint32_t err_thr[LM_SIM_QMAX + 1] = {
    16777216, 13326616, 10585707, 8408526, 6679129, 5305421, 4214246, 3347494, 2659009,
    2112126,  1677721,  1332661,  1058570, 840852,  667912,  530542,  421424,  334749,
    265900,   211212,   167772,   133266,  105857,  84085,   66791,   53054,   42142,
    33474,    26590,    21121,    16777,   13326,   10585,   8408,    6679,    5305,
    4214,     3347,     2659,     2112,    1677,    1332};

/* Read-through past a short insert: the TruSeq adapters as R1 and R2 read them. */
static const char *const adapter[2] = {"AGATCGGAAGAGCACACGTCTGAACTCCAGTCAC",
                                       "AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT"};

double lm_sim_qual_mean(int mate, size_t pos, size_t len)
{
    double x = len > 1 ? (double)pos / (double)(len - 1) : 0.0;
    /* R1 holds Q38 and sags to about Q31; R2 starts lower and falls faster, as on MiSeq
     * 2x250 runs. */
    return mate == 1 ? 38.0 - 7.0 * x * x : 36.0 - 12.0 * x * sqrt(x);
}

static int clamp_q(double q)
{
    /* Round half up by hand: lround() was a visible share of the run time. */
    long v = q > 0 ? (long)(q + 0.5) : 0;
    return v < LM_SIM_QMIN ? LM_SIM_QMIN : v > LM_SIM_QMAX ? LM_SIM_QMAX : (int)v;
}

static int popcount8(unsigned long x)
{
    x &= 0xff;
    x = x - ((x >> 1) & 0x55);
    x = (x & 0x33) + ((x >> 2) & 0x33);
    return (int)((x + (x >> 4)) & 0x0f);
}

void lm_sim_quals(gsl_rng *r, int mate, size_t len, double tail_rate, char *qual)
{
    double offset = 1.5 * (gsl_rng_uniform(r) + gsl_rng_uniform(r) + gsl_rng_uniform(r) - 1.5);
    size_t tail = len;
    if (tail_rate > 0 && gsl_rng_uniform(r) < tail_rate)
        tail = (size_t)((0.6 + 0.4 * gsl_rng_uniform(r)) * (double)len);
    /* One 32-bit draw per base: 8 bits give binomial noise of sd 1.4 around the mean. */
    for (size_t i = 0; i < len; i++) {
        unsigned long u = gsl_rng_get(r);
        int q;
        if (i >= tail)
            q = LM_SIM_QMIN + (int)((u >> 8) % 11);
        else
            q = clamp_q(lm_sim_qual_mean(mate, i, len) + offset + popcount8(u) - 4);
        qual[i] = (char)(33 + q);
    }
}

size_t lm_sim_sequence(gsl_rng *r, int mate, const char *tpl, size_t tlen, const char *qual,
                       size_t len, char *seq)
{
    static const char acgt[] = "ACGT";
    const char *ad = adapter[mate == 2];
    size_t alen = strlen(ad), subs = 0;
    for (size_t i = 0; i < len; i++) {
        char b;
        if (i < tlen)
            b = tpl[i];
        else if (i - tlen < alen)
            b = ad[i - tlen];
        else
            b = acgt[gsl_rng_uniform_int(r, 4)];
        int q = qual[i] - 33;
        if ((gsl_rng_get(r) & 0xffffff) < err_thr[q]) {
            int k = b == 'A' ? 0 : b == 'C' ? 1 : b == 'G' ? 2 : 3;
            b = acgt[(k + 1 + (int)gsl_rng_uniform_int(r, 3)) & 3];
            subs++;
        }
        seq[i] = b;
    }
    seq[len] = '\0';
    return subs;
}
