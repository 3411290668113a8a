/* SPDX-License-Identifier: MIT */
/**
 * @file seqio.h
 * @brief FASTQ and FASTA reading (plain, gzip, BGZF through htslib), paired reading in
 *        lockstep, batches for parallel stages, atomic writers, and per-file read
 *        statistics.
 *
 * Input rules (the same for every command):
 * - The format is detected from the first byte: '@' FASTQ, '>' FASTA. FASTQ records are
 *   four lines; FASTA sequences may span lines.
 * - Qualities are Phred+33. Phred+64 input is detected (a quality byte above 'K' before
 *   any byte below '@') and refused with a message, unless lm_fq_opt_t.phred64 converts it.
 * - Bases are upper-cased; bytes that are no IUPAC nucleotide code are errors.
 * - CRLF line endings are accepted; blank lines between records are skipped.
 * - An empty file has zero records. A truncated gzip stream is an error.
 * Errors name the file, the 1-based line and the 1-based record.
 */
#ifndef LUMEN_SEQIO_H
#define LUMEN_SEQIO_H

#include <stddef.h>
#include <stdint.h>

#include <htslib/kstring.h>

#include "lumen/util.h"

/** File formats. */
typedef enum lm_seqfmt { LM_FMT_UNKNOWN = 0, LM_FMT_FASTQ = 1, LM_FMT_FASTA = 2 } lm_seqfmt_t;

/**
 * One sequence record. Fields are NUL-terminated kstrings owned by the record and reused by
 * each read; free them with lm_seqrec_free(). For FASTA, qual.l is 0.
 */
typedef struct lm_seqrec {
    kstring_t name;    /**< the ID: the header up to the first space or tab */
    kstring_t comment; /**< the rest of the header after that whitespace, or "" */
    kstring_t seq;     /**< upper-case IUPAC bases */
    kstring_t qual;    /**< Phred+33 qualities, as long as seq (FASTQ only) */
    uint64_t line;     /**< 1-based line of the header in its file */
    uint64_t index;    /**< 0-based record number in its file */
} lm_seqrec_t;

/** Free the record's buffers (not the record itself) and zero it. */
void lm_seqrec_free(lm_seqrec_t *rec);
/** Copy src into dst, growing dst's buffers. Returns 0 or LM_ENOMEM. */
int lm_seqrec_copy(lm_seqrec_t *dst, const lm_seqrec_t *src);

/* ---------------------------------------------------------------------------------- */
/* Reading                                                                            */
/* ---------------------------------------------------------------------------------- */

/** Reader options; set defaults with lm_fq_opt_init(). */
typedef struct lm_fq_opt {
    int threads; /**< htslib threads for BGZF decompression (<= 1: none) */
    int phred64; /**< input is Phred+64: convert to Phred+33 instead of refusing it */
} lm_fq_opt_t;

void lm_fq_opt_init(lm_fq_opt_t *opt);

typedef struct lm_fq_reader lm_fq_reader_t;

/**
 * Open a FASTQ or FASTA file (plain, gzip or BGZF; "-" is standard input). opt may be NULL
 * for defaults. Returns NULL and fills err (LM_ENOINPUT) if the file cannot be opened.
 * Close with lm_fq_close().
 */
lm_fq_reader_t *lm_fq_open(const char *path, const lm_fq_opt_t *opt, lm_err_t *err) LM_MUST_CHECK;

/**
 * Read the next record into rec (whose buffers are reused).
 * @return 0 for a record, LM_EOF at the end, or a negative error (LM_EFORMAT for bad data,
 *         also for a corrupt or truncated gzip stream) with err filled.
 * After an error the reader stays failed and returns the same code.
 */
int lm_fq_read(lm_fq_reader_t *r, lm_seqrec_t *rec, lm_err_t *err) LM_MUST_CHECK;

/** The format seen so far (LM_FMT_UNKNOWN before the first record or for an empty file). */
lm_seqfmt_t lm_fq_format(const lm_fq_reader_t *r);
/** The path given to lm_fq_open() (borrowed). */
const char *lm_fq_path(const lm_fq_reader_t *r);
/** Records read so far. */
uint64_t lm_fq_count(const lm_fq_reader_t *r);
/** Close and free r (NULL is fine). */
void lm_fq_close(lm_fq_reader_t *r);

/* ---------------------------------------------------------------------------------- */
/* Paired reading                                                                     */
/* ---------------------------------------------------------------------------------- */

typedef struct lm_fqpair lm_fqpair_t;

/** Open R1 and R2 for reading in lockstep. Close with lm_fqpair_close(). */
lm_fqpair_t *lm_fqpair_open(const char *path1, const char *path2, const lm_fq_opt_t *opt,
                            lm_err_t *err) LM_MUST_CHECK;

/**
 * Read the next pair. The IDs must agree once a trailing "/1" or "/2" is removed; one file
 * ending before the other is an error (both name the two files and the record number).
 * @return 0, LM_EOF when both files end together, or a negative error.
 */
int lm_fqpair_read(lm_fqpair_t *p, lm_seqrec_t *r1, lm_seqrec_t *r2, lm_err_t *err) LM_MUST_CHECK;

/** Pairs read so far. */
uint64_t lm_fqpair_count(const lm_fqpair_t *p);
/** The reader of file i (0 = R1, 1 = R2); borrowed, closed by lm_fqpair_close(). */
const lm_fq_reader_t *lm_fqpair_reader(const lm_fqpair_t *p, int i);
void lm_fqpair_close(lm_fqpair_t *p);

/** 1 if IDs a and b name the same pair (trailing /1 and /2 ignored), else 0. */
int lm_pair_names_match(const char *a, size_t alen, const char *b, size_t blen);

/* ---------------------------------------------------------------------------------- */
/* Batches                                                                            */
/* ---------------------------------------------------------------------------------- */

/**
 * A batch of records (or pairs) for parallel processing. Batches have a fixed capacity that
 * never depends on the thread count, so results do not either. Records are reused across
 * fills. Create with lm_seqbatch_create(), free with lm_seqbatch_destroy().
 */
typedef struct lm_seqbatch {
    lm_seqrec_t *r1; /**< cap records */
    lm_seqrec_t *r2; /**< cap mates, or NULL for single-end batches */
    size_t n;        /**< records filled */
    size_t cap;      /**< capacity */
    uint64_t serial; /**< 0-based batch number within its input */
    uint64_t first;  /**< 0-based index of r1[0] within its input */
} lm_seqbatch_t;

/** The default batch size in records (fixed; see STYLE.md on determinism). */
#define LM_BATCH_RECORDS 16384

lm_seqbatch_t *lm_seqbatch_create(size_t cap, int paired);
void lm_seqbatch_destroy(lm_seqbatch_t *b);

/** Fill b from r. @return records read (> 0), LM_EOF if none were left, or an error. */
int lm_fq_read_batch(lm_fq_reader_t *r, lm_seqbatch_t *b, lm_err_t *err) LM_MUST_CHECK;
/** Fill a paired batch from p. Same returns as lm_fq_read_batch(). */
int lm_fqpair_read_batch(lm_fqpair_t *p, lm_seqbatch_t *b, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* Writing                                                                            */
/* ---------------------------------------------------------------------------------- */

typedef struct lm_seq_writer lm_seq_writer_t;

/**
 * Open a FASTA or FASTQ writer on `path`. A path ending in ".gz" is written as BGZF (which
 * any gzip reader reads) with `threads` htslib compression threads; otherwise plain text.
 * The data go to a temporary file that lm_seqw_commit() renames into place; on failure
 * or interruption nothing is left at `path`. Returns NULL with err filled (LM_ECREATE).
 */
lm_seq_writer_t *lm_seqw_open(const char *path, lm_seqfmt_t fmt, int threads,
                              lm_err_t *err) LM_MUST_CHECK;

/** Write one record. comment and qual may be NULL (qual is required for FASTQ). Sequences
 *  are written on one line. Returns 0 or LM_EIO. */
int lm_seqw_write(lm_seq_writer_t *w, const char *name, const char *comment, const char *seq,
                  size_t len, const char *qual, lm_err_t *err) LM_MUST_CHECK;
int lm_seqw_write_rec(lm_seq_writer_t *w, const lm_seqrec_t *rec, lm_err_t *err) LM_MUST_CHECK;

/** Finish: flush, close and rename into place; frees w. Returns 0 or an error. */
int lm_seqw_commit(lm_seq_writer_t *w, lm_err_t *err) LM_MUST_CHECK;
/** Abandon: close and delete the temporary file; frees w. NULL is fine. */
void lm_seqw_abort(lm_seq_writer_t *w);

/* ---------------------------------------------------------------------------------- */
/* Read statistics (lumen qc)                                                         */
/* ---------------------------------------------------------------------------------- */

/** Upper edges of the expected-error bins; the last bin is open-ended. */
#define LM_EE_NBINS 8
extern const double lm_ee_bin_edges[LM_EE_NBINS - 1];

/**
 * Statistics of one file. Plain data: positions and lengths grow as needed. Initialise
 * with lm_fqstats_init(), free with lm_fqstats_free().
 */
typedef struct lm_fqstats {
    uint64_t reads;
    uint64_t bases;
    uint64_t min_len, max_len;
    uint64_t *len_hist;            /**< reads by length, [0, npos] */
    uint64_t *qual_sum;            /**< sum of Phred scores by 0-based position, [0, npos) */
    uint64_t *qual_n;              /**< bases with a quality by position */
    size_t npos;                   /**< positions allocated (>= max_len) */
    uint64_t q30_bases;            /**< bases with Phred >= 30 */
    uint64_t qual_bases;           /**< bases with a quality (FASTQ) */
    uint64_t n_bases;              /**< N bases */
    uint64_t gc_bases;             /**< G, C and S bases */
    uint64_t ee_hist[LM_EE_NBINS]; /**< reads by expected errors */
    double ee_sum;                 /**< sum of expected errors, accumulated in record order */
} lm_fqstats_t;

void lm_fqstats_init(lm_fqstats_t *s);
void lm_fqstats_free(lm_fqstats_t *s);
/** Add one record. Returns 0 or LM_ENOMEM. */
int lm_fqstats_add(lm_fqstats_t *s, const lm_seqrec_t *rec) LM_MUST_CHECK;

/** Expected errors of a quality string (Phred+33): the sum of 10^(-Q/10), as vsearch's
 *  --fastq_maxee counts them. Summed in position order. */
double lm_expected_errors(const char *qual, size_t len);

/** The error probability of Phred+33 byte c. */
double lm_phred_error(unsigned char c);

/* ---------------------------------------------------------------------------------- */
/* Sequence helpers                                                                   */
/* ---------------------------------------------------------------------------------- */

/** IUPAC nucleotide code of c as a 4-bit mask (A=1, C=2, G=4, T/U=8; N=15), 0 if c is no
 *  code. Upper and lower case alike. */
unsigned lm_iupac_mask(unsigned char c);

/** The IUPAC complement of c (upper case; 'N' for bytes that are no code). */
char lm_complement(unsigned char c);

/** Write the reverse complement of seq[0..len) to out (len bytes, then a NUL). out may not
 *  overlap seq. IUPAC codes are complemented (R<->Y, K<->M, B<->V, D<->H; S, W, N stay). */
void lm_revcomp(const char *seq, size_t len, char *out);

/** Reverse the bytes of s[0..len) in place (for qualities of a reverse complement). */
void lm_reverse(char *s, size_t len);

/* ---------------------------------------------------------------------------------- */
/* Sample manifests (QIIME 2)                                                         */
/* ---------------------------------------------------------------------------------- */

/** One sample of a manifest. Paths are resolved: relative paths are taken relative to the
 *  manifest's folder. r2 is NULL in a single-end manifest. */
typedef struct lm_manifest_sample {
    char *id;
    char *r1, *r2;
    uint64_t line; /**< 1-based line of the sample in the manifest */
} lm_manifest_sample_t;

typedef struct lm_manifest {
    lm_manifest_sample_t *s;
    size_t n;
    int paired;
    char *path; /**< the manifest's own path */
} lm_manifest_t;

/**
 * Read a QIIME 2 manifest (tab-separated). The header is the first line that is neither
 * blank nor a comment ('#' lines, except a '#SampleID'-style header). Its first column is
 * the sample ID (sample-id, sampleid, sample id, id, #SampleID, #Sample ID, sample_name; any
 * case); then either forward-absolute-filepath and reverse-absolute-filepath (paired) or
 * absolute-filepath (single-end). Other columns are ignored; cells are trimmed of spaces;
 * $VAR and ${VAR} in paths are expanded (an unset variable is an error). What a spreadsheet
 * adds is accepted: a UTF-8 byte order mark, CRLF, cells in double quotes (a doubled quote
 * inside is one quote), trailing empty columns. Sample IDs are UTF-8 text as in QIIME 2
 * (spaces and non-ASCII letters allowed). A file listed twice (for two samples, or as both
 * reads of one) is a warning (lm_log_warn), not an error.
 * Errors (LM_EFORMAT, naming the manifest and line): no header, missing columns, a row
 * with more fields than the header, an empty ID or path, a duplicate sample ID (naming
 * the first line too), an ID that is not valid UTF-8, holds a control character, starts
 * with '#' (a quoted cell; QIIME 2 forbids it) or cannot be a file name ('/', "." or ".."),
 * no samples.
 * LM_ENOINPUT if the manifest cannot be read. Free with lm_manifest_destroy().
 */
int lm_manifest_read(const char *path, lm_manifest_t **out, lm_err_t *err) LM_MUST_CHECK;
void lm_manifest_destroy(lm_manifest_t *m);

#endif /* LUMEN_SEQIO_H */
