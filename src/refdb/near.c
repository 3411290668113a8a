/* SPDX-License-Identifier: MIT */
/* The index's references section (format 3; refdb_internal.h has its layout): which
 * references of each leaf hold each of its words, so classify can measure how close a
 * query comes to the nearest reference of its genus (classify.h, lm_cls_opt_t.near); it
 * never feeds the k-mer scores. */
#include "refdb_internal.h"

void kidx_layout_near(kidx_layout_t *l)
{
    if (l->total == UINT64_MAX) return;
    l->near = l->total; /* the species section ends 8-aligned */
    l->total = l->near + KIDX_NR_HEAD;
}

void kidx_layout_near_body(kidx_layout_t *l, const kidx_header_t *h, uint64_t n_mask,
                           uint32_t nr_flags)
{
    if (l->total == UINT64_MAX) return;
    if (n_mask > ((uint64_t)1 << 44)) {
        l->total = UINT64_MAX;
        return;
    }
    l->nr_refw = l->near + KIDX_NR_HEAD;
    l->nr_copies = l->nr_refw + kidx_pad8((uint64_t)h->n_refs * 4u);
    l->nr_woff =
        l->nr_copies + ((nr_flags & KIDX_NR_COPIES) ? kidx_pad8((uint64_t)h->n_refs * 4u) : 0);
    l->nr_words = l->nr_woff + ((uint64_t)h->n_leaves + 1) * 8u;
    l->nr_masks = l->nr_words + kidx_pad8(h->n_entries * 4u);
    l->total = l->nr_masks + n_mask * 8u;
}
