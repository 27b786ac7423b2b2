#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench-mitigation.sh - `make bench`: automatic DoS mitigation in the test bed.
#
# nadxdp runs on the monitored host (nginx serves 198.18.0.1:80 there); the
# attacker namespace floods it with hping3 for BENCH_FLOOD_S seconds (default
# 5) while the benign client fetches http://198.18.0.1/ with curl every 50 ms.
# Scenarios: a SYN flood from one source, the same with --rand-source
# (spoofed), a UDP flood and an ICMP flood. Printed per scenario:
#   - time to drop: from the flood's first packet (dumpcap on the monitored
#     interface) to the mitigation `install` event (EVE log; the ingress hook
#     drops from the moment the rule is in the map); split into detection (to
#     the first dos_attack alert: the time of its first packet) and decision
#     (alert to install: the flood must hold for --mitigate-hold, 50 ms);
#   - drop share after install: rule hits / (rule hits + flood packets the
#     ingress hook still passed after the install time). What passed is
#     counted after the hook, whichever it is (XDP, or TC, which runs after
#     the AF_PACKET taps): an nftables rule in the monitored namespace's
#     prerouting counts the flood packets that reach netfilter; those before
#     the install time all passed (no rule yet) and are the capture's
#     packets up to then, so passed after install = counter - that;
#   - rules installed (install events), and the benign HTTP success rate.
# BENCH_ROUNDS=N (default 1) runs the scenarios N times and ends with the
# median, minimum and maximum of each time over the rounds; BENCH_SCENARIOS
# (default "syn syn-rand-source udp icmp") picks scenarios; BENCH_ARGS adds
# options to nadxdp run (e.g. "--mitigate-hold 0" to see the time without the hold).
# Nothing is asserted (timings depend on the machine). Not root: prints why
# and exits 0. Runs in a private mount namespace (own bpffs and /run), so a
# running nadxdp instance or test bed is never touched; the test bed uses the
# prefix nxmit$TB_TAG (NADX_PREFIX overrides: two checkouts benchmarking at
# once must not share one) and is always removed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NADXDP_BIN:-$ROOT/nadxdp}
TB="$ROOT/scripts/testbed.sh"
FLOOD_S=${BENCH_FLOOD_S:-5}
ROUNDS=${BENCH_ROUNDS:-1}
SCENARIOS=${BENCH_SCENARIOS:-syn syn-rand-source udp icmp}
export NADX_PREFIX=${NADX_PREFIX:-nxmit${TB_TAG:-}}

bench_require bench-mitigation hping3 curl nginx dumpcap tshark jq nsenter unshare nft

# Private mounts: our own bpffs and /run (pins, instance lock, netns handles).
private_mounts "$@"

eval "$(bash "$TB" env)"
WORK=$(mktemp -d /tmp/nadxdp-benchmit.XXXXXX)
DAEMON_PID= TCPDUMP_PID=

# SIGTERM: background jobs of a non-interactive shell ignore SIGINT (nadxdp handles both).
stop_procs() {
	stop_pid TERM "$TCPDUMP_PID"
	stop_pid TERM "$DAEMON_PID"
}
on_exit_teardown stop_procs quiet

bash "$TB" up >/dev/null
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx/cb;
	proxy_temp_path $WORK/nginx/px;
	fastcgi_temp_path $WORK/nginx/fc;
	uwsgi_temp_path $WORK/nginx/uw;
	scgi_temp_path $WORK/nginx/sc;
	server {
		listen $TB_MON_IP:80 backlog=4096;
		location / { return 200 "ok\n"; }
	}
}
EOF
in_ns "$TB_MON_NS" nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx.conf"
in_ns "$TB_CLI_NS" curl -sf -m 3 -o /dev/null "http://$TB_MON_IP/" ||
	{ echo "bench-mitigation: nginx does not answer in the test bed" >&2; exit 1; }

# BENCH_MODE, if set, is passed as --mode (default: nadxdp's own choice; TC on a veth).
mode_args=()
[ -n "${BENCH_MODE:-}" ] && mode_args=(--mode "$BENCH_MODE")
# shellcheck disable=SC2206 # BENCH_ARGS is split into words on purpose
[ -n "${BENCH_ARGS:-}" ] && mode_args+=($BENCH_ARGS)
HOOK=?

start_daemon() {
	local log=$1
	rm -f "$WORK/eve.json"
	# nsenter execs the command: $! is the daemon itself (not a subshell), so signals reach it.
	nsenter --net="/run/netns/$TB_MON_NS" -- "$BIN" run "$TB_MON_IF" "${mode_args[@]}" --duration 120 \
		--log "$WORK/eve.json" --models "$WORK" --no-train --summary-interval 0 -q >"$log" 2>&1 &
	DAEMON_PID=$!
	if wait_daemon "$DAEMON_PID" /run/nadxdp/instance; then
		HOOK=$("$BIN" status --json --top 0 | jq -r '.instance.xdp_mode')
		return 0
	fi
	echo "bench-mitigation: nadxdp did not start: $(tail -n 2 "$log")" >&2
	exit 1
}

# Benign client: one request every 50 ms until $WORK/stop exists; prints "ok total".
benign() {
	local ok=0 n=0
	while [ ! -e "$WORK/stop" ]; do
		n=$((n + 1))
		local rc=0
		in_ns "$TB_CLI_NS" curl -sf -m 3 -o /dev/null "http://$TB_MON_IP/" 2>>"$WORK/benign.err" || rc=$?
		if [ "$rc" = 0 ]; then
			ok=$((ok + 1))
		else
			echo "$(date +%T.%N) request $n failed: curl exit $rc" >>"$WORK/benign.err"
		fi
		sleep 0.05
	done
	echo "$ok $n" >"$WORK/benign"
}

# run_scenario NAME PCAP-FILTER NFT-MATCH HPING3-ARGS...: the flood's packets as a
# capture filter (on the interface) and as an nftables match (after the hook).
run_scenario() {
	local name=$1 filter=$2 match=$3 passed
	shift 3
	local hp_args=("$@")
	rm -f "$WORK/stop" "$WORK/benign" "$WORK/benign.err" "$WORK/flood.pcap"
	start_daemon "$WORK/daemon-$name.log"
	# AF_PACKET sees the flood from its first packet (before TC, and what XDP passes).
	nsenter --net="/run/netns/$TB_MON_NS" -- dumpcap -q -i "$TB_MON_IF" -s 96 -B 128 -f "$filter" -w "$WORK/flood.pcap" \
		>"$WORK/tcpdump.log" 2>&1 &
	TCPDUMP_PID=$!
	# netfilter counts what the ingress hook passed.
	in_ns "$TB_MON_NS" nft -f - <<-EOF
		flush ruleset
		table inet nxbench {
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				iifname "$TB_MON_IF" $match counter
			}
		}
	EOF
	for _ in $(seq 50); do
		[ -s "$WORK/flood.pcap" ] && break
		sleep 0.1
	done
	sleep 1
	benign &
	local benign_pid=$!
	sleep 1
	in_ns "$TB_ATK_NS" timeout -s INT "$FLOOD_S" hping3 "${hp_args[@]}" --flood "$TB_MON_IP" \
		>"$WORK/hping.log" 2>&1 || true
	sleep 1
	touch "$WORK/stop"
	wait "$benign_pid" || true
	"$BIN" rules list --json >"$WORK/rules.json" 2>/dev/null || echo '{"rules":[]}' >"$WORK/rules.json"
	stop_pid TERM "$TCPDUMP_PID"
	TCPDUMP_PID=
	passed=$(in_ns "$TB_MON_NS" nft list chain inet nxbench pre | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	in_ns "$TB_MON_NS" nft flush ruleset
	stop_pid TERM "$DAEMON_PID"
	DAEMON_PID=

	local sent first install hits after n_inst ok total drop_pct ttd before alert
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$WORK/hping.log" | tail -n 1)
	tshark -r "$WORK/flood.pcap" -T fields -e frame.time_epoch 2>/dev/null >"$WORK/times" || true
	first=$(head -n 1 "$WORK/times")
	install=$(jq -r 'select(.event_type=="mitigation" and .mitigation.action=="install") |
		.timestamp' "$WORK/eve.json" | head -n 1)
	n_inst=$(jq -r 'select(.event_type=="mitigation" and .mitigation.action=="install") |
		.mitigation.rule' "$WORK/eve.json" | wc -l)
	alert=$(jq -r 'select(.event_type=="anomaly" and .anomaly.class=="dos_attack" and
		.anomaly.episode.state=="start") | .timestamp' "$WORK/eve.json" | head -n 1)
	# Hits of the rules at shutdown (their removal events carry the final counters).
	hits=$(jq -s '[.[] | select(.event_type=="mitigation" and .mitigation.action=="remove") |
		.mitigation.hits] | add // 0' "$WORK/eve.json")
	read -r ok total <"$WORK/benign"
	echo "-- $name: hping3 ${hp_args[*]} --flood for ${FLOOD_S} s: ${sent:-?} packets sent"
	if [ -n "$install" ] && [ -n "$first" ]; then
		local inst_s
		inst_s=$(date -d "$install" +%s.%N)
		before=$(awk -v t="$inst_s" '$1 <= t' "$WORK/times" | wc -l)
		after=$((${passed:-0} > before ? ${passed:-0} - before : 0))
		ttd=$(awk -v a="$inst_s" -v b="$first" 'BEGIN { printf "%.1f", (a - b) * 1000 }')
		drop_pct=$(awk -v h="$hits" -v p="$after" 'BEGIN { if (h + p > 0) printf "%.3f", 100 * h / (h + p); else print "n/a" }')
		echo "   first flood packet -> rule installed (dropped at $HOOK from here): $ttd ms (target <= 100 ms)"
		if [ -n "$alert" ]; then
			awk -v f="$first" -v a="$(date -d "$alert" +%s.%N)" -v i="$inst_s" 'BEGIN {
				printf "   of which: to the first dos_attack alert (its packet) %.1f ms, alert -> install %.1f ms\n",
					(a - f) * 1000, (i - a) * 1000 }'
			awk -v n="$name" -v f="$first" -v a="$(date -d "$alert" +%s.%N)" -v i="$inst_s" \
				'BEGIN { printf "%s %.1f %.1f %.1f\n", n, (i - f) * 1000, (a - f) * 1000, (i - a) * 1000 }' \
				>>"$WORK/times.txt"
		else
			echo "$name $ttd - -" >>"$WORK/times.txt"
		fi
		echo "   dropped after install: $drop_pct % ($hits rule hits, $after flood packets passed:" \
			"$passed reached netfilter, $before of them before the install) (target >= 99 %)"
		grep -h 'dropped on interface' "$WORK/tcpdump.log" | sed 's/^/   capture: /' || true
	else
		echo "   no rule installed (first packet ${first:-none}); see $WORK/daemon-$name.log"
	fi
	echo "   rules installed: $n_inst ($(jq -r 'select(.event_type=="mitigation" and .mitigation.action=="install") | .mitigation.kind + " " + .mitigation.rule' "$WORK/eve.json" | sort | uniq -c | awk '{printf "%s%s x%d", (NR>1?", ":""), $2" "$3, $1}'))"
	echo "   benign HTTP during the flood: $ok/$total ok ($(awk -v o="$ok" -v t="$total" 'BEGIN { if (t) printf "%.1f", 100 * o / t; else print "n/a" }') %) (target >= 99 %)"
	[ -s "$WORK/benign.err" ] && sed 's/^/     /' "$WORK/benign.err"
	echo "   alerts: $(jq -r 'select(.event_type=="anomaly" and .anomaly.episode.state=="start") | .anomaly.class' "$WORK/eve.json" | sort | uniq -c | awk '{printf "%s%s x%d", (NR>1?", ":""), $2, $1}')"
}

echo "bench-mitigation: nadxdp on $TB_MON_IF${BENCH_MODE:+ (--mode $BENCH_MODE)}${BENCH_ARGS:+ ($BENCH_ARGS)}, attacker $TB_ATK_IP, benign client $TB_CLI_IP, nginx on $TB_MON_IP:80"
scenario() {
	case $1 in
	syn) run_scenario syn "tcp and src host $TB_ATK_IP and dst port 80" \
		"ip saddr $TB_ATK_IP tcp dport 80" -S -p 80 ;;
	syn-rand-source) run_scenario syn-rand-source "tcp and dst port 80 and not src host $TB_CLI_IP" \
		"ip saddr != $TB_CLI_IP tcp dport 80" -S -p 80 --rand-source ;;
	udp) run_scenario udp "udp and src host $TB_ATK_IP" "ip saddr $TB_ATK_IP meta l4proto udp" --udp -p 9999 ;;
	icmp) run_scenario icmp "icmp and src host $TB_ATK_IP" "ip saddr $TB_ATK_IP meta l4proto icmp" --icmp ;;
	*) echo "bench-mitigation: unknown scenario $1" >&2; exit 2 ;;
	esac
}
for round in $(seq "$ROUNDS"); do
	[ "$ROUNDS" -gt 1 ] && echo "== round $round of $ROUNDS"
	for sc in $SCENARIOS; do
		scenario "$sc"
	done
done
if [ "$ROUNDS" -gt 1 ] && [ -s "$WORK/times.txt" ]; then
	echo "== over $ROUNDS rounds: median [min .. max] in ms (rounds without a rule left out)"
	for sc in $SCENARIOS; do
		for col in 2 3 4; do
			awk -v n="$sc" -v c="$col" '$1 == n && $c != "-" { print $c }' "$WORK/times.txt" | sort -g |
				awk -v n="$sc" -v c="$col" '{ v[NR] = $1 } END {
					split("first packet -> install,to the alert,alert -> install", what, ",")
					if (!NR) { printf "   %-16s %-24s no rule in any round\n", n, what[c - 1]; exit }
					m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					printf "   %-16s %-24s %7.1f [%.1f .. %.1f] (%d rounds)\n", n, what[c - 1], m, v[1], v[NR], NR }'
		done
	done
fi
