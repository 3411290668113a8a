#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed the corpora of the targets whose input is framed (a mode byte, or two files joined
by a NUL byte) from the fixtures in tests/data. Usage: tests/fuzz/seeds.py [TABLE_DIR]
(TABLE_DIR: a small `lumen table --no-biom` folder for the denoise seeds)."""
import gzip, os, sys

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "data")


def head(path, records, lines_per=4):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        return b"".join(f.readline() for _ in range(records * lines_per))


def put(target, name, blob):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


fq = lambda n, k=6: head(os.path.join(data, n), k)
# fastq_gz: byte 0 = mode (bit 0 BGZF, bit 1 truncate), byte 1 = kept fraction / 256
put("fastq_gz", "good_gzip", b"\x00\x00" + fq("good_R1.fastq"))
put("fastq_gz", "good_bgzf", b"\x01\x00" + fq("good_R1.fastq"))
put("fastq_gz", "crlf_cut_half", b"\x02\x80" + fq("crlf.fastq"))
put("fastq_gz", "phred64_bgzf_cut", b"\x03\xc0" + fq("phred64.fastq"))
put("fastq_gz", "fasta_gzip", b"\x00\x00" + head(os.path.join(data, "sim_ref.fasta"), 4, 2))
put("fastq_gz", "missing_plus", b"\x00\x00" + fq("bad_missing_plus.fastq"))
# reads: byte 0 = mode (bit 0 V4 primers, bit 1 truncq + maxee), R1 NUL R2 (no NUL: single)
syn = lambda s, r: head(os.path.join(data, "reads", "synth_%s_%s.fastq.gz" % (s, r)), 8)
put("reads", "synth_v4_pair", b"\x01" + syn("A", "R1") + b"\x00" + syn("A", "R2"))
put("reads", "synth_v4_filters", b"\x03" + syn("B", "R1") + b"\x00" + syn("B", "R2"))
put("reads", "good_pair", b"\x00" + fq("good_R1.fastq") + b"\x00" + fq("good_R2.fastq"))
put("reads", "bad_names", b"\x00" + fq("good_R1.fastq") + b"\x00" + fq("bad_names_R2.fastq"))
put("reads", "short_r2", b"\x02" + fq("good_R1.fastq") + b"\x00" + fq("short_R2.fastq"))
put("reads", "single_end", b"\x01" + syn("A", "R1"))
# denoise: byte 0 = minsize - 1 (mod 8), table.tsv NUL features.fasta
if len(sys.argv) > 1:
    t = sys.argv[1]
    tab = open(os.path.join(t, "table.tsv"), "rb").read().splitlines(True)
    fa = open(os.path.join(t, "features.fasta"), "rb").read().splitlines(True)
    for n, mode in ((12, 0), (30, 1)):
        put("denoise", "table_%d" % n, bytes([mode]) + b"".join(tab[: n + 2]) + b"\x00" +
            b"".join(fa[: 2 * n]))
    put("denoise", "missing_feature", b"\x00" + b"".join(tab[:8]) + b"\x00" + b"".join(fa[:8]))
# summary: byte 0 = mode (bit 0 reads_only; bits 1-6: qc/S1.json, qc/failed.tsv,
# features/denoise_summary.tsv, diversity/dropped_samples.tsv, features/table.tsv,
# diversity/alpha.tsv hold the rest)
qc = b'{"reads_in": 50, "primers_found": 48, "merged": 40, "merged_bases": 10100,\n' \
     b' "passed_filter": 39, "uniques": 12, "singletons": 7, "mean_merged_length": 252.5}\n'
put("summary", "qc_only", b"\x02" + qc)
put("summary", "qc_reads_only", b"\x03" + qc)
put("summary", "failed", b"\x04sample-id\tfile\tline\tmessage\nS1\t/x/S1.fq\t12\tbad quality line\n"
    b"S2\t/x/S2.fq\tNA\tcannot open\n")
put("summary", "denoise_summary", b"\x08sample-id\tunassigned\nS1\t5\nS2\t0\n")
put("summary", "dropped", b"\x30sample-id\ttotal\treason\nS1\t10\tbelow the depth\n")
put("summary", "table", b"\x20# Constructed by lumen\n#OTU ID\tS1\tS3\nf1\t3\t0\nf2\t0\t9\n")
# classify: byte 0 = mode (bit 0 both strands, bit 1 exhaustive, bit 2 10 bootstraps,
# bit 3 confidence 0), then a query FASTA/FASTQ
ref = open(os.path.join(data, "sim_ref.fasta"), "rb").read()
put("classify", "sim_ref_queries", b"\x00" + ref)
put("classify", "sim_ref_both_strands", b"\x05" + ref)
put("classify", "fastq_exhaustive", b"\x06" + fq("good_R1.fastq", 3))
put("classify", "short_and_iupac", b"\x08>q1\nACGTNRYK\n>q2\n\n>q3\nacgtacgtacgtacgtWSMBDHVN\n")
