/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/rules.h - `nadxdp rules`: the running instance's drop rules and allowlist, through
 * its pinned maps (cli/instance.h says which and what happens when none are pinned).
 *
 * Needs root; usage errors exit 2 before any privilege check. With only the rule maps
 * an instance kept on exit (--keep-rules) pinned, `rules list` and `rules del` work on
 * them; `rules add` says no instance runs.
 *
 * Manual rules carry origin NAD_ORIGIN_MANUAL, created_ns = now and
 * expires_ns = now + ttl (0 = never) on CLOCK_MONOTONIC, the clock of
 * bpf_ktime_get_ns(). Adding a rule that exists updates its expiry and
 * origin and keeps its hit counters.
 */
#ifndef NAD_CLI_RULES_H
#define NAD_CLI_RULES_H

struct opts_cmd;

extern const struct opts_cmd rules_opts;

/* Subcommand entry: argv[0] is "rules". Returns an exit code (cli.h). */
int rules_cmd(int argc, char **argv);

#endif
