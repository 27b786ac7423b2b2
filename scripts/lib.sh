# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# lib.sh - shared by the scripts that run nadxdp on the namespace test bed
# (demo.sh, bench-pipeline.sh, bench-mitigation.sh, eval.sh, eval-live.sh, soak.sh).
# Sourced, never run:
#   . "$(dirname "$0")/lib.sh"
# The caller sets TB (scripts/testbed.sh) and WORK (its scratch folder)
# before on_exit_teardown runs. The last sections (services, users and heavy
# legitimate traffic on the bed) are eval-live.sh's and soak.sh's.

# private_mounts "$@": re-runs the calling script (bash "$0" "$@") in a
# private mount namespace, then mounts its own bpffs on /sys/fs/bpf and a
# tmpfs on /run. The daemon started there pins its maps, writes its instance
# file and keeps its state directory (NADXDP_STATE_DIR) where no real nadxdp
# instance (or another test bed) can meet them, and everything goes away with
# the namespace.
private_mounts() {
	if [ "${NADXDP_PRIVATE_MOUNTS:-}" != 1 ]; then
		exec unshare --mount --propagation private env NADXDP_PRIVATE_MOUNTS=1 bash "$0" "$@"
	fi
	mount -t bpf bpf /sys/fs/bpf
	mount -t tmpfs -o size=16m,mode=755 tmpfs /run
	# A daemon started without --models learns into a state directory that goes with this
	# namespace's /run, never the host's /var/lib/nadxdp (a model of a test bed would be
	# what the next real start loads).
	export NADXDP_STATE_DIR=/run/nadxdp-state
}

# bench_require NAME TOOL...: a benchmark is not a test: without root or one of
# the tools it prints "NAME: skipped: why" and exits 0; without $BIN it fails.
bench_require() {
	local name=$1 t
	shift
	if [ "$(id -u)" -ne 0 ]; then
		echo "$name: skipped: needs root (network namespaces, XDP)"
		exit 0
	fi
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "$name: skipped: $t not found (scripts/install-deps.sh installs it)"
			exit 0
		fi
	done
	[ -x "$BIN" ] || { echo "$name: $BIN not found; run make" >&2; exit 1; }
}

# in_ns NS CMD...: runs CMD in the network namespace NS.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# stop_pid SIG PID: sends SIG to PID and reaps it; nothing when PID is empty.
stop_pid() {
	[ -n "$2" ] || return 0
	kill -"$1" "$2" 2>/dev/null || true
	wait "$2" 2>/dev/null || true
}

# stop_bg PID...: SIGTERM to each, then reaps them (bash's "Terminated" notices hidden).
stop_bg() {
	local p
	{
		for p in "$@"; do kill -TERM "$p"; done
		for p in "$@"; do wait "$p"; done
	} 2>/dev/null
}

# keep_work NAME FLAG: with FLAG non-empty, says "NAME: kept $WORK" and keeps the teardown
# (on_exit_teardown) from removing it.
keep_work() {
	[ -n "$2" ] || return 0
	echo "$1: kept $WORK"
	WORK=/nonexistent-kept
}

# wait_daemon PID FILE: waits up to 10 s for FILE (a pin or the instance
# file) while PID lives. Returns 0 once FILE exists, 1 otherwise.
wait_daemon() {
	for _ in $(seq 100); do
		[ -e "$2" ] && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# on_exit_teardown STOP [quiet]: on every exit (failure, Ctrl-C and SIGTERM
# included; the exit code is kept) runs the caller's function STOP, which
# stops the processes it started, then takes the test bed down (its output
# hidden with "quiet") and removes $WORK.
on_exit_teardown() {
	_lib_stop=$1
	_lib_down_quiet=${2:-}
	trap _lib_teardown EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

_lib_teardown() {
	local rc=$?
	trap - EXIT INT TERM
	"$_lib_stop"
	if [ "$_lib_down_quiet" = quiet ]; then
		bash "$TB" down >/dev/null 2>&1 || true
	else
		bash "$TB" down || true
	fi
	rm -rf "$WORK"
	exit "$rc"
}

# ---- traffic on the test bed (eval-live.sh, soak.sh) ----------------------------------
# The caller has the bed's variables (eval "$(bash "$TB" env)"), built it with NADX_NAT=1,
# and sets W (a scratch folder) and PIDS (an array: every background process started here
# is appended, for the caller to stop). Only 198.18.0.0/15 inside the bed is used. The
# phase functions (p_*) write their tool's output under $W and a one-line summary of its
# result to $W/sum.$CUR (summary), and return the tool's exit code.
IOT_IP=198.18.0.4

# bed_content: pages, assets of 200 KB-1 MB and a 128 MB file in $W/www, a 50 MB
# $W/upload.bin.
bed_content() {
	mkdir -p "$W/nginx/logs" "$W/www" /run/sshd
	head -c 200000 /dev/urandom >"$W/www/asset0.bin"
	head -c 500000 /dev/urandom >"$W/www/asset1.bin"
	head -c 1000000 /dev/urandom >"$W/www/asset2.bin"
	head -c 134217728 /dev/urandom >"$W/www/big.bin"
	head -c 50000000 /dev/urandom >"$W/upload.bin"
	chmod 755 "$W" # nginx's workers (nobody) read www/
}

# bed_services: in the monitored host, nginx :80 (small pages, /files/ from $W/www), dnsmasq
# :53 (*.bed.test), iperf3 :5201, sshd :22 (for the key $W/user_key), an nc sink on :9999
# and the IoT collector on UDP 1883 and 5683; the IoT address $IOT_IP on the client's
# interface. Waits until nginx answers the client.
bed_services() {
	in_ns "$TB_CLI_NS" ip addr add "$IOT_IP/24" dev "$TB_CLI_IF"
	in_ns "$TB_MON_NS" ip neigh replace "$IOT_IP" lladdr "$TB_CLI_MAC" dev "$TB_MON_IF" \
		nud permanent
	cat >"$W/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log crit;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	client_body_timeout 30s;
	client_header_timeout 30s;
	server {
		listen $TB_MON_IP:80 backlog=4096;
		location /files/ { alias $W/www/; }
		location / { return 200 "hello from the monitored host\n"; }
	}
}
EOF
	in_ns "$TB_MON_NS" nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" & PIDS+=($!)
	in_ns "$TB_MON_NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
		--listen-address="$TB_MON_IP" --bind-interfaces --port=53 --cache-size=10000 \
		--address=/bed.test/"$TB_MON_IP" --pid-file="$W/dnsmasq.pid" --user=root \
		--log-facility=/dev/null 2>/dev/null & PIDS+=($!)
	in_ns "$TB_MON_NS" iperf3 -s -B "$TB_MON_IP" >/dev/null 2>&1 & PIDS+=($!)
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
		2>/dev/null & PIDS+=($!)
	# the IoT collector (MQTT-SN/CoAP-like: UDP 1883 and 5683), so telemetry is received
	in_ns "$TB_MON_NS" python3 -c '
import select, socket, sys
socks = []
for port in (1883, 5683):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        s.recv(2048)
' "$TB_MON_IP" 2>/dev/null & PIDS+=($!)
	for _ in $(seq 50); do
		in_ns "$TB_CLI_NS" curl -s -m 1 -o /dev/null "http://$TB_MON_IP/" && break
		sleep 0.1
	done
}

# ssh_login: the client logs in to the monitored host with its key.
ssh_login() {
	in_ns "$TB_CLI_NS" ssh -q -i "$W/user_key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=3 "root@$TB_MON_IP" true
}

# bed_users: in the background until stopped, the benign client (a web page every 0.5 s, an
# asset every 4 s, a DNS lookup every 2 s, an ssh login with a key every 20 s) and the IoT
# device (40-60 B UDP telemetry to 1883 and 5683 every second).
bed_users() {
	(
		i=0
		while :; do
			in_ns "$TB_CLI_NS" curl -s -m 2 -o /dev/null "http://$TB_MON_IP/page$((i % 7))"
			[ $((i % 8)) -eq 0 ] && in_ns "$TB_CLI_NS" curl -s -m 4 -o /dev/null \
				"http://$TB_MON_IP/files/asset$((i / 8 % 3)).bin"
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
}

summary() { echo "$*" >"$W/sum.$CUR"; }

# rules_unblock FILE WHICH: saves `$BIN rules list --json` to FILE, then deletes the
# automatic drop rules WHICH names, printing each: all; attacker (those covering the
# attacker or the external range); benign (those covering the client, the IoT device or
# the NAT router: false positives).
rules_unblock() {
	local c
	"$BIN" rules list --json >"$1" 2>/dev/null
	for c in $(python3 - "$1" "$2" "$TB_ATK_IP" "$TB_EXT_NET" "$TB_CLI_IP" "$IOT_IP" \
		"$TB_NAT_IP" <<'PY'
import ipaddress, json, sys
rules = json.load(open(sys.argv[1])).get("rules", [])
which, atk, ext = sys.argv[2], ipaddress.ip_address(sys.argv[3]), ipaddress.ip_network(sys.argv[4])
benign = [ipaddress.ip_address(a) for a in sys.argv[5:]]
for r in rules:
    if r["kind"] != "drop" or r.get("origin") != "auto":
        continue
    net = ipaddress.ip_network(r["cidr"])
    if (which == "all" or (which == "attacker" and (atk in net or net.overlaps(ext))) or
            (which == "benign" and any(a in net for a in benign))):
        print(r["cidr"])
PY
	); do
		"$BIN" rules del "$c" >/dev/null && echo "$c"
	done
}

# ---- heavy legitimate traffic, one function a phase (CUR names it for summary) ----------
p_ab() { # [REQUESTS, default 30000]: ApacheBench from the client, 16 at a time
	CUR=ab
	in_ns "$TB_CLI_NS" timeout 120 ab -q -r -s 5 -n "${1:-30000}" -c 16 "http://$TB_MON_IP/" \
		>"$W/ab.txt"
	local rc=$?
	summary "$(awk '/^Complete requests/ { c = $3 } /^Failed requests/ { f = $3 }
		/^Requests per second/ { r = $4 } END { printf "%s requests, %s failed, %d req/s",
		c, f, r }' "$W/ab.txt")"
	return $rc
}
p_iperf3() { # [-R]: bulk TCP for 5 s, client to monitored host (-R: the other way)
	CUR=iperf3$([ $# -gt 0 ] && echo _rev)
	in_ns "$TB_CLI_NS" timeout 30 iperf3 -c "$TB_MON_IP" -t 5 --connect-timeout 3000 "$@" \
		>"$W/$CUR.txt"
	local rc=$?
	summary "$(awk '/receiver$/ { v = $7 " " $8 } END { print (v ? v : "no result") }' \
		"$W/$CUR.txt")$([ $# -gt 0 ] && echo ", monitored host to client")"
	return $rc
}
get() { # NS URL [curl options]: prints "bytes bytes/s http-code"
	local ns=$1 url=$2
	shift 2
	in_ns "$ns" curl -s -o /dev/null -w '%{size_download} %{speed_download} %{http_code}\n' \
		"$@" "$url"
}
p_download() { # [N, default 2]: N downloads of the 128 MB file
	CUR=download
	local rc=0 i
	: >"$W/download.txt"
	for i in $(seq "${1:-2}"); do
		get "$TB_CLI_NS" "http://$TB_MON_IP/files/big.bin" -m 60 >>"$W/download.txt" || rc=$?
	done
	summary "$(awk '{ b += $1; r = r sprintf(" %.0f MB/s", $2 / 1e6) }
		END { printf "%.0f MB in %d downloads at%s", b / 1e6, NR, r }' "$W/download.txt")"
	return $rc
}
p_stream() { # a 40 MB download at a steady 2 MB/s
	CUR=stream
	get "$TB_CLI_NS" "http://$TB_MON_IP/files/big.bin" -m 40 --limit-rate 2M -r 0-39999999 \
		>"$W/stream.txt"
	local rc=$?
	summary "$(awk '{ printf "%.0f MB at %.2f MB/s", $1 / 1e6, $2 / 1e6 }' "$W/stream.txt")"
	return $rc
}
# push RX-NS ADDR PORT FILE WHERE: the monitored host opens a connection to ADDR:PORT, where
# an nc in RX-NS listens, and sends FILE (60 s at most); the summary says how much arrived.
push() {
	local ns=$1 addr=$2 port=$3 file=$4 where=$5 rx rc
	in_ns "$ns" timeout 60 sh -c "nc -l $addr $port | wc -c" >"$W/$CUR.txt" &
	rx=$!
	for _ in $(seq 50); do
		in_ns "$ns" ss -Hltn "src $addr:$port" | grep -q . && break
		sleep 0.1
	done
	in_ns "$TB_MON_NS" timeout 60 nc -N "$addr" "$port" <"$file"
	rc=$?
	wait "$rx"
	summary "$(awk -v w="$where" '{ printf "%.0f MB received %s", $1 / 1e6, w }' "$W/$CUR.txt")"
	return $rc
}
p_backup() { CUR=backup; push "$TB_CLI_NS" "$TB_CLI_IP" 873 "$W/www/big.bin" "by the client"; }
p_nat() { # [REQUESTS, default 1500]: eight clients behind the NAT, ab, pages, assets, DNS each
	CUR=nat
	local ip pids=() rc=0 p lan n=${1:-1500}
	read -ra lan <<<"$TB_LAN_IPS"
	for ip in "${lan[@]}"; do
		seq 1 100 | sed "s/.*/lan-${ip##*.}-&.bed.test A/" >"$W/nat-$ip.q"
		in_ns "$TB_LAN_NS" timeout 60 sh -c "
			ab -q -r -s 5 -B $ip -n $n -c 2 http://$TB_MON_IP/ | grep -E '^(Complete|Failed)'
			for i in \$(seq 10); do
				curl -s -m 5 -o /dev/null -w 'page %{http_code}\n' --interface $ip \
					http://$TB_MON_IP/page\$i
				curl -s -m 10 -o /dev/null -w 'asset %{http_code}\n' --interface $ip \
					http://$TB_MON_IP/files/asset2.bin
			done
			dig -b $ip @$TB_MON_IP +short +tries=1 +time=1 -f $W/nat-$ip.q | grep -c .
		" >"$W/nat-$ip.txt" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=$?; done
	summary "$(cat "$W"/nat-*.txt | awk '/^Complete/ { c += $3 } /^Failed/ { f += $3 }
		/ 200$/ { ok++ } /^[0-9]+$/ { d += $1 }
		END { printf "%d clients: %d ab requests (%d failed), %d pages and assets, " \
		"%d DNS answers", '"${#lan[@]}"', c, f, ok, d }')"
	return $rc
}
p_dns() { # [LOOKUPS, default 5000]: a busy DNS client in a tight loop (dig -f)
	CUR=dns
	local n=${1:-5000}
	seq 1 "$n" | sed 's/.*/name-&.bed.test A/' >"$W/dns.q"
	# 30 s at most: once a rule drops the client, each lookup waits 1 s for nothing
	in_ns "$TB_CLI_NS" timeout 30 dig -b "$TB_CLI_IP" @"$TB_MON_IP" +short +tries=1 +time=1 \
		-f "$W/dns.q" >"$W/dns.txt"
	local rc=$?
	summary "$n lookups, $(grep -c . "$W/dns.txt") answered"
	return $rc
}
