/* SPDX-License-Identifier: MIT */
/* k-mer encoding, the index layout and its checksum (shared by builder and loader). */
#include "refdb_internal.h"

size_t lm_kmer_encode(const char *seq, size_t len, int k, uint32_t *words)
{
    const uint32_t mask = k >= 16 ? UINT32_MAX : ((uint32_t)1 << (2 * k)) - 1;
    uint32_t w = 0;
    size_t n = 0;
    int valid = 0; /* bases since the last non-ACGT byte */
    for (size_t i = 0; i < len; i++) {
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
        if (++valid >= k) words[n++] = w;
    }
    return n;
}

void kidx_layout(const kidx_header_t *h, kidx_layout_t *l)
{
    memset(l, 0, sizeof(*l));
    l->total = UINT64_MAX;
    if (h->k < 4 || h->k > 12) return;
    /* Each count is at most 2^32 and each record at most 16 bytes, so no product below
     * can overflow 64 bits; only the names and entries need explicit caps. */
    if (h->names_len > ((uint64_t)1 << 40) || h->n_entries > ((uint64_t)1 << 40)) return;
    uint64_t nwords = (uint64_t)1 << (2 * h->k);
    l->taxa = 0;
    l->leaves = l->taxa + kidx_pad8((uint64_t)h->n_taxa * sizeof(lm_kidx_taxon_t));
    l->names = l->leaves + kidx_pad8((uint64_t)h->n_leaves * 8u);
    l->offsets = l->names + kidx_pad8(h->names_len);
    l->entries = l->offsets + kidx_pad8((nwords + 1) * 4u);
    l->species = kidx_pad8(l->entries + h->n_entries * sizeof(lm_kidx_entry_t));
    l->total = l->species + KIDX_SP_HEAD;
}

void kidx_layout_species(kidx_layout_t *l, uint32_t n_sp, uint64_t blob_len)
{
    if (l->total == UINT64_MAX) return;
    if (blob_len > KIDX_SP_BLOB_MAX) {
        l->total = UINT64_MAX;
        return;
    }
    l->sp_recs = l->species + KIDX_SP_HEAD;
    l->sp_blob = l->sp_recs + (uint64_t)n_sp * KIDX_SP_REC;
    l->total = l->sp_blob + kidx_pad8(blob_len);
}

uint64_t kidx_checksum(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = lm_mix64(h ^ w);
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, b + i, n - i);
        h = lm_mix64(h ^ w);
    }
    return lm_mix64(h ^ (uint64_t)n);
}
