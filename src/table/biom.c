/* SPDX-License-Identifier: MIT */
/* BIOM 2.1 (HDF5) writing, following the layout biom-format's Table.to_hdf5 writes and
 * Table.from_hdf5 reads: string attributes and IDs as variable-length UTF-8 strings,
 * int32 indices and indptr, float64 data. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hdf5.h>

#include "lumen/version.h"
#include "table_internal.h"

/* Creation properties without HDF5's object modification times, which would make two
 * runs of the same table differ. One list per class, made once and kept for the process
 * (a few bytes); creating them is thread-safe in HDF5's thread-safe builds and lumen
 * writes BIOM from one thread. */
static hid_t untimed(hid_t cls)
{
    static hid_t dcpl = -1, gcpl = -1;
    hid_t *p = cls == H5P_DATASET_CREATE ? &dcpl : &gcpl;
    if (*p < 0 && (*p = H5Pcreate(cls)) >= 0) H5Pset_obj_track_times(*p, 0);
    return *p >= 0 ? *p : H5P_DEFAULT;
}

static hid_t vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

static int attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = vlen_str_type(), sp = H5Screate(H5S_SCALAR), a = -1;
    int rc = -1;
    if (t >= 0 && sp >= 0 && (a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(a, t, &value) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return rc;
}

static int attr_ints(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v,
                     hsize_t n)
{
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR), a = -1;
    int rc = -1;
    if (sp >= 0 && (a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        rc = H5Awrite(a, mtype, v) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

static int dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v, hsize_t n)
{
    hid_t sp = H5Screate_simple(1, &n, NULL), d = -1;
    int rc = -1;
    if (sp >= 0 && (d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, untimed(H5P_DATASET_CREATE),
                                   H5P_DEFAULT)) >= 0)
        rc = n == 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : -1;
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

static int empty_group(hid_t loc, const char *name)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, untimed(H5P_GROUP_CREATE), H5P_DEFAULT);
    return g < 0 ? -1 : (H5Gclose(g) < 0 ? -1 : 0);
}

/* One axis: ids plus the CSR of that axis (rows = the axis's items). */
static int write_axis(hid_t file, const char *axis, size_t n, char *const *ids, const uint64_t *ptr,
                      const uint32_t *idx, const uint64_t *val)
{
    uint64_t nnz = ptr[n];
    int32_t *ip = malloc((n + 1) * sizeof(int32_t));
    int32_t *ix = malloc((nnz ? nnz : 1) * sizeof(int32_t));
    double *dv = malloc((nnz ? nnz : 1) * sizeof(double));
    hid_t g = -1, m = -1, st = vlen_str_type();
    int rc = -1;
    if (!ip || !ix || !dv || st < 0) goto done;
    for (size_t i = 0; i <= n; i++) ip[i] = (int32_t)ptr[i];
    for (uint64_t p = 0; p < nnz; p++) {
        ix[p] = (int32_t)idx[p];
        dv[p] = (double)val[p];
    }
    if ((g = H5Gcreate2(file, axis, H5P_DEFAULT, untimed(H5P_GROUP_CREATE), H5P_DEFAULT)) < 0)
        goto done;
    if (dataset(g, "ids", st, st, ids, n) < 0) goto done;
    if (empty_group(g, "metadata") < 0 || empty_group(g, "group-metadata") < 0) goto done;
    if ((m = H5Gcreate2(g, "matrix", H5P_DEFAULT, untimed(H5P_GROUP_CREATE), H5P_DEFAULT)) < 0)
        goto done;
    if (dataset(m, "data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dv, nnz) < 0 ||
        dataset(m, "indices", H5T_STD_I32LE, H5T_NATIVE_INT32, ix, nnz) < 0 ||
        dataset(m, "indptr", H5T_STD_I32LE, H5T_NATIVE_INT32, ip, n + 1) < 0)
        goto done;
    rc = 0;
done:
    if (m >= 0) H5Gclose(m);
    if (g >= 0) H5Gclose(g);
    if (st >= 0) H5Tclose(st);
    free(ip);
    free(ix);
    free(dv);
    return rc;
}

int lm_table_write_biom(const lm_table_t *t, const char *path, const char *creation_date,
                        lm_err_t *err)
{
    if (t->nnz > INT32_MAX || t->nf > INT32_MAX || t->ns > INT32_MAX)
        return lm_err_set(err, LM_EFORMAT, path, 0, 0, "table too large for BIOM's int32 indices");
    lm_afile_t *f = lm_afile_open(path, err);
    if (!f) return err->code;
    /* HDF5 would print its own error stack; lumen reports through err instead. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char date[64];
    if (!creation_date) {
        /* BIOM requires a creation date, the one timestamp in lumen's data files. The
         * reproducible-builds SOURCE_DATE_EPOCH fixes it, so reruns can be compared
         * byte for byte. */
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        char *end = NULL;
        long long epoch = sde ? strtoll(sde, &end, 10) : -1;
        time_t now = sde && end != sde && !*end && epoch >= 0 ? (time_t)epoch : time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
        creation_date = date;
    }
    /* The file is built in memory (HDF5's core driver, no backing store) and its image
     * written through the atomic file's stdio stream, whose errors lm_afile_commit checks.
     * Writing through HDF5's own disk driver left, on a full disk, a file that neither
     * H5Fclose nor HDF5's exit handler could close (a crash at exit). */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t file = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        file = H5Fcreate(lm_afile_tmp_path(f), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    int bad = file < 0;
    int32_t version[2] = {2, 1}, shape[2] = {(int32_t)t->nf, (int32_t)t->ns};
    int64_t nnz = (int64_t)t->nnz;
    if (!bad)
        bad = attr_str(file, "id", "No Table ID") < 0 || attr_str(file, "type", "OTU table") < 0 ||
              attr_str(file, "format-url", "http://biom-format.org") < 0 ||
              attr_ints(file, "format-version", H5T_STD_I32LE, H5T_NATIVE_INT32, version, 2) < 0 ||
              attr_str(file, "generated-by", "lumen " LM_VERSION) < 0 ||
              attr_str(file, "creation-date", creation_date) < 0 ||
              attr_ints(file, "shape", H5T_STD_I32LE, H5T_NATIVE_INT32, shape, 2) < 0 ||
              attr_ints(file, "nnz", H5T_STD_I64LE, H5T_NATIVE_INT64, &nnz, 0) < 0 ||
              write_axis(file, "observation", t->nf, t->fid, t->fptr, t->fidx, t->fval) < 0 ||
              write_axis(file, "sample", t->ns, t->sid, t->sptr, t->sidx, t->sval) < 0;
    void *image = NULL;
    ssize_t size = -1;
    if (!bad && H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0 &&
        (size = H5Fget_file_image(file, NULL, 0)) > 0 && (image = malloc((size_t)size)))
        bad = H5Fget_file_image(file, image, (size_t)size) != size;
    else
        bad = 1;
    if (file >= 0 && H5Fclose(file) < 0) bad = 1;
    if (bad) {
        free(image);
        lm_afile_abort(f);
        return lm_err_set(err, LM_EIO, path, 0, 0, "cannot build the HDF5 file");
    }
    fwrite(image, 1, (size_t)size, lm_afile_stream(f));
    free(image);
    return lm_afile_commit(f, err);
}
