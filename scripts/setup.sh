#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prepare a Debian 12 machine for lumen: install the packages in scripts/packages.txt
# (only the missing ones), fetch the real MiSeq reads of Debian's r-bioc-dada2 package
# into .cache/dada2 (without installing R), and build lumen in build/ (Release).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

mapfile -t want < <(sed -e 's/#.*//' -e '/^\s*$/d' scripts/packages.txt)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Real reads: MiSeq 2x250 V4 from mouse stool, shipped in r-bioc-dada2's extdata.
if [ ! -f .cache/dada2/sam2R.fastq.gz ]; then
  echo "setup: fetching the dada2 example reads"
  tmp=$(mktemp -d)
  # apt-get download needs package lists; a machine that had every package may lack them.
  (cd "$tmp" && { apt-get download -q r-bioc-dada2 >/dev/null 2>&1 ||
                  { $SUDO apt-get update -q >/dev/null && apt-get download -q r-bioc-dada2 >/dev/null; }; } &&
   dpkg -x r-bioc-dada2_*.deb x)
  mkdir -p .cache/dada2
  cp "$tmp"/x/usr/lib/R/site-library/dada2/extdata/sam[12][FR].fastq.gz .cache/dada2/
  rm -rf "$tmp"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${LM_CMAKE_FLAGS:-} >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built $ROOT/build/lumen ($(build/lumen --version))"
