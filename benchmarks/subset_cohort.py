#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The first N subjects of a `lumen simulate` cohort, as a cohort of its own.

usage: subset_cohort.py SRC DST N

Writes DST/manifest.tsv (read paths made absolute, so the reads stay where they are),
metadata.tsv, subjects.tsv and visits.tsv, keeping the samples of the first N subjects in
metadata.tsv's order. Used by benchmarks/bench_run.sh and pipelines/bench/measure.sh.
"""
import os
import sys


def rows(src, name):
    with open(os.path.join(src, name)) as f:
        return [line.rstrip("\n").split("\t") for line in f]


def write(dst, name, table, col, allowed, src=None):
    with open(os.path.join(dst, name), "w") as f:
        for i, r in enumerate(table):
            if i == 0 or r[col] in allowed:
                if src is not None and i > 0:
                    r = [r[0]] + [p if p.startswith("/") else os.path.join(src, p) for p in r[1:]]
                f.write("\t".join(r) + "\n")


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    meta = rows(src, "metadata.tsv")
    keep = []
    for r in meta[1:]:
        if r[1] not in keep:
            keep.append(r[1])
    keep = set(keep[:n])
    samples = {r[0] for r in meta[1:] if r[1] in keep}
    write(dst, "manifest.tsv", rows(src, "manifest.tsv"), 0, samples, src=src)
    write(dst, "metadata.tsv", meta, 0, samples)
    write(dst, "subjects.tsv", rows(src, "subjects.tsv"), 0, keep)
    write(dst, "visits.tsv", rows(src, "visits.tsv"), 0, keep)


if __name__ == "__main__":
    main()
