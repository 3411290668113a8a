#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Writes the small hand-sized cohort the stats tests use (12 subjects, 2 arms, stool at
# weeks 0/24/48, visits to week 96), deterministically: run it from this folder with
# /usr/bin/python3 make_fixtures.py. Values are kept short so the files stay readable.
import math, random

rng = random.Random(20261125)
subjects, meta, visits, alpha, counts = [], [], [], {}, {}
genera = ["k__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;f__Lachnospiraceae;g__Blautia",
          "k__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;f__Bacteroidaceae;g__Bacteroides",
          "k__Bacteria;p__Firmicutes;c__Clostridia;o__Oscillospirales;f__Ruminococcaceae;g__Faecalibacterium",
          "k__Bacteria;p__Actinobacteriota;c__Actinobacteria;o__Bifidobacteriales;f__Bifidobacteriaceae;g__Bifidobacterium",
          "k__Bacteria;p__Proteobacteria;c__Gammaproteobacteria;o__Enterobacterales;f__Enterobacteriaceae;g__Escherichia-Shigella",
          "k__Bacteria;p__Firmicutes;c__Bacilli;o__Lactobacillales;f__Streptococcaceae;g__Streptococcus"]
for i in range(12):
    sid = "P%03d" % (i + 1)
    arm = "PegIFN+NAs" if i % 2 == 0 else "NAs"
    age = 30 + (i * 7) % 33
    sex = "M" if i % 3 else "F"
    drug = ["TDF", "TAF", "TMF"][i % 3]
    stage = ["Ia", "Ib", "IIa"][i % 3]
    base_div = 3.0 + 0.15 * i + rng.uniform(-0.3, 0.3)
    hz = math.exp(-0.6 * (base_div - 4) - (0.5 if arm == "PegIFN+NAs" else 0))
    rfs = round(min(rng.expovariate(hz / 30), 60), 1)
    rfs_ev = 1 if rfs < 60 and i % 4 != 3 else 0
    os_m = round(min(rfs + rng.uniform(5, 40), 60), 1)
    os_ev = 1 if os_m < 60 and i % 3 == 0 else 0
    subjects.append([sid, arm, age, sex, drug, stage, rfs, rfs_ev, os_m, os_ev])
    hb0 = round(10 ** rng.uniform(1, 3.2), 2)
    for w in [0, 12, 24, 36, 48, 96]:
        drop = (0.06 if arm == "PegIFN+NAs" else 0.005) * w * (1 + 0.1 * (i % 3))
        hb = round(hb0 * 10 ** (-drop), 3)
        if hb < 0.05:
            hb = 0.03
        anti = round(rng.uniform(0, 30), 1) if hb < 0.05 else round(rng.uniform(0, 5), 1)
        cyt = [round(rng.uniform(1, 20), 2) for _ in range(6)]
        dna = "NA" if (i + w) % 7 == 0 else round(10 ** rng.uniform(1, 3), 1)
        hbeag = "negative" if i % 4 else "positive"
        visits.append([sid, w, hb, anti, dna, hbeag] + cyt)
    for w in [0, 24, 48]:
        sample = "%s-W%02d" % (sid, w)
        meta.append([sample, sid, w, arm])
        div = base_div + (0.1 * w / 24 if arm == "PegIFN+NAs" else 0) + rng.uniform(-0.2, 0.2)
        c = [max(0, int(rng.gauss(200, 80) * (1 + k * 0.1))) for k in range(6)]
        c[5] = 0 if rng.random() < 0.4 else c[5]
        c[0] = int(c[0] * (1 + 0.3 * (base_div - 3)))
        counts[sample] = c
        obs = sum(1 for x in c if x > 0)
        alpha[sample] = [obs, obs + rng.uniform(0, 2), div, 1 - 1 / (2 ** div),
                         div / math.log2(max(obs, 2)), 1 - rng.uniform(0, 0.01)]

def w(path, header, rows):
    with open(path, "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")

w("subjects.tsv", ["subject-id", "arm", "age", "sex", "na_drug", "cnlc_stage", "rfs_months",
                   "rfs_event", "os_months", "os_event"], subjects)
w("metadata.tsv", ["sample-id", "subject-id", "week", "arm"], meta)
w("visits.tsv", ["subject-id", "week", "hbsag_iu_ml", "anti_hbs_miu_ml", "hbv_dna_iu_ml",
                 "hbeag", "il2", "il4", "il6", "il10", "tnfa", "ifng"], visits)
ids = [m[0] for m in meta]
w("diversity/alpha.tsv", ["sample-id", "observed_features", "chao1", "shannon", "simpson",
                          "pielou_evenness", "goods_coverage"],
  [[s] + ["%.6g" % v for v in alpha[s]] for s in ids])
def dist(kind):
    rows = []
    for a in ids:
        r = [a]
        for b in ids:
            x, y = counts[a], counts[b]
            if kind == "braycurtis":
                d = sum(abs(p - q) for p, q in zip(x, y)) / (sum(x) + sum(y))
            else:
                A = {k for k, v in enumerate(x) if v}; B = {k for k, v in enumerate(y) if v}
                d = 1 - len(A & B) / len(A | B)
            r.append("%.10g" % d)
        rows.append(r)
    w("diversity/%s.tsv" % kind, [""] + ids, rows)
dist("braycurtis")
dist("jaccard")
w("taxa/level-6.tsv", ["#OTU ID"] + ids, [[g] + [counts[s][k] for s in ids]
                                          for k, g in enumerate(genera)])
