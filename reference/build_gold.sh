#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Obtain the gold 16S reference (Debian's microbiomeutil-data: 5,181 nearly full-length
# type-strain and genome 16S sequences, 1,196 genera, lineages in the headers) and build
# lumen's k-mer index from it.
#   usage: reference/build_gold.sh [OUT.lmi] [LUMEN]     (default: gold.lmi, lumen on PATH)
set -euo pipefail
OUT=${1:-gold.lmi}
LUMEN=${2:-lumen}
GOLD=/usr/share/microbiomeutil-data/RESOURCES/rRNA16S.gold.fasta
if [ ! -r "$GOLD" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y microbiomeutil-data >/dev/null
  else
    echo "build_gold.sh: $GOLD missing; run: sudo apt-get install microbiomeutil-data" >&2
    exit 66
  fi
fi
# The headers read ">id<TAB>description<TAB>...<TAB>Bacteria; Phylum; ...; Genus";
# lumen index takes the last tab-separated field as the lineage.
"$LUMEN" index --fasta "$GOLD" --out "$OUT"
echo "$OUT"
