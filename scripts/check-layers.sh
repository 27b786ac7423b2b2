#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Checks that user/ keeps its layers (docs/architecture.md):
#
#   common < capture < features < ml < detect < mitigate < report < views < cli, main.c on top
#
# - a file includes only its own stage or stages to its left, by folder
#   ("ml/iforest.h"); bpf/ headers (the kernel/user ABI, not the kernel-only
#   *.bpf.h) may be included anywhere;
#   "nadxdp.skel.h" only in capture/loader.c, mitigate/bpf.c and cli/, the
#   skeletons of the loader's kernel probes (bpf/chain_probe.bpf.c) only in
#   capture/;
# - common/, features/ and ml/ never log above debug (pr_info, pr_warn,
#   printing to stderr; common/log.[ch] is the logger), never use libbpf or the
#   bpf syscall, never see argv or getopt;
# - EXIT_* codes and getopt only in cli/, common/opts.* and main.c;
# - bpf_map_* calls only in capture/ and mitigate/bpf.c.
#
# Comments and string literals are ignored. Prints each violation as
# file:line: rule, and exits 1 if there is any.
#
#   scripts/check-layers.sh [CHECKOUT]     (default: the checkout holding this script)
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
if [ ! -d "$root/user" ]; then
	echo "check-layers: no user/ folder in $root" >&2
	exit 2
fi
cd "$root"

# bpf/ headers any file may include without a folder (the ABI; a *.bpf.h is kernel-only)
abi=$(find bpf -maxdepth 1 -name '*.h' ! -name '*.bpf.h' -printf '%f ')

mapfile -t files < <(find user -name '*.[ch]' | LC_ALL=C sort)
awk -v abi="$abi" '
BEGIN {
	n = split("common capture features ml detect mitigate report views cli", st, " ")
	for (i = 1; i <= n; i++) {
		rank[st[i]] = i
		left[st[i]] = (i == 1) ? st[i] : left[st[i - 1]] ", " st[i]
	}
	n = split(abi, a, " ")
	for (i = 1; i <= n; i++)
		isabi[a[i]] = 1
	id = "(^|[^A-Za-z0-9_])"	# what may stand before a whole identifier
	bad = 0
}

function say(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad++
}

# The line without comments and with string and character literals emptied;
# a block comment may run over lines (in_comment).
function strip(s,    out, i, len, c, q) {
	out = ""
	len = length(s)
	i = 1
	while (i <= len) {
		c = substr(s, i, 1)
		if (in_comment) {
			if (substr(s, i, 2) == "*/") {
				in_comment = 0
				i += 2
			} else {
				i++
			}
			out = out " "
			continue
		}
		if (substr(s, i, 2) == "/*") {
			in_comment = 1
			i += 2
			out = out " "
			continue
		}
		if (substr(s, i, 2) == "//")
			break
		if (c == "\"" || c == "\047") {
			q = c
			for (i++; i <= len; i++) {
				c = substr(s, i, 1)
				if (c == "\\")
					i++
				else if (c == q)
					break
			}
			out = out q q
			i++
			continue
		}
		out = out c
		i++
	}
	return out
}

FNR == 1 {
	in_comment = 0
	f = FILENAME
	sub(/^user\//, "", f)
	if (f == "main.c") {
		stage = "main"
	} else if (f ~ /\//) {
		stage = f
		sub(/\/.*/, "", stage)
		if (!(stage in rank))
			say("user/" stage "/ is not a stage folder (" left["cli"] ")")
	} else {
		stage = "?"
		say("only main.c sits directly in user/; everything else in a stage folder")
	}
	quiet = (stage == "common" || stage == "features" || stage == "ml")
	opts = (f ~ /^common\/opts\.[ch]$/)
	logger = (f ~ /^common\/log\.[ch]$/)
	cli = (stage == "cli" || stage == "main" || opts)
}

{
	raw = $0
	if (match(raw, /^[ \t]*#[ \t]*include[ \t]*"[^"]+"/)) {
		inc = substr(raw, RSTART, RLENGTH)
		sub(/^[^"]*"/, "", inc)
		sub(/"$/, "", inc)
		if (inc == "nadxdp.skel.h") {
			if (f != "capture/loader.c" && f != "mitigate/bpf.c" && stage != "cli")
				say("includes nadxdp.skel.h: only capture/loader.c, mitigate/bpf.c and cli/ may")
		} else if (inc ~ /^[a-z0-9_]+\.skel\.h$/) {
			if (stage != "capture")
				say("includes " inc ": the skeletons of kernel probes only in capture/")
		} else if (inc !~ /\//) {
			if (!(inc in isabi))
				say("includes \"" inc "\": name the stage folder (\"stage/" inc "\"); only bpf/ ABI headers go without one")
		} else {
			top = inc
			sub(/\/.*/, "", top)
			if (!(top in rank))
				say("includes \"" inc "\": " top "/ is not a stage folder")
			else if (stage in rank && rank[top] > rank[stage])
				say("includes " inc ": " stage "/ may include only " left[stage] " (" top "/ is downstream)")
		}
		next
	}
	if (match(raw, /^[ \t]*#[ \t]*include[ \t]*<[^>]+>/)) {
		inc = substr(raw, RSTART, RLENGTH)
		sub(/^[^<]*</, "", inc)
		sub(/>$/, "", inc)
		if (quiet && (inc ~ /^bpf\// || inc ~ /^linux\/bpf\.h$/))
			say("includes <" inc ">: " stage "/ never uses libbpf or the bpf syscall")
		if (!cli && inc == "getopt.h")
			say("includes <getopt.h>: only cli/, common/opts and main.c parse options")
		next
	}
	code = strip(raw)

	if (quiet && !logger && (code ~ (id "pr_(info|warn|err)[ \t]*\\(") ||
				 code ~ (id "log_printf[ \t]*\\([ \t]*LOG_(WARN|INFO)")))
		say(stage "/ never logs above debug (pr_debug is fine)")
	if (quiet && !logger &&
	    (code ~ (id "(v?fprintf|fputs|fputc)[ \t]*\\([ \t]*stderr") ||
	     code ~ (id "(perror|warn|warnx|err|errx)[ \t]*\\(")))
		say(stage "/ never prints to stderr (return an error; the caller reports it)")
	if (quiet && (code ~ (id "(lib)?bpf_[A-Za-z0-9_]+[ \t]*\\(") || code ~ (id "(__NR|SYS)_bpf")))
		say(stage "/ never uses libbpf or the bpf syscall")
	if (quiet && !opts && code ~ (id "(argc|argv)" "([^A-Za-z0-9_]|$)"))
		say(stage "/ never sees argv")
	if (!cli && code ~ (id "(getopt|getopt_long|optarg|optind|opterr|optopt)([^A-Za-z0-9_]|$)"))
		say("getopt outside cli/, common/opts and main.c")
	if (!cli && code ~ (id "struct[ \t]+option([^A-Za-z0-9_]|$)"))
		say("getopt outside cli/, common/opts and main.c")
	if (!cli && code ~ (id "EXIT_[A-Z_]+([^A-Za-z0-9_]|$)"))
		say("exit code (EXIT_*) outside cli/, common/opts and main.c")
	if (code ~ (id "bpf_map_[a-z_]+[ \t]*\\(") && stage != "capture" && f != "mitigate/bpf.c")
		say("bpf_map_* call: only capture/ and mitigate/bpf.c touch BPF maps")
}

END {
	if (bad) {
		printf "check-layers: %d violation%s\n", bad, bad == 1 ? "" : "s"
		exit 1
	}
}
' "${files[@]}"
