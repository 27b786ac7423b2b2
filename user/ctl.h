/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef NAD_CTL_H
#define NAD_CTL_H

/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int ctl_status_cmd(int argc, char **argv);
/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (log.h). */
int ctl_rules_cmd(int argc, char **argv);

#endif
