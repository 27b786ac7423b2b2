#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Rebuilds models/default.model, the model embedded in nadxdp, from the bundled
# benign captures in tests/data (provenance in tests/data/PROVENANCE.md):
# each capture is turned into the engine's model vectors by its own engine
# (`nadxdp --pcap F --vectors-out CSV`, so per-source context starts fresh per
# capture), the rows are concatenated and `nadxdp train` fits the model set
# with seed 42. Same inputs and binary -> the same file. Then run `make` again
# to embed it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${NADXDP_BIN:-./nadxdp}
CAPS=(benign_netflix_streaming benign_teams_call benign_iot_nest
      benign_dns_over_tls_android benign_web_ipv6_reddit)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$BIN" ] || make -s nadxdp
for c in "${CAPS[@]}"; do
	"$BIN" --pcap "tests/data/$c.pcap.gz" --no-train --quiet --summary-interval 0 \
		--vectors-out "$tmp/$c.csv" 2>/dev/null
done
head -n 1 "$tmp/${CAPS[0]}.csv" > "$tmp/all.csv"
for c in "${CAPS[@]}"; do tail -n +2 "$tmp/$c.csv" >> "$tmp/all.csv"; done
echo "$(($(wc -l < "$tmp/all.csv") - 1)) vectors from ${#CAPS[@]} captures"
mkdir -p "$tmp/m"
"$BIN" train --features "$tmp/all.csv" --models "$tmp/m" --seed 42
cp "$tmp/m/nadxdp.model" models/default.model
echo "wrote models/default.model ($(stat -c %s models/default.model) bytes); run make to embed it"
