/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/manpage.h - the man pages nadxdp(8) and nadxdp.conf(5) in roff, written from the
 * command table and the option tables that --help and the configuration file use, so
 * the three cannot disagree. `nadxdp --man 8|5` (not listed in the help) writes them;
 * the Makefile builds and installs them.
 */
#ifndef NAD_CLI_MANPAGE_H
#define NAD_CLI_MANPAGE_H

#include <stddef.h>
#include <stdio.h>

struct cli_command;

/*
 * Writes page 8 (the program, every command and its options) or page 5 (the
 * configuration file: the settings of cmds[0], run) to f. Returns 0, -EINVAL for another
 * section, -EIO.
 */
int manpage_write(const struct cli_command *cmds, size_t n_cmds, int section, FILE *f);

#endif /* NAD_CLI_MANPAGE_H */
