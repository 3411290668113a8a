/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the JSON reader (provenance.json for lumen run --params, QC records)
 * on arbitrary bytes: a value or a described error, never a crash, a hang or a leak. A
 * value that parses is written back with lumen's JSON writer (which writes provenance.json
 * and the QC records, with sample IDs and paths from outside) and must parse again to the
 * same value: keys, strings and booleans exactly, numbers to the writer's 10 digits. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lumen/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int depth_of(const lm_jval_t *v)
{
    int d = 0;
    if (v->type == LM_JARR || v->type == LM_JOBJ)
        for (size_t i = 0; i < v->n; i++) {
            int c = depth_of(&v->items[i]);
            if (c > d) d = c;
        }
    return d + 1;
}

static void put(lm_json_t *j, const char *key, const lm_jval_t *v)
{
    switch (v->type) {
    case LM_JNULL:
        lm_json_string(j, key, NULL);
        break;
    case LM_JBOOL:
        lm_json_bool(j, key, v->boolean);
        break;
    case LM_JNUM:
        lm_json_double(j, key, v->num);
        break;
    case LM_JSTR:
        lm_json_string(j, key, v->str);
        break;
    case LM_JARR:
        lm_json_array_begin(j, key);
        for (size_t i = 0; i < v->n; i++) put(j, NULL, &v->items[i]);
        lm_json_array_end(j);
        break;
    case LM_JOBJ:
        lm_json_object_begin(j, key);
        for (size_t i = 0; i < v->n; i++) put(j, v->keys[i], &v->items[i]);
        lm_json_object_end(j);
        break;
    }
}

static int same(const lm_jval_t *a, const lm_jval_t *b)
{
    if (a->type != b->type) return 0;
    switch (a->type) {
    case LM_JNULL:
        return 1;
    case LM_JBOOL:
        return !a->boolean == !b->boolean;
    case LM_JNUM:
        return fabs(a->num - b->num) <= 1e-9 * fabs(a->num);
    case LM_JSTR:
        return strcmp(a->str, b->str) == 0;
    default:
        break;
    }
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->type == LM_JOBJ && strcmp(a->keys[i], b->keys[i])) return 0;
        if (!same(&a->items[i], &b->items[i])) return 0;
    }
    return 1;
}

/* |x| close to DBL_MAX can round past it at 10 digits; lumen writes no such number. */
static int huge(const lm_jval_t *v)
{
    if (v->type == LM_JNUM) return fabs(v->num) > 1e300;
    for (size_t i = 0; (v->type == LM_JARR || v->type == LM_JOBJ) && i < v->n; i++)
        if (huge(&v->items[i])) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lm_err_t err;
    lm_jval_t *v = lm_json_parse((const char *)data, size, "fuzz.json", &err);
    if (!v) {
        if (err.code == 0) __builtin_trap(); /* a refusal must say why */
        return 0;
    }
    (void)lm_json_get(v, "parameters");
    /* the writer nests at most 31 deep (lm_json_t.first[32]); lumen's files use 4 */
    if (depth_of(v) < 31 && !huge(v)) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) abort();
        lm_json_t j;
        lm_json_init(&j, f);
        put(&j, NULL, v);
        lm_json_finish(&j);
        fclose(f);
        lm_jval_t *w = lm_json_parse(buf, len, "written.json", &err);
        if (!w || !same(v, w)) {
            fprintf(stderr, "fuzz_json: written JSON %s:\n%s\n",
                    w ? "parses to another value" : err.msg, buf);
            abort();
        }
        lm_json_free(w);
        free(buf);
    }
    lm_json_free(v);
    return 0;
}
