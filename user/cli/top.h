/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/top.h - `nadxdp top`: the terminal dashboard of a daemon already running,
 * read from the state file it rewrites every second (DASH_STATE_FILE), or,
 * with --demo, of synthetic traffic fed in-process.
 */
#ifndef NAD_TOP_H
#define NAD_TOP_H

struct opts_cmd;

extern const struct opts_cmd top_opts;

/* Subcommand entry: argv[0] is "top". Returns an exit code (cli.h). */
int top_cmd(int argc, char **argv);

#endif
