// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main.c - wires the stages: picks the subcommand and hands it argv.
 *
 * `nadxdp IFNAME ...` and `nadxdp --pcap FILE ...` are short for `nadxdp run ...`.
 */
#include <stdio.h>
#include <string.h>
#include <cblas.h>

#include "capture/offline.h"
#include "cli/ctl.h"
#include "cli/model.h"
#include "cli/run.h"
#include "cli/top.h"
#include "common/log.h"

#ifndef NADXDP_VERSION
#define NADXDP_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", daemon_cmd, "IFNAME | --pcap FILE   detect anomalies live or in a capture" },
	{ "features", offline_features_cmd, "--pcap FILE [--out F]  one CSV row of features per packet" },
	{ "top", top_cmd, "[--state FILE] [--once]  live dashboard of the running instance" },
	{ "status", ctl_status_cmd, "[--json]               counters of the running instance" },
	{ "rules", ctl_rules_cmd, "add|del|list ...       manage drop and allow rules" },
	{ "train", modelcmd_train_cmd, "--features X.csv|--pcap F --models DIR  train the models" },
	{ "score", modelcmd_score_cmd, "--models DIR --features Y.csv           score rows" },
	{ "cluster", modelcmd_cluster_cmd, "--features Z.csv [--eps E] [--min-samples M]  DBSCAN labels" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: nadxdp [run] IFNAME [options]    monitor an interface (root)\n"
		   "       nadxdp [run] --pcap FILE [options] analyse a capture\n"
		   "       nadxdp COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`nadxdp COMMAND --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
	log_hook_libbpf();
	/*
	 * Training runs on one thread beside detection; OpenBLAS's own workers would
	 * busy-wait on the other core (about 14% of a training profile).
	 */
	openblas_set_num_threads(1);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("nadxdp %s\n", NADXDP_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	/* Anything else is an interface name or an option of `run`. */
	return daemon_cmd(argc, argv);
}
