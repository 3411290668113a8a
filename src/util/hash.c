/* SPDX-License-Identifier: MIT */
/* MD5 through htslib, and a 64-bit mixer for seeds. */
#include <htslib/hts.h>

#include "lumen/util.h"

int lm_md5_hex(const void *buf, size_t len, char hex[33])
{
    hts_md5_context *ctx = hts_md5_init();
    if (!ctx) return LM_ENOMEM;
    unsigned char digest[16];
    /* hts_md5_update takes an unsigned long length; feed very large buffers in pieces. */
    const unsigned char *p = buf;
    while (len > 0) {
        unsigned long chunk = len > (1ul << 30) ? (1ul << 30) : (unsigned long)len;
        hts_md5_update(ctx, p, chunk);
        p += chunk;
        len -= chunk;
    }
    hts_md5_final(digest, ctx);
    hts_md5_hex(hex, digest);
    hts_md5_destroy(ctx);
    return 0;
}

uint64_t lm_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
