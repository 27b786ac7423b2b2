#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Rebuilds models/default.model, the model embedded in nadxdp, from the bundled
# benign captures in tests/data (TRAIN_CAPS in scripts/vectors.sh; provenance in
# tests/data/PROVENANCE.md): each capture is turned into the engine's model vectors
# by its own engine (`nadxdp --pcap F --vectors-out CSV`, so per-source context
# starts fresh per capture), the rows are concatenated and `nadxdp train` fits the
# model set with seed 42. Same inputs and binary -> the same file. Then run `make` again
# to embed it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/vectors.sh
BIN=${NADXDP_BIN:-./nadxdp}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$BIN" ] || make -s nadxdp
train_vectors "$BIN" "$tmp" "$tmp/all.csv"
echo "$(($(wc -l < "$tmp/all.csv") - 1)) vectors from ${#TRAIN_CAPS[@]} captures"
mkdir -p "$tmp/m"
"$BIN" train --features "$tmp/all.csv" --models "$tmp/m" --seed 42
cp "$tmp/m/nadxdp.model" models/default.model
echo "wrote models/default.model ($(stat -c %s models/default.model) bytes); run make to embed it"
