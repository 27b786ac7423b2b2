#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The models as a user gets them: trained on their own site. scripts/eval-models.sh scores
# every capture with one model of the five bundled captures, so a site unlike those looks
# strange as a whole; this one gives each benign capture not trained on (a "site") its own
# model, trained on the first SITE_PCT percent (default 50) of its packets' model vectors,
# as the first start learns from the first packets, and scores the rest of them.
#
# Printed per site, capture-weighted ROC AUC (as in eval-models.sh) of
#   attacks: every attack capture's packets against the site's later packets;
#   other sites: the later packets of the other benign sites against the site's: the
#     control. A site model finds any traffic that is not the site's unusual, benign or
#     not, so the attack figure measures "attack" only where it stands above this one.
# Then the means over the tuning sites and over the held-out ones (HOLDOUT_CAPS in
# scripts/vectors.sh), the attack figure also against the held-out attack captures alone.
# Last, the detector's first start on each site: `nadxdp --pcap F --models EMPTY
# --train-packets (those packets)` learns the site while the embedded model detects, then
# detects with the site's model; its alerts from the last learned packet's time on (tshark
# reads it), per 10,000 of the later packets, by severity (all of them are false).
# Seed: SEED (default 42). Skipped cleanly without the labelled captures (../shared/pcaps).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/vectors.sh
BIN=${NADXDP_BIN:-./nadxdp}
PCT=${SITE_PCT:-50}
if ! labelled_pcaps; then
	echo "eval-sites: no labelled captures (../shared/pcaps): skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
labelled_vectors "$BIN" "$tmp/eval"

# first_start SITE: the detector learning SITE's first packets, then detecting (see the top).
first_start() {
	local c=$1 f h
	f=$(ls "$PCAPS/$1".pcap*)
	h=$(($(wc -l <"$tmp/$c.train.csv") - 1))
	mkdir -p "$tmp/fs.$c"
	"$BIN" --pcap "$f" --models "$tmp/fs.$c" --train-packets "$h" --retrain-interval 0 --json \
		--summary-interval 0 >"$tmp/$c.eve.json" 2>/dev/null
	tshark -r "$f" -Y "frame.number == $h" -T fields -e frame.time_epoch 2>/dev/null \
		>"$tmp/$c.swap"
}

# Sites: split each benign capture not trained on into its training and its test rows.
sites=() attacks=() others=()
for f in "$tmp"/eval/*.csv; do
	c=$(basename "$f" .csv)
	c=${c%.pcap} c=${c%.pcapng}
	case "$c" in
	benign_*) ;;
	*) attacks+=("$f") && continue ;;
	esac
	case " ${TRAIN_CAPS[*]} " in *" $c "*) continue ;; esac
	n=$(($(wc -l <"$f") - 1)) h=$((n * PCT / 100))
	head -n $((h + 1)) "$f" >"$tmp/$c.train.csv"
	{ head -n 1 "$f" && tail -n +$((h + 2)) "$f"; } >"$tmp/$c.csv"
	sites+=("$c") others+=("$tmp/$c.csv")
done
concat_vectors "$tmp/attacks.csv" "$tmp/attacks.index" "${attacks[@]}"
concat_vectors "$tmp/others.csv" "$tmp/others.index" "${others[@]}"
for c in "${sites[@]}"; do
	mkdir -p "$tmp/m.$c"
	"$BIN" train --features "$tmp/$c.train.csv" --models "$tmp/m.$c" --seed "${SEED:-42}" -q \
		>/dev/null
	for set in "$c" attacks others; do
		"$BIN" score --models "$tmp/m.$c" --features "$tmp/$set.csv" \
			--out "$tmp/$c.$set.scores"
	done
	if command -v tshark >/dev/null; then first_start "$c"; fi
done
HOLDOUT="${HOLDOUT_CAPS[*]}" python3 scripts/eval-sites-report.py "$tmp" "$PCT" "${SEED:-42}" \
	"${sites[@]}"
