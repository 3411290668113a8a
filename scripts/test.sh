#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up (scripts/setup.sh), build, and run the whole test suite: unit and end-to-end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j2 "$@"
