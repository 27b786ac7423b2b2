/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef NAD_OFFLINE_H
#define NAD_OFFLINE_H

/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int offline_features_cmd(int argc, char **argv);

#endif
