#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The live part of `make eval` (scripts/eval.sh runs it; root).
#
# Real tools in the namespace test bed. Every process started here is stopped by
# its pid and the bed is always removed (trap). Only 198.18.0.0/24 is used.
#   mon 198.18.0.1  nadxdp on the monitored interface; nginx :80, dnsmasq :53, sshd :22,
#                   an nc sink on :9999 (the "unusual" upload port)
#   cli 198.18.0.2  benign: a web request every 0.5 s, a DNS lookup every 2 s, an ssh
#                   login with a key every 20 s
#       198.18.0.4  IoT-like: 40-60 B UDP telemetry to 1883 and 5683 every second
#   atk 198.18.0.3  60 s after the start, the attacks, one after the other, 12 s apart
# Time to first alert: the alert's episode start (the first anomalous packet's record
# time, CLOCK_MONOTONIC, printed as wall time by nadxdp with the offset it took at start)
# minus the wall time taken just before the attack tool started.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
BIN=${NADXDP_BIN:-./nadxdp}
BIN=$(readlink -f "$BIN")

need=(hping3 nmap hydra slowhttptest dnsmasq nginx nc curl dig ssh ssh-keygen
	nsenter python3)
miss=()
if [ "$(id -u)" -ne 0 ]; then
	echo "eval: live part skipped (needs root: namespaces and XDP)"
	exit 0
fi
for t in "${need[@]}"; do command -v "$t" >/dev/null || miss+=("$t"); done
[ -x /usr/sbin/sshd ] || miss+=(sshd)
if [ ${#miss[@]} -gt 0 ]; then
	echo "eval: live part skipped, missing: ${miss[*]} (scripts/install-deps.sh)"
	exit 0
fi
if [ -e /sys/fs/bpf/nadxdp ]; then
	echo "eval: live part skipped: another nadxdp instance runs (/sys/fs/bpf/nadxdp)"
	exit 0
fi
(
set -u
export NADX_PREFIX=${NADX_PREFIX:-nadxev}
TB="$PWD/scripts/testbed.sh"
eval "$(bash "$TB" env)"
W=$(mktemp -d /tmp/nadxdp-eval.XXXXXX)
PIDS=()
IOT_IP=198.18.0.4
cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	bash "$TB" down >/dev/null 2>&1 || true
	if [ -n "${EVAL_KEEP:-}" ]; then echo "eval: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
now() { date +%s.%N; }

bash "$TB" up >/dev/null || { echo "eval: test bed failed"; exit 1; }
# the IoT address on the client's interface, and the monitored host's neighbour entry
in_ns "$TB_CLI_NS" ip addr add "$IOT_IP/24" dev "$TB_CLI_IF"
in_ns "$TB_MON_NS" ip neigh replace "$IOT_IP" lladdr "$TB_CLI_MAC" dev "$TB_MON_IF" \
	nud permanent

# services in mon
mkdir -p "$W/nginx/logs" /run/sshd
cat >"$W/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log crit;
events { worker_connections 1024; }
http {
access_log off;
client_body_timeout 30s;
client_header_timeout 30s;
server {
	listen $TB_MON_IP:80;
	location / { return 200 "hello from the monitored host\n"; }
}
}
EOF
in_ns "$TB_MON_NS" nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" & PIDS+=($!)
in_ns "$TB_MON_NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--listen-address="$TB_MON_IP" --bind-interfaces --port=53 \
	--address=/bed.test/"$TB_MON_IP" --pid-file="$W/dnsmasq.pid" --user=root \
	--log-facility=/dev/null 2>/dev/null & PIDS+=($!)
ssh-keygen -q -t ed25519 -N '' -f "$W/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$W/user_key"
cp "$W/user_key.pub" "$W/authorized_keys"
cat >"$W/sshd_config" <<EOF
ListenAddress $TB_MON_IP:22
HostKey $W/host_key
PidFile $W/sshd.pid
AuthorizedKeysFile $W/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100:30:200
EOF
in_ns "$TB_MON_NS" /usr/sbin/sshd -D -e -f "$W/sshd_config" 2>"$W/sshd.log" & PIDS+=($!)
in_ns "$TB_MON_NS" sh -c "while :; do nc -l $TB_MON_IP 9999 >/dev/null || sleep 0.2; done" \
	& PIDS+=($!)
for _ in $(seq 50); do
	in_ns "$TB_CLI_NS" curl -s -m 1 -o /dev/null "http://$TB_MON_IP/" && break
	sleep 0.1
done

# nadxdp
# nsenter execs nadxdp: $! is the daemon itself, which stops on SIGTERM.
# --no-mitigate: this measures detection. With mitigation on, the first flood's
# automatic rule drops the attacker, and every later attack from it never reaches
# the engine (scripts/bench-mitigation.sh measures mitigation).
nsenter --net="/run/netns/$TB_MON_NS" -- "$BIN" run "$TB_MON_IF" --no-train \
	--retrain-interval 0 -q --summary-interval 0 --log "$W/eve.json" --no-mitigate \
	>"$W/daemon.log" 2>&1 & DAEMON=$!
PIDS+=("$DAEMON")
wait_daemon "$DAEMON" /sys/fs/bpf/nadxdp/nad_stats || true
if ! kill -0 "$DAEMON" 2>/dev/null; then
	echo "eval: nadxdp did not start:"; cat "$W/daemon.log"; exit 1
fi
sleep 1
pkts() { "$BIN" status --json | python3 -c 'import json,sys
def f(o):
    if isinstance(o, dict):
        if "pkts_in" in o: return o["pkts_in"] + o["pkts_out"]
        for v in o.values():
            r = f(v)
            if r is not None: return r
print(f(json.load(sys.stdin)))'; }

# benign client and IoT device, for the whole run
ssh_login() {
	in_ns "$TB_CLI_NS" ssh -q -i "$W/user_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=3 "root@$TB_MON_IP" true
}
ssh_login && echo ok >"$W/ssh_ok"
(
	i=0
	while :; do
		in_ns "$TB_CLI_NS" curl -s -m 2 -o /dev/null "http://$TB_MON_IP/page$((i % 7))"
		[ $((i % 4)) -eq 0 ] && in_ns "$TB_CLI_NS" dig +short +time=1 +tries=1 \
			@"$TB_MON_IP" "host$((i % 13)).bed.test" >/dev/null
		[ $((i % 40)) -eq 0 ] && ssh_login
		i=$((i + 1))
		sleep 0.5
	done
) >/dev/null 2>&1 & PIDS+=($!)
in_ns "$TB_CLI_NS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
n = 0
while True:
    for port in (1883, 5683):
        s.sendto(b"t=%d;temp=21.%d;hum=40" % (n, n % 10) + b"x" * (n % 20), (sys.argv[2], port))
    n += 1
    time.sleep(1)
' "$IOT_IP" "$TB_MON_IP" >/dev/null 2>&1 & PIDS+=($!)

echo "eval: live: benign and IoT traffic for 60 s"
B0=$(now); P0=$(pkts)
sleep 60
B1=$(now); P1=$(pkts)

# 60 guesses: with sshd's default MaxAuthTries 6, hydra needs about 15 connections
for w in 123456 password admin root toor letmein qwerty 12345678 111111 abc123 \
	 dragon master monkey shadow sunshine princess football iloveyou 000000 \
	 welcome login passw0rd 1234 12345 654321 superman batman trustno1 hello; do
	echo "$w"
	echo "${w}1"
done >"$W/words"
head -c 50000000 /dev/urandom >"$W/upload.bin"
attack() { # name expected-class command...
	local name=$1 cls=$2 s e
	shift 2
	s=$(now)
	in_ns "$TB_ATK_NS" "$@" >/dev/null 2>&1
	e=$(now)
	printf '%s\t%s\t%s\t%s\n' "$name" "$cls" "$s" "$e" >>"$W/attacks.tsv"
	echo "eval: live: $name done ($(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", b - a }') s)"
	sleep 12
}
attack hping3_syn_flood dos_attack timeout 4 hping3 -q -S -p 80 --flood "$TB_MON_IP"
attack nmap_sS scanning nmap -n -Pn -sS -p 1-1000 -T4 --max-retries 1 "$TB_MON_IP"
attack hping3_udp_flood dos_attack timeout 4 hping3 -q --udp -p 7000 --flood "$TB_MON_IP"
attack nmap_sT scanning nmap -n -Pn -sT -p 1-1000 -T4 --max-retries 1 "$TB_MON_IP"
attack hping3_icmp_flood dos_attack timeout 4 hping3 -q --icmp --flood "$TB_MON_IP"
attack hydra_ssh credential_stuffing timeout 60 sh -c \
	"cd '$W' && hydra -l admin -P '$W/words' -t 4 -I ssh://$TB_MON_IP"
attack nmap_sU scanning timeout 30 nmap -n -Pn -sU -p 1-200 -T4 --max-retries 1 \
	--min-rate 200 "$TB_MON_IP"
attack slowhttptest dos_attack timeout 25 slowhttptest -H -c 300 -i 5 -r 100 -l 15 \
	-u "http://$TB_MON_IP/" -p 3 -x 24
attack nmap_sV scanning timeout 60 nmap -n -Pn -sV -p 1-100 -T4 --max-retries 1 \
	--version-light "$TB_MON_IP"
attack upload_nc_9999 data_exfiltration timeout 30 sh -c \
	"nc -N $TB_MON_IP 9999 <'$W/upload.bin'"
sleep 4
# packets each source sent over the whole run (the kernel's per-source counters)
"$BIN" status --json --top 64 >"$W/status.json"
kill -TERM "$DAEMON"
wait "$DAEMON"
python3 - "$W" "$B0" "$B1" "$P0" "$P1" "$TB_CLI_IP" "$IOT_IP" "$TB_ATK_IP" \
	"$TB_MON_IP" <<'PY'
import collections, datetime, json, os, sys
W, B0, B1, P0, P1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
CLI, IOT, ATK, MON = sys.argv[6:10]
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
starts = []
for line in open(os.path.join(W, "eve.json")):
    o = json.loads(line)
    if o.get("event_type") != "anomaly" or o["anomaly"]["episode"]["state"] != "start":
        continue
    a = o["anomaly"]
    starts.append(dict(t=ts(a["episode"]["start"]), src=o["src_ip"], dst=o["dest_ip"],
                       cls=a["class"], level=a["level"], key=a["episode"]["key"],
                       ev=a["evidence"]))
attacks = [l.rstrip("\n").split("\t") for l in open(os.path.join(W, "attacks.tsv"))]
used = set()
rows = []
per = collections.defaultdict(lambda: dict(n=0, det=0, miss=0, ttfa=[]))
for name, cls, s, e in attacks:
    s, e = float(s), float(e)
    mine = [i for i, x in enumerate(starts) if s - 0.5 <= x["t"] <= e + 3 and
            (x["src"] == ATK or x["key"] == "destination")]
    used.update(mine)
    hit = [starts[i] for i in mine if starts[i]["cls"] == cls]
    other = sorted({starts[i]["cls"] for i in mine if starts[i]["cls"] != cls})
    p = per[cls]; p["n"] += 1
    if hit:
        p["det"] += 1; t = min(x["t"] for x in hit) - s; p["ttfa"].append(t)
    else:
        p["miss"] += 1; t = None
    rows.append((name, cls, "yes" if hit else "MISS", f"{t:.2f}" if t is not None else "-",
                 ",".join(other) or "-"))
false = collections.Counter()
false_rows = []
for i, x in enumerate(starts):
    if i in used or x["level"] < 2:
        continue
    false[x["cls"]] += 1
    false_rows.append(x)
print()
print(f"{'attack':<20} {'expected':<20} {'detected':<8} {'first alert':>11}  other classes")
for r in rows:
    print(f"{r[0]:<20} {r[1]:<20} {r[2]:<8} {r[3]:>10}s  {r[4]}")
print()
print(f"{'class':<20} {'attacks':>7} {'detected':>8} {'missed':>6} {'false':>5} "
      f"{'first alert (s): median':>24} {'max':>6}")
for cls in sorted(set(per) | set(false)):
    p = per[cls]
    tt = sorted(p["ttfa"])
    med = f"{tt[len(tt) // 2]:.2f}" if tt else "-"
    mx = f"{tt[-1]:.2f}" if tt else "-"
    print(f"{cls:<20} {p['n']:>7} {p['det']:>8} {p['miss']:>6} {false[cls]:>5} {med:>24} {mx:>6}")
print()
ben = [x for x in starts if x["src"] in (CLI, IOT) and x["level"] >= 2]
ben_win = [x for x in starts if B0 <= x["t"] <= B1]
info_win = [x for x in ben_win if x["level"] == 1]
pk = P1 - P0
print(f"benign/IoT hosts: {len(ben)} warning/critical alerts against them over the whole run, "
      f"{sum(1 for x in ben if B0 <= x['t'] <= B1)} in the 60 s benign phase")
print(f"benign phase: {pk} packets, {len(ben_win)} alerts, {len(info_win)} info "
      f"= {1e4 * len(info_win) / max(pk, 1):.2f} per 10,000 packets")
srcs = {x["addr"]: x["pkts"] for x in json.load(open(os.path.join(W, "status.json")))["top_sources"]}
bpk = srcs.get(CLI, 0) + srcs.get(IOT, 0)
binfo = sum(1 for x in starts if x["src"] in (CLI, IOT) and x["level"] == 1)
print(f"whole run: benign/IoT hosts sent {bpk} packets; {binfo} info alerts against them "
      f"= {1e4 * binfo / max(bpk, 1):.2f} per 10,000 packets")
for x in false_rows:
    print(f"  false: {x['cls']} from {x['src']} to {x['dst']}: {x['ev'][:110]}")
ssh = os.path.exists(os.path.join(W, "ssh_ok"))
print(f"benign ssh logins with a key: {'yes' if ssh else 'FAILED (sshd in the namespace)'}")
PY
)
