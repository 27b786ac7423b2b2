# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The table of scripts/eval-sites.sh from its scratch folder.

Usage: python3 eval-sites-report.py DIR PCT SEED SITE...   (HOLDOUT: the held-out captures)

Reads, per site, DIR/SITE.train.csv (its training rows) and the scores of its own model
(`nadxdp score` CSV: ae_mae, iforest_score) of its later rows (SITE.SITE.scores), of every
attack capture's rows (SITE.attacks.scores, captures in attacks.index) and of the other
sites' later rows (SITE.others.scores, captures in others.index); and the first start's
EVE JSON (SITE.eve.json) with the epoch time of its last learned packet (SITE.swap).
"""
import collections
import datetime
import json
import os
import sys

import roc  # scripts/roc.py, beside this one


def scores(path):
    """(ae_mae, -iforest_score) per row: both higher = more anomalous."""
    rows = open(path).read().split("\n")[1:]
    return [(float(a), -float(i)) for a, i in (r.split(",") for r in rows if r)]


def index(path):
    return [(c, int(n)) for c, n in (line.split("\t") for line in open(path))]


def auc(neg, parts, m):
    """Capture-weighted AUC of the captures parts [(name, rows)] against the rows neg."""
    return roc.Negatives([[r[m] for r in neg]]).auc([[r[m] for r in rows] for _, rows in parts])


def split(rows, idx, skip=None):
    out, pos = [], 0
    for c, n in idx:
        if c != skip and n:
            out.append((c, rows[pos:pos + n]))
        pos += n
    return out


def first_start(tmp, sites):
    """The alerts of each first start after its swap, by severity, per 10,000 later packets."""
    tot, pkts = collections.Counter(), 0
    if not all(os.path.exists(os.path.join(tmp, f"{s}.swap")) for s in sites):
        print("first start, after learning: not measured (it needs tshark, for the time of "
              "the last learned packet)")
        return
    print(f"{'first start, after learning':<34} {'packets':>13}   alerts by severity")
    for s in sites:
        swap = float(open(os.path.join(tmp, f"{s}.swap")).read())
        n = len(scores(os.path.join(tmp, f"{s}.{s}.scores")))
        sev = collections.Counter()
        for line in open(os.path.join(tmp, f"{s}.eve.json")):
            o = json.loads(line)
            if o.get("event_type") != "anomaly" or o["anomaly"]["episode"]["state"] != "start":
                continue
            t = datetime.datetime.strptime(o["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
            if t.timestamp() > swap:
                sev[o["anomaly"]["severity"]] += 1
        tot += sev
        pkts += n
        print(f"{s:<34} {n:>13}   {dict(sev) or 'none'}")
    per = ", ".join(f"{k} {1e4 * v / max(pkts, 1):.2f}" for k, v in sorted(tot.items()))
    print(f"{'all sites':<34} {pkts:>13}   {dict(tot) or 'none'}: per 10,000 packets "
          f"{per or '0'}")


def main():
    tmp, pct, seed, sites = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    holdout = set(os.environ.get("HOLDOUT", "").split())
    att_idx = index(os.path.join(tmp, "attacks.index"))
    oth_idx = index(os.path.join(tmp, "others.index"))
    res = {}
    print(f"eval-sites: each benign capture not in the default model's training (a site) "
          f"trained on the first {pct}% of its vectors (seed {seed}), scored on the rest")
    print(f"{'site (* held out)':<34} {'train':>6} {'test':>6}   {'attacks: AE':>11} {'IF':>6}"
          f"   {'other sites: AE':>15} {'IF':>6}")
    for s in sites:
        own = scores(os.path.join(tmp, f"{s}.{s}.scores"))
        att = split(scores(os.path.join(tmp, f"{s}.attacks.scores")), att_idx)
        oth = split(scores(os.path.join(tmp, f"{s}.others.scores")), oth_idx, skip=s)
        held = [p for p in att if p[0].split(".pcap")[0] in holdout]
        ntrain = sum(1 for _ in open(os.path.join(tmp, f"{s}.train.csv"))) - 1
        res[s] = [(auc(own, att, m), auc(own, held, m), auc(own, oth, m)) for m in (0, 1)]
        ae, iff = res[s]
        mark = "*" if s in holdout else ""
        print(f"{s + mark:<34} {ntrain:>6} {len(own):>6}   {ae[0]:>11.3f} {iff[0]:>6.3f}"
              f"   {ae[2]:>15.3f} {iff[2]:>6.3f}")
    for name, sel in (("tuning sites", [s for s in sites if s not in holdout]),
                      ("held-out sites", [s for s in sites if s in holdout])):
        if not sel:
            continue
        mean = [[sum(res[s][m][k] for s in sel) / len(sel) for k in range(3)] for m in (0, 1)]
        print(f"{name + ' (mean of ' + str(len(sel)) + ')':<34} {'':>6} {'':>6}   "
              f"{mean[0][0]:>11.3f} {mean[1][0]:>6.3f}   {mean[0][2]:>15.3f} {mean[1][2]:>6.3f}"
              f"   held-out attacks only: AE {mean[0][1]:.3f} IF {mean[1][1]:.3f}")
    first_start(tmp, sites)


main()
