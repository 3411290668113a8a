# SPDX-License-Identifier: MIT
"""Offline half of benchmarks/calibration.sh: reads each fold's truth (test.tsv, train.tsv)
and every tool's per-rank names and confidences (lumen --details at confidence 0,
rdp_classifier allrank output, vsearch --sintax column 2), and prints in markdown:
reliability tables (genus and family), the expected calibration error, a genus threshold
sweep per set with the mean F of the sets, and each tool's best threshold against its
default. Writes sweep_TOOL.tsv (every 0.01 threshold) and best_TOOL.txt in WORKDIR.
Run with /usr/bin/python3 (Debian's numpy)."""
import argparse
import glob
import os
import re
import sys

import numpy as np

EPS = 1e-9
BIN_LOW = np.array([0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])  # each bin from its low edge to the next
BIN_NAMES = ["[0, 0.5)", "[0.5, 0.6)", "[0.6, 0.7)", "[0.7, 0.8)", "[0.8, 0.9)", "[0.9, 1.0)", "1.0"]
GRID = np.round(np.arange(0.30, 1.0 + EPS, 0.01), 2)
DEFAULTS = {"rdp_classifier": 0.8, "vsearch_sintax": 0.8}
SET_NAMES = {"gold": "gold (full length)", "gg": "Greengenes 13_8 V4 (150 nt)"}


def read_truth(d):
    ids, genus, family = [], [], []
    with open(os.path.join(d, "test.tsv")) as f:
        for line in f:
            q, lin = line.split("\t")[:2]
            r = lin.split(";")
            ids.append(q)
            family.append(r[4])
            genus.append(r[5])
    kg, kf = set(), set()
    with open(os.path.join(d, "train.tsv")) as f:
        for line in f:
            r = line.split("\t")[1].split(";")
            kf.add(r[4])
            kg.add(r[5])
    return ids, genus, family, kg, kf


def read_lumen(path):
    out = {}
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        ci = {c: i for i, c in enumerate(head)}
        for line in f:
            x = line.rstrip("\n").split("\t")

            def get(rank):
                if rank not in ci or ci[rank] >= len(x) or x[ci[rank]] == "":
                    return ("", 0.0)
                return (x[ci[rank]], float(x[ci[rank + "_confidence"]]))

            out[x[0]] = get("genus") + get("family")
    return out


def read_rdp(path):
    out = {}
    with open(path) as f:
        for line in f:
            x = line.rstrip("\n").split("\t")
            g = fa = ("", 0.0)
            for i in range(2, len(x) - 1):
                if x[i] == "genus":
                    g = (x[i - 1], float(x[i + 1]))
                elif x[i] == "family":
                    fa = (x[i - 1], float(x[i + 1]))
            out[x[0].split()[0]] = g + fa
    return out


SINTAX_ITEM = re.compile(r"^([a-z]):(.*)\(([0-9.]+)\)$")


def read_sintax(path):
    out = {}
    with open(path) as f:
        for line in f:
            x = line.rstrip("\n").split("\t")
            g = fa = ("", 0.0)
            if len(x) > 1:
                for item in x[1].split(","):
                    m = SINTAX_ITEM.match(item)
                    if m and m.group(1) == "g":
                        g = (m.group(2), float(m.group(3)))
                    elif m and m.group(1) == "f":
                        fa = (m.group(2), float(m.group(3)))
            out[x[0].split(";")[0]] = g + fa
    return out


def load(work, sname, folds, tool_file):
    """Arrays over every query of the set: truth, knowns, and one tool's calls."""
    cols = {k: [] for k in ("tg", "tf", "kg", "kf", "g", "gc", "f", "fc")}
    for k in range(folds):
        d = os.path.join(work, sname, "fold%d" % k)
        ids, genus, family, kg, kf = read_truth(d)
        calls = tool_file(d)
        for q, g, fa in zip(ids, genus, family):
            c = calls.get(q, ("", 0.0, "", 0.0))
            cols["tg"].append(g)
            cols["tf"].append(fa)
            cols["kg"].append(g in kg)
            cols["kf"].append(fa in kf)
            for key, v in zip(("g", "gc", "f", "fc"), c):
                cols[key].append(v)
    a = {k: np.array(v) for k, v in cols.items()}
    a["gc"] = a["gc"].astype(float)
    a["fc"] = a["fc"].astype(float)
    a["gright"] = a["g"] == a["tg"]
    a["fright"] = a["f"] == a["tf"]
    return a


def metrics(a, th):
    named = (a["gc"] + EPS >= th) & (a["g"] != "")
    kg = a["kg"]
    right = named & a["gright"] & kg
    n_named = int(named[kg].sum())
    n_right = int(right.sum())
    n_known = int(kg.sum())
    n_novel = int((~kg).sum())
    n_over = int(named[~kg].sum())
    p = n_right / n_named if n_named else 0.0
    r = n_right / n_known if n_known else 0.0
    fs = 2 * p * r / (p + r) if p + r else 0.0
    return dict(p=p, r=r, f=fs, over=n_over / n_novel if n_novel else 0.0, named=n_named,
                right=n_right, known=n_known, novel=n_novel, over_n=n_over)


def reliability(conf, right):
    rows, ece, n = [], 0.0, len(conf)
    which = np.searchsorted(BIN_LOW, conf + EPS, side="right") - 1
    for i in range(len(BIN_LOW)):
        m = which == i
        k = int(m.sum())
        if k:
            acc, mc = right[m].mean(), conf[m].mean()
            ece += k / n * abs(acc - mc)
            rows.append((k, mc, acc))
        else:
            rows.append((0, float("nan"), float("nan")))
    return rows, ece


def fname_of(name):
    return re.sub(r"[^A-Za-z0-9_.]+", "_", name).strip("_")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--sets", required=True)
    ap.add_argument("--folds", type=int, required=True)
    ap.add_argument("--tag", required=True)
    o = ap.parse_args()
    sets = o.sets.split()
    work = o.work

    def have(pattern):
        return all(os.path.exists(os.path.join(work, s, "fold%d" % k, pattern))
                   for s in sets for k in range(o.folds))

    tools = []  # (name, reader, default threshold)
    tags = [o.tag] + sorted(
        {os.path.basename(p)[6:-12] for p in glob.glob(os.path.join(work, sets[0], "fold0", "lumen_*_details.tsv"))}
        - {o.tag})
    for t in tags:
        if have("lumen_%s_details.tsv" % t):
            tools.append(("lumen[%s]" % t, lambda d, t=t: read_lumen(os.path.join(d, "lumen_%s_details.tsv" % t)), 0.8))
    if have("rdp.txt"):
        tools.append(("rdp_classifier", lambda d: read_rdp(os.path.join(d, "rdp.txt")), 0.8))
    if have("sintax.tsv"):
        tools.append(("vsearch_sintax", lambda d: read_sintax(os.path.join(d, "sintax.tsv")), 0.8))
    data = {(t[0], s): load(work, s, o.folds, t[1]) for t in tools for s in sets}
    pr = print
    a0 = data[(tools[0][0], sets[0])]
    pr("# Calibration: %d-fold cross-validation, sets %s\n" % (o.folds, ", ".join(
        "%s (%d queries, %d with genus in training)" % (s, len(data[(tools[0][0], s)]["tg"]),
                                                        int(data[(tools[0][0], s)]["kg"].sum())) for s in sets)))
    del a0

    # Reliability (also as reliability_TOOL.tsv: set, rank, bin's low edge, n, mean confidence, fraction right)
    rel_files = {t[0]: open(os.path.join(work, "reliability_%s.tsv" % fname_of(t[0])), "w") for t in tools}
    for f in rel_files.values():
        f.write("set\trank\tbin\tn\tmean_conf\tright\n")
    for s in sets:
        for rank, conf, right, known in (("genus", "gc", "gright", "kg"), ("family", "fc", "fright", "kf")):
            pr("## Reliability, %s, %s confidence (queries whose %s is in training)\n" % (SET_NAMES.get(s, s), rank, rank))
            pr("| bin | " + " | ".join("%s n | mean conf | right" % t[0] for t in tools) + " |")
            pr("|---|" + "---|---|---|" * len(tools))
            res = []
            for t in tools:
                a = data[(t[0], s)]
                m = a[known]
                res.append(reliability(a[conf][m], a[right][m]))
                for low, (k, mc, acc) in zip(BIN_LOW, res[-1][0]):
                    rel_files[t[0]].write("%s\t%s\t%.1f\t%d\t%.6f\t%.6f\n" % (s, rank, low, k, mc, acc))
            for i, b in enumerate(BIN_NAMES):
                cells = []
                for rows, _ in res:
                    k, mc, acc = rows[i]
                    cells.append("%d | %s | %s" % (k, "-" if k == 0 else "%.3f" % mc, "-" if k == 0 else "%.3f" % acc))
                pr("| %s | %s |" % (b, " | ".join(cells)))
            pr("| ECE | " + " | ".join(" |  | %.4f" % e for _, e in res) + " |\n")

    for f in rel_files.values():
        f.close()

    # Sweep
    summary = []
    for t in tools:
        name = t[0]
        table = {th: {s: metrics(data[(name, s)], th) for s in sets} for th in GRID}
        meanf = {th: np.mean([table[th][s]["f"] for s in sets]) for th in GRID}
        best = max(GRID, key=lambda th: (round(meanf[th], 12), th))
        fname = fname_of(name)
        with open(os.path.join(work, "sweep_%s.tsv" % fname), "w") as f:
            f.write("set\tthreshold\tprecision\trecall\tF\tovercls\tnamed\tright\tknown\tnovel\tnovel_named\n")
            for th in GRID:
                for s in sets:
                    m = table[th][s]
                    f.write("%s\t%.2f\t%.6f\t%.6f\t%.6f\t%.6f\t%d\t%d\t%d\t%d\t%d\n" % (
                        s, th, m["p"], m["r"], m["f"], m["over"], m["named"], m["right"], m["known"], m["novel"],
                        m["over_n"]))
        with open(os.path.join(work, "best_%s.txt" % fname), "w") as f:
            f.write("%.2f\t%.6f\n" % (best, meanf[best]))
        near = [th for th in GRID if meanf[th] >= meanf[best] - 0.002]
        pr("## Threshold sweep, %s (genus; best mean F at %.2f; within 0.002 of it: %.2f to %.2f)\n" % (
            name, best, min(near), max(near)))
        pr("| threshold | " + " | ".join("%s P | R | F | over-classification" % s for s in sets) + " | mean F |")
        pr("|---|" + "---|---|---|---|" * len(sets) + "---|")
        for th in GRID:
            coarse = abs(th * 20 - round(th * 20)) < 1e-6
            if not coarse and abs(th - best) > 0.045:
                continue
            cells = " | ".join("%.4f | %.4f | %.4f | %.2f%%" % (table[th][s]["p"], table[th][s]["r"], table[th][s]["f"],
                                                                100 * table[th][s]["over"]) for s in sets)
            mark = " **best**" if th == best else ""
            pr("| %.2f%s | %s | %.4f |" % (th, mark, cells, meanf[th]))
        pr("")
        dflt = t[2]
        summary.append((name, dflt, table[round(dflt, 2)], meanf[round(dflt, 2)], best, table[best], meanf[best]))

    pr("## Each tool at its default and at its best threshold (best = highest mean genus F over the sets)\n")
    pr("| tool | threshold | " + " | ".join("%s F | over-classification" % s for s in sets) + " | mean F |")
    pr("|---|---|" + "---|---|" * len(sets) + "---|")
    for name, dflt, td, md, best, tb, mb in summary:
        for label, th, tt, mf in (("default", dflt, td, md), ("best", best, tb, mb)):
            pr("| %s | %.2f (%s) | %s | %.4f |" % (
                name, th, label, " | ".join("%.4f | %.2f%% (%d/%d)" % (tt[s]["f"], 100 * tt[s]["over"], tt[s]["over_n"],
                                                                      tt[s]["novel"]) for s in sets), mf))
    return 0


if __name__ == "__main__":
    sys.exit(main())
