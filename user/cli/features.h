/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/features.h - `nadxdp features --pcap FILE [--vector] [--out FILE.csv]`: the twelve
 * features (or the model vector, features/vector.h) of every packet of a capture as CSV
 * (capture/offline.h says how bad captures end).
 */
#ifndef NAD_CLI_FEATURES_H
#define NAD_CLI_FEATURES_H

#include <stddef.h>

struct opts_cmd;

extern const struct opts_cmd features_opts;

/* Subcommand entry: argv[0] is "features". Returns an exit code (cli.h). */
int features_cmd(int argc, char **argv);

#endif
