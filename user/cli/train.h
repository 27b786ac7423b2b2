/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/train.h - `nadxdp train`, `nadxdp score` and `nadxdp cluster`: the models on CSV
 * files (and train on a capture's features).
 */
#ifndef NAD_CLI_TRAIN_H
#define NAD_CLI_TRAIN_H

struct opts_cmd;

extern const struct opts_cmd train_opts, score_opts, cluster_opts;

/* Subcommand entries: argv[0] is the subcommand name. Return an exit code (cli.h). */
int train_cmd(int argc, char **argv);
int score_cmd(int argc, char **argv);
int cluster_cmd(int argc, char **argv);

#endif
