// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Placeholder until the module lands. */
#include <string.h>

#include "log.h"
#include "daemon.h"
#include "analyze.h"

int daemon_cmd(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--pcap"))
			return analyze_cmd(argc, argv);
	pr_warn("%s: not implemented yet\n", argv[0]);
	return EXIT_RUNTIME;
}

