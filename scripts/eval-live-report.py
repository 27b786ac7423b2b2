# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The tables of the live eval (scripts/eval-live.sh) from its run folder.

Usage: python3 scripts/eval-live-report.py DIR   (DIR kept with EVAL_KEEP=1)

Reads phases.tsv (kind, name, expected class, expected source, start, end, end of the
pause, tool exit code; wall times), eve.json (anomaly and mitigation events),
status.NAME.{0,1}.json (counters at a phase's start and at the end of its pause),
rules.NAME.json (the rules at the end of the pause, with hits), sum.NAME (the tool's
result in one line) and meta.json (the bed's addresses).

Attribution. An attack owns the alerts whose episode starts within [start - 0.5 s,
end + 3 s] from its expected source (or keyed on the destination, as a distributed flood
is); time to first alert is the first alert of the expected class minus the start. A
heavy-benign phase owns every alert and every mitigation event from its start - 0.5 s to
the end of its pause (only benign hosts send then, so each warning/critical alert and
each rule is a false one). Every warning/critical alert no attack owns is false.
"""
import collections
import datetime
import ipaddress
import json
import os
import sys

SEV = {1: "info", 2: "warning", 3: "critical"}


def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def load(w):
    alerts, mits, ends = [], [], {}
    for line in open(os.path.join(w, "eve.json")):
        o = json.loads(line)
        et = o.get("event_type")
        if et == "anomaly" and o["anomaly"]["episode"]["state"] == "end":
            ends[o["anomaly"]["episode"]["id"]] = ts(o["timestamp"])
        elif et == "anomaly" and o["anomaly"]["episode"]["state"] == "start":
            a = o["anomaly"]
            alerts.append(dict(t=ts(a["episode"]["start"]), src=o["src_ip"], dst=o["dest_ip"],
                               cls=a["class"], level=a["level"], key=a["episode"]["key"],
                               ev=a["evidence"], id=a["episode"]["id"]))
        elif et == "mitigation":
            m = o["mitigation"]
            al = m.get("alert") or {}
            mits.append(dict(t=ts(o["timestamp"]), action=m["action"], kind=m["kind"],
                             rule=m["rule"], cls=al.get("class", m.get("reason", "?")),
                             why=m.get("why", ""), port=m.get("dest_port"),
                             src=m.get("src_ip")))
    phases = []
    for line in open(os.path.join(w, "phases.tsv")):
        kind, name, cls, src, s, e, end, rc = line.rstrip("\n").split("\t")
        phases.append(dict(kind=kind, name=name, cls=cls, src=src, s=float(s), e=float(e),
                           end=float(end), rc=int(rc)))
    for x in alerts:
        x["end"] = ends.get(x["id"], float("inf"))
    return alerts, mits, phases


def jload(w, name):
    try:
        return json.load(open(os.path.join(w, name)))
    except (OSError, ValueError):
        return None


def counters(w, name):
    """packets, records shed and packets dropped by rules over the phase."""
    a, b = jload(w, f"status.{name}.0.json"), jload(w, f"status.{name}.1.json")
    if not a or not b:
        return None, None, None
    ca, cb = a["counters"], b["counters"]
    d = {k: cb[k] - ca[k] for k in cb}
    return (d["pkts_in"] + d["pkts_out"], d["recs_shed"],
            d["dropped_rule"] + d["dropped_rate"])


def text(w, name):
    try:
        return open(os.path.join(w, name)).read().strip()
    except OSError:
        return ""


def covers(rule, addrs, src=None):
    """The benign addresses a rule holds back: a drop rule's prefix (sources), an aggregate
    rate rule's (the destination: every client's new connections to it), a signature rate
    rule's source (src: its own flood to that destination, nobody else's traffic)."""
    if src:
        return [a for a in addrs if a == src]
    try:
        net = ipaddress.ip_network(rule, strict=False)
    except ValueError:
        return []
    return [a for a in addrs if ipaddress.ip_address(a) in net]


def rule_hits(w, name):
    r = jload(w, f"rules.{name}.json") or {}
    return {x["cidr"]: x.get("hits", 0) for x in r.get("rules", []) if x.get("origin") == "auto"}


def fmt_rule(m, hits):
    h = hits.get(m["rule"])
    what = m["kind"] + " " + (f"{m['src']} -> " if m.get("src") else "") + m["rule"] + \
        (f":{m['port']}" if m["kind"] == "rate" else "")
    return f"{m['action']} {what} ({m['cls']}" + (f", {h} hits" if h is not None else "") + ")"


def main(w):
    meta = json.load(open(os.path.join(w, "meta.json")))
    alerts, mits, phases = load(w)
    benign_hosts = [meta[k] for k in ("cli", "iot", "nat", "mon")] + meta["lan"].split()
    names = {meta["cli"]: "client", meta["iot"]: "IoT", meta["nat"]: "NAT", meta["mon"]: "monitored"}
    owned = set()
    heavy = [p for p in phases if p["kind"] == "benign"]
    attacks = [p for p in phases if p["kind"] == "attacks"]

    # ---- attacks
    rows = []
    per = collections.defaultdict(lambda: dict(n=0, det=0, miss=0, ttfa=[]))
    for p in attacks:
        s, e = p["s"], p["e"]
        mine = [i for i, x in enumerate(alerts) if s - 0.5 <= x["t"] <= e + 3 and
                (x["src"] == p["src"] or x["key"] == "destination")]
        owned.update(mine)
        hits = rule_hits(w, p["name"])
        rules = [fmt_rule(m, hits) for m in mits
                 if s - 0.5 <= m["t"] <= p["end"] and m["action"] in ("install", "skip")]
        if p["cls"] == "-":
            got = sorted({alerts[i]["cls"] for i in mine})
            rows.append((p["name"], "(none scored)", "n/a", "-", ",".join(got) or "-", rules))
            continue
        hit = [alerts[i] for i in mine if alerts[i]["cls"] == p["cls"]]
        other = sorted({alerts[i]["cls"] for i in mine if alerts[i]["cls"] != p["cls"]})
        # An episode of the class from the source still open when the attack began takes
        # the attack in without a new alert: say so.
        other += [f"(in {x['cls']} episode {x['id']} open since {x['t'] - s:.0f}s)"
                  for x in alerts if not hit and x["cls"] == p["cls"] and x["src"] == p["src"]
                  and x["t"] < s - 0.5 and x["end"] >= s]
        q = per[p["cls"]]
        q["n"] += 1
        t = None
        if hit:
            q["det"] += 1
            t = min(x["t"] for x in hit) - s
            q["ttfa"].append(t)
        else:
            q["miss"] += 1
        rows.append((p["name"], p["cls"], "yes" if hit else "MISS",
                     f"{t:.2f}" if t is not None else "-", ",".join(other) or "-", rules))
    false = [x for i, x in enumerate(alerts) if i not in owned and x["level"] >= 2]
    nfalse = collections.Counter(x["cls"] for x in false)

    # ---- heavy benign
    if heavy:
        print()
        print("heavy legitimate traffic (mitigation on; the client's browsing and the IoT "
              "telemetry run all along)")
        print(f"{'scenario':<11} {'packets':>9} {'shed':>7} {'dropped':>7} {'warn':>4} {'crit':>4} "
              f"{'info':>4} {'info/10k':>8}  {'alerts (class/severity:n)':<40} rules against benign hosts")
        tot = collections.Counter()
        details = []
        for p in heavy:
            lo, hi = p["s"] - 0.5, p["end"]
            mine = [x for x in alerts if lo <= x["t"] < hi]
            pk, shed, drop = counters(w, p["name"])
            byc = collections.Counter(f"{x['cls']}/{SEV[x['level']]}" for x in mine)
            warn = sum(1 for x in mine if x["level"] == 2)
            crit = sum(1 for x in mine if x["level"] == 3)
            info = sum(1 for x in mine if x["level"] == 1)
            hits = rule_hits(w, p["name"])
            rules = [m for m in mits if lo <= m["t"] < hi and m["action"] in
                     ("install", "skip", "would_install")]
            against = [m for m in rules if covers(m["rule"], benign_hosts, m.get("src"))]
            n_against = sum(1 for m in against if m["action"] != "skip")
            tot.update(pk=pk or 0, shed=shed or 0, drop=drop or 0, warn=warn, crit=crit,
                       info=info, rules=n_against)
            per10k = f"{1e4 * info / pk:.2f}" if pk else "-"
            ab = " ".join(f"{k}:{v}" for k, v in sorted(byc.items())) or "-"
            rl = "; ".join(fmt_rule(m, hits) for m in against) or "-"
            print(f"{p['name']:<11} {pk if pk is not None else '-':>9} {shed if shed is not None else '-':>7} "
                  f"{drop if drop is not None else '-':>7} {warn:>4} {crit:>4} {info:>4} "
                  f"{per10k:>8}  {ab:<40} {rl}")
            details.append((p, mine, [m for m in rules if m not in against], hits))
        per10k = f"{1e4 * tot['info'] / tot['pk']:.2f}" if tot["pk"] else "-"
        print(f"{'total':<11} {tot['pk']:>9} {tot['shed']:>7} {tot['drop']:>7} {tot['warn']:>4} "
              f"{tot['crit']:>4} {tot['info']:>4} {per10k:>8}  "
              f"{'(targets: 0 warning/critical, 0 rules, <= 1 info/10k)':<40} {tot['rules']}")
        print("  shed: records the kernel could not hand to userspace; dropped: packets the "
              "ingress rules dropped; rules: install = a rule put in place (its hits when the "
              "phase ended), skip = one the allowlist refused (the host's own address)")
        for p, mine, other_rules, hits in details:
            rc = "" if p["rc"] == 0 else f" (exit {p['rc']})"
            print(f"  {p['name']}: {text(w, 'sum.' + p['name']) or '-'}{rc}")
            for x in mine:
                if x["level"] >= 2:
                    print(f"    {x['cls']}/{SEV[x['level']]} from {x['src']} "
                          f"({names.get(x['src'], '?')}) to {x['dst']}: {x['ev'][:110]}")
            for m in other_rules:
                print(f"    rule: {fmt_rule(m, hits)}")

    # ---- attacks' tables
    if attacks:
        print()
        print(f"{'attack':<18} {'expected':<20} {'detected':<8} {'first alert':>11}  "
              f"{'other classes':<34} rules")
        for r in rows:
            print(f"{r[0]:<18} {r[1]:<20} {r[2]:<8} {r[3]:>10}s  {r[4]:<34} {'; '.join(r[5]) or '-'}")
        print()
        print(f"{'class':<20} {'attacks':>7} {'detected':>8} {'missed':>6} {'false':>5} "
              f"{'first alert (s): median':>24} {'max':>6}")
        for cls in sorted(set(per) | set(nfalse)):
            q = per[cls]
            tt = sorted(q["ttfa"])
            med = f"{tt[len(tt) // 2]:.2f}" if tt else "-"
            mx = f"{tt[-1]:.2f}" if tt else "-"
            print(f"{cls:<20} {q['n']:>7} {q['det']:>8} {q['miss']:>6} {nfalse[cls]:>5} "
                  f"{med:>24} {mx:>6}")

    # ---- the whole run
    print()
    ben = [x for x in false if x["src"] in benign_hosts]
    ben_rules = [m for m in mits if m["action"] in ("install", "would_install")
                 and covers(m["rule"], benign_hosts, m.get("src"))]
    print(f"benign hosts (client, IoT, NAT, monitored) over the whole run: {len(ben)} "
          f"warning/critical alerts from them that no attack owns, {len(ben_rules)} rules "
          f"installed against them")
    br = next((p for p in heavy if p["name"] == "browse"), None)
    if br:
        pk, _, _ = counters(w, "browse")
        win = [x for x in alerts if br["s"] - 0.5 <= x["t"] < br["end"]]
        info = sum(1 for x in win if x["level"] == 1)
        print(f"browse phase (60 s): {pk} packets, {len(win)} alerts, {info} info "
              f"= {1e4 * info / max(pk or 0, 1):.2f} per 10,000 packets")
    st = jload(w, "status.end.json")
    if st:
        srcs = {x["addr"]: x["pkts"] for x in st["top_sources"]}
        bpk = sum(srcs.get(a, 0) for a in benign_hosts)
        binfo = sum(1 for x in alerts if x["src"] in benign_hosts and x["level"] == 1)
        print(f"whole run: benign hosts sent {bpk} packets; {binfo} info alerts from them "
              f"= {1e4 * binfo / max(bpk, 1):.2f} per 10,000 packets")
    heavy_windows = [(p["s"] - 0.5, p["end"]) for p in heavy]
    for x in false:
        if any(lo <= x["t"] < hi for lo, hi in heavy_windows):
            continue  # listed under its scenario above
        print(f"  false: {x['cls']}/{SEV[x['level']]} from {x['src']} to {x['dst']}: "
              f"{x['ev'][:110]}")
    ssh = os.path.exists(os.path.join(w, "ssh_ok"))
    print(f"benign ssh logins with a key: {'yes' if ssh else 'FAILED (sshd in the namespace)'}")
    print(f"rules against benign hosts were "
          f"{'deleted after each phase' if meta['unblock'] != '0' else 'left in place (EVAL_UNBLOCK=0)'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
