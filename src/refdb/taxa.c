/* SPDX-License-Identifier: MIT */
/* Taxa of an index being built: every prefix of every leaf path key (build.c describes the
 * keys), numbered in sorted key order so that parents come before their children. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refdb_internal.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void taxa_free(taxa_t *t)
{
    for (size_t i = 0; t->keys && i < t->n; i++) free(t->keys[i]);
    free(t->keys);
    free(t->rec);
    free(t->names);
}

static long find_key(const taxa_t *t, const char *key)
{
    const char *k = key;
    char **hit = bsearch(&k, t->keys, t->n, sizeof(char *), cmp_str);
    return hit ? (long)(hit - t->keys) : -1;
}

/* The rank and name of a key's last component. */
static void last_component(const char *key, int *rank, const char **name, size_t *len)
{
    size_t n = strlen(key); /* key ends with \x01 */
    size_t s = n - 1;
    while (s > 0 && key[s - 1] != '\x01') s--;
    *rank = key[s] - '0';
    *name = key + s + 1;
    *len = n - s - 2;
}

static int cmp_rank_name(const void *a, const void *b, const taxa_t *t)
{
    const lm_kidx_taxon_t *x = &t->rec[*(const uint32_t *)a], *y = &t->rec[*(const uint32_t *)b];
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return strcmp(t->names + x->name_off, t->names + y->name_off);
}

static const taxa_t *g_sort_taxa; /* qsort has no context argument in C11 */
static int cmp_rank_name_q(const void *a, const void *b)
{
    return cmp_rank_name(a, b, g_sort_taxa);
}

static int count_homonyms(lm_ref_stats_t *st, taxa_t *t)
{
    uint32_t *ord = malloc(t->n * sizeof(uint32_t) + 1);
    if (!ord) return -1;
    for (size_t i = 0; i < t->n; i++) ord[i] = (uint32_t)i;
    g_sort_taxa = t;
    qsort(ord, t->n, sizeof(uint32_t), cmp_rank_name_q);
    for (size_t i = 1; i < t->n; i++) {
        if (cmp_rank_name(&ord[i - 1], &ord[i], t) != 0) continue;
        if (i >= 2 && cmp_rank_name(&ord[i - 2], &ord[i], t) == 0) continue;
        if (!st->homonyms++) {
            const lm_kidx_taxon_t *x = &t->rec[ord[i]];
            snprintf(st->homonym_example, sizeof(st->homonym_example), "%s %s",
                     lm_rank_name((int)x->rank), t->names + x->name_off);
        }
    }
    free(ord);
    return 0;
}

/* Every prefix of every leaf path is a taxon. */
int build_taxa(char *const *paths, size_t npaths, lm_ref_stats_t *st, taxa_t *t,
               uint32_t *leaf_taxon)
{
    size_t cap = 0;
    for (size_t i = 0; i < npaths; i++)
        for (const char *p = paths[i]; *p; p++) cap += *p == '\x01';
    t->keys = calloc(cap + 1, sizeof(char *));
    if (!t->keys) return -1;
    size_t n = 0;
    for (size_t i = 0; i < npaths; i++) {
        const char *p = paths[i];
        for (size_t j = 0; p[j]; j++) {
            if (p[j] != '\x01') continue;
            if (!(t->keys[n] = strndup(p, j + 1))) return -1;
            n++;
        }
    }
    qsort(t->keys, n, sizeof(char *), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && strcmp(t->keys[u - 1], t->keys[i]) == 0)
            free(t->keys[i]);
        else
            t->keys[u++] = t->keys[i];
    }
    t->n = u;
    size_t names_cap = 0;
    for (size_t i = 0; i < u; i++) names_cap += strlen(t->keys[i]);
    t->rec = calloc(u + 1, sizeof(*t->rec));
    t->names = malloc(names_cap + 1);
    if (!t->rec || !t->names) return -1;
    for (size_t i = 0; i < u; i++) {
        int rank;
        const char *name;
        size_t len;
        last_component(t->keys[i], &rank, &name, &len);
        t->rec[i].rank = (uint32_t)rank;
        t->rec[i].name_off = (uint32_t)t->names_len;
        memcpy(t->names + t->names_len, name, len);
        t->names[t->names_len + len] = '\0';
        t->names_len += len + 1;
        t->rec[i].parent = UINT32_MAX;
        size_t kl = strlen(t->keys[i]);
        if (kl > len + 2) { /* the parent's key is this key less its last component */
            char *pk = strndup(t->keys[i], kl - len - 2);
            if (!pk) return -1;
            long pi = find_key(t, pk);
            free(pk);
            if (pi < 0) return -1;
            t->rec[i].parent = (uint32_t)pi;
        }
    }
    for (size_t i = 0; i < npaths; i++) {
        long ti = find_key(t, paths[i]);
        if (ti < 0) return -1;
        leaf_taxon[i] = (uint32_t)ti;
    }
    return count_homonyms(st, t);
}
