/* SPDX-License-Identifier: MIT */
/* Folder helpers shared by the stages that write output folders. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lumen/util.h"

static mode_t g_umask;
static pthread_once_t g_umask_once = PTHREAD_ONCE_INIT;

/* umask() can only be read by setting it, so it is read once, before any thread could
 * create files under a temporarily changed mask. */
static void read_umask(void)
{
    g_umask = umask(022);
    umask(g_umask);
}

unsigned lm_default_mode(int dir)
{
    pthread_once(&g_umask_once, read_umask);
    return (unsigned)((dir ? 0777 : 0666) & ~g_umask);
}

int lm_mkdir_parents(const char *path, lm_err_t *err)
{
    char *p = strdup(path);
    if (!p) return lm_err_set(err, LM_ENOMEM, path, 0, 0, "out of memory");
    /* Drop trailing slashes and the last component: what remains are the parents. */
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
    char *last = strrchr(p, '/');
    int rc = 0;
    if (last && last != p) {
        *last = '\0';
        for (char *s = p + 1; !rc; s++) {
            int end = *s == '\0';
            if (*s != '/' && !end) continue;
            *s = '\0';
            struct stat st;
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                rc = lm_err_set(err, LM_ECREATE, p, 0, 0, "cannot create folder: %s",
                                strerror(errno));
            else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                rc = lm_err_set(err, LM_ECREATE, p, 0, 0, "exists and is not a folder");
            if (end) break;
            *s = '/';
        }
    }
    free(p);
    return rc;
}

int lm_same_file(const char *a, const char *b)
{
    struct stat x, y;
    return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}
