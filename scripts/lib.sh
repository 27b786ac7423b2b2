# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# lib.sh - shared by the scripts that run nadxdp on the namespace test bed
# (demo.sh, bench-pipeline.sh, bench-mitigation.sh, eval.sh). Sourced, never run:
#   . "$(dirname "$0")/lib.sh"
# The caller sets TB (scripts/testbed.sh) and WORK (its scratch folder)
# before on_exit_teardown runs.

# private_mounts "$@": re-runs the calling script (bash "$0" "$@") in a
# private mount namespace, then mounts its own bpffs on /sys/fs/bpf and a
# tmpfs on /run. The daemon started there pins its maps and writes its
# instance file where no real nadxdp instance (or another test bed) can meet
# them, and everything goes away with the namespace.
private_mounts() {
	if [ "${NADXDP_PRIVATE_MOUNTS:-}" != 1 ]; then
		exec unshare --mount --propagation private env NADXDP_PRIVATE_MOUNTS=1 bash "$0" "$@"
	fi
	mount -t bpf bpf /sys/fs/bpf
	mount -t tmpfs -o size=16m,mode=755 tmpfs /run
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
