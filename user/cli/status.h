/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/status.h - `nadxdp status`: the running instance's counters, rule counts and top
 * sources, through its pinned maps and its instance file (cli/instance.h).
 *
 * Needs root; usage errors exit 2 before any privilege check. With nothing pinned, or
 * only the rules an instance kept on exit, it says no instance runs and exits 1.
 */
#ifndef NAD_CLI_STATUS_H
#define NAD_CLI_STATUS_H

struct opts_cmd;

extern const struct opts_cmd status_opts;

/* Subcommand entry: argv[0] is "status". Returns an exit code (cli.h). */
int status_cmd(int argc, char **argv);

#endif
