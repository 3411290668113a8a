/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the JSON reader (provenance.json for lumen run --params, QC records)
 * on arbitrary bytes: a value or a described error, never a crash, a hang or a leak. */
#include <stdint.h>
#include <string.h>

#include "lumen/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lm_err_t err;
    lm_jval_t *v = lm_json_parse((const char *)data, size, "fuzz.json", &err);
    if (v) {
        (void)lm_json_get(v, "parameters");
        lm_json_free(v);
    } else if (err.code == 0) {
        __builtin_trap(); /* a refusal must say why */
    }
    return 0;
}
