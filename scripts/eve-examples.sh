#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# eve-examples.sh - the example events of docs/eve.md, from a real run (root).
#
# Builds a test bed of its own (prefix nxdoc), runs nadxdp on its monitored interface
# with --host sensor-1, a summary every 2 s and EVE JSON to a log, floods 198.18.0.1
# with SYN packets from the attacker for 4 s, stops the daemon (the drop rule's removal
# and the episode's end come then), and replaces the part of docs/eve.md between the
# markers <!-- eve-examples:begin --> and <!-- eve-examples:end --> with the first event
# of each kind: anomaly (start, end), summary, mitigation (install, remove). Runs in a
# private mount namespace (own bpffs and /run); everything is torn down on exit.
#
#   scripts/eve-examples.sh [DOC]      (default docs/eve.md; "-" prints to stdout)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NADXDP_BIN:-$ROOT/nadxdp}
TB="$ROOT/scripts/testbed.sh"
DOC=${1:-$ROOT/docs/eve.md}

if [ "$(id -u)" -ne 0 ]; then
	echo "eve-examples: needs root (network namespaces and XDP)" >&2
	exit 1
fi
[ -x "$BIN" ] || { echo "eve-examples: $BIN not found; run make" >&2; exit 1; }
for t in hping3 jq nsenter unshare; do
	command -v "$t" >/dev/null || { echo "eve-examples: $t not found" >&2; exit 1; }
done

private_mounts "$@"

export NADX_PREFIX=nxdoc
eval "$(bash "$TB" env)"
WORK=$(mktemp -d /tmp/nadxdp-eve-examples.XXXXXX)
DAEMON_PID=

stop_procs() {
	stop_pid INT "$DAEMON_PID"
}
on_exit_teardown stop_procs quiet

bash "$TB" up >/dev/null
nsenter --net="/run/netns/$TB_MON_NS" -- "$BIN" run "$TB_MON_IF" --duration 60 --no-train \
	--models "$WORK" --host sensor-1 --summary-interval 2 --log "$WORK/eve.json" \
	>"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_daemon "$DAEMON_PID" /run/nadxdp/dashboard.json || {
	cat "$WORK/daemon.log" >&2
	exit 1
}
sleep 1
in_ns "$TB_ATK_NS" timeout -s INT 4 hping3 -S -p 80 --flood "$TB_MON_IP" >/dev/null 2>&1 || true
sleep 3
stop_pid INT "$DAEMON_PID"
DAEMON_PID=

# first EVENT_FILTER: the first event a jq filter selects, pretty-printed
first() {
	jq -c "select($1)" "$WORK/eve.json" | head -1 | jq .
}

{
	echo '<!-- eve-examples:begin -->'
	echo "<!-- written by scripts/eve-examples.sh from a run of $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo nadxdp): do not edit by hand -->"
	for kind in 'anomaly start:.event_type == "anomaly" and .anomaly.episode.state == "start"' \
		'anomaly end:.event_type == "anomaly" and .anomaly.episode.state == "end"' \
		'summary:.event_type == "summary"' \
		'mitigation install:.event_type == "mitigation" and .mitigation.action == "install"' \
		'mitigation remove:.event_type == "mitigation" and .mitigation.action == "remove"'; do
		title=${kind%%:*}
		ev=$(first "${kind#*:}")
		[ -n "$ev" ] || { echo "eve-examples: no $title event in this run" >&2; exit 1; }
		printf '\n`%s`:\n\n```json\n%s\n```\n' "$title" "$ev"
	done
	echo
	echo '<!-- eve-examples:end -->'
} >"$WORK/examples.md"

if [ "$DOC" = - ]; then
	cat "$WORK/examples.md"
	exit 0
fi
grep -q '^<!-- eve-examples:begin -->$' "$DOC" || {
	echo "eve-examples: $DOC has no <!-- eve-examples:begin --> marker" >&2
	exit 1
}
awk -v ex="$WORK/examples.md" '
	/^<!-- eve-examples:begin -->$/ { while ((getline l < ex) > 0) print l; skip = 1; next }
	/^<!-- eve-examples:end -->$/ { skip = 0; next }
	!skip
' "$DOC" >"$WORK/doc.md"
cp "$WORK/doc.md" "$DOC"
echo "eve-examples: $DOC updated"
