/* SPDX-License-Identifier: MIT */
/**
 * @file classify.h
 * @brief The RDP naive Bayesian classifier (Wang et al. 2007) over a lumen k-mer index.
 *
 * Method, as RDP Classifier 2.x does it:
 * - The query's words are its overlapping k-mers (8 by default) made of A, C, G, T only,
 *   duplicates kept (|W| words).
 * - Word probabilities per leaf (genus) with RDP's prior:
 *   P(w|g) = (n(w,g) + P_w) / (N_g + 1), P_w = (n(w) + 0.5) / (N + 1), where n(w,g) counts
 *   the references of g holding w, n(w) all references holding w, N_g the references of g
 *   and N all references.
 * - The assigned leaf has the highest sum of log P(w|g) over W (ties: the lowest leaf
 *   number, i.e. the first in sorted path order).
 * - Confidence: 100 bootstrap trials, each drawing max(|W|/8, 5) words of W with
 *   replacement and finding the best leaf of the draw; the confidence of a rank is the
 *   fraction of trials whose best leaf has the assigned taxon at that rank.
 * - The lineage is cut at the deepest rank whose confidence reaches the threshold.
 * The draws are RDP's own: java.util.Random (Java's specified 48-bit linear
 * congruential generator and its nextInt(|W|)) set to opt.seed (1, RDP's) before every
 * sequence, so a query draws the words RDP draws, and a result depends on nothing but the
 * sequence, the index and the options (not on threads or input order). A trial tied
 * between leaves credits each tied leaf equally (RDP picks one at random).
 *
 * Speed comes from the index: each k-mer lists only the leaves that hold it, with the
 * amount its word adds to that leaf's score over a word the leaf lacks. A query costs the
 * length of its words' lists per pass, not words x leaves.
 */
#ifndef LUMEN_CLASSIFY_H
#define LUMEN_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/refdb.h"
#include "lumen/util.h"

/** The scoring method: RDP's exactly (the default), or lumen's, which scores only the
 *  query's words that the reference holds, within the stretch of the query the reference
 *  covers (src/classify/region.c), so that a query longer than the reference's region
 *  (250-nt reads on a 150-nt V4 reference) is not pulled towards chance words; or the
 *  nearest neighbour (src/classify/nn.c): the lineage most of the reference sequences
 *  nearest the query hold, by the near option's similarity (below) over every reference,
 *  each rank's confidence the share of those nearest references that hold its taxon (no
 *  bootstrap; needs an index with the references section, lumen index --near). */
typedef enum lm_cls_method { LM_CLS_RDP = 0, LM_CLS_LUMEN = 1, LM_CLS_NN = 2 } lm_cls_method_t;

/** Classifier options; lm_cls_opt_init() sets the defaults. */
typedef struct lm_cls_opt {
    double confidence; /**< cut the lineage below this bootstrap confidence (0.8) */
    int bootstraps;    /**< trials (100) */
    int min_words;     /**< the least words a trial draws (5, RDP's) */
    int both_strands;  /**< also try the reverse complement; keep the better strand */
    int exhaustive;    /**< score every leaf in every trial, as RDP does (slow; the fast
                            path must give identical results, which tests check) */
    uint64_t seed;     /**< the draws' generator seed, set before every sequence (1) */
    int species;       /**< add species by sequence match (lm_cls_species_assign) (0) */
    int species_mm;    /**< mismatches that match allows, 0 or 1 (0) */
    int method;        /**< lm_cls_method_t (LM_CLS_RDP) */
    int near;          /**< scale the genus confidence by nearness (0; see below) */
} lm_cls_opt_t;

/* The near option (src/classify/near.c), against naming a genus for a query of a genus
 * the reference lacks: the confidence of the genus rank (and of any rank below it) is the
 * bootstrap confidence times the query's similarity to the nearest reference of the
 * assigned genus, max over its references r of |D(q) & D(r)| / min(|D(q)|, |D(r)|), D
 * the distinct k-mers (A, C, G, T only). The ranks above the genus, the assigned lineage
 * and the draws are unchanged. IDTAXA's idea (Murali 2018), in expectation: a query far
 * from every reference of its genus cannot reach a high genus confidence. */

void lm_cls_opt_init(lm_cls_opt_t *opt);
/** 0, or LM_EUSAGE with err filled. */
int lm_cls_opt_check(const lm_cls_opt_t *opt, lm_err_t *err);

/** The result for one query. Plain data. */
typedef struct lm_cls_result {
    uint32_t leaf;             /**< best leaf, UINT32_MAX if the query had no word */
    uint32_t taxon[LM_NRANKS]; /**< the best leaf's taxon at each rank, UINT32_MAX gap */
    double conf[LM_NRANKS];    /**< bootstrap confidence at each rank (0 for gaps) */
    int depth;                 /**< ranks kept: taxon[0..depth) pass the threshold */
    int reverse;               /**< the reverse complement was used */
    uint32_t words;            /**< |W| */
    uint32_t species;          /**< species reference (lm_kidx_species_name()) whose name is
                                    added, UINT32_MAX if none (lm_cls_species_assign) */
} lm_cls_result_t;

/** Per-thread scratch; create one per thread with lm_cls_buf_create(), free with
 *  lm_cls_buf_destroy(). Two calls may not use one buffer at the same time. */
typedef struct lm_cls_buf lm_cls_buf_t;

lm_cls_buf_t *lm_cls_buf_create(const lm_kidx_t *idx);
void lm_cls_buf_destroy(lm_cls_buf_t *buf);

/**
 * Classify seq[0..len) (upper-case IUPAC). Thread-safe with one buffer per thread; idx
 * and opt are read only. Returns 0 (a query without words gets leaf UINT32_MAX, depth 0),
 * LM_ENOMEM, or LM_EUSAGE for opt->near with an index built without its references
 * section (refdb.h, LM_KIDX_F_NEAR).
 */
int lm_cls_classify(const lm_kidx_t *idx, const lm_cls_opt_t *opt, lm_cls_buf_t *buf,
                    const char *seq, size_t len, lm_cls_result_t *res) LM_MUST_CHECK;

/**
 * Species by sequence match, as DADA2's addSpecies (allowMultiple = FALSE) does it, over
 * the index's species references (refdb.h: those naming a genus and a species):
 * - the hits are the references holding the whole query as a substring with at most
 *   `mismatches` (0 or 1) substitutions; with 1, only the hits at the least distance
 *   found count (an exact match is not made ambiguous by a one-off one);
 * - a species is added only if every hit has the same species name and the same genus,
 *   and that genus is the one the classifier assigned and kept (the genus passed the
 *   confidence threshold); otherwise none (DADA2: NA).
 * No species ever comes from k-mer votes. The query's strand is the one res used; a
 * query with a byte other than A, C, G, T gets no species (DADA2 refuses such queries).
 * DADA2 also merges Escherichia and Shigella hits by name; lumen does not.
 */
typedef struct lm_cls_species lm_cls_species_t;

/** The seed table over the species references (built in memory: about 8 bytes per
 *  reference base up to 64 M bases, at most about 0.6 GB above that, when only every S-th
 *  16-mer is filed; S = lm_cls_species_stride()). NULL with err filled (LM_ENOMEM). An
 *  index without species references gives a table that never adds one. The species found
 *  do not depend on S; a query of fewer than S + 15 bases (2 (S + 15) with one mismatch)
 *  is compared with every reference, which is slow on a large reference. */
lm_cls_species_t *lm_cls_species_create(const lm_kidx_t *idx, lm_err_t *err) LM_MUST_CHECK;
/** The same with the stride S given (0: chosen as above); for tests and measurements. */
lm_cls_species_t *lm_cls_species_create_stride(const lm_kidx_t *idx, uint32_t stride,
                                               lm_err_t *err) LM_MUST_CHECK;
uint32_t lm_cls_species_stride(const lm_cls_species_t *sp);
void lm_cls_species_destroy(lm_cls_species_t *sp);

/** Set res->species for seq[0..len) classified into res (see above). Thread-safe; sp
 *  and idx are read only. Returns 0 or LM_ENOMEM. */
int lm_cls_species_assign(const lm_cls_species_t *sp, const lm_kidx_t *idx, int mismatches,
                          const char *seq, size_t len, lm_cls_result_t *res) LM_MUST_CHECK;

/** log P(w|g) by RDP's formula above, for the hand-checked test and the documentation. */
double lm_cls_word_logprob(double n_wg, double n_w, double n_refs, double n_g);

/**
 * Write the kept lineage as QIIME 2 writes it: "d__Bacteria; p__...; g__Name" (k__ for
 * the domain when the reference wrote k__), then "; s__name" if a species was added,
 * or "Unassigned" when not even the domain passes. Writes at most size bytes including the NUL;
 * returns the length it needed.
 */
size_t lm_cls_format_taxon(const lm_kidx_t *idx, const lm_cls_result_t *res, char *out,
                           size_t size);

/** The confidence QIIME 2's third column shows: that of the deepest kept rank, or of the
 *  domain when unassigned (an added species has none: its genus's is shown). */
double lm_cls_confidence(const lm_cls_result_t *res);

/**
 * The classify stage as files: classify every record of IN (FASTA/FASTQ, may be gzipped)
 * against the index at INDEX and write OUT ("Feature ID<TAB>Taxon<TAB>Confidence", QIIME 2's
 * form) and, if DETAILS is not NULL, the per-rank names and confidences; both atomically.
 * Rows keep the input order; the output does not depend on threads. *n_done (if not NULL)
 * gets the number of sequences.
 */
int lm_cls_classify_file(const char *index, const char *in, const char *out, const char *details,
                         const lm_cls_opt_t *opt, int threads, size_t *n_done,
                         lm_err_t *err) LM_MUST_CHECK;

#endif /* LUMEN_CLASSIFY_H */
