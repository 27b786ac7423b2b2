// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Placeholder until the module lands. */
#include "log.h"
#include "offline.h"

int offline_features_cmd(int argc, char **argv)
{
	pr_warn("%s: not implemented yet\n", argv[0]);
	return EXIT_RUNTIME;
}

int offline_feature_matrix(const char *path, float **X, size_t *n_rows)
{
	pr_warn("%s: reading captures is not implemented yet\n", path);
	return -95;
}
