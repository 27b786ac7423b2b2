#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench-pipeline.sh - `make bench`: packets per second through the test bed
# with and without nadxdp on the monitored interface, in one run.
#
# tcpreplay sends a bundled capture (destination MAC rewritten to the
# monitored interface) at top speed from the client namespace, looped to
# about BENCH_PKTS packets (default 1,000,000). BENCH_ROUNDS rounds (default
# 5), each a replay with nothing attached, one with an empty XDP program in
# skb mode (tests/bench/bare.bpf.c's nad_bare; what an XDP hook alone costs on a
# veth), one with an empty TC ingress program (the same for a TC hook), one
# with a fresh `nadxdp run` attached in its default mode (BENCH_MODE, if set,
# is passed as --mode; on a veth the default is ingress at TC), then, unless
# BENCH_SKB=0, one with `nadxdp run --mode skb` (generic XDP, the default
# before TC mode existed): interleaved, so a noisy neighbour on the shared
# cores hits them alike. Printed, per round and as the median over rounds:
#   - packets received per second on the monitored interface, each run, and
#     the ratio of each to the run without anything (target for nadxdp: >= 90%);
#   - records delivered per second to userspace, and the daemon's CPU time
#     during the replay (user + system, all threads) per record;
#   - unaccounted packets (target 0, summed over rounds): packets sent but
#     not counted by the kernel program, plus packets counted but neither in
#     a record nor carried by a record's weight (pkts_in + pkts_out -
#     recs_emitted - recs_shed, from `nadxdp status --json`).
# BENCH_PERF=DIR records a system-wide `perf` profile of each replay into DIR.
# Not root: prints why and exits 0 (a benchmark is not a test).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NADXDP_BIN:-$ROOT/nadxdp}
TB="$ROOT/scripts/testbed.sh"
PCAP="$ROOT/tests/data/bruteforce_ssh_zeek_sshguess.pcap"
PCAP_PKTS=431
BENCH_PKTS=${BENCH_PKTS:-1000000}
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
MODE=${BENCH_MODE:-}
export NADX_PREFIX=${NADX_PREFIX:-nxbench}

bench_require bench-pipeline tcpreplay tcprewrite nsenter unshare ping bpftool tc

private_mounts "$@"

eval "$(bash "$TB" env)"
WORK=$(mktemp -d /tmp/nadxdp-bench.XXXXXX)
DAEMON_PID=

stop_procs() {
	stop_pid INT "$DAEMON_PID"
}
on_exit_teardown stop_procs

rx_packets() {
	in_ns "$TB_MON_NS" awk -v i="$TB_MON_IF:" '$1 == i { print $3 }' /proc/net/dev
}

# json_u64 KEY < one-line JSON
json_u64() {
	sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"
}

now_ns() {
	date +%s%N
}

# cpu_ticks PID: user + system clock ticks of the process, all its threads
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

LOOPS=$(((BENCH_PKTS + PCAP_PKTS - 1) / PCAP_PKTS))
SENT=$((LOOPS * PCAP_PKTS))

bash "$TB" up >/dev/null
# The empty programs, pinned in this script's private bpffs.
BARE_DIR=/sys/fs/bpf/nxbench-bare
bpftool prog loadall "$ROOT/.output/bench/bare.bpf.o" "$BARE_DIR"
tcprewrite --enet-dmac="$TB_MON_MAC" --enet-smac="$TB_CLI_MAC" -i "$PCAP" -o "$WORK/replay.pcap"
# tcpreplay caches the looped file in memory (--preload-pcap): the sender reads no disk.
replay() {
	in_ns "$TB_CLI_NS" tcpreplay -i "$TB_CLI_IF" --topspeed --preload-pcap --loop "$LOOPS" \
		"$WORK/replay.pcap" >"$WORK/replay.log" 2>&1
	grep -q "Successful packets: *$SENT" "$WORK/replay.log" || {
		echo "bench-pipeline: tcpreplay did not send $SENT packets:" >&2
		cat "$WORK/replay.log" >&2
		exit 1
	}
}

# run LABEL: replays, sets RX (received on the monitored interface), SECS, PPS. With
# BENCH_PERF=DIR, `perf record -a` runs during the replay into DIR/LABEL-N.data.
PERF_N=0
run() {
	local a b t0 t1 perf_pid=
	if [ -n "${BENCH_PERF:-}" ]; then
		PERF_N=$((PERF_N + 1))
		mkdir -p "$BENCH_PERF"
		perf record -q -a -g -o "$BENCH_PERF/${1// /_}-$PERF_N.data" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	a=$(rx_packets)
	t0=$(now_ns)
	replay
	t1=$(now_ns)
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
	fi
	b=$(rx_packets)
	RX=$((b - a))
	SECS=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')
	PPS=$(awk -v n="$RX" -v s="$SECS" 'BEGIN { printf "%.0f", n / s }')
	printf '  %-22s sent %d, received %d in %s s: %s pps (tcpreplay: %s)\n' "$1" "$SENT" "$RX" \
		"$SECS" "$PPS" "$(sed -n 's/.*Rated: .*, \([0-9.]*\) pps.*/\1 pps sent/p' "$WORK/replay.log")"
}

# median of the arguments (numbers)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mode_args=()
[ -n "$MODE" ] && mode_args=(--mode "$MODE")

# ratio A B: A / B in percent, one decimal
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'
}

R_BASE=() R_MON=() R_RATIO=() R_RECS=() R_CPU=() R_XDP=() R_TC=() R_SKB=() UNACC_SUM=0

# monitored LABEL [ARGS...]: one replay with a fresh `nadxdp run ARGS...`; sets PPS,
# RATIO (to this round's run without), RECS_S and CPU_US, adds to UNACC_SUM, prints
# the details.
monitored() {
	local label=$1 S0 S1 C0 C1 pkts_in pkts_out emitted shed pending unseen unacc dline
	local delivered weight cpu_s got
	shift
	# nsenter execs nadxdp: $! is the daemon's own pid, which SIGINT stops. --no-mitigate:
	# this measures the capture path; a replay at top speed from one source would otherwise
	# be blocked as a flood (bench-mitigation.sh measures that).
	nsenter --net="/run/netns/$TB_MON_NS" -- "$BIN" run "$TB_MON_IF" "$@" --duration 600 \
		--no-mitigate >"$WORK/daemon.log" 2>&1 &
	DAEMON_PID=$!
	wait_daemon "$DAEMON_PID" /sys/fs/bpf/nadxdp/nad_stats || true
	if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		DAEMON_PID=
		echo "bench-pipeline: nadxdp did not start: $(tail -n 1 "$WORK/daemon.log")" >&2
		exit 1
	fi
	sleep 0.5
	S0=$("$BIN" status --json --top 0)
	C0=$(cpu_ticks "$DAEMON_PID")
	run "$label"
	sleep 1 # let userspace drain the ring
	C1=$(cpu_ticks "$DAEMON_PID")
	S1=$("$BIN" status --json --top 0)
	stop_pid INT "$DAEMON_PID"
	DAEMON_PID=

	d() { echo $(($(json_u64 "$1" <<<"$S1") - $(json_u64 "$1" <<<"$S0"))); }
	pkts_in=$(d pkts_in)
	pkts_out=$(d pkts_out)
	emitted=$(d recs_emitted)
	shed=$(d recs_shed)
	pending=$(json_u64 pending <<<"$S1")
	got=$(sed -n 's/.*"xdp_mode": *"\([a-z]*\)".*/\1/p' <<<"$S1")
	unseen=$((SENT - pkts_in))
	unacc=$((unseen + pkts_in + pkts_out - emitted - shed))
	UNACC_SUM=$((UNACC_SUM + unacc))
	# The daemon's last counters line: records it received and their total weight.
	dline=$(grep -E 'records [0-9]+ \(weight [0-9]+\)' "$WORK/daemon.log" | tail -n 1 || true)
	delivered=$(sed -n 's/.*records \([0-9]*\) (weight.*/\1/p' <<<"$dline")
	weight=$(sed -n 's/.*(weight \([0-9]*\)).*/\1/p' <<<"$dline")
	delivered=${delivered:-$emitted}
	cpu_s=$(awk -v t=$((C1 - C0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
	RATIO=$(ratio "$PPS" "${R_BASE[-1]}")
	RECS_S=$(awk -v n="$delivered" -v s="$SECS" 'BEGIN { printf "%.0f", n / s }')
	CPU_US=$(awk -v c="$cpu_s" -v n="$delivered" 'BEGIN { printf "%.2f", n ? 1e6 * c / n : 0 }')
	echo "  ingress hook ${got:-?}; kernel counted in $pkts_in, out $pkts_out; records emitted $emitted," \
		"delivered ${delivered} (weight ${weight:-?}), $shed packets shed into weights, $pending pending"
	echo "  daemon CPU $cpu_s s during the replay and the 1 s drain after it" \
		"($(awk -v c="$cpu_s" -v s="$SECS" 'BEGIN { printf "%.0f%%", 100 * c / (s + 1) }') of one core)," \
		"$CPU_US us per record; ratio $RATIO%; unaccounted $unacc" \
		"(sent but not counted: $unseen)"
	echo "  daemon: ${dline:-$(tail -n 1 "$WORK/daemon.log")}"
}

# round N: the replays of one round, in order; appends to the R_* arrays.
round() {
	printf 'round %d of %d\n' "$1" "$BENCH_ROUNDS"
	run "without nadxdp"
	R_BASE+=("$PPS")
	in_ns "$TB_MON_NS" ip link set dev "$TB_MON_IF" xdpgeneric pinned "$BARE_DIR/nad_bare"
	run "empty XDP, skb mode"
	in_ns "$TB_MON_NS" ip link set dev "$TB_MON_IF" xdpgeneric off
	R_XDP+=("$(ratio "$PPS" "${R_BASE[-1]}")")
	in_ns "$TB_MON_NS" tc qdisc add dev "$TB_MON_IF" clsact
	in_ns "$TB_MON_NS" tc filter add dev "$TB_MON_IF" ingress bpf da pinned "$BARE_DIR/nad_bare_tc"
	run "empty TC ingress"
	in_ns "$TB_MON_NS" tc qdisc del dev "$TB_MON_IF" clsact
	R_TC+=("$(ratio "$PPS" "${R_BASE[-1]}")")
	monitored "with nadxdp" "${mode_args[@]}"
	R_MON+=("$PPS") R_RATIO+=("$RATIO") R_RECS+=("$RECS_S") R_CPU+=("$CPU_US")
	if [ "${BENCH_SKB:-1}" != 0 ]; then
		monitored "nadxdp --mode skb" --mode skb
		R_SKB+=("$RATIO")
	fi
}

echo "bench-pipeline: $SENT packets ($PCAP_PKTS-packet capture x $LOOPS) from $TB_CLI_NS to $TB_MON_IF, top speed, $BENCH_ROUNDS rounds"
for r in $(seq "$BENCH_ROUNDS"); do
	round "$r"
done
echo "median of $BENCH_ROUNDS rounds:"
echo "  pps without / with     $(median "${R_BASE[@]}") / $(median "${R_MON[@]}")"
echo "  ratio with/without     $(median "${R_RATIO[@]}")% (rounds: ${R_RATIO[*]}) (target >= 90%)"
echo "  empty XDP (skb mode)   $(median "${R_XDP[@]}")% of the rate without (rounds: ${R_XDP[*]})"
echo "  empty TC ingress       $(median "${R_TC[@]}")% of the rate without (rounds: ${R_TC[*]})"
if [ ${#R_SKB[@]} -gt 0 ]; then
	echo "  nadxdp --mode skb      $(median "${R_SKB[@]}")% of the rate without (rounds: ${R_SKB[*]})"
fi
echo "  records delivered/s    $(median "${R_RECS[@]}")"
echo "  daemon CPU per record  $(median "${R_CPU[@]}") us (rounds: ${R_CPU[*]})"
echo "  unaccounted packets    $UNACC_SUM over all rounds (target 0)"
