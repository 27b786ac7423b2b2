#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the Criterion test binaries by kind and says at the end what ran, what
# failed and what did not run, and why.
#
#   scripts/run-tests.sh unit|root|all [criterion options...]
#
# unit  $OUTPUT/nadxdp-unit-tests: suites that need neither root nor the test
#       bed, all at once (--jobs = cores). A test that skips (a CPU feature the
#       machine lacks) is listed but does not fail the run.
# root  $OUTPUT/nadxdp-root-tests: BPF, test-bed and dashboard-tool suites,
#       one test at a time (they share bpffs, the test bed and the CPU). Not
#       root: nothing runs, the run fails and says how many tests that left.
#       A test that skips (a missing tool) fails the run too, unless its
#       reason starts "this kernel " (a kernel feature no package brings).
# Exit 0 only when every test that had to run ran and passed.
#
# Environment: OUTPUT (.output), NADXDP_BIN (the daemon the tests run),
# NADXDP_ROOT (the checkout), JOBS (parallel unit tests; nproc). It sets
# NADXDP_STATE_DIR to a scratch folder, and fails if the tests created /var/lib/nadxdp.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-$ROOT/.output}
export NADXDP_ROOT=${NADXDP_ROOT:-$ROOT}
export NADXDP_BIN=${NADXDP_BIN:-$OUTPUT/nadxdp}
JOBS=${JOBS:-$(nproc)}

kind=${1:-}
case "$kind" in
unit | root) kinds=("$kind") ;;
all) kinds=(unit root) ;;
*)
	echo "usage: $0 unit|root|all [criterion options...]" >&2
	exit 2
	;;
esac
shift

# A --filter (or CRITERION_TEST_PATTERN) selects tests; the rest are not counted.
filtered=${CRITERION_TEST_PATTERN:-}
for a in "$@"; do
	case "$a" in --filter*) filtered=1 ;; esac
done

tmp=$(mktemp -d /tmp/nadxdp-tests-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
summary=()
rc=0

# The tests never touch the host's state directory: a daemon a test starts without
# --models keeps its model in this run's scratch folder, and a run that creates
# /var/lib/nadxdp fails. (Where it exists, a nadxdp service may be saving its model there
# while the tests run: it is not compared.)
export NADXDP_STATE_DIR=$tmp/state
host_state_absent=0
[ -e /var/lib/nadxdp ] || host_state_absent=1

# Criterion's own synthesis leaves skipped tests out of its count: read its TAP report instead.
report() {
	local k=$1 tap=$2 status=$3 plan ok skip fail seen failed unsel reasons kern
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -1)
	plan=${plan:-0}
	# Criterion reports a test its filter left out as skipped with this text.
	unsel=0
	if [ -n "$filtered" ]; then
		unsel=$(grep -c '^ok - .* # SKIP test was skipped$' "$tap")
		plan=$((plan - unsel))
	fi
	skip=$(($(grep -c '^ok - .* # SKIP ' "$tap") - unsel))
	ok=$(($(grep -c '^ok - ' "$tap") - skip - unsel))
	fail=$(grep -c '^not ok - ' "$tap")
	seen=$((ok + skip + fail))
	summary+=("$(printf '%-5s %4d tests: %d passed, %d failed, %d not run' "$k" "$plan" \
		"$ok" "$fail" "$((plan - ok - fail))")")
	[ "$unsel" -eq 0 ] || summary+=("      ($unsel more left out by the filter)")
	if [ "$skip" -gt 0 ]; then
		reasons=$(sed -n 's/^ok - .* # SKIP //p' "$tap")
		[ -z "$filtered" ] || reasons=$(grep -v '^test was skipped$' <<<"$reasons")
		summary+=("      not run (skipped), by reason:")
		while read -r n why; do
			summary+=("$(printf '      %4d  %s' "$n" "$why")")
		done < <(sort <<<"$reasons" | uniq -c | sort -rn)
	fi
	if [ "$plan" -gt "$seen" ]; then
		summary+=("      $((plan - seen)) never reported (the test binary stopped early)")
	fi
	mapfile -t failed < <(sed -n 's/^not ok - /      FAILED /p' "$tap")
	summary+=("${failed[@]}")
	if [ "$status" -ne 0 ] || [ "$fail" -gt 0 ] || [ "$plan" -gt "$seen" ]; then
		rc=1
	fi
	# Nothing installs a kernel feature: a test skipped for one ("this kernel ...") is listed only.
	kern=$(grep -c '^ok - .* # SKIP this kernel ' "$tap")
	if [ "$k" = root ] && [ "$skip" -gt "$kern" ]; then
		summary+=("      a root or test-bed test that does not run fails the run: install what" \
			"      it names (scripts/install-deps.sh), run as root, and run again")
		rc=1
	fi
	if [ "$kern" -gt 0 ]; then
		summary+=("      $kern need a kernel feature this one lacks: listed, not a failure")
	fi
}

for k in "${kinds[@]}"; do
	bin=$OUTPUT/nadxdp-$k-tests
	if [ ! -x "$bin" ]; then
		echo "run-tests: $bin is not built (make $bin)" >&2
		exit 2
	fi
	if [ "$k" = root ] && [ "$(id -u)" -ne 0 ]; then
		n=$("$bin" --list "$@" 2>/dev/null | grep -Ec '^(├|└)── ')
		summary+=("$(printf '%-5s %4d tests: NOT RUN, they need root (BPF programs, bpffs,' \
			"$k" "$n")" "      network namespaces): run \`sudo make test-root\`")
		rc=1
		continue
	fi
	if [ "$k" = unit ]; then
		args=(--jobs "$JOBS")
	else
		args=(--jobs 1)
	fi
	echo "== $k tests: $bin ${args[*]} $*"
	"$bin" "${args[@]}" --tap="$tmp/$k.tap" "$@"
	report "$k" "$tmp/$k.tap" $?
done

if [ "$host_state_absent" = 1 ] && [ -e /var/lib/nadxdp ]; then
	summary+=("FAILED: the tests created the host's state directory /var/lib/nadxdp" \
		"      (a daemon started without --models and without NADXDP_STATE_DIR)")
	rc=1
fi

echo "== test summary"
printf '%s\n' "${summary[@]}"
exit $rc
