// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/cli.c - the top-level dispatch and the options every command reads the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <cblas.h>
#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/manpage.h"

#ifndef NADXDP_VERSION
#define NADXDP_VERSION "0.1.0"
#endif

bool cli_options(const struct opts_cmd *c, int argc, char **argv, void *o, struct opts_result *res,
		 int *exit_code)
{
	c->defaults(o);
	if (opts_parse(c, argc, argv, o, res)) {
		pr_warn("%s: %s\n", c->name, res->err);
		*exit_code = EXIT_USAGE;
		return false;
	}
	if (res->help) {
		c->defaults(o);
		opts_help(c, o, stdout);
		*exit_code = EXIT_OK;
		return false;
	}
	return true;
}

int cli_usage_error(const struct opts_cmd *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pr_warn("%s: %s\n", c->name, line);
	return EXIT_USAGE;
}

uint64_t cli_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cli_format_age(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "s", s);
}

void cli_json_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void usage(const struct cli_command *cmds, size_t n_cmds, FILE *f)
{
	fprintf(f, "Usage: nadxdp [run] IFNAME [options]    monitor an interface (root)\n"
		   "       nadxdp [run] --pcap FILE [options] analyse a capture\n"
		   "       nadxdp COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < n_cmds; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n`nadxdp COMMAND --help` describes a command's options.\n");
}

/*
 * libbpf warns about things the caller handles (a probe that fails before a
 * fallback, for instance), so its warnings become our info and its info our
 * debug, as xdp-tools does.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours = level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG;

	if (ours > log_get_level())
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

int cli_main(const struct cli_command *cmds, size_t n_cmds, int argc, char **argv)
{
	libbpf_set_print(libbpf_print);
	/*
	 * Training runs on one thread beside detection; OpenBLAS's own workers would
	 * busy-wait on the other core (about 14% of a training profile).
	 */
	openblas_set_num_threads(1);
	if (argc < 2) {
		usage(cmds, n_cmds, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(cmds, n_cmds, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version") ||
	    !strcmp(argv[1], "version")) {
		printf("nadxdp %s\n", NADXDP_VERSION);
		return EXIT_OK;
	}
	/* Not in the help: the Makefile's man page generator. */
	if (!strcmp(argv[1], "--man") && argc == 3) {
		int err = manpage_write(cmds, n_cmds, atoi(argv[2]), stdout);

		if (err)
			pr_warn("--man %s: %s\n", argv[2], strerror(-err));
		return err == -EINVAL ? EXIT_USAGE : err ? EXIT_RUNTIME : EXIT_OK;
	}
	for (size_t i = 0; i < n_cmds; i++) {
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	}
	/* Anything else is an interface name or an option of `run` (the first command). */
	return cmds[0].fn(argc, argv);
}
