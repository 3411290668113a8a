/* SPDX-License-Identifier: MIT */
/* Private declarations shared by the files of the denoise module. */
#ifndef LUMEN_DENOISE_INTERNAL_H
#define LUMEN_DENOISE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lumen/denoise.h"

/* vsearch's defaults for the k-mer prefilter. */
enum { DN_WORDLEN = 8, DN_MINWORDMATCHES = 12, DN_MAXDELAYED = 8 };

/* The distinct 8-mers of a sequence (2-bit codes; k-mers with a base other than ACGT are
 * skipped), in order of first occurrence. Returns the count; *kmers is grown as needed. */
size_t dn_kmers(const char *s, size_t len, uint32_t **kmers, size_t *cap);
/* The number of k-mers two distinct-k-mer lists share. */
size_t dn_shared(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* A growing k-mer index of database sequences: postings per 8-mer in insertion order. */
typedef struct dn_index dn_index_t;
dn_index_t *dn_index_create(void);
void dn_index_destroy(dn_index_t *ix);
/* Add sequence number `seqno` (its distinct k-mers). Returns 0 or LM_ENOMEM. */
int dn_index_add(dn_index_t *ix, uint32_t seqno, const uint32_t *kmers, size_t nk);

/* A candidate for alignment. */
typedef struct dn_cand {
    uint32_t seqno;
    uint32_t count; /* shared distinct k-mers */
    uint32_t len;
} dn_cand_t;

/* vsearch's candidate order: more shared k-mers, then shorter, then lower seqno. */
int dn_cand_before(const dn_cand_t *a, const dn_cand_t *b);

/* Per-thread scratch for candidate ranking. */
typedef struct dn_ranker {
    uint16_t *counts;
    size_t cap;
} dn_ranker_t;
void dn_ranker_free(dn_ranker_t *r);

/* The top `max` candidates of a query (its distinct k-mers qk[0..nq)) among the indexed
 * sequences, in vsearch's order, keeping those sharing at least min(12, nq) k-mers.
 * lens[seqno] gives each database sequence's length. Returns the number written to out
 * (at most max), or a negative status. */
long dn_rank(dn_ranker_t *r, const dn_index_t *ix, size_t ndb, const uint32_t *lens,
             const uint32_t *qk, size_t nq, dn_cand_t *out, size_t max);

/* Add delta to cnt[s] for every posting s of each k-mer of k. */
void dn_count(uint16_t *cnt, const dn_index_t *ix, const uint32_t *k, size_t nk, int delta);
/* The top `max` candidates from counts cnt[0..ndb) (zeroed on return) for a query of nq
 * distinct k-mers, in vsearch's order. Returns how many. */
size_t dn_select(uint16_t *cnt, size_t ndb, const uint32_t *lens, size_t nq, dn_cand_t *out,
                 size_t max);
/* The k-mers of a not in b (a_only) and of b not in a (b_only); the outputs must hold na
 * and nb entries. */
void dn_kmer_diff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *a_only,
                  size_t *n_a_only, uint32_t *b_only, size_t *n_b_only);

/* Each database sequence's nearest others by shared k-mers, and its ends, to find a
 * query's first k-mer candidate with a proof (near.c). Sequences are added in database
 * order; the strings and k-mer lists are the caller's and must outlive it. */
typedef struct dn_near dn_near_t;
dn_near_t *dn_near_create(void);
void dn_near_destroy(dn_near_t *nr);
/* Add the next database sequence c: its shared k-mer counts with sequences 0..c-1 are
 * row[0..c) when row is not NULL, else counted in ix, which must then hold exactly the
 * sequences added before it. Returns 0 or LM_ENOMEM. */
int dn_near_add(dn_near_t *nr, const dn_index_t *ix, const uint16_t *row, const char *seq,
                uint32_t len, const uint32_t *k, size_t nk);
/* Up to max (<= 8) database sequences the query probably comes from (those sharing the
 * most of a few fixed windows with it, earlier first among equals), in best[]; returns
 * how many. A guess only: callers prove what they use. */
int dn_near_guess(const dn_near_t *nr, const char *q, size_t ql, int64_t *best, int max);
/* 1 and *out = the query's first candidate in vsearch's order (as dn_rank() would rank it
 * first, with its exact count) when that can be proven from a guessed sequence's nearest
 * neighbours; 0 when not. qk[0..nq) are the query's distinct k-mers. */
int dn_near_first(const dn_near_t *nr, const char *q, size_t ql, const uint32_t *qk, size_t nq,
                  dn_cand_t *out);

/* UNOISE3 runs a batch of uniques on several threads only once there are this many
 * centroids (2048; tests lower it to exercise the parallel batches on small inputs). */
extern size_t dn_unoise_par_centroids;

/* Align query q to n <= 8 targets at once in SSE2 lanes (lm_denoise_align()'s numbers for
 * each). */
int dn_align8(lm_denoise_aligner_t *al, const char *q, int ql, const char *const *t, const int *tl,
              int n, lm_denoise_aln_t *out);
/* How many targets dn_alignv() aligns at once on this CPU: 16 with AVX2, else 8. */
int dn_lanes(void);
/* Called with each target's numbers in order; returning 1 stops: the later targets'
 * numbers are then not computed. */
typedef int (*dn_stop_fn)(int lane, const lm_denoise_aln_t *a, void *ctx);
/* Align query q to n <= 16 targets (16 AVX2 lanes when the CPU has them, else 8 SSE2
 * lanes at a time); the same numbers as lm_denoise_align(). With stop (may be NULL), the
 * numbers are computed in order until stop returns 1. Returns how many targets have
 * numbers, or a negative status. */
int dn_alignv(lm_denoise_aligner_t *al, const char *q, int ql, const char *const *t, const int *tl,
              int n, lm_denoise_aln_t *out, dn_stop_fn stop, void *ctx);

#endif
