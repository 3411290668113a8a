/* SPDX-License-Identifier: MIT */
/* The table's layout, shared by the files of src/table/. */
#ifndef LUMEN_TABLE_INTERNAL_H
#define LUMEN_TABLE_INTERNAL_H

#include "lumen/table.h"

struct lm_table {
    size_t nf, ns, nnz;
    char **fid, **sid;
    /* Feature-major CSR (rows features, columns samples) and sample-major CSR. */
    uint64_t *fptr, *fval, *sptr, *sval;
    uint32_t *fidx, *sidx;
    uint64_t *ftot, *stot;
};

#endif
