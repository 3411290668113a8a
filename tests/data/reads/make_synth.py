#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the synthetic read pairs of tests/data/reads (fixed seed; rerun to regenerate).

Amplicons of 240-260 bases from 6 random templates (uneven abundances) with rare
variants, sequenced 2x200 with the v4 primers in front of them: error rates rise along
each read, a few Ns, a few pairs with an insert shorter than the reads (staggered), some
pairs with a primer mismatch or no primer, and some pairs that cannot overlap."""
import gzip
import random

rng = random.Random(11)
FWD = "GTGCCAGCAGCCGCGGTAA"  # a 515F variant (Y=C, M=A)
REV = "GGACTACAAGGGTATCTAAT"  # an 806R variant (N=A, V=A, W=A)
COMP = str.maketrans("ACGTN", "TGCAN")


def rc(s):
    return s.translate(COMP)[::-1]


def qual_and_errors(seq, start_q):
    out, q = [], []
    n = len(seq)
    for i, b in enumerate(seq):
        qq = max(2, min(40, int(start_q - 25 * (i / n) ** 2 + rng.gauss(0, 3))))
        if rng.random() < 10 ** (-qq / 10):
            b = rng.choice([x for x in "ACGT" if x != b])
        if rng.random() < 0.002:
            b, qq = "N", 2
        out.append(b)
        q.append(chr(33 + qq))
    return "".join(out), "".join(q)


templates = ["".join(rng.choice("ACGT") for _ in range(rng.randint(240, 260))) for _ in range(6)]
weights = [40, 25, 15, 10, 6, 4]


def write(prefix, npairs):
    f1 = gzip.GzipFile(prefix + "_R1.fastq.gz", "wb", mtime=0)
    f2 = gzip.GzipFile(prefix + "_R2.fastq.gz", "wb", mtime=0)
    for k in range(npairs):
        amp = rng.choices(templates, weights)[0]
        if rng.random() < 0.05:  # a true variant
            p = rng.randrange(len(amp))
            amp = amp[:p] + rng.choice("ACGT") + amp[p + 1:]
        kind = rng.random()
        if kind < 0.03:  # short insert: reads run past each other (staggered)
            amp = amp[:110]
        elif kind < 0.05:  # too long to overlap
            amp = amp + "".join(rng.choice("ACGT") for _ in range(200))
        frag = FWD + amp + rc(REV)
        if rng.random() < 0.03:  # primer lost
            frag = "".join(rng.choice("ACGT") for _ in range(20)) + frag[19:]
        elif rng.random() < 0.05:  # one primer mismatch
            frag = frag[:5] + ("A" if frag[5] != "A" else "C") + frag[6:]
        # reads run into the adapters when the insert is shorter than the read
        r1 = (frag + "AGATCGGAAGAGCACACGTCTGAACTCCAGTCACAAGGTA" * 3)[:200]
        r2 = (rc(frag) + "AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGTAGATCTC" * 3)[:200]
        s1, q1 = qual_and_errors(r1, 38)
        s2, q2 = qual_and_errors(r2, 36)
        name = "syn%s:%d" % (prefix[-1], k + 1)
        f1.write(("@%s 1:N:0:1\n%s\n+\n%s\n" % (name, s1, q1)).encode())
        f2.write(("@%s 2:N:0:1\n%s\n+\n%s\n" % (name, s2, q2)).encode())
    f1.close()
    f2.close()


write("synth_A", 400)
write("synth_B", 300)
