/* SPDX-License-Identifier: MIT */
/* The index's references section (format 3): the layout and the distinct-word count the
 * builder stores per reference. The section lets classify measure how close a query comes
 * to the nearest reference of its genus (classify.h, lm_cls_opt_t.near); it never feeds the
 * k-mer scores. */
#include "refdb_internal.h"

void kidx_layout_near(kidx_layout_t *l)
{
    if (l->total == UINT64_MAX) return;
    l->near = l->total; /* the species section ends 8-aligned */
    l->total = l->near + KIDX_NR_HEAD;
}

void kidx_layout_near_body(kidx_layout_t *l, uint32_t n, uint64_t blob_len)
{
    if (l->total == UINT64_MAX) return;
    if (blob_len > ((uint64_t)1 << 48)) {
        l->total = UINT64_MAX;
        return;
    }
    l->nr_recs = l->near + KIDX_NR_HEAD;
    l->nr_blob = l->nr_recs + (uint64_t)n * KIDX_NR_REC;
    l->total = l->nr_blob + kidx_pad8(blob_len);
}

uint32_t kidx_distinct_words(const char *seq, uint32_t len, int k, uint64_t *bits)
{
    const uint32_t mask = ((uint32_t)1 << (2 * k)) - 1;
    uint32_t w = 0, n = 0;
    int valid = 0;
    for (int pass = 0; pass < 2; pass++) { /* count, then clear the bits set */
        w = 0;
        valid = 0;
        for (uint32_t i = 0; i < len; i++) {
            uint32_t b;
            switch (seq[i]) {
            case 'A':
                b = 0;
                break;
            case 'C':
                b = 1;
                break;
            case 'G':
                b = 2;
                break;
            case 'T':
            case 'U':
                b = 3;
                break;
            default:
                valid = 0;
                continue;
            }
            w = ((w << 2) | b) & mask;
            if (++valid < k) continue;
            const uint64_t bit = (uint64_t)1 << (w & 63);
            if (pass == 0) {
                n += !(bits[w >> 6] & bit);
                bits[w >> 6] |= bit;
            } else {
                bits[w >> 6] &= ~bit;
            }
        }
    }
    return n;
}
