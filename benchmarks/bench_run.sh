#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole trial end to end: `lumen run` (FASTQ to statistics, one command) against the
# peer chain on the same files, stage by stage (issue #9, "Scale and speed").
#
#   usage: benchmarks/bench_run.sh [options] SUBJECTS PAIRS OUTDIR
#          benchmarks/bench_run.sh --quick            (CI: 12 x 5,000, build/bench-run-quick)
#   options:
#     --quick       12 subjects x 5,000 pairs into build/bench-run-quick, figures in
#                   build/bench-run-quick.json (no timing assertion; for .ci/run)
#     --no-peer     time lumen only
#     --data DIR    use an existing `lumen simulate` output instead of simulating; if it
#                   has more subjects than SUBJECTS, the first SUBJECTS are used (its
#                   pairs per sample must equal PAIRS)
#     --json FILE   also write the figures there (always written to OUTDIR/bench.json)
#   environment: LUMEN (default build/lumen), THREADS (default 2),
#                LUMEN_GOLD (default the gold 16S set of microbiomeutil-data)
#
# Data: `lumen simulate --subjects SUBJECTS --reads PAIRS --seed 11` (2x250 V4 pairs with
# primers, gzip), simulated into OUTDIR/data unless it is already there. The index
# (lumen index) and the SINTAX database (vsearch --makeudb_usearch) are built from the same
# gold reference (benchmarks/gold_forms.sh) once and timed apart, as preparation.
# Reads are read once before the timed runs so both sides start with them in the cache.
#
# lumen: `lumen run -p v4 --metadata --subjects --visits` into a fresh OUTDIR/lumen, under
# /usr/bin/time -v (whole-run wall, CPU, peak RSS); per-stage wall, CPU and peak memory
# (high-water mark so far) from OUTDIR/lumen/provenance.json.
# Peer (each stage under /usr/bin/time -v; peak RSS = the largest single process):
#   reads      per sample, THREADS samples at a time: vsearch --fastq_mergepairs |
#              --fastq_filter (primers stripped as 19 + 20 fixed bases, maxee 1, maxns 0) |
#              --derep_fulllength --sizeout
#   pool       the samples' uniques pooled and --derep_fulllength --sizein
#   unoise     --cluster_unoise (minsize 8) then --uchime3_denovo: ZOTUs; against lumen's
#              denoise stage (a lumen without one tabulates exact sequences: no counterpart)
#   table      --usearch_global of every sample's uniques on the ZOTUs (--id 0.97)
#              --otutabout, the usual UNOISE table
#   classify   vsearch --sintax on the ZOTUs (cutoff 0.8), database from the gold set
#   diversity  scikit-bio (/usr/bin/python3): rarefied at the largest depth keeping 90% of
#              the samples (lumen's auto rule), observed, chao1, shannon, simpson, pielou,
#              goods coverage, Bray-Curtis, Jaccard, Aitchison (clr, pseudocount 1) and a
#              10-axis PCoA of each, written as TSV
# lumen's taxa, cohort, stats (and report) stages have no peer in this chain.
# Ratios are peer / lumen wall and CPU time for stages with a counterpart (reads; table vs
# pool + table; denoise vs unoise; classify; diversity) and for the whole run.
# Needs (apt): vsearch python3-skbio python3-pandas time microbiomeutil-data
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
QUICK=0 PEER=1 DATA="" JSON=""
help() { sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; }
usage() { help >&2; exit 64; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --no-peer) PEER=0 ;;
    --data) DATA=$(cd "$2" && pwd); shift ;;
    --json) JSON=$2; shift ;;
    -h | --help) help; exit 0 ;;
    --*) echo "bench_run: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  SUBJECTS=12 PAIRS=5000 OUT=$ROOT/build/bench-run-quick
  JSON=${JSON:-$ROOT/build/bench-run-quick.json}
else
  [ $# -eq 3 ] || usage
  SUBJECTS=$1 PAIRS=$2 OUT=$3
fi
LUMEN=$(realpath "${LUMEN:-$ROOT/build/lumen}")
THREADS=${THREADS:-2}
GOLD=${LUMEN_GOLD:-/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta}
PY=/usr/bin/python3
[ -x "$LUMEN" ] || { echo "bench_run: no lumen binary at $LUMEN (build first or set LUMEN)" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench_run: /usr/bin/time missing (apt-get install time)" >&2; exit 69; }
if [ "$PEER" = 1 ]; then
  if ! command -v vsearch > /dev/null || ! $PY -c 'import skbio, pandas' 2> /dev/null; then
    echo "bench_run: vsearch or scikit-bio missing: timing lumen only (apt-get install vsearch python3-skbio)"
    PEER=0
  fi
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
T=$OUT/times
mkdir -p "$T"
rm -f "$T"/*.time

# timed NAME CMD...: run under /usr/bin/time -v into $T/NAME.time (output in $T/NAME.log)
timed() {
  local n=$1; shift
  if ! /usr/bin/time -v -o "$T/$n.time" "$@" > "$T/$n.log" 2>&1; then
    echo "bench_run: '$n' failed; the end of $T/$n.log:" >&2
    tail -20 "$T/$n.log" >&2
    exit 70
  fi
}
wall() { awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$T/$1.time"; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== lumen run benchmark: $SUBJECTS subjects x 3 weeks x $PAIRS pairs, $THREADS threads"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "load:     $(load) (1, 5, 15 min; 2 means both cores busy)"
echo "lumen:    $("$LUMEN" --version) ($LUMEN, commit $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown))"
if [ "$PEER" = 1 ]; then
  echo "peers:    $(vsearch --version 2>&1 | head -1 | cut -d, -f1), scikit-bio $($PY -c 'import skbio; print(skbio.__version__)'), $($PY --version)"
fi
LOAD_BEFORE=$(load)

# --- data ----------------------------------------------------------------------------
D=$OUT/data
have_data() { # DIR: subjects and pairs per sample of a lumen simulate output
  $PY - "$1" << 'PY'
import json, sys
e = json.load(open(sys.argv[1] + "/truth/effects.json"))
print(e["subjects"], e["reads"]["pairs_per_sample"])
PY
}
if [ -n "$DATA" ]; then
  read -r dsub dpairs < <(have_data "$DATA")
  [ "$dpairs" = "$PAIRS" ] || { echo "bench_run: $DATA has $dpairs pairs per sample, not $PAIRS" >&2; exit 64; }
  [ "$dsub" -ge "$SUBJECTS" ] || { echo "bench_run: $DATA has only $dsub subjects" >&2; exit 64; }
  echo "data:     $DATA (first $SUBJECTS of its $dsub subjects)"
  # The first SUBJECTS subjects, with absolute read paths, into $D.
  rm -rf "$D"
  mkdir -p "$D"
  $PY "$(dirname "$(realpath "$0")")/subset_cohort.py" "$DATA" "$D" "$SUBJECTS"
elif [ -f "$D/truth/effects.json" ] && [ "$(have_data "$D")" = "$SUBJECTS $PAIRS" ]; then
  echo "data:     $D (simulated before, reused)"
else
  rm -rf "$D"
  echo "data:     simulating into $D ..."
  timed simulate "$LUMEN" simulate --reference "$GOLD" --subjects "$SUBJECTS" --reads "$PAIRS" \
    --seed 11 --out "$D" --threads "$THREADS"
  echo "          simulate: $(wall simulate) s (not part of the comparison)"
fi
NSAMPLES=$(($(wc -l < "$D/manifest.tsv") - 1))
# Absolute read paths of each sample: ID R1 R2.
awk -F'\t' -v d="$D" 'NR>1{for(i=2;i<=3;i++) if(substr($i,1,1)!="/") $i=d"/"$i; print $1"\t"$2"\t"$3}' \
  "$D/manifest.tsv" > "$OUT/samples.tsv"
READ_BYTES=$(cut -f2,3 "$OUT/samples.tsv" | tr '\t' '\n' | xargs du -cbL | tail -1 | cut -f1)
echo "          $NSAMPLES samples, $((NSAMPLES * PAIRS)) pairs, $(awk -v b="$READ_BYTES" 'BEGIN{printf "%.2f GB", b/1e9}') of gzip FASTQ"

# --- preparation: the reference in each tool's form -------------------------------------
. "$HERE/gold_forms.sh"
P=$OUT/prep
mkdir -p "$P"
if [ ! -s "$P/gold.lmi" ]; then
  gold_tsv "$GOLD" > "$P/ref.tsv"
  tsv_rdp_fasta "$P/ref.tsv" > "$P/ref.fa"
  tsv_sintax_fasta "$P/ref.tsv" > "$P/sintax.fa"
  timed prep_lumen_index "$LUMEN" index --fasta "$P/ref.fa" --out "$P/gold.lmi.tmp" --threads "$THREADS"
  mv "$P/gold.lmi.tmp" "$P/gold.lmi"
  echo "prep:     lumen index $(wall prep_lumen_index) s"
fi
if [ "$PEER" = 1 ] && [ ! -s "$P/sintax.udb" ]; then
  timed prep_sintax_udb vsearch --makeudb_usearch "$P/sintax.fa" --output "$P/sintax.udb.tmp" --threads "$THREADS"
  mv "$P/sintax.udb.tmp" "$P/sintax.udb"
  echo "prep:     vsearch --makeudb_usearch $(wall prep_sintax_udb) s"
fi

# Both sides start with the reads in the page cache.
cut -f2,3 "$OUT/samples.tsv" | tr '\t' '\n' | xargs cat > /dev/null

# --- lumen run ---------------------------------------------------------------------------
echo
echo "-- lumen run (load before: $(load))"
rm -rf "$OUT/lumen"
timed lumen "$LUMEN" run --manifest "$D/manifest.tsv" --index "$P/gold.lmi" --out "$OUT/lumen" -p v4 \
  --metadata "$D/metadata.tsv" --subjects "$D/subjects.tsv" --visits "$D/visits.tsv" \
  --threads "$THREADS"
echo "   done in $(wall lumen) s"

# --- the peer chain ------------------------------------------------------------------------
if [ "$PEER" = 1 ]; then
  echo "-- peer chain (load before: $(load))"
  V=$OUT/peer
  rm -rf "$V"
  mkdir -p "$V/uniques"
  # One sample: merge | filter | dereplicate, labels "<id>.<n>;size=N;sample=<id>;".
  cat > "$V/sample.sh" << 'SH'
set -euo pipefail
dir=$1 id=$2 r1=$3 r2=$4
vsearch --fastq_mergepairs "$r1" --reverse "$r2" --threads 1 --fastqout - --quiet |
  vsearch --fastq_filter - --fastq_stripleft 19 --fastq_stripright 20 --fastq_maxee 1 \
    --fastq_maxns 0 --fastaout - --quiet |
  vsearch --derep_fulllength - --sizeout --relabel "$id." --minseqlength 1 --output - --quiet |
  awk -v s="$id" '/^>/{ if ($0 !~ /;$/) $0 = $0 ";"; $0 = $0 "sample=" s ";" } 1' > "$dir/$id.fa.tmp"
mv "$dir/$id.fa.tmp" "$dir/$id.fa"
SH
  timed peer_reads bash -c "awk '{print \$1; print \$2; print \$3}' '$OUT/samples.tsv' |
    xargs -d '\n' -n 3 -P $THREADS bash '$V/sample.sh' '$V/uniques'"
  echo "   reads      $(wall peer_reads) s"
  timed peer_pool bash -c "cat '$V'/uniques/*.fa > '$V/all_uniques.fa' &&
    vsearch --derep_fulllength '$V/all_uniques.fa' --sizein --sizeout --minseqlength 1 \
      --output '$V/pooled.fa' --quiet"
  echo "   pool       $(wall peer_pool) s"
  timed peer_unoise bash -c "vsearch --cluster_unoise '$V/pooled.fa' --sizein --sizeout --minsize 8 \
      --centroids '$V/zotus_chim.fa' --threads $THREADS --quiet &&
    vsearch --uchime3_denovo '$V/zotus_chim.fa' --sizein --xsize --nonchimeras '$V/zotus.fa' \
      --relabel Zotu --quiet"
  echo "   unoise     $(wall peer_unoise) s"
  timed peer_table vsearch --usearch_global "$V/all_uniques.fa" --db "$V/zotus.fa" --id 0.97 \
    --strand plus --sizein --otutabout "$V/otutab.tsv" --threads "$THREADS" --quiet
  echo "   table      $(wall peer_table) s"
  timed peer_classify vsearch --sintax "$V/zotus.fa" --db "$P/sintax.udb" --tabbedout "$V/sintax.tsv" \
    --sintax_cutoff 0.8 --strand plus --randseed 1 --threads "$THREADS" --quiet
  echo "   classify   $(wall peer_classify) s"
  mkdir -p "$V/diversity"
  timed peer_diversity $PY - "$V/otutab.tsv" "$V/diversity" << 'PY'
import sys
import numpy as np
import pandas as pd
from skbio.diversity import alpha_diversity, beta_diversity
from skbio.stats import subsample_counts
from skbio.stats.composition import clr
from skbio.stats.ordination import pcoa
from skbio import DistanceMatrix
from scipy.spatial.distance import pdist, squareform

t = pd.read_csv(sys.argv[1], sep="\t", index_col=0)
out = sys.argv[2]
X = t.values.T.astype(np.int64)  # samples x features
ids = list(t.columns)
tot = X.sum(axis=1)
# lumen's auto depth: the largest depth that keeps at least 90% of the samples.
srt = np.sort(tot)[::-1]
depth = int(srt[int(np.ceil(0.9 * len(srt))) - 1])
keep = tot >= depth
rng = np.random.default_rng(11)
np.random.seed(11)
R = np.array([subsample_counts(x, depth) for x in X[keep]])
rid = [i for i, k in zip(ids, keep) if k]
R = R[:, R.sum(axis=0) > 0]
pd.DataFrame(R.T, columns=rid).to_csv(f"{out}/rarefied_table.tsv", sep="\t")
alpha = pd.DataFrame({m: alpha_diversity(m, R, rid, **({"base": 2} if m == "shannon" else {}))
                      for m in ["observed_otus", "chao1", "shannon", "simpson", "pielou_e",
                                "goods_coverage"]})
alpha.to_csv(f"{out}/alpha.tsv", sep="\t")
mats = {"braycurtis": beta_diversity("braycurtis", R, rid),
        "jaccard": beta_diversity("jaccard", R, rid),
        "aitchison": DistanceMatrix(squareform(pdist(clr(R + 1.0), "euclidean")), rid)}
for name, dm in mats.items():
    dm.to_data_frame().to_csv(f"{out}/{name}.tsv", sep="\t")
    p = pcoa(dm, number_of_dimensions=10)
    p.samples.to_csv(f"{out}/pcoa_{name}.tsv", sep="\t")
print(f"{len(ids)} samples, {X.shape[1]} features, depth {depth}, {len(rid)} kept")
PY
  echo "   diversity  $(wall peer_diversity) s"
fi
LOAD_AFTER=$(load)

# --- report ----------------------------------------------------------------------------------
JSON_OUT=$OUT/bench.json
$PY - "$OUT" "$T" "$JSON_OUT" "$PEER" "$SUBJECTS" "$PAIRS" "$NSAMPLES" "$THREADS" \
  "$LOAD_BEFORE" "$LOAD_AFTER" "$READ_BYTES" << 'PY'
import json, os, re, socket, subprocess, sys
out, T, jpath, peer = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
subjects, pairs, nsamples, threads = map(int, sys.argv[5:9])
load_before, load_after, read_bytes = sys.argv[9], sys.argv[10], int(sys.argv[11])

def gnu_time(name):
    f = {}
    for line in open(os.path.join(T, name + ".time")):
        k, _, v = line.strip().rpartition(": ")
        f[k] = v
    w = 0.0
    for part in f["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
        w = w * 60 + float(part)
    return {"wall_seconds": round(w, 2),
            "cpu_seconds": round(float(f["User time (seconds)"]) + float(f["System time (seconds)"]), 2),
            "peak_memory_mb": round(int(f["Maximum resident set size (kbytes)"]) / 1024, 1)}

prov = json.load(open(os.path.join(out, "lumen", "provenance.json")))
lum = gnu_time("lumen")
lstages = []
for s in prov["stages"]:
    lstages.append({k: (round(v, 3) if isinstance(v, float) else v) for k, v in s.items()})
lsum = sum(s["wall_seconds"] for s in lstages)
has_denoise = any(s["stage"] == "denoise" and s.get("steps_run", 0) + s.get("steps_up_to_date", 0) > 0
                  for s in lstages)
pstages = []
if peer:
    def fasta_n(p):
        return sum(1 for l in open(p) if l.startswith(">")) if os.path.exists(p) else 0
    V = os.path.join(out, "peer")
    passed = sum(int(m.group(1)) for l in open(V + "/all_uniques.fa")
                 for m in [re.search(r";size=(\d+)", l)] if l.startswith(">") and m)
    div_log = open(os.path.join(T, "peer_diversity.log")).read().strip().splitlines()
    for st, counterpart, items in [
            ("reads", "reads", f"{nsamples * pairs} read pairs -> {passed} reads passing filters"),
            ("pool", "table", f"{fasta_n(V + '/all_uniques.fa')} sample uniques -> "
                              f"{fasta_n(V + '/pooled.fa')} pooled uniques"),
            ("unoise", "denoise" if has_denoise else None, f"-> {fasta_n(V + '/zotus.fa')} ZOTUs"),
            ("table", "table", f"{fasta_n(V + '/all_uniques.fa')} sample uniques mapped"),
            ("classify", "classify", f"{fasta_n(V + '/zotus.fa')} ZOTUs"),
            ("diversity", "diversity", div_log[-1] if div_log else "")]:
        d = gnu_time("peer_" + st)
        d.update({"stage": st, "lumen_counterpart": counterpart, "items": items})
        pstages.append(d)
psum = sum(s["wall_seconds"] for s in pstages)

def version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except Exception:
        return "unknown"

res = {
    "benchmark": "lumen run vs peer chain (benchmarks/bench_run.sh)",
    "date_utc": prov.get("end"),
    "machine": {"host": socket.gethostname(), "cores": os.cpu_count(),
                "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                             if l.startswith("model name")), ""),
                "load_before": load_before, "load_after": load_after},
    "lumen": {"version": prov.get("version"), "git_commit": prov.get("git_commit"),
              "threads": threads, **lum, "stages": lstages},
    "data": {"subjects": subjects, "pairs_per_sample": pairs, "samples": nsamples,
             "read_pairs": nsamples * pairs, "gzip_fastq_bytes": read_bytes,
             "features": next((s.get("items_out") for s in lstages if s["stage"] == "table"), None)},
}
for f in ("simulate", "prep_lumen_index", "prep_sintax_udb"):
    if os.path.exists(os.path.join(T, f + ".time")):
        res.setdefault("preparation", {})[f] = gnu_time(f)
print()
print(f"== lumen run: {nsamples} samples x {pairs} pairs, {threads} threads: "
      f"{lum['wall_seconds']:.2f} s wall, {lum['cpu_seconds']:.2f} s CPU, "
      f"peak {lum['peak_memory_mb']:.0f} MB (/usr/bin/time -v)")
print(f"   targets for the full trial (156 subjects x 50,000 pairs): under 120 s, under 2048 MB")
print()
print(f"{'lumen stage':<12} {'wall s':>9} {'share':>7} {'CPU s':>9} {'peak MB':>8}  items")
for s in lstages:
    items = ""
    if "items_in" in s:
        items = f"{s['items_in']} {s.get('items_in_unit', '')}"
        if "items_out" in s:
            items += f" -> {s['items_out']} {s.get('items_out_unit', '')}"
    print(f"{s['stage']:<12} {s['wall_seconds']:9.2f} {100 * s['wall_seconds'] / lsum:6.1f}% "
          f"{s['cpu_seconds']:9.2f} {s['peak_memory_mb']:8.0f}  {items}")
print(f"{'(sum)':<12} {lsum:9.2f}")
if peer:
    print()
    print(f"{'peer stage':<12} {'wall s':>9} {'share':>7} {'CPU s':>9} {'peak MB':>8}  lumen stage / items")
    for s in pstages:
        print(f"{s['stage']:<12} {s['wall_seconds']:9.2f} {100 * s['wall_seconds'] / psum:6.1f}% "
              f"{s['cpu_seconds']:9.2f} {s['peak_memory_mb']:8.0f}  "
              f"{s['lumen_counterpart'] or 'NO lumen counterpart (no denoise stage)'} / {s['items']}")
    print(f"{'(sum)':<12} {psum:9.2f} {'':7} {sum(s['cpu_seconds'] for s in pstages):9.2f} "
          f"{max(s['peak_memory_mb'] for s in pstages):8.0f}")
    ratios, ratios_cpu = {}, {}
    for key, dst in (("wall_seconds", ratios), ("cpu_seconds", ratios_cpu)):
        lv = {s["stage"]: s[key] for s in lstages}
        pv = {}
        for s in pstages:
            if s["lumen_counterpart"]:
                pv[s["lumen_counterpart"]] = pv.get(s["lumen_counterpart"], 0) + s[key]
        for k in pv:
            dst[k] = round(pv[k] / lv[k], 2) if lv.get(k) else None
        ptot = sum(s[key] for s in pstages)
        dst["end_to_end"] = round(ptot / lum[key], 2) if lum[key] else None
    pcpu = sum(s["cpu_seconds"] for s in pstages)
    print()
    print("ratios, peer / lumen (> 1: lumen is faster); on a loaded machine trust CPU more:")
    print(f"   {'stage':<12} {'wall':>7} {'CPU':>7}")
    notes = {"table": "peer pool + table",
             "classify": "" if has_denoise else "lumen classifies every exact sequence, the peer only the ZOTUs",
             "end_to_end": "peer stage sum / whole lumen run"}
    for k in ratios:
        fmt = lambda v: f"{v:7.2f}" if v is not None else "    n/a"
        print(f"   {k:<12} {fmt(ratios[k])} {fmt(ratios_cpu.get(k))}  {notes.get(k, '')}")
    if not has_denoise:
        print("   peer 'unoise' (cluster_unoise + uchime3_denovo) has no lumen counterpart:")
        print("   this lumen run has no denoise stage, so it tabulates and classifies exact sequences;")
    print("   lumen's stages without a peer in this chain: " +
          ", ".join(s["stage"] for s in lstages if s["stage"] not in
                    ("reads", "table", "denoise", "classify", "diversity")))
    res["peer"] = {"vsearch": version(["vsearch", "--version"]).split(",")[0],
                   "wall_seconds": round(psum, 2), "cpu_seconds": round(pcpu, 2),
                   "peak_memory_mb": max(s["peak_memory_mb"] for s in pstages), "stages": pstages}
    res["ratios_peer_over_lumen"] = {"wall": ratios, "cpu": ratios_cpu}
print()
print(f"load average before {load_before}, after {load_after} (2 cores; above ~2 other jobs shared them)")
with open(jpath, "w") as f:
    json.dump(res, f, indent=1)
    f.write("\n")
print(f"figures: {jpath}")
PY
if [ -n "$JSON" ]; then
  cp "$JSON_OUT" "$JSON"
  echo "figures: $JSON"
fi
