/* SPDX-License-Identifier: MIT */
/* Atomic output files and the table of temporary files that signals clean up.
 *
 * The temporary file lives in the destination's directory so that rename() is atomic
 * (same file system). Its name starts with the final name, so a leftover after kill -9 is
 * easy to recognise: "<final>.tmp.XXXXXX". */
#define _DEFAULT_SOURCE /* syscall(SYS_getdents64) for the signal handler's tree removal */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#include <time.h>
#include <unistd.h>

#include "lumen/util.h"

#define LM_TMP_SLOTS 4096
#define LM_TMP_PATH  1100

/* The signal handler reads this table, so entries are published with an atomic flag
 * after the path is written, and the handler only calls unlink() (async-signal-safe).
 * Paths are stored inline (no malloc'd pointers a handler could see freed). The table is
 * large enough for a whole cohort's staged files (a sample of lumen reads stages a few);
 * its pages stay untouched, and cost nothing, until slots are used. */
static char g_tmp_paths[LM_TMP_SLOTS][LM_TMP_PATH];
static atomic_int g_tmp_used[LM_TMP_SLOTS];
/* Set by the signal handler: other threads keep running while it cleans up, so a file they
 * create or register from then on is theirs to remove. */
static atomic_int g_exiting;
/* Threads between lm_tmp_create_begin() and _end(): the handler waits for them. */
static atomic_int g_creating;
static _Thread_local int t_creating;
static _Thread_local sigset_t t_oldmask;

void lm_tmp_create_begin(void)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &t_oldmask);
    t_creating = 1;
    atomic_fetch_add(&g_creating, 1);
    /* after the count, before creating anything: a handler that has already looked at the
     * count (and may _exit any moment) must not be followed by a new entry. The two
     * orders (count then flag here, flag then count in the handler) let at least one side
     * see the other. */
    if (atomic_load(&g_exiting)) {
        t_creating = 0;
        atomic_fetch_sub(&g_creating, 1);
        for (;;) pause();
    }
}

void lm_tmp_create_end(void)
{
    if (!t_creating) return;
    t_creating = 0;
    atomic_fetch_sub(&g_creating, 1);
    pthread_sigmask(SIG_SETMASK, &t_oldmask, NULL);
}

/* Slot states: 0 free, 2 being written, 1 a file or folder, 3 a tree (lm_tmp_register_tree). */
static int register_as(const char *path, int state);

int lm_tmp_register(const char *path)
{
    return register_as(path, 1);
}

int lm_tmp_register_tree(const char *path)
{
    return register_as(path, 3);
}

static int register_as(const char *path, int state)
{
    if (atomic_load(&g_exiting)) {
        /* the handler may have scanned the table already: remove the entry (a file, or an
         * empty folder), let the handler go on, and wait for its _exit */
        if (unlink(path) != 0) rmdir(path);
        if (t_creating) {
            t_creating = 0;
            atomic_fetch_sub(&g_creating, 1);
        }
        for (;;) pause();
    }
    if (strlen(path) >= LM_TMP_PATH) return -1;
    for (int i = 0; i < LM_TMP_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&g_tmp_used[i], &expected, 2)) {
            memcpy(g_tmp_paths[i], path, strlen(path) + 1);
            atomic_store(&g_tmp_used[i], state);
            return i;
        }
    }
    return -1;
}

void lm_tmp_unregister(int slot)
{
    if (slot >= 0 && slot < LM_TMP_SLOTS) atomic_store(&g_tmp_used[slot], 0);
}

#if defined(__linux__)
/* Everything inside the folder open as dirfd, depth folders deep at most, with calls a
 * signal handler may make (openat, getdents64, unlinkat, close: no opendir, no malloc).
 * Entries removed while the folder is read may shift the listing, so it is read again
 * from the start until a pass removes nothing. */
struct tree_dirent {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static void clear_tree_at(int dirfd, int depth)
{
    char buf[2048];
    for (int removed = 1; removed;) {
        removed = 0;
        if (lseek(dirfd, 0, SEEK_SET) != 0) return;
        long n;
        while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0)
            for (long off = 0; off < n;) {
                const struct tree_dirent *d = (const struct tree_dirent *)(buf + off);
                off += d->reclen;
                if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
                    continue;
                if (unlinkat(dirfd, d->name, 0) == 0) {
                    removed = 1;
                    continue;
                }
                if (depth <= 0) continue;
                int sub = openat(dirfd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) continue;
                clear_tree_at(sub, depth - 1);
                close(sub);
                if (unlinkat(dirfd, d->name, AT_REMOVEDIR) == 0) removed = 1;
            }
    }
}
#endif

/* A registered tree, whole (never a symbolic link's target). */
static void remove_tree(const char *path)
{
#if defined(__linux__)
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        clear_tree_at(fd, 8);
        close(fd);
    }
#endif
    rmdir(path);
}

/* Files first, then folders (a registered staging folder is empty once its files are
 * gone; rmdir fails harmlessly on a file or a folder that is not empty), then trees. */
static void remove_registered(void)
{
    for (int i = 0; i < LM_TMP_SLOTS; i++)
        if (atomic_load(&g_tmp_used[i]) == 1) unlink(g_tmp_paths[i]);
    for (int pass = 0; pass < 2; pass++)
        for (int i = LM_TMP_SLOTS - 1; i >= 0; i--)
            if (atomic_load(&g_tmp_used[i]) == 1) rmdir(g_tmp_paths[i]);
    for (int i = 0; i < LM_TMP_SLOTS; i++)
        if (atomic_load(&g_tmp_used[i]) == 3) remove_tree(g_tmp_paths[i]);
}

/* Other threads run on while the handler works: one may rename a finished temporary file
 * to a registered staging name, or reopen a registered path (htslib's bgzf_open on the
 * temporary name), after the first sweep. A second sweep 20 ms later removes those. */
static void on_signal(int sig)
{
    atomic_store(&g_exiting, 1);
    /* a thread that has created an entry but not registered it yet: wait for it (it then
     * registers, or sees g_exiting and removes the entry), at most about a second */
    struct timespec ms = {0, 1000 * 1000};
    for (int i = 0; i < 1000 && atomic_load(&g_creating) > 0; i++) nanosleep(&ms, NULL);
    remove_registered();
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    remove_registered();
    _exit(128 + sig);
}

void lm_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

struct lm_afile {
    FILE *fp;
    int slot;
    char *path;
    char *tmp;
    int direct; /* path is a device, FIFO or socket: written in place, never renamed over */
};

/* An existing output that is not a regular file (/dev/null, /dev/stdout, a named pipe) is
 * written directly: a temporary file renamed over it would replace the device node, which
 * root is allowed to do (it once turned /dev/null into a plain file). */
static lm_afile_t *open_direct(lm_afile_t *f, lm_err_t *err)
{
    f->direct = 1;
    f->slot = -1;
    memcpy(f->tmp, f->path, strlen(f->path) + 1);
    if (!(f->fp = fopen(f->path, "w"))) {
        lm_err_set(err, LM_ECREATE, f->path, 0, 0, "cannot open for writing: %s", strerror(errno));
        free(f->path);
        free(f->tmp);
        free(f);
        return NULL;
    }
    return f;
}

lm_afile_t *lm_afile_open(const char *path, lm_err_t *err)
{
    lm_afile_t *f = calloc(1, sizeof(*f));
    size_t n = strlen(path);
    if (!f || !(f->path = malloc(n + 1)) || !(f->tmp = malloc(n + 16))) {
        lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
        goto fail;
    }
    memcpy(f->path, path, n + 1);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return open_direct(f, err);
    snprintf(f->tmp, n + 16, "%s.tmp.XXXXXX", path);
    /* No SIGINT/SIGTERM on this thread between creating the file and registering it: the
     * handler would not know it (another thread takes the signal meanwhile, or this one
     * once the file is registered). */
    lm_tmp_create_begin();
    int fd = mkstemp(f->tmp);
    int e = errno;
    if (fd >= 0) f->slot = lm_tmp_register(f->tmp);
    lm_tmp_create_end();
    if (fd < 0) {
        lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot create output file: %s", strerror(e));
        goto fail;
    }
    fchmod(fd, (mode_t)lm_default_mode(0));
    f->fp = fdopen(fd, "w");
    if (!f->fp) {
        lm_err_set(err, LM_ECREATE, path, 0, 0, "cannot open output stream: %s", strerror(errno));
        close(fd);
        unlink(f->tmp);
        lm_tmp_unregister(f->slot);
        goto fail;
    }
    return f;
fail:
    if (f) {
        free(f->path);
        free(f->tmp);
        free(f);
    }
    return NULL;
}

const char *lm_afile_tmp_path(const lm_afile_t *f)
{
    return f->tmp;
}

const char *lm_afile_path(const lm_afile_t *f)
{
    return f->path;
}

FILE *lm_afile_stream(lm_afile_t *f)
{
    return f->fp;
}

static void afile_free(lm_afile_t *f)
{
    lm_tmp_unregister(f->slot);
    free(f->path);
    free(f->tmp);
    free(f);
}

/* Files committed while renames are held (lm_afile_hold): closed and checked, still under
 * their temporary names and still registered for signal clean-up. */
typedef struct held {
    char *path, *tmp;
    int slot;
} held_t;
static pthread_mutex_t g_held_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_holding;
static held_t *g_held;
static size_t g_nheld, g_capheld;

void lm_afile_hold(void)
{
    pthread_mutex_lock(&g_held_lock);
    g_holding = 1;
    pthread_mutex_unlock(&g_held_lock);
}

/* Keep f's temporary file for lm_afile_release; returns 0, or -1 when out of memory (the
 * caller then renames at once). Takes f's strings on success. */
static int hold_file(lm_afile_t *f)
{
    int rc = -1;
    pthread_mutex_lock(&g_held_lock);
    if (g_holding) {
        if (g_nheld == g_capheld) {
            size_t cap = g_capheld ? 2 * g_capheld : 16;
            held_t *h = realloc(g_held, cap * sizeof(*h));
            if (h) {
                g_held = h;
                g_capheld = cap;
            }
        }
        if (g_nheld < g_capheld) {
            g_held[g_nheld++] = (held_t){f->path, f->tmp, f->slot};
            rc = 0;
        }
    }
    pthread_mutex_unlock(&g_held_lock);
    return rc;
}

int lm_afile_release(int commit, lm_err_t *err)
{
    pthread_mutex_lock(&g_held_lock);
    int rc = 0;
    for (size_t i = 0; i < g_nheld; i++) {
        held_t *h = &g_held[i];
        if (commit && !rc && rename(h->tmp, h->path) != 0)
            rc = lm_err_set(err, LM_ECREATE, h->path, 0, 0, "cannot rename %s into place: %s",
                            h->tmp, strerror(errno));
        if (!commit || rc) unlink(h->tmp);
        lm_tmp_unregister(h->slot);
        free(h->path);
        free(h->tmp);
    }
    free(g_held);
    g_held = NULL;
    g_nheld = g_capheld = 0;
    g_holding = 0;
    pthread_mutex_unlock(&g_held_lock);
    return rc;
}

int lm_afile_commit(lm_afile_t *f, lm_err_t *err)
{
    int bad = ferror(f->fp);
    int saved = errno;
    if (fclose(f->fp) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    int rc = 0;
    if (bad) {
        rc = lm_err_set(err, LM_EIO, f->path, 0, 0, "write failed: %s", strerror(saved));
        if (!f->direct) unlink(f->tmp);
    } else if (f->direct) {
        /* written in place: nothing to rename */
    } else if (hold_file(f) == 0) {
        free(f);
        return 0;
    } else if (rename(f->tmp, f->path) != 0) {
        rc = lm_err_set(err, LM_ECREATE, f->path, 0, 0, "cannot rename %s into place: %s", f->tmp,
                        strerror(errno));
        unlink(f->tmp);
    }
    afile_free(f);
    return rc;
}

void lm_afile_abort(lm_afile_t *f)
{
    if (!f) return;
    fclose(f->fp);
    if (!f->direct) unlink(f->tmp);
    afile_free(f);
}
