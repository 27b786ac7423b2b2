/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/baseline.h - `nadxdp baseline --models DIR [--json]`: the per-host and per-service
 * baselines saved with DIR/nadxdp.model (features/baseline.h).
 */
#ifndef NAD_CLI_BASELINE_H
#define NAD_CLI_BASELINE_H

struct opts_cmd;

extern const struct opts_cmd baseline_command;

/* Subcommand entry: argv[0] is "baseline". Returns an exit code (cli.h). */
int baseline_cmd(int argc, char **argv);

#endif
