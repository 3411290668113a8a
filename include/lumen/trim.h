/* SPDX-License-Identifier: MIT */
/**
 * @file trim.h
 * @brief Read processing before dereplication: primer presets and IUPAC-aware primer
 *        matching (more to come: pair merging, quality filtering).
 */
#ifndef LUMEN_TRIM_H
#define LUMEN_TRIM_H

#include <stddef.h>

#include "lumen/seqio.h"
#include "lumen/util.h"

/** A named primer pair: forward primer (start of R1) and reverse primer (start of R2),
 *  both 5'->3' as ordered. */
typedef struct lm_primer_pair {
    const char *name; /**< "v4", "v3v4", "v1v2" */
    const char *fwd_name, *fwd;
    const char *rev_name, *rev;
} lm_primer_pair_t;

/** The built-in presets, ending with a zeroed entry. */
extern const lm_primer_pair_t lm_primer_presets[];

/** Look up a preset by name ("v4", "v3v4", "v1v2"); NULL if unknown. "none" is not a
 *  preset: the caller treats it as no primers. */
const lm_primer_pair_t *lm_primer_preset(const char *name);

/** 1 if read base b matches primer code p: b must be A, C, G or T (a read's own N or
 *  other ambiguity code is a mismatch, as cutadapt counts by default) and lie in p's
 *  IUPAC set. */
static inline int lm_iupac_match(unsigned char b, unsigned char p)
{
    unsigned bm = lm_iupac_mask(b);
    return (bm == 1 || bm == 2 || bm == 4 || bm == 8) && (bm & lm_iupac_mask(p));
}

/** Mismatches between primer[0..plen) and seq at offset pos (the caller checks that
 *  pos + plen <= len); stops counting once the count exceeds max. */
int lm_primer_mismatches(const char *seq, const char *primer, size_t plen, int max);

/**
 * Find primer in seq[0..len) with at most max_mm substitutions (no indels). With anchored,
 * only offset 0 is tried (cutadapt's -g ^PRIMER); otherwise every offset, and the
 * leftmost offset with the fewest mismatches wins. Returns the offset, or -1 if not found.
 * *mm (if not NULL) receives the mismatch count.
 */
long lm_primer_find(const char *seq, size_t len, const char *primer, int max_mm, int anchored,
                    int *mm);

#endif /* LUMEN_TRIM_H */
