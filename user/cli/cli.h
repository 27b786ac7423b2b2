/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/cli.h - what the commands share: the command table's row, the top-level dispatch,
 * and reading a command's options from its table (common/opts.h).
 *
 * Only cli/ parses options, picks exit codes and prints to the operator; the stages
 * below return 0 or -errno and log their causes.
 */
#ifndef NAD_CLI_H
#define NAD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "common/opts.h"

/* The process's exit codes (STYLE.md): only cli/ picks them. */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* a runtime failure */
	EXIT_USAGE = 2, /* bad options or arguments, no such interface */
	EXIT_BPF = 3, /* BPF load or attach failure */
};

/* One subcommand: `nadxdp NAME ...`. */
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the name; returns an exit code */
	const char *summary; /* one line for `nadxdp --help` */
	const struct opts_cmd *opts; /* its option table (for help and man pages) */
};

/*
 * The program: `nadxdp COMMAND ...`, --help, --version; anything else goes to cmds[0]
 * (`run`: an interface name or an option). Returns the exit code.
 */
int cli_main(const struct cli_command *cmds, size_t n_cmds, int argc, char **argv);

/*
 * Fills o with c's defaults and parses argv into it. Returns true when the command goes
 * on; false when it is done, with *exit_code EXIT_OK after printing the help on stdout,
 * or EXIT_USAGE after one line on stderr.
 */
bool cli_options(const struct opts_cmd *c, int argc, char **argv, void *o, struct opts_result *res,
		 int *exit_code);

/* Logs "NAME: ..." (one line, the newline added) and returns EXIT_USAGE. */
int cli_usage_error(const struct opts_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns() and of the records. */
uint64_t cli_mono_ns(void);

/* A duration for people: "45s", "12m05s", "3h20m", "2d04h". */
void cli_format_age(uint64_t ns, char *buf, size_t len);

struct json_object;
/* Adds key: v (an unsigned 64-bit number) to the JSON object o. */
void cli_json_u64(struct json_object *o, const char *key, uint64_t v);

#endif /* NAD_CLI_H */
