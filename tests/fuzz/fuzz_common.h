/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libFuzzer targets. */
#ifndef LUMEN_FUZZ_COMMON_H
#define LUMEN_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

/* Write buf[0..n) to path (the target's scratch input files); abort if it cannot. */
static inline void fuzz_put(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n) fwrite(buf, 1, n, f);
    fclose(f);
}

#endif
