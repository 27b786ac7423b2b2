#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# demo.sh - `sudo make demo`: nadxdp on the namespace test bed.
#
# Builds the test bed (scripts/testbed.sh), serves HTTP from nginx in the
# monitored namespace, runs nadxdp on the monitored interface with its
# embedded default model and EVE JSON to a log, and meanwhile sends benign
# traffic (curl, ping) from the client, then an nmap SYN scan and an hping3
# SYN flood of 198.18.0.1 only from the attacker. Shows the alerts, the
# automatic drop rule the flood earns, `nadxdp status`, the benign client
# still being served, and the alert and mitigation events at the end.
# Everything is torn down on exit, Ctrl-C included.
# All traffic stays inside the test bed's namespaces (198.18.0.0/24). The
# demo runs in a private mount namespace (own bpffs on /sys/fs/bpf, own /run),
# so a real nadxdp instance on the machine is neither seen nor disturbed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NADXDP_BIN:-$ROOT/nadxdp}
TB="$ROOT/scripts/testbed.sh"
DURATION=${DEMO_DURATION:-120}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces and XDP); run: sudo make demo" >&2
	exit 1
fi
[ -x "$BIN" ] || { echo "demo: $BIN not found or not executable; run make first" >&2; exit 1; }
for t in curl ping hping3 nmap nginx nsenter unshare; do
	command -v "$t" >/dev/null || { echo "demo: $t not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

private_mounts "$@"

eval "$(bash "$TB" env)"
WORK=$(mktemp -d /tmp/nadxdp-demo.XXXXXX)
DAEMON_PID= NGINX_PID=

stop_procs() {
	stop_pid INT "$DAEMON_PID"
	stop_pid TERM "$NGINX_PID"
}
on_exit_teardown stop_procs

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
# nsenter execs the command: $! is the server's (and below the daemon's) own pid.
nsenter --net="/run/netns/$TB_MON_NS" -- nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 50); do
	in_ns "$TB_CLI_NS" curl -s -m 1 -o /dev/null "http://$TB_MON_IP/" && break
	sleep 0.1
done

say "nadxdp on $TB_MON_IF (embedded default model, EVE JSON to a log)"
nsenter --net="/run/netns/$TB_MON_NS" -- "$BIN" run "$TB_MON_IF" --duration "$DURATION" \
	--profile home --summary-interval 0 --log "$WORK/eve.json" >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_daemon "$DAEMON_PID" /sys/fs/bpf/nadxdp/nad_stats || true
if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
	DAEMON_PID=
	echo "demo: nadxdp did not start:" >&2
	cat "$WORK/daemon.log" >&2
	exit 1
fi
sed 's/^/  daemon: /' "$WORK/daemon.log"
SEEN=$(wc -l <"$WORK/daemon.log")

# Prints the daemon's console lines (alerts, mitigation) written since the last call.
new_lines() {
	sleep 1.5
	tail -n +"$((SEEN + 1))" "$WORK/daemon.log" | grep -v ' pkts .* B | out ' | sed 's/^/  /' || true
	SEEN=$(wc -l <"$WORK/daemon.log")
}

say "benign traffic from $TB_CLI_NS: 30 HTTP requests, 10 pings"
for _ in $(seq 30); do
	in_ns "$TB_CLI_NS" curl -s -m 2 -o /dev/null "http://$TB_MON_IP/" || true
	sleep 0.1
done
in_ns "$TB_CLI_NS" ping -c 10 -i 0.2 -q "$TB_MON_IP" | tail -1
echo "  alerts (none expected):"
new_lines

say "attack 1 from $TB_ATK_NS: nmap SYN scan of ports 1-1024"
in_ns "$TB_ATK_NS" nmap -n -Pn -sS -p 1-1024 -T4 --max-retries 1 "$TB_MON_IP" | grep -E "Nmap done" || true
new_lines

say "attack 2 from $TB_ATK_NS: hping3 SYN flood (5 s) while $TB_CLI_NS keeps using the web server"
in_ns "$TB_ATK_NS" timeout 5 hping3 -q -S -p 80 --flood "$TB_MON_IP" >/dev/null 2>&1 &
FLOOD=$!
ok=0 n=0
for _ in $(seq 40); do
	n=$((n + 1))
	in_ns "$TB_CLI_NS" curl -s -m 2 -o /dev/null "http://$TB_MON_IP/" && ok=$((ok + 1))
	sleep 0.1
done
wait "$FLOOD" || true
echo "  benign HTTP requests during the flood: $ok/$n served"
new_lines

say "nadxdp rules list (the automatic rule, with its hits)"
"$BIN" rules list

say "nadxdp status"
"$BIN" status --top 3

say "stopping nadxdp (SIGINT: rules removed, programs detached, maps unpinned)"
kill -INT "$DAEMON_PID" 2>/dev/null || true
wait "$DAEMON_PID" || echo "demo: nadxdp exited with status $?" >&2
DAEMON_PID=
new_lines

if [ -s "$WORK/eve.json" ]; then
	say "EVE JSON log: $(wc -l <"$WORK/eve.json") events"
	echo "  anomaly episodes started, by class:"
	grep '"event_type":"anomaly"' "$WORK/eve.json" | grep '"state":"start"' |
		grep -o '"class":"[a-z_]*"' | sort | uniq -c | sed 's/^/    /'
	echo "  mitigation events:"
	grep '"event_type":"mitigation"' "$WORK/eve.json" |
		grep -o '"action":"[a-z_]*","kind":"[a-z]*","rule":"[^"]*"' | sed 's/^/    /'
	echo "  first alert:"
	grep -m1 '"event_type":"anomaly"' "$WORK/eve.json" | cut -c1-400 | sed 's/^/    /'
fi
say "done; tearing down"
