/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/features.h - `nadxdp features --pcap FILE [--out FILE.csv]`: the twelve features
 * of every packet of a capture as CSV (capture/offline.h says how bad captures end).
 */
#ifndef NAD_CLI_FEATURES_H
#define NAD_CLI_FEATURES_H

#include <stddef.h>

struct opts_cmd;

extern const struct opts_cmd features_opts;

/* Subcommand entry: argv[0] is "features". Returns an exit code (cli.h). */
int features_cmd(int argc, char **argv);

/*
 * Reads every packet of the capture at path and returns its feature matrix:
 * *n_rows rows of FEAT_N_BASE floats, row-major, malloc'd (caller frees).
 * Returns 0 or a negative errno; the cause has been logged with pr_warn().
 * A truncated capture is an error here (*X is NULL): a model is not trained
 * on a capture that was cut without the caller knowing.
 */
int features_capture_matrix(const char *path, float **X, size_t *n_rows);

#endif
