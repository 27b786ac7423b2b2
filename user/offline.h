/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * offline.h - captures (pcap, pcapng, gzip-compressed) to records and features.
 */
#ifndef NAD_OFFLINE_H
#define NAD_OFFLINE_H

#include <stddef.h>

/* `nadxdp features`. argv[0] is the subcommand name. Returns an exit code (log.h). */
int offline_features_cmd(int argc, char **argv);

/*
 * Reads every packet of the capture at path and returns its feature matrix:
 * *n_rows rows of FEAT_N_BASE floats, row-major, malloc'd (caller frees).
 * Returns 0 or a negative errno; the cause has been logged with pr_warn().
 */
int offline_feature_matrix(const char *path, float **X, size_t *n_rows);

#endif /* NAD_OFFLINE_H */
