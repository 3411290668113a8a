#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Compare lumen's mixed_models.tsv with models_oracle.R's table: every R row must be in
# lumen's (same response and term) within TOL relative (absolute below 1; p also within
# 1e-4 on the log scale). Prints
# the rows that differ and exits 1 if any does.
#   compare_models.py LUMEN.tsv[,LUMEN2.tsv] R.tsv TOL [--theta-tol TOL]
# --theta-tol: the tolerance of the quantities that hang on the variance parameters alone
# (df, variance components), for random-slope fits where R's own optimum moves that much
# between lme4's optimisers.
import csv
import math
import sys

lm_path, r_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
theta_tol = float(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--theta-tol" else tol
lm = {}
for path in lm_path.split(","):  # LUMEN.tsv may list several tables: a.tsv,b.tsv
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["analysis"] in ("mixed_model", "mixed_model_variance", "genus_model",
                                   "genus_model_variance"):
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
            loose = rk == "df" or r["term"].startswith(("var(", "cov("))
            ok = abs(lv - rv) <= (theta_tol if loose else tol) * max(abs(rv), 1.0)
            # p also on the log scale, 1e-4 relative: p amplifies t's last digits by about
            # t^2 (1e-191 at t = 30), and R's optimum itself is only so exact
            if rk == "p" and rv > 0:
                ok = ok and lv > 0 and abs(math.log(lv) - math.log(rv)) <= 1e-4 * max(1.0, abs(math.log(rv)))
            if not ok:
                print("%s %s %s: lumen %.12g R %.12g" % (key[0], key[1], rk, lv, rv))
                bad += 1
print("compared %d numbers, %d differ" % (n, bad))
sys.exit(1 if bad else 0)
