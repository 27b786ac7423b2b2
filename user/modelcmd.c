// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Placeholder until the module lands. */
#include "log.h"
#include "modelcmd.h"

int modelcmd_train_cmd(int argc, char **argv)
{
	pr_warn("%s: not implemented yet\n", argv[0]);
	return EXIT_RUNTIME;
}

int modelcmd_score_cmd(int argc, char **argv)
{
	pr_warn("%s: not implemented yet\n", argv[0]);
	return EXIT_RUNTIME;
}

int modelcmd_cluster_cmd(int argc, char **argv)
{
	pr_warn("%s: not implemented yet\n", argv[0]);
	return EXIT_RUNTIME;
}

