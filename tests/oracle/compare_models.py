#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Compare lumen's mixed_models.tsv with models_oracle.R's table: every R row must be in
# lumen's (same response and term) within TOL relative (absolute below 1; p within TOL and
# 1e-4 of itself). Prints
# the rows that differ and exits 1 if any does.
#   compare_models.py LUMEN.tsv R.tsv TOL [--df-tol TOL]
import csv
import sys

lm_path, r_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
df_tol = float(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--df-tol" else tol
lm = {}
with open(lm_path) as f:
    for row in csv.DictReader(f, delimiter="\t"):
        if row["analysis"] in ("mixed_model", "mixed_model_variance"):
            lm[(row["y"], row["x"])] = row
bad = n = 0
with open(r_path) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        key = (r["response"], r["term"])
        l = lm.get(key)
        if l is None:
            print("missing in lumen:", key)
            bad += 1
            continue
        pairs = [("estimate", "estimate"), ("se", None), ("df", "df"), ("t", "statistic"),
                 ("p", "p")]
        for rk, lk in pairs:
            if r[rk] == "NA":
                continue
            rv = float(r[rk])
            if lk is None:  # se from the CI half-width is not printed: use estimate / t
                t = float(l["statistic"])
                lv = float(l["estimate"]) / t if t != 0 else float("nan")
                if abs(rv) < 1e-12 or abs(t) < 1e-6:
                    continue
            else:
                lv = float(l[lk])
            n += 1
            ok = abs(lv - rv) <= (df_tol if rk == "df" else tol) * max(abs(rv), 1.0)
            # p also relative to itself, 1e-4: p amplifies t's last digits by about t^2,
            # and R's own optimum is only that exact (two lme4 optimisers differ so much)
            if rk == "p":
                ok = ok and abs(lv - rv) <= 1e-4 * abs(rv)
            if not ok:
                print("%s %s %s: lumen %.12g R %.12g" % (key[0], key[1], rk, lv, rv))
                bad += 1
print("compared %d numbers, %d differ" % (n, bad))
sys.exit(1 if bad else 0)
