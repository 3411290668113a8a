#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Compare tidy tables of lumen stats with an R oracle's rows keyed by analysis, x, y and
# group: every R row must be in one of lumen's tables, with n equal and estimate, ci_low,
# ci_high, statistic and p within TOL relative (absolute below 1; p also within 1e-4 on the
# log scale). Exits 1 when any differs.
#   compare_tidy.py R.tsv TOL LUMEN.tsv [LUMEN.tsv ...]
import csv
import math
import sys

r_path, tol, lm_paths = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
lm = {}
for path in lm_paths:
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            lm[(row["analysis"], row["x"], row["y"], row["group"])] = row
bad = n = 0
with open(r_path) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        key = (r["analysis"], r["x"], r["y"], r["group"])
        l = lm.get(key)
        if l is None:
            print("missing in lumen:", key)
            bad += 1
            continue
        if l["n"] != r["n"]:
            print("%s: n lumen %s R %s" % (key, l["n"], r["n"]))
            bad += 1
        for k in ("estimate", "ci_low", "ci_high", "statistic", "p"):
            if r[k] == "NA":
                continue
            rv, lv = float(r[k]), float(l[k])
            n += 1
            ok = abs(lv - rv) <= tol * max(abs(rv), 1.0)
            if k == "p" and rv > 0:
                ok = ok and lv > 0 and abs(math.log(lv) - math.log(rv)) <= 1e-4 * max(1.0, abs(math.log(rv)))
            if not ok:
                print("%s %s: lumen %.12g R %.12g" % (key, k, lv, rv))
                bad += 1
print("compared %d numbers, %d differ" % (n, bad))
sys.exit(1 if bad else 0)
