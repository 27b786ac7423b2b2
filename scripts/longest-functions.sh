#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Prints the longest functions in user/: length in lines (from the line that
# starts the definition to its closing brace), file:line and name, longest
# first. Reads the definitions with Universal Ctags (scripts/install-deps.sh dev).
#
#   scripts/longest-functions.sh [-n N] [--max L] [DIR...]
#
#   -n N      how many to print (10)
#   --max L   also exit 1 when a function is longer than L lines (issue 13: 120)
#   DIR...    what to read (user)
set -euo pipefail
cd "$(dirname "$0")/.."

n=10
max=
dirs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-n)
		n=${2:?-n needs a number}
		shift 2
		;;
	--max)
		max=${2:?--max needs a number of lines}
		shift 2
		;;
	-h | --help)
		sed -n '3,11s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		dirs+=("$1")
		shift
		;;
	esac
done
[ ${#dirs[@]} -gt 0 ] || dirs=(user)

if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
	echo "longest-functions: needs Universal Ctags (scripts/install-deps.sh dev)" >&2
	exit 2
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
# ctags prints: name TAB file TAB pattern;" TAB f TAB line:N ... end:M
ctags -R --languages=C --kinds-C=f --fields=+ne --sort=no -o - "${dirs[@]}" |
	awk -F'\t' '{
		start = end = ""
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^line:/) start = substr($i, 6)
			if ($i ~ /^end:/) end = substr($i, 5)
		}
		if (start != "" && end != "")
			printf "%d\t%s:%d\t%s\n", end - start + 1, $2, start, $1
	}' | sort -t$'\t' -k1,1nr -k2,2 >"$list"

printf '%6s  %-36s %s\n' lines where function
head -n "$n" "$list" | awk -F'\t' '{ printf "%6d  %-36s %s\n", $1, $2, $3 }'

if [ -n "$max" ]; then
	over=$(awk -F'\t' -v m="$max" '$1 > m' "$list" | wc -l)
	if [ "$over" -gt 0 ]; then
		echo "longest-functions: $over function(s) over $max lines" >&2
		exit 1
	fi
fi
