// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main.c - the command table: `nadxdp COMMAND ...`. Anything that is not a command
 * goes to the first, `run` (`nadxdp IFNAME ...`, `nadxdp --pcap FILE ...`).
 */
#include "cli/baseline.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "cli/features.h"
#include "cli/rules.h"
#include "cli/run.h"
#include "cli/status.h"
#include "cli/top.h"
#include "cli/train.h"

static const struct cli_command commands[] = {
	{ "run", run_cmd, "IFNAME | --pcap FILE   detect anomalies live or in a capture",
	  &run_opts },
	{ "features", features_cmd, "--pcap FILE [--vector] [--out F]  one CSV row per packet",
	  &features_opts },
	{ "top", top_cmd, "[--state FILE] [--once]  live dashboard of the running instance",
	  &top_opts },
	{ "status", status_cmd, "[--json]               counters of the running instance",
	  &status_opts },
	{ "rules", rules_cmd, "add|del|list ...       manage drop and allow rules", &rules_opts },
	{ "train", train_cmd, "--features X.csv|--pcap F --models DIR  train the models",
	  &train_opts },
	{ "baseline", baseline_cmd, "--models DIR [--json]   the per-host baselines of a model",
	  &baseline_command },
	{ "score", score_cmd, "--models DIR --features Y.csv           score rows", &score_opts },
	{ "config", config_cmd, "check [FILE] | example  the configuration file", &config_opts },
	{ "cluster", cluster_cmd, "--features Z.csv [--eps E] [--min-samples M]  DBSCAN labels",
	  &cluster_opts },
};

int main(int argc, char **argv)
{
	return cli_main(commands, sizeof(commands) / sizeof(commands[0]), argc, argv);
}
