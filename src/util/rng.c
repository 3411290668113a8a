/* SPDX-License-Identifier: MIT */
/* Random streams seeded from (seed, index), never from the thread, so that output does
 * not depend on how work is spread over threads. */
#include <omp.h>

#include "lumen/util.h"

static unsigned long stream_seed(uint64_t seed, uint64_t index)
{
    /* Mix both through splitmix64 so neighbouring indices give unrelated streams.
     * MT19937 seeds from 32 bits; 0 is avoided because GSL maps it to its default. */
    uint64_t s = lm_mix64(lm_mix64(seed) ^ lm_mix64(index + 0x632be59bd9b4e019ull));
    unsigned long v = (unsigned long)(s & 0xffffffffu);
    return v ? v : 1;
}

gsl_rng *lm_rng_create(uint64_t seed, uint64_t index)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r) gsl_rng_set(r, stream_seed(seed, index));
    return r;
}

void lm_rng_reseed(gsl_rng *r, uint64_t seed, uint64_t index)
{
    gsl_rng_set(r, stream_seed(seed, index));
}

int lm_threads_resolve(int n)
{
    if (n > 0) return n;
    int p = omp_get_num_procs();
    return p > 0 ? p : 1;
}
