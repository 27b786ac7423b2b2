#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# demo.sh - `sudo make demo`: nadxdp on the namespace test bed.
#
# Builds the test bed (scripts/testbed.sh), serves HTTP from nginx in the
# monitored namespace, attaches nadxdp to the monitored interface for about
# 20 s with the features of every record written to a CSV, and meanwhile
# sends benign traffic (curl, ping) from the client and attack-like traffic
# (an hping3 SYN burst, an nmap SYN scan of 198.18.0.1 only) from the
# attacker. Shows `nadxdp status` during the run and a summary of the
# records at the end. Everything is torn down on exit, Ctrl-C included.
# All traffic stays inside the test bed's namespaces (198.18.0.0/24).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NADXDP_BIN:-$ROOT/nadxdp}
TB="$ROOT/scripts/testbed.sh"
DURATION=${DEMO_DURATION:-20}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces and XDP); run: sudo make demo" >&2
	exit 1
fi
[ -x "$BIN" ] || { echo "demo: $BIN not found or not executable; run make first" >&2; exit 1; }
for t in curl ping hping3 nmap nginx nsenter; do
	command -v "$t" >/dev/null || { echo "demo: $t not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
if [ -e /sys/fs/bpf/nadxdp ]; then
	echo "demo: another nadxdp instance is running (maps pinned under /sys/fs/bpf/nadxdp)" >&2
	exit 1
fi

eval "$(bash "$TB" env)"
WORK=$(mktemp -d /tmp/nadxdp-demo.XXXXXX)
DAEMON_PID= NGINX_PID=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$DAEMON_PID" ] && kill -INT "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill -TERM "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	bash "$TB" down || true
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

say() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

say "test bed"
bash "$TB" up

say "nginx on $TB_MON_IP:80 in $TB_MON_NS"
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 256; }
http {
	access_log off;
	server {
		listen $TB_MON_IP:80;
		location / { return 200 "hello from $TB_MON_NS\n"; }
	}
}
EOF
in_ns "$TB_MON_NS" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 50); do
	in_ns "$TB_CLI_NS" curl -s -m 1 -o /dev/null "http://$TB_MON_IP/" && break
	sleep 0.1
done

say "nadxdp on $TB_MON_IF for ${DURATION}s"
in_ns "$TB_MON_NS" "$BIN" run "$TB_MON_IF" --duration "$DURATION" \
	--dump-features "$WORK/features.csv" >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do
	[ -e /sys/fs/bpf/nadxdp/nad_stats ] && break
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
	DAEMON_PID=
	echo "demo: nadxdp did not start:" >&2
	cat "$WORK/daemon.log" >&2
	exit 1
fi
sed 's/^/  daemon: /' "$WORK/daemon.log"

say "benign traffic from $TB_CLI_NS: 30 HTTP requests, 10 pings"
for _ in $(seq 30); do
	in_ns "$TB_CLI_NS" curl -s -m 2 -o /dev/null "http://$TB_MON_IP/"
	sleep 0.1
done
in_ns "$TB_CLI_NS" ping -c 10 -i 0.2 -q "$TB_MON_IP" | tail -1

say "nadxdp status after the benign phase"
"$BIN" status

say "attack-like traffic from $TB_ATK_NS: 3000 SYNs (hping3), SYN scan of ports 1-1024 (nmap)"
in_ns "$TB_ATK_NS" hping3 -q -S -p 80 -i u500 -c 3000 "$TB_MON_IP" 2>&1 | tail -2 || true
in_ns "$TB_ATK_NS" nmap -n -Pn -sS -p 1-1024 -T4 --max-retries 1 "$TB_MON_IP" | grep -E "open|Nmap done" || true

say "nadxdp status after the attack phase"
"$BIN" status

say "waiting for nadxdp to finish its ${DURATION}s"
wait "$DAEMON_PID" || echo "demo: nadxdp exited with status $?" >&2
DAEMON_PID=
sed 's/^/  daemon: /' "$WORK/daemon.log" | tail -n 20

if [ -s "$WORK/features.csv" ]; then
	say "records written with --dump-features: $(($(wc -l <"$WORK/features.csv") - 1))"
	echo "  by transport (transport_layer_hash: 1 TCP, 2 UDP, 3 ICMP) and direction:"
	awk -F, 'NR > 1 { n[$2 " " $14]++ } END { for (k in n) printf "    %-8s %8d\n", k, n[k] }' \
		"$WORK/features.csv" | sort
	echo "  bare SYNs (tcp_flags = 2) per source hash:"
	awk -F, 'NR > 1 && $10 == 2 { n[$3]++ } END { for (k in n) printf "    %-14s %8d\n", k, n[k] }' \
		"$WORK/features.csv" | sort -k2 -nr | head -5
	echo "  first rows:"
	head -n 4 "$WORK/features.csv" | sed 's/^/    /'
fi
say "done; tearing down"
