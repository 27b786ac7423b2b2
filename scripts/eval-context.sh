#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Does each per-source context feature of the model vector help the models?
# For the full vector, for the vector without each feature after the per-packet ones
# (those after transport_layer_hash), and for the per-packet features alone: train the model set as
# scripts/make-default-model.sh does (same bundled benign captures, seed 42), then
# score every labelled capture of ../shared/pcaps and count, per capture, the
# share of packets both models flag (autoencoder MAE above its threshold and
# forest score below its threshold: what an info class needs). A capture counts
# as model-detected when >= 10 % of its packets are flagged. The five training
# captures are left out of the benign figures. SEED=N changes the training seed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/vectors.sh
BIN=${NADXDP_BIN:-./nadxdp}
labelled_pcaps || { echo "eval-context: no labelled captures"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
train_vectors "$BIN" "$tmp/train" "$tmp/all.csv"
labelled_vectors "$BIN" "$tmp/eval"
python3 - "$BIN" "$tmp" "${TRAIN_CAPS[@]}" <<'PY'
import csv, os, re, subprocess, sys
bin_, tmp, train_caps = sys.argv[1], sys.argv[2], set(sys.argv[3:])
def load(p):
    with open(p) as f:
        r = list(csv.reader(f))
    return r[0], r[1:]
names, train_rows = load(os.path.join(tmp, "all.csv"))
ctx = names[names.index("transport_layer_hash") + 1:]
variants = ([(f"all {len(names)}", [])] + [(f"without {c}", [c]) for c in ctx] +
            [(f"{len(names) - len(ctx)} per-packet only", ctx)])
def write(path, rows, keep):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([names[i] for i in keep])
        for r in rows:
            w.writerow([r[i] for i in keep])
evals = {fn[:-4]: load(os.path.join(tmp, "eval", fn))[1]
         for fn in sorted(os.listdir(os.path.join(tmp, "eval")))}
print(f"{'vector':<28} {'attack captures':>16} {'mean flagged':>13} {'benign held-out':>16} "
      f"{'mean flagged':>13}")
for label, drop in variants:
    keep = [i for i, n in enumerate(names) if n not in drop]
    vdir = os.path.join(tmp, "v"); os.makedirs(vdir, exist_ok=True)
    write(os.path.join(vdir, "train.csv"), train_rows, keep)
    out = subprocess.run([bin_, "train", "--features", os.path.join(vdir, "train.csv"),
                          "--models", vdir, "--seed", os.environ.get("SEED", "42")], capture_output=True, text=True)
    m = re.search(r"ae_mae > ([-0-9.e+]+).*iforest_score < ([-0-9.e+]+)", out.stdout + out.stderr)
    ae_t, if_t = float(m.group(1)), float(m.group(2))
    att_det = att_n = ben_det = ben_n = 0; att_rate = []; ben_rate = []
    for cap, rows in evals.items():
        base = re.sub(r"\.(pcap|pcapng)$", "", cap)
        if base in train_caps or not rows:
            continue
        write(os.path.join(vdir, "x.csv"), rows, keep)
        sc = subprocess.run([bin_, "score", "--models", vdir, "--features",
                             os.path.join(vdir, "x.csv")], capture_output=True, text=True).stdout
        lines = [l.split(",") for l in sc.splitlines()[1:] if l]
        flagged = sum(1 for a, i in lines if float(a) > ae_t and float(i) < if_t)
        rate = flagged / max(len(lines), 1)
        if cap.startswith("benign_"):
            ben_n += 1; ben_det += rate >= 0.10; ben_rate.append(rate)
        else:
            att_n += 1; att_det += rate >= 0.10; att_rate.append(rate)
    print(f"{label:<28} {f'{att_det}/{att_n} detected':>16} "
          f"{100*sum(att_rate)/len(att_rate):>12.1f}% {f'{ben_det}/{ben_n} flagged':>16} "
          f"{100*sum(ben_rate)/len(ben_rate):>12.1f}%")
PY
