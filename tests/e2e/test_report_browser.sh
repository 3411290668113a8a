#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# report.html in a real browser: headless Chromium (Debian's chromium; the test is skipped,
# exit 77, when it is absent) opens the report of a small simulated cohort with the
# network disabled (a dead proxy, no name resolution) under the page's own
# Content-Security-Policy. The page must load without a console message of any kind (an
# error, or a request that the policy blocked), every section's figures must exist with a
# non-zero size after load (the page's script writes each SVG's rendered box into
# data-box; --dump-dom reads it back), and a full-page screenshot is written to the build
# folder (report-screenshot.png) for a person to look at. Two browser launches.
LUMEN=$1 DATA=$2
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then echo "skip: chromium not installed (scripts/packages.txt)"; exit 77; fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_results.sh"
export SOURCE_DATE_EPOCH=1700000000
R=$WORK/res
make_results "$R"
[ "$RESULTS_OK" = 1 ] || { finish; exit; }
run "$LUMEN" report -q --results "$R"; expect_rc "report" 0
P=$R/report.html
if grep -Eq 'https?:|//[a-z]' "$P"; then not_ok "the page names a URL" "$(grep -Eo '.{20}https?:.{20}' "$P" | head -3)"
else ok "no URL in the page"; fi

# Chromium keeps its profile and crash files under HOME: give it a private one.
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_CACHE_HOME=$WORK/home/.cache
mkdir -p "$HOME"
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
       --disable-background-networking --disable-sync --disable-default-apps
       --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND"
       --user-data-dir="$WORK/profile" --enable-logging=stderr --v=0)
timeout 120 "$CHROMIUM" "${flags[@]}" --virtual-time-budget=5000 --window-size=1280,1000 \
  --dump-dom "file://$P" >"$WORK/dom.html" 2>"$WORK/chromium.log"
rc=$?
[ $rc -eq 0 ] && ok "chromium loaded the page" || not_ok "chromium exit $rc" "$(tail -5 "$WORK/chromium.log")"
if grep -E ':CONSOLE|net::ERR|Content Security Policy' "$WORK/chromium.log" >"$WORK/console"; then
  not_ok "console messages or blocked requests" "$(head -5 "$WORK/console")"
else ok "no console message, no blocked or failed request"; fi

/usr/bin/python3 - "$WORK/dom.html" "$P" <<'PY' && ok "every section's figures rendered with a size" || not_ok "figures missing or empty after load"
import re, sys
from html.parser import HTMLParser
dom = open(sys.argv[1], encoding="utf-8").read()
src = open(sys.argv[2], encoding="utf-8").read()
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.body, s.cur, s.boxes = None, None, {}
    def handle_starttag(s, t, a):
        a = dict(a)
        if t == "body": s.body = a
        if t == "section": s.cur = a["id"]; s.boxes[s.cur] = []
        if t == "svg" and s.cur: s.boxes[s.cur].append(a.get("data-box"))
p = P(); p.feed(dom)
b = p.body
assert b is not None and b.get("data-errors") == "0", b
nsvg = src.count('<svg class="plot"')
assert b.get("data-svgs") == str(nsvg), (b.get("data-svgs"), nsvg)
for sec in ("reads", "composition", "diversity", "clinical"):
    boxes = p.boxes.get(sec)
    assert boxes, f"section {sec}: no figure"
    for bx in boxes:
        w, h = map(int, bx.split("x"))
        assert w > 100 and h > 50, (sec, bx)
print(b.get("data-height"))
PY
height=$(/usr/bin/python3 -c 'import re,sys; m=re.search(r"data-height=\"(\d+)\"", open(sys.argv[1]).read()); print(min(int(m.group(1)) if m else 9000, 30000))' "$WORK/dom.html")
SHOT=$(dirname "$LUMEN")/report-screenshot.png
rm -f "$SHOT"
timeout 120 "$CHROMIUM" "${flags[@]}" --virtual-time-budget=3000 --hide-scrollbars \
  --window-size=1280,"$height" --screenshot="$SHOT" "file://$P" >/dev/null 2>"$WORK/shot.log"
if [ -s "$SHOT" ] && [ "$(head -c 8 "$SHOT" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
  ok "full-page screenshot ($height px high): $SHOT"
else not_ok "no screenshot" "$(tail -3 "$WORK/shot.log")"; fi
finish
