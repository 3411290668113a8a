#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lumen denoise against vsearch on the same pooled uniques (test and benchmark helper).

  denoise_vs.py prep DEREP VSDIR           write VSDIR/pooled.fa (';size=' = total count,
                                            abundance descending then MD5) and
                                            VSDIR/reads.fa (one record per unique and
                                            sample, ';size=N;sample=S') for vsearch
  denoise_vs.py compare LUMENOUT VSDIR [TRUTHDIR]
                                            print the comparison as 'key<TAB>value' lines

VSDIR must then hold vsearch's zotus.fa (--cluster_unoise --sizein --centroids),
chim.fa/nonchim.fa (--uchime3_denovo --sizein) and otu.tsv (--usearch_global
--id 0.97 --otutabout of reads.fa against nonchim.fa).
"""
import hashlib
import sys


def read_fasta(path):
    recs, name, seq = [], None, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(">"):
                if name is not None:
                    recs.append((name, "".join(seq)))
                name, seq = line[1:].split()[0] if line[1:] else "", []
            else:
                seq.append(line.strip())
    if name is not None:
        recs.append((name, "".join(seq)))
    return recs


def read_table(path):
    samples, rows = None, {}
    with open(path) as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if line.startswith("#OTU ID") or (samples is None and line.startswith("#") and len(cells) > 1):
                samples = cells[1:]
                continue
            if line.startswith("#") or not line.strip():
                continue
            rows[cells[0]] = [int(float(x)) for x in cells[1:]]
    return samples, rows


def label(name):
    return name.split(";")[0]


def prep(derep, vs):
    seqs = dict(read_fasta(derep + "/features.fasta"))
    samples, rows = read_table(derep + "/table.tsv")
    order = sorted(rows, key=lambda k: (-sum(rows[k]), k))
    with open(vs + "/pooled.fa", "w") as o:
        for k in order:
            o.write(">%s;size=%d\n%s\n" % (k, sum(rows[k]), seqs[k]))
    with open(vs + "/reads.fa", "w") as o:
        for k in order:
            for s, c in zip(samples, rows[k]):
                if c:
                    o.write(">%s.%s;size=%d;sample=%s\n%s\n" % (k, s, c, s, seqs[k]))


def compare(lum, vs, truth=None):
    out = []
    l_z = [n for n, _ in read_fasta(lum + "/features.fasta")]
    l_seq = dict(read_fasta(lum + "/features.fasta"))
    l_chim = []
    with open(lum + "/chimeras.tsv") as f:
        next(f)
        l_chim = [line.split("\t")[0] for line in f if line.strip()]
    v_cent = [label(n) for n, _ in read_fasta(vs + "/zotus.fa")]
    v_chim = [label(n) for n, _ in read_fasta(vs + "/chim.fa")]
    v_z = [label(n) for n, _ in read_fasta(vs + "/nonchim.fa")]
    v_seq = {label(n): s for n, s in read_fasta(vs + "/nonchim.fa")}
    l_cent = set(l_z) | set(l_chim)
    vc = set(v_cent)
    both = l_cent | vc
    out.append(("centroids_lumen", len(l_cent)))
    out.append(("centroids_vsearch", len(vc)))
    out.append(("centroids_common", len(l_cent & vc)))
    out.append(("centroids_identical_pct", 100.0 * len(l_cent & vc) / max(1, len(both))))
    out.append(("centroids_only_lumen", " ".join(sorted(l_cent - vc)) or "-"))
    out.append(("centroids_only_vsearch", " ".join(sorted(vc - l_cent)) or "-"))
    common = l_cent & vc
    agree = sum(1 for c in common if (c in l_chim) == (c in set(v_chim)))
    out.append(("chimeras_lumen", len(l_chim)))
    out.append(("chimeras_vsearch", len(v_chim)))
    out.append(("chimeras_common", len(set(l_chim) & set(v_chim))))
    out.append(("chimera_calls_agree_pct", 100.0 * agree / max(1, len(common))))
    # parents and score of the chimeras both call, when vsearch wrote --uchimeout uchime.tsv
    try:
        vpar = {}
        for line in open(vs + "/uchime.tsv"):
            c = line.rstrip("\n").split("\t")
            if c[-1] == "Y":
                vpar[label(c[1])] = ({label(c[2]), label(c[3])}, float(c[0]))
        lpar = {}
        with open(lum + "/chimeras.tsv") as f:
            next(f)
            for line in f:
                c = line.rstrip("\n").split("\t")
                lpar[c[0]] = ({c[1], c[2]}, float(c[3]))
        both_ch = set(vpar) & set(lpar)
        same = sum(1 for k in both_ch
                   if vpar[k][0] == lpar[k][0] and abs(vpar[k][1] - lpar[k][1]) < 1e-3)
        out.append(("chimeras_same_parents_and_score", "%d of %d" % (same, len(both_ch))))
    except OSError:
        pass
    lz, vz = set(l_z), set(v_z)
    out.append(("zotus_lumen", len(lz)))
    out.append(("zotus_vsearch", len(vz)))
    out.append(("zotus_identical_pct", 100.0 * len(lz & vz) / max(1, len(lz | vz))))
    # per-sample counts: lumen's table against vsearch --usearch_global --otutabout
    ls, lrows = read_table(lum + "/table.tsv")
    vsamp, vrows = read_table(vs + "/otu.tsv")
    worst_total, worst_l1 = 0.0, 0.0
    for j, s in enumerate(ls):
        lt = {k: v[j] for k, v in lrows.items() if v[j]}
        vj = vsamp.index(s) if s in vsamp else None
        vt = {k: v[vj] for k, v in vrows.items() if vj is not None and v[vj]}
        tl, tv = sum(lt.values()), sum(vt.values())
        l1 = sum(abs(lt.get(k, 0) - vt.get(k, 0)) for k in set(lt) | set(vt))
        worst_total = max(worst_total, 100.0 * abs(tl - tv) / max(1, tv))
        worst_l1 = max(worst_l1, 100.0 * l1 / max(1, tv))
    out.append(("samples", len(ls)))
    out.append(("max_sample_assigned_diff_pct", worst_total))
    out.append(("max_sample_l1_diff_pct", worst_l1))
    if truth:
        # truth/ of lumen simulate: amplicons.fasta (primer to primer, V4 515F/806R) and
        # counts_by_reference.tsv (reads of each reference in each sample)
        amp = dict(read_fasta(truth + "/amplicons.fasta"))
        _, counts = read_table(truth + "/counts_by_reference.tsv")
        inner = {}
        for ref, c in counts.items():
            if sum(c) and ref in amp:
                s = amp[ref].upper()[19:-20]
                inner[s] = inner.get(s, 0) + sum(c)
        present = set(inner)
        ge8 = {s for s, c in inner.items() if c >= 8}
        out.append(("truth_templates_present", len(present)))
        out.append(("truth_templates_ge8_reads", len(ge8)))
        for who, zs in (("lumen", l_seq), ("vsearch", v_seq)):
            zset = {s.upper() for s in zs.values()}
            out.append(("truth_recovered_exact_" + who, len(present & zset)))
            out.append(("truth_ge8_recovered_exact_pct_" + who,
                        100.0 * len(ge8 & zset) / max(1, len(ge8))))
            out.append(("zotus_matching_no_template_" + who, len(zset - present)))
    for k, v in out:
        print("%s\t%s" % (k, ("%.3f" % v) if isinstance(v, float) else v))


if __name__ == "__main__":
    if sys.argv[1] == "prep":
        prep(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        sys.exit("usage: denoise_vs.py prep|compare ...")
