# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests. A test script sources this file, calls the
# check functions, and ends with `finish`, which prints "N passed, N failed" and exits
# non-zero if anything failed.
#   usage in a test: LUMEN=$1 DATA=$2; . "$(dirname "$0")/lib.sh"
set -u
PASS=0
FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lumen-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '  %s\n' "$2"; return 0; }

# run CMD...: runs a command, keeping its status in $RC, stdout in $WORK/out, stderr in
# $WORK/err.
run() { "$@" >"$WORK/out" 2>"$WORK/err"; RC=$?; }
# True when $LUMEN is a sanitizer build (ASan reserves terabytes of address space and keeps
# freed memory in quarantine; such builds also run several times slower).
sanitized() { ldd "$LUMEN" 2>/dev/null | grep -q 'libasan\|libubsan'; }

# expect_rc NAME WANT: the last run exited with WANT.
expect_rc() {
  if [ "$RC" -eq "$2" ]; then ok "$1: exit $2"
  else not_ok "$1: exit $RC, expected $2" "$(head -c 600 "$WORK/err")"; fi
}

# expect_err NAME REGEX: stderr of the last run matches the extended regex.
expect_err() {
  if grep -Eq -- "$2" "$WORK/err"; then ok "$1: message matches /$2/"
  else not_ok "$1: message does not match /$2/" "$(head -c 600 "$WORK/err")"; fi
}

# expect_out NAME REGEX: stdout of the last run matches.
expect_out() {
  if grep -Eq -- "$2" "$WORK/out"; then ok "$1: output matches /$2/"
  else not_ok "$1: output does not match /$2/" "$(head -c 600 "$WORK/out")"; fi
}

# expect_no_files NAME DIR: DIR holds no files (no partial or temporary output left).
expect_no_files() {
  local left
  left=$(find "$2" -mindepth 1 -type f 2>/dev/null | head -5)
  if [ -z "$left" ]; then ok "$1: no output left behind"
  else not_ok "$1: files left behind" "$left"; fi
}

# expect_same NAME FILE1 FILE2: byte-identical files.
expect_same() {
  if cmp -s "$2" "$3"; then ok "$1: identical"
  else not_ok "$1: $2 and $3 differ" "$(diff "$2" "$3" 2>&1 | head -10)"; fi
}

finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
