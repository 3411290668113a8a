/* SPDX-License-Identifier: MIT */
/**
 * @file util.h
 * @brief Errors, logging, progress, atomic output files, hashing, seeded random streams
 *        and a small JSON writer: what every other module of lumen stands on.
 *
 * Nothing here calls exit(); errors travel as negative return codes plus an lm_err_t
 * that the caller owns. Unless a function says otherwise it is thread-safe when each
 * thread uses its own objects.
 */
#ifndef LUMEN_UTIL_H
#define LUMEN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#if defined(__GNUC__)
#define LM_MUST_CHECK       __attribute__((warn_unused_result))
#define LM_FORMAT(fmt, arg) __attribute__((format(printf, fmt, arg)))
#else
#define LM_MUST_CHECK
#define LM_FORMAT(fmt, arg)
#endif

/* ---------------------------------------------------------------------------------- */
/* Errors                                                                             */
/* ---------------------------------------------------------------------------------- */

/** Return codes. 0 is success; readers return LM_EOF at the end of input. */
enum lm_status {
    LM_OK = 0,
    LM_EOF = -1,        /**< end of input (not an error) */
    LM_EUSAGE = -2,     /**< bad option or argument (exit 64) */
    LM_EFORMAT = -3,    /**< malformed input data (exit 65) */
    LM_ENOINPUT = -4,   /**< input missing or unreadable (exit 66) */
    LM_EINTERNAL = -5,  /**< a bug: an invariant did not hold (exit 70) */
    LM_ENOMEM = -6,     /**< out of memory (exit 70) */
    LM_ECREATE = -7,    /**< cannot create an output file (exit 73) */
    LM_EIO = -8,        /**< read or write failed (exit 74) */
    LM_EINTERRUPT = -9, /**< stopped by SIGINT or SIGTERM (exit 130/143) */
};

/**
 * What went wrong, and where. The caller provides it (never global); functions that
 * fail fill it. Data errors name the input (path, 1-based line and record); bugs name
 * the source location (src_file:src_line).
 */
typedef struct lm_err {
    int code;        /**< an lm_status, 0 when nothing has failed */
    char msg[1024];  /**< what is wrong, without location */
    char path[1024]; /**< input or output file concerned, "" if none */
    uint64_t line;   /**< 1-based line in path, 0 if not applicable */
    uint64_t record; /**< 1-based record in path, 0 if not applicable */
    const char *src_file;
    int src_line;
} lm_err_t;

/** Reset an error to "no error". */
void lm_err_clear(lm_err_t *err);

/** Fill err (if not NULL) and return code. Use through lm_err_set(). */
int lm_err_set_fl(lm_err_t *err, const char *src_file, int src_line, int code, const char *path,
                  uint64_t line, uint64_t record, const char *fmt, ...) LM_FORMAT(8, 9);

/** Set an error with the source location of the caller; returns code. */
#define lm_err_set(err, code, path, line, record, ...)                                             \
    lm_err_set_fl((err), __FILE__, __LINE__, (code), (path), (line), (record), __VA_ARGS__)

/** Report a broken invariant (a bug), naming the source location; returns LM_EINTERNAL. */
#define LM_BUG(err, ...) lm_err_set((err), LM_EINTERNAL, NULL, 0, 0, __VA_ARGS__)

/** Copy src into dst (both caller-owned). */
void lm_err_copy(lm_err_t *dst, const lm_err_t *src);

/**
 * Format an error as DESIGN.md prints it: "FILE:LINE: message (record N)", or without the
 * parts that are unknown. Internal errors append "[src/file.c:123]". Returns buf.
 */
const char *lm_err_format(const lm_err_t *err, char *buf, size_t size);

/** The sysexits code for a status: 64, 65, 66, 70, 73, 74, 130; 0 for LM_OK. */
int lm_exit_code(int code);

/** A short English name for a status ("bad data", "I/O error", ...). */
const char *lm_strerror(int code);

/* ---------------------------------------------------------------------------------- */
/* Logging                                                                            */
/* ---------------------------------------------------------------------------------- */

enum lm_log_level { LM_LOG_ERROR = 0, LM_LOG_WARN = 1, LM_LOG_INFO = 2, LM_LOG_DEBUG = 3 };

/** Set the level below which messages are dropped (default LM_LOG_INFO). Not thread-safe. */
void lm_log_set_level(int level);
int lm_log_level(void);
/** Set the prefix of every message, for example "lumen qc" (borrowed; keep it alive). */
void lm_log_set_prog(const char *prog);
const char *lm_log_prog(void);

/** Print "PROG: warning: ..." to stderr. Each message is written by one fprintf call. */
void lm_log_warn(const char *fmt, ...) LM_FORMAT(1, 2);
/** Print "PROG: ..." to stderr unless --quiet. */
void lm_log_info(const char *fmt, ...) LM_FORMAT(1, 2);
/** Print "PROG: debug: ..." with -v. */
void lm_log_debug(const char *fmt, ...) LM_FORMAT(1, 2);
/** Print "PROG: error: <formatted err>" to stderr (always). */
void lm_log_err(const lm_err_t *err);

/* ---------------------------------------------------------------------------------- */
/* Progress                                                                           */
/* ---------------------------------------------------------------------------------- */

/** A one-line progress display on stderr, drawn only when stderr is a terminal and the
 *  log level is at least INFO. Single-threaded: update it from one thread. */
typedef struct lm_progress lm_progress_t;

/** Create a progress line; total 0 means unknown. Free with lm_progress_destroy(). */
lm_progress_t *lm_progress_create(const char *label, uint64_t total, const char *unit);
/** Record that done units are complete; redraws at most 5 times a second. */
void lm_progress_update(lm_progress_t *p, uint64_t done);
/** Erase the line and free p (NULL is fine). */
void lm_progress_destroy(lm_progress_t *p);

/* ---------------------------------------------------------------------------------- */
/* Atomic output files                                                                */
/* ---------------------------------------------------------------------------------- */

/**
 * An output file written under a temporary name beside its final path and renamed into
 * place by lm_afile_commit(), so that a crash or bad input never leaves a half-written
 * result that looks whole. While open, the temporary name is registered so that SIGINT
 * and SIGTERM remove it (see lm_signals_install()).
 */
typedef struct lm_afile lm_afile_t;

/** Create the temporary file for final path `path`. An existing path that is not a regular
 *  file (/dev/null, a named pipe) is written in place instead, never renamed over. On
 *  failure returns NULL and fills err with LM_ECREATE. */
lm_afile_t *lm_afile_open(const char *path, lm_err_t *err) LM_MUST_CHECK;
/** The temporary file's path (borrowed). */
const char *lm_afile_tmp_path(const lm_afile_t *f);
/** The final path (borrowed). */
const char *lm_afile_path(const lm_afile_t *f);
/** A stdio stream on the temporary file (borrowed; do not fclose). */
FILE *lm_afile_stream(lm_afile_t *f);
/** Flush, fsync-free close and rename into place; frees f. Returns 0 or LM_EIO. */
int lm_afile_commit(lm_afile_t *f, lm_err_t *err) LM_MUST_CHECK;
/** Close and delete the temporary file; frees f. NULL is fine. */
void lm_afile_abort(lm_afile_t *f);

/**
 * Hold back renames, so that a command writing several files leaves all of them or none:
 * until lm_afile_release(), lm_afile_commit() flushes, checks and closes the temporary file
 * (a write error is still reported there) but leaves it under its temporary name, still
 * removed on SIGINT/SIGTERM. Thread-safe. Not for code that reads its own outputs back.
 */
void lm_afile_hold(void);
/**
 * End lm_afile_hold(): with commit non-zero, rename every held file into place (LM_ECREATE
 * if a rename fails; the files not yet renamed are then deleted); with commit 0, delete them
 * all. Returns 0 or LM_ECREATE. Thread-safe.
 */
int lm_afile_release(int commit, lm_err_t *err) LM_MUST_CHECK;

/**
 * Register a temporary path (a file, or a folder that holds only registered files) that
 * must be removed if the process is interrupted. Returns a
 * slot for lm_tmp_unregister(), or -1 when the table is full (the file is then not
 * protected, which is not an error). Thread-safe.
 */
int lm_tmp_register(const char *path);
/** lm_tmp_register() for a staging folder the process made (mkdtemp) and fills with
 *  files of any names: an interruption removes it whole, with everything in it. Never for
 *  a folder the user named. */
int lm_tmp_register_tree(const char *path);
void lm_tmp_unregister(int slot);

/**
 * Bracket the creation of a temporary file or folder whose name is known only once it
 * exists (mkstemp, mkdtemp) and its lm_tmp_register(): SIGINT/SIGTERM are blocked on this
 * thread meanwhile, and a signal taken by another thread waits (up to about a second) for
 * every open bracket to close before cleaning up, so the new entry is either registered
 * and removed by the handler, or removed by lm_tmp_register() itself once the process is
 * exiting. Brackets do not nest.
 */
void lm_tmp_create_begin(void);
void lm_tmp_create_end(void);

/** Install SIGINT/SIGTERM handlers that remove registered temporary files and exit with
 *  130 or 143. Call once from main(). */
void lm_signals_install(void);

/**
 * The permissions a new file (dir = 0) or folder (dir = 1) gets under the process umask:
 * 0666 or 0777 less the umask. mkstemp() and mkdtemp() create 0600/0700 entries, which
 * would leave results unreadable by the group once renamed into place; callers fchmod or
 * chmod their temporary entries to this. Thread-safe.
 */
unsigned lm_default_mode(int dir);

/**
 * Create the folders above `path` that do not exist yet (as `mkdir -p "$(dirname path)"`),
 * so that an output named a/b/out can be created. Returns 0, or LM_ECREATE naming the
 * folder that could not be made.
 */
int lm_mkdir_parents(const char *path, lm_err_t *err) LM_MUST_CHECK;

/** 1 if a and b (either may be NULL) name the same existing file, whatever their spelling
 *  (same device and inode, through symbolic links), else 0. Thread-safe. */
int lm_same_file(const char *a, const char *b);

/** Length (1-4) of the UTF-8 sequence starting at s, or 0 if the bytes there are not
 *  valid UTF-8 (overlong forms, surrogates and code points above U+10FFFF are invalid).
 *  Reads no further than the first byte that breaks the sequence, so a NUL-terminated
 *  string is never read past its end. */
int lm_utf8_len(const unsigned char *s);

/* ---------------------------------------------------------------------------------- */
/* Hashing                                                                            */
/* ---------------------------------------------------------------------------------- */

/** Write the 32-character lower-case MD5 hex of buf[0..len) and a NUL into hex[33]
 *  (htslib's hts_md5). Returns 0, or LM_ENOMEM. */
int lm_md5_hex(const void *buf, size_t len, char hex[33]);

/** A 64-bit mix of x (splitmix64's finaliser); a bijection, good for seeds and hashing. */
uint64_t lm_mix64(uint64_t x);

/* ---------------------------------------------------------------------------------- */
/* Seeded random streams                                                              */
/* ---------------------------------------------------------------------------------- */

/** The seed every command uses unless --seed is given. */
#define LM_DEFAULT_SEED 11u

/**
 * A GSL generator (MT19937) for unit of work `index` under the run's `seed`: the same
 * (seed, index) always gives the same stream, whatever thread uses it. Free with
 * gsl_rng_free(). Returns NULL when out of memory.
 */
gsl_rng *lm_rng_create(uint64_t seed, uint64_t index);
/** Reseed an existing generator as lm_rng_create(seed, index) would. */
void lm_rng_reseed(gsl_rng *r, uint64_t seed, uint64_t index);

/* ---------------------------------------------------------------------------------- */
/* Threads                                                                            */
/* ---------------------------------------------------------------------------------- */

/** The thread count to use for a --threads value: n if n > 0, else all cores. */
int lm_threads_resolve(int n);

/* ---------------------------------------------------------------------------------- */
/* JSON output                                                                        */
/* ---------------------------------------------------------------------------------- */

/**
 * A minimal streaming JSON writer with indentation. Keys and string values are escaped.
 * The caller nests calls correctly; the writer tracks commas.
 */
typedef struct lm_json {
    FILE *out;
    int depth;
    int first[32]; /**< whether the next item at each depth is the first */
} lm_json_t;

void lm_json_init(lm_json_t *j, FILE *out);
void lm_json_object_begin(lm_json_t *j, const char *key); /**< key NULL inside arrays/top */
void lm_json_object_end(lm_json_t *j);
void lm_json_array_begin(lm_json_t *j, const char *key);
void lm_json_array_end(lm_json_t *j);
void lm_json_string(lm_json_t *j, const char *key, const char *value); /**< NULL -> null */
void lm_json_int(lm_json_t *j, const char *key, int64_t value);
void lm_json_uint(lm_json_t *j, const char *key, uint64_t value);
/** Writes a finite double with 10 significant digits; NaN and infinities become null. */
void lm_json_double(lm_json_t *j, const char *key, double value);
void lm_json_bool(lm_json_t *j, const char *key, int value);
/** Ends the document with a newline. */
void lm_json_finish(lm_json_t *j);

/* ---------------------------------------------------------------------------------- */
/* Tab-separated tables                                                               */
/* ---------------------------------------------------------------------------------- */

typedef struct lm_tsv_row {
    char **f; /**< cells, pointing into the file buffer */
    size_t n;
    uint64_t line; /**< 1-based */
} lm_tsv_row_t;

typedef struct lm_tsv {
    const char *path; /**< borrowed */
    char *buf;
    lm_tsv_row_t header;
    lm_tsv_row_t *rows;
    size_t nrows;
} lm_tsv_t;

/** Read path whole. The header is the first non-empty line that does not start with "# "
 *  (biom's "# Constructed from biom file"); later lines starting with '#' (QIIME 2's
 *  "#q2:types") and empty lines are skipped. CR before LF is dropped. Every row must have as
 *  many cells as the header. Returns 0, LM_ENOINPUT, LM_EFORMAT or LM_ENOMEM. */
int lm_tsv_read(const char *path, lm_tsv_t *t, lm_err_t *err) LM_MUST_CHECK;
void lm_tsv_free(lm_tsv_t *t);
/** Index of the header cell named name, or -1. */
long lm_tsv_col(const lm_tsv_t *t, const char *name);
/** Like lm_tsv_col, but a missing column is an LM_EFORMAT error naming the header line. */
int lm_tsv_need(const lm_tsv_t *t, const char *name, long *col, lm_err_t *err) LM_MUST_CHECK;

/* ---------------------------------------------------------------------------------- */
/* JSON input (provenance.json for --params, QC records)                              */
/* ---------------------------------------------------------------------------------- */

typedef enum { LM_JNULL, LM_JBOOL, LM_JNUM, LM_JSTR, LM_JARR, LM_JOBJ } lm_jtype_t;

/** A parsed JSON value. Arrays keep their items in order; objects keep their members in
 *  file order (keys[i] names items[i]; a repeated key keeps every copy, lm_json_get finds
 *  the first). */
typedef struct lm_jval {
    lm_jtype_t type;
    int boolean;
    double num;
    char *str; /**< LM_JSTR: the decoded text (UTF-8, NUL-terminated; an embedded \u0000 is
                    refused) */
    size_t n;
    struct lm_jval *items;
    char **keys; /**< LM_JOBJ only */
} lm_jval_t;

/**
 * Parse RFC 8259 JSON from text[0..len) (nesting at most 256 deep). Errors name `path` and
 * the line. Returns the value (free with lm_json_free) or NULL with err filled (65).
 */
lm_jval_t *lm_json_parse(const char *text, size_t len, const char *path,
                         lm_err_t *err) LM_MUST_CHECK;
/** Read and parse a file (66 if it cannot be read). */
lm_jval_t *lm_json_read_file(const char *path, lm_err_t *err) LM_MUST_CHECK;
/** The member `key` of an object, or NULL (also when obj is not an object). */
const lm_jval_t *lm_json_get(const lm_jval_t *obj, const char *key);
void lm_json_free(lm_jval_t *v);

#endif /* LUMEN_UTIL_H */
