#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the libFuzzer targets that `make fuzz-build` puts in .output/fuzz (tests/fuzz/README.md).
#
#   scripts/fuzz.sh run SECONDS [TARGET...]    fuzz each target for SECONDS; new inputs are kept
#                                              in .output/fuzz/corpus/TARGET across runs
#   scripts/fuzz.sh quick SECONDS [TARGET...]  replay tests/fuzz/corpus/TARGET, then fuzz for
#                                              SECONDS from a scratch copy (CI, make test)
#
# Prints one line per target: executions, libFuzzer's coverage (cov: edges, ft: features),
# corpus size, findings (crash-, leak-, timeout-, oom- files, in .output/fuzz/findings/TARGET).
# Exits 1 when any target found anything or did not run. Per-target libFuzzer options come
# from tests/fuzz/TARGET.options (OSS-Fuzz's format: a [libfuzzer] section of key = value).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

mode=${1:?usage: fuzz.sh run|quick SECONDS [TARGET...]}
secs=${2:?usage: fuzz.sh run|quick SECONDS [TARGET...]}
shift 2
out=.output/fuzz
if [ $# -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		f=${f#tests/fuzz/fuzz_}
		set -- "$@" "${f%.c}"
	done
fi
case $mode in run | quick) ;; *) echo "fuzz.sh: mode is run or quick" >&2; exit 2 ;; esac

# The models' matrices are small; OpenBLAS's threads would only compete with the fuzzer.
export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

options() { # TARGET: its libFuzzer flags
	local f=tests/fuzz/$1.options key val
	[ -f "$f" ] || return 0
	while IFS='=' read -r key val; do
		key=$(echo "$key" | tr -d '[:space:]')
		val=$(echo "$val" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		case $key in '' | '#'* | '['*) continue ;; esac
		printf -- '-%s=%s ' "$key" "$val"
	done <"$f"
}

status=0
total=0
printf '%-14s %12s %9s %7s %7s %14s %9s\n' target executions exec/s cov ft corpus findings
for t in "$@"; do
	bin=$out/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	art=$out/findings/$t
	log=$out/logs/$t.$mode.log
	mkdir -p "$art" "$out/logs" "$seeds"
	if [ ! -x "$bin" ]; then
		echo "fuzz.sh: $bin is not built (make fuzz-build)" >&2
		status=1
		continue
	fi
	if [ "$mode" = run ]; then
		work=$out/corpus/$t
		mkdir -p "$work"
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/nadxdp-fuzz-$t.XXXXXX")
	fi
	stamp=$(mktemp)
	# New inputs go to the first directory only: the repository's corpus stays as it is.
	# shellcheck disable=SC2046
	"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$art/" $(options "$t") "$work" "$seeds" >"$log" 2>&1
	rc=$?
	found=$(find "$art" -maxdepth 1 -type f -newer "$stamp" \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
	rm -f "$stamp"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //')
	n_found=$(echo -n "$found" | grep -c . || true)
	if [ "$rc" -ne 0 ] && [ "$n_found" -eq 0 ]; then
		n_found=1 # a fault libFuzzer could not save an input for: see the log
	fi
	printf '%-14s %12s %9s %7s %7s %14s %9s\n' "$t" "${execs:-?}" "${rate:-?}" \
		"$(echo "$cov" | awk '{print $2}')" "$(echo "$cov" | awk '{print $4}')" \
		"${corp:-?}" "$n_found"
	total=$((total + ${execs:-0}))
	if [ "$n_found" -ne 0 ]; then
		status=1
		for f in $found; do echo "  finding: $f" >&2; done
		grep -m3 -E 'ERROR|runtime error|contract broken|SUMMARY' "$log" | sed 's/^/  /' >&2
		echo "  log: $log" >&2
	fi
	[ "$mode" = quick ] && rm -rf "$work"
done
printf '%-14s %12s\n' total "$total"
exit $status
