#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How well do the two anomaly models, on their own, tell attack packets from benign
# ones? (The rules are left out: this is the models' share of the detection.)
#
# Model set: by default trained as scripts/make-default-model.sh does (the five bundled
# benign captures of tests/data, seed 42; SEED=N and TRAIN_ARGS="--epochs 80 ..." change
# it); with --default, models/default.model, the model make embeds, is scored as it is.
# Every packet of every labelled capture in ../shared/pcaps (skipped cleanly when the
# folder is absent; the label is the file name's prefix) is turned into the engine's model
# vector (`nadxdp --pcap F --vectors-out`) and scored (`nadxdp score`). The copies of the
# five training captures are left out; the other benign_* captures are the held-out
# benign side, every other capture the attack side.
#
# Printed per model (autoencoder: ae_mae, higher = more anomalous; isolation forest:
# iforest_score, lower = more anomalous) is the ROC AUC of attack packets against
# held-out benign packets, P(attack packet scores more anomalous than benign packet),
# ties counting one half; 0.5 is chance. Two weightings:
#   capture-weighted (the headline): every packet of a capture weighs 1 / its packets,
#     so each capture counts once on its side. Pooled figures are dominated by a few big
#     captures (a 37,841-packet SYN flood, a 46,656-packet IoT hub week) and would say
#     more about those captures than about the models.
#   pooled: every packet weighs 1.
# Each on all these captures, on the tuning set, and on the held-out set (HOLDOUT_CAPS in
# scripts/vectors.sh: labelled captures kept out of all tuning of the vector and its
# scaling; each side against the benign captures of its own set).
# Also, for a trained set (its thresholds are known): the capture-weighted share of
# packets each model flags (above the AE threshold, below the forest's offset), both flag,
# and the autoencoder puts above its extreme level (the engine's info classes need both
# models and one extreme), on each side; and per attack family (the
# file-name prefix), the capture-weighted AUC of its captures against all held-out benign.
# EVAL_MODELS_VERBOSE=1 adds one line per capture.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/vectors.sh
BIN=${NADXDP_BIN:-./nadxdp}
MODE=train
case "${1:-}" in
--default) MODE=default ;;
"") ;;
*)
	echo "usage: $0 [--default]" >&2
	exit 2
	;;
esac
if ! labelled_pcaps; then
	echo "eval-models: no labelled captures (../shared/pcaps): skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/m"
if [ "$MODE" = train ]; then
	train_vectors "$BIN" "$tmp/train" "$tmp/all.csv"
	# shellcheck disable=SC2086 # TRAIN_ARGS is a list of options
	"$BIN" train --features "$tmp/all.csv" --models "$tmp/m" --seed "${SEED:-42}" -q \
		${TRAIN_ARGS:-} >"$tmp/train.log"
	desc="trained as make-default-model.sh does (seed ${SEED:-42}${TRAIN_ARGS:+, $TRAIN_ARGS})"
else
	cp models/default.model "$tmp/m/nadxdp.model"
	: >"$tmp/train.log"
	desc="models/default.model"
fi
labelled_vectors "$BIN" "$tmp/eval"
# One scoring run over all captures: rows are concatenated, captures remembered by counts.
concat_vectors "$tmp/x.csv" "$tmp/index" "$tmp"/eval/*.csv
"$BIN" score --models "$tmp/m" --features "$tmp/x.csv" --out "$tmp/scores.csv"
HOLDOUT="${HOLDOUT_CAPS[*]}" python3 - "$tmp" "$desc" "${TRAIN_CAPS[@]}" <<'PY'
import collections, os, re, sys
sys.path.insert(0, "scripts")
import roc
tmp, desc, train_caps = sys.argv[1], sys.argv[2], set(sys.argv[3:])
holdout = set(os.environ["HOLDOUT"].split())
log = open(os.path.join(tmp, "train.log")).read()
m = re.search(r"ae_mae > ([-0-9.e+]+).*iforest_score < ([-0-9.e+]+)", log)
thr = (float(m.group(1)), -float(m.group(2))) if m else None
m = re.search(r"ae_mae extreme > ([-0-9.e+]+)", log)
ae_extreme = float(m.group(1)) if m else None
index = [l.rstrip("\n").split("\t") for l in open(os.path.join(tmp, "index"))]
rows = open(os.path.join(tmp, "scores.csv")).read().split("\n")[1:]
caps = {}  # capture -> ([ae], [-if]): both "higher = more anomalous"
pos = 0
for cap, n in index:
    n = int(n)
    base = re.sub(r"\.(pcap|pcapng)$", "", cap)
    part = [r.split(",") for r in rows[pos:pos + n]]
    pos += n
    if base in train_caps or not part:
        continue
    caps[base] = ([float(a) for a, _ in part], [-float(i) for _, i in part])
benign = sorted(c for c in caps if c.startswith("benign_"))
attack = sorted(c for c in caps if not c.startswith("benign_"))
family = lambda c: c.split("_")[0]

def negatives(model, weighted, neg=benign):
    return roc.Negatives([caps[c][model] for c in neg], weighted)

def auc(model, pos_caps, tab):
    return tab.auc([caps[c][model] for c in pos_caps])

def flagged(cs, which, ae_thr=None):
    """Capture-weighted share of packets flagged: which = 0 AE, 1 IF, 2 both."""
    ae_thr = thr[0] if ae_thr is None else ae_thr
    tot = 0.0
    for c in cs:
        a, f = caps[c]
        k = sum(1 for x, y in zip(a, f) if
                (x > ae_thr if which != 1 else True) and (y > thr[1] if which != 0 else True))
        tot += k / len(a)
    return tot / len(cs)

n_att = sum(len(caps[c][0]) for c in attack)
n_ben = sum(len(caps[c][0]) for c in benign)
print(f"eval-models: {desc}")
if thr:
    print(f"eval-models: thresholds ae_mae > {thr[0]:.5g}, iforest_score < {-thr[1]:.5g}")
print(f"eval-models: {len(attack)} attack captures ({n_att} packets) vs {len(benign)} held-out "
      f"benign captures ({n_ben} packets); the {len(train_caps)} training captures left out")
tabs = {(m, w): negatives(m, w) for m in (0, 1) for w in (True, False)}
split = {"tuning": [c for c in caps if c not in holdout],
         "held-out": [c for c in caps if c in holdout]}
print(f"eval-models: tuning set {sum(not c.startswith('benign_') for c in split['tuning'])} "
      f"attack + {sum(c.startswith('benign_') for c in split['tuning'])} benign captures; "
      f"held-out set (HOLDOUT_CAPS, never tuned on) "
      f"{sum(not c.startswith('benign_') for c in split['held-out'])} attack + "
      f"{sum(c.startswith('benign_') for c in split['held-out'])} benign")

def set_auc(m, which):
    """Capture-weighted and pooled AUC of a set's attack captures against its benign ones."""
    cs = split[which]
    pos = [c for c in cs if not c.startswith("benign_")]
    neg = [c for c in cs if c.startswith("benign_")]
    if not pos or not neg:
        return "     -       -"
    return (f"{auc(m, pos, negatives(m, True, neg)):>6.3f} "
            f"{auc(m, pos, negatives(m, False, neg)):>7.3f}")

names = ("autoencoder", "isolation forest")
hdr = (f"{'ROC AUC attack vs benign':<26} {'capture-weighted':>16} {'pooled':>7}"
       f"   {'tuning: weighted':>16} {'pooled':>7}   {'held-out: weighted':>18} {'pooled':>7}")
if thr:
    hdr += f"   {'flagged: attack':>15} {'benign':>7}"
print(hdr)
for m in (0, 1):
    line = (f"{names[m]:<26} {auc(m, attack, tabs[m, True]):>16.3f} "
            f"{auc(m, attack, tabs[m, False]):>7.3f}"
            f"   {set_auc(m, 'tuning'):>24}   {set_auc(m, 'held-out'):>26}")
    if thr:
        line += f"   {100 * flagged(attack, m):>14.1f}% {100 * flagged(benign, m):>6.1f}%"
    print(line)
pad = 26 + 17 + 8 + 27 + 29
if thr:
    print(f"{'both models flag':<{pad}}   "
          f"{100 * flagged(attack, 2):>14.1f}% {100 * flagged(benign, 2):>6.1f}%")
if thr and ae_extreme is not None:
    print(f"{'autoencoder extreme':<{pad}}   "
          f"{100 * flagged(attack, 0, ae_extreme):>14.1f}% "
          f"{100 * flagged(benign, 0, ae_extreme):>6.1f}%")
fams = collections.defaultdict(list)
for c in attack:
    fams[family(c)].append(c)
print(f"{'family (capture-weighted)':<26} {'captures':>8} {'AE AUC':>7} {'IF AUC':>7}")
for f in sorted(fams):
    print(f"{f:<26} {len(fams[f]):>8} {auc(0, fams[f], tabs[0, True]):>7.3f} "
          f"{auc(1, fams[f], tabs[1, True]):>7.3f}")
if os.environ.get("EVAL_MODELS_VERBOSE") == "1":
    print(f"{'capture (* held out)':<46} {'packets':>7} {'AE AUC':>7} {'IF AUC':>7}")
    for c in attack:
        mark = "*" if c in holdout else ""
        print(f"{c + mark:<46} {len(caps[c][0]):>7} {auc(0, [c], tabs[0, True]):>7.3f} "
              f"{auc(1, [c], tabs[1, True]):>7.3f}")
    # a benign capture against the other held-out benign ones would mean little; its
    # mean score says whether it is one the models find strange
    for c in benign:
        a, f = caps[c]
        print(f"{c + ('*' if c in holdout else ''):<46} {len(a):>7} mean ae_mae {sum(a) / len(a):.4g}, "
              f"iforest_score {-sum(f) / len(f):.4g}")
PY
