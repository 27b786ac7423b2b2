/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef NAD_MODELCMD_H
#define NAD_MODELCMD_H

/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int modelcmd_train_cmd(int argc, char **argv);
/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int modelcmd_score_cmd(int argc, char **argv);
/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int modelcmd_cluster_cmd(int argc, char **argv);

#endif
