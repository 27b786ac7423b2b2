// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Placeholder until the module lands. */
#include "log.h"
#include "daemon.h"

int daemon_cmd(int argc, char **argv)
{
	pr_warn("%s: not implemented yet\n", argv[0]);
	return EXIT_RUNTIME;
}

