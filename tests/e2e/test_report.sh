#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lumen report on a small simulated cohort taken through every stage: one self-contained
# page (no external references, under the size limit, reproducible), every section drawn,
# every figure linked to its table, numbers that agree with the TSV files, sections left
# out with a note when their inputs are absent, hostile sample names shown as text, and
# the error paths (missing folder, unwritable output) leaving nothing behind.
LUMEN=$1 DATA=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_results.sh"
export SOURCE_DATE_EPOCH=1700000000
R=$WORK/res
make_results "$R"
[ "$RESULTS_OK" = 1 ] || { finish; exit; }

run "$LUMEN" report --results "$R"; expect_rc "report" 0
P=$R/report.html
[ -s "$P" ] && ok "report.html written" || not_ok "no report.html"
left=$(find "$R" -maxdepth 1 -type f ! -name report.html ! -name provenance.json ! -name '*.lock')
[ -z "$left" ] && ok "no temporary file left in the folder" || not_ok "files left" "$left"
cp "$P" "$WORK/first.html"
run "$LUMEN" report -q --results "$R"; expect_rc "report again" 0
expect_same "the same page twice (SOURCE_DATE_EPOCH fixed)" "$WORK/first.html" "$P"
run "$LUMEN" report -q --results "$R" --out "$WORK/elsewhere/r.html"; expect_rc "report --out in a new folder" 0

/usr/bin/python3 - "$R" "$WORK/elsewhere/r.html" <<'PY' && ok "page structure, links, numbers" || not_ok "page structure, links, numbers"
import csv, os, re, sys
from html.parser import HTMLParser
r, other = sys.argv[1], sys.argv[2]
page = open(f"{r}/report.html", encoding="utf-8").read()
assert len(page.encode()) < 2_000_000
# no external request of any kind: no URLs, no src attributes, no CSS url()/@import
for bad in ("http:", "https:", "//cdn", " src=", "url(", "@import", "<link", "<img", "<iframe"):
    assert bad not in page, bad
class P(HTMLParser):
    def __init__(s):
        super().__init__(convert_charrefs=True)
        s.tags, s.sections, s.cur, s.figs, s.links, s.rows, s.intable, s.row = [], {}, None, [], [], [], None, None
        s.fig = None
    def handle_starttag(s, t, a):
        a = dict(a); s.tags.append(t)
        if t == "section": s.cur = a["id"]; s.sections[s.cur] = 0
        if t == "svg" and s.cur: s.sections[s.cur] += 1
        if t == "figure": s.fig = {"id": a["id"], "links": []}; s.figs.append(s.fig)
        if t == "a" and "href" in a:
            s.links.append(a["href"])
            if s.fig is not None: s.fig["links"].append(a["href"])
        if t == "table": s.intable = []
        if t == "tr" and s.intable is not None: s.row = []
        if t == "td" and s.row is not None: s.row.append("")
    def handle_endtag(s, t):
        if t == "figure": s.fig = None
        if t == "tr" and s.row is not None:
            if s.row: s.intable.append(s.row)
            s.row = None
        if t == "table": s.rows.append(s.intable); s.intable = None
    def handle_data(s, d):
        if s.row is not None and s.row: s.row[-1] += d
p = P(); p.feed(page)
assert p.tags.count("script") == 1
assert set(p.sections) == {"run", "reads", "composition", "diversity", "clinical"}, p.sections
for sec in ("reads", "composition", "diversity", "clinical"):
    assert p.sections[sec] >= 2, (sec, p.sections[sec])
# every figure links to the table(s) it was drawn from, and they exist in the folder
assert len(p.figs) >= 14, len(p.figs)
for f in p.figs:
    assert f["links"], f["id"]
    for l in f["links"]:
        assert os.path.exists(os.path.join(r, l)), l
for l in p.links:
    if not l.startswith("#"): assert os.path.exists(os.path.join(r, l)), l
# the reads table repeats qc/summary.tsv
qc = list(csv.DictReader(open(f"{r}/qc/summary.tsv"), delimiter="\t"))
reads = [t for t in p.rows if t and len(t[0]) == 9]
assert reads, "no reads table"
rows = {x[0]: x for x in reads[0]}
assert len(rows) == len(qc) == 12
for q in qc:
    x = rows[q["sample-id"]]
    assert x[2] == q["reads_in"] and x[5] == q["passed_filter"] and x[6] == q["uniques"], (x, q)
    assert x[7] == q["feature_reads"], (x, q)
    assert (x[8].startswith("low depth")) == (q["rarefied"] == "no"), (x, q)
# the PERMANOVA table repeats stats/permanova.tsv (R^2 to 3 digits)
pm = list(csv.DictReader(open(f"{r}/stats/permanova.tsv"), delimiter="\t"))
perm = [t for t in p.rows if t and t[0][0] in ("braycurtis", "jaccard", "aitchison")]
assert perm and len(perm[0]) == len(pm)
for a, b in zip(perm[0], pm):
    assert a[0] == b["x"] and abs(float(a[5]) - float(b["estimate"])) <= 5e-3 * abs(float(b["estimate"])) + 1e-12
# the PCoA axes carry the proportion explained of pcoa_*_axes.tsv
ax = list(csv.DictReader(open(f"{r}/diversity/pcoa_braycurtis_axes.tsv"), delimiter="\t"))
want = "PC1 (%.1f%% of variation explained)" % (100 * float(ax[0]["proportion_explained"]))
assert want in page, want
# run section: provenance entries and the counts
import json
prov = json.load(open(f"{r}/provenance.json"))
assert "parameters.reads.maxee" in page and prov["git_commit"] in page
for i in prov["inputs"]:
    assert i["md5"] in page, i
for st in prov["stages"]:
    assert f"<td>{st['stage']}</td>" in page, st
tot = sum(int(q["reads_in"]) for q in qc)
assert f"<b>{tot}</b>" in page
# numbers at risk under the Kaplan-Meier curves equal the stats module's (survival_km.tsv)
risk = {}
for ep, lab, n, m in re.findall(r"<title>(RFS|OS), ([^:<]+): (\d+) at risk at month (\d+)</title>", page):
    risk[(ep, lab, m)] = int(n)
names = {"above": "above median", "at_or_below": "at or below"}
matched = 0
for k in csv.DictReader(open(f"{r}/stats/survival_km.tsv"), delimiter="\t"):
    if k["y"] != "arm" and k["y"] != "shannon_median": continue
    key = (k["analysis"][3:].upper(), names.get(k["group"], k["group"]), k["x"].split("_")[1])
    if key in risk:
        assert risk[key] == int(k["n"]), (key, risk[key], k["n"])
        matched += 1
assert matched >= 16, matched
# the models section: the top per-genus associations are genus_models.tsv's rows (the
# intercepts aside) in order of q, file order on ties, up to 15; each row's genus, term,
# estimate and q as in the file (3 significant digits)
import html, math
gm = [g for g in csv.DictReader(open(f"{r}/stats/genus_models.tsv"), delimiter="\t")
      if g["x"] != "(Intercept)"]
qv = lambda g: math.inf if g["q"] == "NA" else float(g["q"])
want = sorted(gm, key=qv)[:15]
i = page.find("The strongest per-genus associations")
assert i > 0, "no per-genus table"
tb = page[page.find("<tbody>", i):page.find("</tbody>", i)]
got = [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
       for tr in re.findall(r"<tr>(.*?)</tr>", tb)]
assert len(want) >= 5 and len(got) == len(want), (len(got), len(want))
close = lambda a, b: b == "NA" and a == "NA" or abs(float(a) - float(b)) <= 5e-3 * abs(float(b)) + 1e-12
for g, w in zip(got, want):
    last = w["y"].split(";")[-1]
    if last.startswith("g__") and len(last) > 3: assert g[0] == last[3:], (g, w["y"])
    assert g[1] == w["x"] and close(g[3], w["estimate"]) and close(g[8], w["q"]), (g, w)
# a page written elsewhere links back into the folder by absolute path
o = open(other, encoding="utf-8").read()
assert 'href="' + os.path.realpath(r) + '/stats/permanova.tsv"' in o
PY

# Sections whose inputs are absent are left out with a note; the page is still written.
mkdir -p "$WORK/part" && cp -r "$R/qc" "$WORK/part/"
run "$LUMEN" report --results "$WORK/part"; expect_rc "report of a folder with only qc/" 0
for want in "taxa/level-6.tsv is absent" "stats/permanova.tsv is absent" \
            "No provenance.json" "diversity/alpha.tsv is absent" "not all present"; do
  grep -q "$want" "$WORK/part/report.html" && ok "note: $want" || not_ok "no note: $want"
done
# A malformed table is a note too, not a failure.
printf 'analysis\tx\n1\t2\t3\n' > "$WORK/part/stats.tsv"; mkdir -p "$WORK/part/stats"
mv "$WORK/part/stats.tsv" "$WORK/part/stats/permanova.tsv"
run "$LUMEN" report --results "$WORK/part"; expect_rc "report with a malformed table" 0
grep -q "stats/permanova.tsv could not be read" "$WORK/part/report.html" && ok "note for a malformed table" || not_ok "no note for a malformed table"

# The mixed-model table names the df the stats module used: Satterthwaite by default,
# Kenward-Roger after lumen stats --df kr.
grep -q "Satterthwaite df as lmerTest" "$P" && ok "mixed models: Satterthwaite named" ||
  not_ok "mixed models: Satterthwaite not named"
K=$WORK/kr
run "$LUMEN" stats -q -d "$R/diversity" -T "$R/taxa" -m "$WORK/cohort/metadata.tsv" \
  -s "$WORK/cohort/subjects.tsv" -V "$WORK/cohort/visits.tsv" -p 9 --df kr -o "$K/stats"
expect_rc "stats --df kr" 0
run "$LUMEN" report -q --results "$K"; expect_rc "report of the --df kr models" 0
grep -q "Kenward-Roger SE and df as lmerTest with pbkrtest" "$K/report.html" &&
  ok "mixed models: Kenward-Roger named" || not_ok "mixed models: Kenward-Roger not named"

# Hostile sample names are shown as text, never as markup.
H=$WORK/hostile
cp -r "$R" "$H"
rm -f "$H/report.html"
/usr/bin/python3 - "$H" <<'PY' || not_ok "renaming samples failed"
import glob, json, sys
h = sys.argv[1]
ren = {"P001-W00": "<script>alert(1)</script>", "P002-W24": '"><img src=x onerror=alert(1)>'}
for f in glob.glob(f"{h}/**/*.tsv", recursive=True):
    t = open(f, encoding="utf-8").read()
    for a, b in ren.items(): t = t.replace(a, b)
    open(f, "w", encoding="utf-8").write(t)
for f in glob.glob(f"{h}/qc/*.json"):
    j = json.load(open(f))
    j["sample_id"] = ren.get(j["sample_id"], j["sample_id"])
    json.dump(j, open(f, "w"))
PY
run "$LUMEN" report --results "$H"; expect_rc "report with hostile sample names" 0
/usr/bin/python3 - "$H/report.html" <<'PY' && ok "hostile names escaped (text, not tags)" || not_ok "hostile names not escaped"
import sys
from html.parser import HTMLParser
page = open(sys.argv[1], encoding="utf-8").read()
class P(HTMLParser):
    def __init__(s):
        super().__init__(convert_charrefs=True); s.tags, s.attrs, s.text = [], [], []
    def handle_starttag(s, t, a): s.tags.append(t); s.attrs += [k for k, _ in a]
    def handle_data(s, d): s.text.append(d)
p = P(); p.feed(page)
assert p.tags.count("script") == 1 and "img" not in p.tags, p.tags
assert not any(a.startswith("on") for a in p.attrs)
text = "".join(p.text)
assert "<script>alert(1)</script>" in text
assert '"><img src=x onerror=alert(1)>' in text
assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
assert "<script>alert" not in page and "<img" not in page
PY

# Errors: a missing folder (66), an output that cannot be created (73); nothing written.
run "$LUMEN" report --results "$WORK/nope"; expect_rc "missing results folder" 66
expect_err "missing folder named" "nope"
mkdir -p "$WORK/ro"
touch "$WORK/ro/file-not-dir"
run "$LUMEN" report --results "$R" --out "$WORK/ro/file-not-dir/x.html"; expect_rc "output under a file" 73
[ "$(ls -A "$WORK/ro")" = "file-not-dir" ] && ok "nothing written beside the file" ||
  not_ok "files left in $WORK/ro" "$(ls -A "$WORK/ro")"
run "$LUMEN" report; expect_rc "no arguments" 64
run "$LUMEN" report --out x.html; expect_rc "no --results" 64
run "$LUMEN" report --help; expect_rc "--help" 0
expect_out "help names the sections" "Composition"
finish
