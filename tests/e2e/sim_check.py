# SPDX-License-Identifier: MIT
"""Check a cohort written by `lumen simulate --read-truth` against its own truth.

usage: sim_check.py DIR REFERENCE

Counts each pair back by its source (truth/reads/<sample>.tsv) and compares with
truth/counts_by_reference.tsv and counts_by_genus.tsv exactly; checks that reads carry
the primers, that the mismatch rate against the source amplicon is within 10% of what
the qualities promise, and that the clinical tables have DESIGN.md's columns and respect
the trial's ranges. Prints one line per failed check; exits 1 if any failed."""
import csv
import gzip
import hashlib
import json
import os
import re
import sys

d, reference = sys.argv[1], sys.argv[2]
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL:", msg)


def table(path):
    with open(os.path.join(d, path), newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[0], rows[1:]


IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT",
         "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}
COMP = str.maketrans("ACGTRYKMBVDHSWN", "TGCAYRMKVBHDSWN")


def rc(s):
    return s.translate(COMP)[::-1]


def primer_mm(seq, primer):
    return sum(1 for b, p in zip(seq, primer) if b not in IUPAC[p])


def fastq(path):
    with gzip.open(path, "rt") as f:
        while True:
            h = f.readline()
            if not h:
                return
            s, _, q = f.readline().rstrip("\n"), f.readline(), f.readline().rstrip("\n")
            yield h[1:].rstrip("\n"), s, q


eff = json.load(open(os.path.join(d, "truth/effects.json")))
primers = {"v4": ("GTGYCAGCMGCCGCGGTAA", "GGACTACNVGGGTWTCTAAT"),
           "v3v4": ("CCTACGGGNGGCWGCAG", "GACTACHVGGGTATCTAATCC")}[eff["reads"]["primers"]]

amp, genus = {}, {}
with open(os.path.join(d, "truth/amplicons.fasta")) as f:
    name = None
    for line in f:
        if line.startswith(">"):
            name, g = line[1:].rstrip("\n").split(" ", 1)
            genus[name] = g
        else:
            amp[name] = line.strip()

# --- manifest, metadata --------------------------------------------------------------
mh, man = table("manifest.tsv")
if mh != ["sample-id", "forward-absolute-filepath", "reverse-absolute-filepath"]:
    fail("manifest columns %s" % mh)
meh, meta = table("metadata.tsv")
if meh != ["sample-id", "subject-id", "week", "arm"]:
    fail("metadata columns %s" % meh)
samples = [r[0] for r in man]
if samples != [r[0] for r in meta]:
    fail("manifest and metadata list different samples")
for r in meta:
    if not re.fullmatch(r"P\d{3}-W(00|24|48)", r[0]) or r[0] != "%s-W%02d" % (r[1], int(r[2])):
        fail("bad sample id %s" % r)

# --- reads against truth ---------------------------------------------------------------
rh, rrows = table("truth/counts_by_reference.tsv")
gh, grows = table("truth/counts_by_genus.tsv")
if rh[1:] != samples or gh[1:] != samples:
    fail("truth columns are not the samples")
truth_ref = {(r[0], s): int(v) for r in rrows for s, v in zip(rh[1:], r[1:])}
truth_gen = {(r[0], s): int(v) for r in grows for s, v in zip(gh[1:], r[1:])}
mism = promised = 0.0
bases = pairs = primed = 0
for srow in man:
    sid = srow[0]
    r1 = list(fastq(os.path.join(d, srow[1])))
    r2 = list(fastq(os.path.join(d, srow[2])))
    with open(os.path.join(d, "truth/reads/%s.tsv" % sid)) as f:
        src = list(csv.reader(f, delimiter="\t"))[1:]
    if not (len(r1) == len(r2) == len(src) == eff["reads"]["pairs_per_sample"]):
        fail("%s: %d/%d/%d pairs" % (sid, len(r1), len(r2), len(src)))
    cref, cgen = {}, {}
    for (h1, s1, q1), (h2, s2, q2), t in zip(r1, r2, src):
        n1, c1 = h1.split(" ")
        n2, c2 = h2.split(" ")
        if n1 != n2 or n1 != t[0] or c1 != "1:N:0:1" or c2 != "2:N:0:1":
            fail("%s: names %s / %s / %s" % (sid, h1, h2, t[0]))
            break
        if not re.fullmatch(r"SIM:1:FC:1:\d+:\d+:\d+", n1):
            fail("%s: not an Illumina-style name: %s" % (sid, n1))
        pairs += 1
        primed += (primer_mm(s1, primers[0]) <= 2) and (primer_mm(s2, primers[1]) <= 2)
        key = "chimera" if t[2] else t[1]
        cref[key] = cref.get(key, 0) + 1
        gkey = "chimera" if t[2] else genus[t[1]]
        cgen[gkey] = cgen.get(gkey, 0) + 1
        if t[2]:
            bp = int(t[3])
            tpl = amp[t[1]][:bp] + amp[t[2]][bp:]
        else:
            tpl = amp[t[1]]
        for seq, qual, tp in ((s1, q1, tpl), (s2, q2, rc(tpl))):
            n = min(len(seq), len(tp))
            bases += n
            mism += sum(1 for a, b in zip(seq[:n], tp[:n]) if a != b)
            promised += sum(10 ** (-(ord(c) - 33) / 10) for c in qual[:n])
    for (k, s), v in truth_ref.items():
        if s == sid and cref.get(k, 0) != v:
            fail("%s %s: %d pairs in the reads, truth says %d" % (sid, k, cref.get(k, 0), v))
    for k, v in cref.items():
        if (k, sid) not in truth_ref:
            fail("%s: source %s missing from truth" % (sid, k))
    for (k, s), v in truth_gen.items():
        if s == sid and cgen.get(k, 0) != v:
            fail("%s genus %s: %d pairs in the reads, truth says %d" % (sid, k, cgen.get(k, 0), v))
if pairs == 0 or primed < 0.97 * pairs:
    fail("only %d of %d pairs start with both primers" % (primed, pairs))
ratio = mism / promised if promised else 0
print("pairs %d, primed %d, bases %d, mismatches %d, promised %.1f, ratio %.4f"
      % (pairs, primed, bases, mism, promised, ratio))
if not 0.9 <= ratio <= 1.1:
    fail("observed/promised mismatch ratio %.4f outside [0.9, 1.1]" % ratio)

# --- clinical tables -------------------------------------------------------------------
ARMS = {"PegIFN+NAs", "NAs"}
sh, subj = table("subjects.tsv")
if sh != ["subject-id", "arm", "age", "sex", "na_drug", "cnlc_stage", "rfs_months",
          "rfs_event", "os_months", "os_event"]:
    fail("subjects columns %s" % sh)
arm = {}
for r in subj:
    arm[r[0]] = r[1]
    if r[1] not in ARMS:
        fail("arm %r" % r[1])
    if not 18 <= int(r[2]) <= 65:
        fail("age %s" % r[2])
    if r[3] not in ("M", "F") or r[4] not in ("TDF", "TAF", "TMF"):
        fail("sex/drug %s %s" % (r[3], r[4]))
    if r[5] not in ("Ia", "Ib", "IIa", "NA", ""):
        fail("stage %s" % r[5])
    rfs, re_, os_, oe = float(r[6]), int(r[7]), float(r[8]), int(r[9])
    if not (0 < rfs <= 60 and 0 < os_ <= 60 and rfs <= os_ and re_ in (0, 1) and oe in (0, 1)):
        fail("survival %s" % r)
    if (re_ == 0 and rfs != 60) or (oe == 0 and os_ != 60) or (oe and not re_):
        fail("censoring %s" % r)
n_ifn = sum(1 for a in arm.values() if a == "PegIFN+NAs")
if abs(2 * n_ifn - len(arm)) > 1:
    fail("arms not balanced: %d of %d" % (n_ifn, len(arm)))
for r in meta:
    if arm.get(r[1]) != r[3]:
        fail("metadata arm of %s" % r[0])
vh, vis = table("visits.tsv")
if vh != ["subject-id", "week", "hbsag_iu_ml", "anti_hbs_miu_ml", "hbv_dna_iu_ml", "hbeag",
          "il2", "il4", "il6", "il10", "tnfa", "ifng"]:
    fail("visits columns %s" % vh)
weeks = {0, 12, 24, 36, 48, 60, 72, 96, 120, 144, 168, 192, 216, 240}
base = {}
for r in vis:
    w = int(r[1])
    if w not in weeks or r[0] not in arm:
        fail("visit %s" % r[:2])
    if w == 0:
        base[r[0]] = float(r[2])
    for v in r[2:5]:
        if v not in ("", "NA") and float(v) < 0:
            fail("negative value %s" % r)
    if r[5] not in ("positive", "negative", "NA", ""):
        fail("hbeag %s" % r[5])
    cyt = r[6:]
    if w in (0, 24, 48):
        if any(v == "" for v in cyt):
            fail("cytokine missing without NA at week %d" % w)
    elif any(v != "" for v in cyt):
        fail("cytokine at week %d" % w)
if set(base) != set(arm) or not all(0 < v < 2000 for v in base.values()):
    fail("baseline HBsAg: %s" % base)

# --- effects.json ----------------------------------------------------------------------
md5 = hashlib.md5(open(reference, "rb").read()).hexdigest()
if eff["reference"]["md5"] != md5:
    fail("reference md5 %s != %s" % (eff["reference"]["md5"], md5))
for k in ("hr_arm", "hr_shannon_per_bit"):
    if k not in eff["survival"]:
        fail("effects.json lacks survival.%s" % k)
if "correlated_genus" not in eff["hbsag"] or "correlation" not in eff["hbsag"]:
    fail("effects.json lacks the HBsAg genus")
if not isinstance(eff["community"]["arm_shifts"], list):
    fail("effects.json lacks arm_shifts")
sys.exit(1 if fails else 0)
