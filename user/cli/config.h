/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/config.h - the configuration file, /etc/nadxdp/nadxdp.conf: "key = value" lines
 * (read with libinih) that set a command's rows marked OPTS_CONFIG, each key a long
 * option's name, through the same parsers as the flags. The file comes between the
 * defaults and the flags: a flag overrides the file (a repeatable option given as a flag
 * replaces the file's list). `nadxdp config check` shows the settings in force and where
 * each came from; `nadxdp config example` writes a commented file from the table.
 *
 * Syntax: one "key = value" per line; lines starting with '#' or ';' and blank lines are
 * ignored, as is " ; comment" after a value; a key may repeat (the last wins, a
 * repeatable option collects every value, a comma-separated list too). No sections.
 */
#ifndef NAD_CLI_CONFIG_H
#define NAD_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/opts.h"

#define CONFIG_DEFAULT_PATH "/etc/nadxdp/nadxdp.conf"
/* The row naming another file (--config FILE), never itself a key of the file. */
#define CONFIG_ROW "config"

struct config {
	const char *path; /* the file read, or NULL (none, or the default one is missing) */
	unsigned line[OPTS_MAX_ENTRIES]; /* the line of each row's last setting; 0: not set */
	char **values; /* copies of the file's values: option strings point into them */
	size_t n_values, cap_values;
};

/*
 * Applies the file at path to o (over what o holds); cfg records the lines and keeps
 * the values' text alive until config_free(). Returns 0; -ENOENT when the file does not
 * exist; -EINVAL for a refused line (unknown key, bad value, syntax) with err set to
 * "PATH:LINE: why" (the first one); another -errno when it cannot be read (err set).
 */
int config_read(const struct opts_cmd *c, void *o, const char *path, struct config *cfg, char *err,
		size_t len);

/* Frees what config_read kept (the options pointing into it die with it). Accepts NULL. */
void config_free(struct config *cfg);

/*
 * As cli_options(), with a file between the defaults and the flags: the file of
 * --config FILE (which must exist), else default_path(flags) (o filled from the flags
 * alone; it may return NULL for none, and a missing default file is no error). Returns
 * true when the command goes on (cfg then owned by the caller: config_free); false when
 * done, with *exit_code EXIT_OK after the help, EXIT_USAGE after one line on stderr.
 */
bool config_options(const struct opts_cmd *c, int argc, char **argv, void *o,
		    struct opts_result *res, struct config *cfg,
		    const char *(*default_path)(const void *flags), int *exit_code);

/*
 * Writes every key of c with its value in o and where the value came from (default,
 * FILE:LINE or flag), as lines the file takes back. Returns 0 or -EIO.
 */
int config_print(const struct opts_cmd *c, const void *o, const struct config *cfg,
		 const struct opts_result *res, FILE *f);

/* Writes a configuration file with every key of c commented out at its default. 0 or -EIO. */
int config_write_example(const struct opts_cmd *c, FILE *f);

/* `nadxdp config check [FILE] [RUN OPTIONS]` and `nadxdp config example`. */
extern const struct opts_cmd config_opts;
int config_cmd(int argc, char **argv);

#endif /* NAD_CLI_CONFIG_H */
