/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef NAD_DAEMON_H
#define NAD_DAEMON_H

/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int daemon_cmd(int argc, char **argv);

#endif
