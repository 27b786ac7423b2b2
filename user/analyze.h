/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * analyze.h - the drivers of the detection engine: offline over a capture,
 * and the hook the live daemon's record callback calls.
 *
 *   nadxdp --pcap FILE [--models DIR] [--profile home|small-office|enterprise]
 *          [--log FILE] [--json] [--summary-interval S] [--train-packets N]
 *          [--no-train] [--retrain-interval S] [--quiet] [--vectors-out CSV]
 *
 * Models: DIR/nadxdp.model if present (its feature names must equal
 * engine_feature_names), else the default model embedded in the binary,
 * which detects while, with --models DIR and without --no-train, a baseline
 * is learned from the first --train-packets vectors (default 20,000), saved
 * to DIR/nadxdp.model and swapped in. Offline, training and retraining run
 * inline at the capture clock (deterministic); live, in a background thread.
 */
#ifndef NAD_ANALYZE_H
#define NAD_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "classify.h"
#include "nad_abi.h"

struct analyze_opts {
	const char *pcap;
	const char *models_dir; /* NULL: offline none; live MODELSET_DEFAULT_PATH's dir */
	enum classify_profile_id profile;
	const char *log_path;
	bool json; /* EVE lines on stdout */
	bool quiet; /* no console lines */
	double summary_interval_s;
	unsigned long train_packets;
	bool train_packets_set;
	bool no_train;
	double retrain_interval_s;
	const char *vectors_out;
};

void analyze_opts_default(struct analyze_opts *o);

/*
 * Parses the options above from argv (argv[0] is the command name); IFNAME arguments
 * are left to the caller (*ifname, may be NULL). Returns 0, 1 for --help (printed), or
 * -EINVAL after printing one usage line.
 */
int analyze_parse_args(int argc, char **argv, struct analyze_opts *o, const char **ifname);

/*
 * For the live daemon's own parser: moves the detection options above (all but --pcap,
 * --quiet and --help, which the daemon has too) with their values from argv to out,
 * keeping everything else in argv in its order; argv[0] starts both. Returns argv's new
 * count; *out_argc is out's. out must hold argc + 1 pointers. Values are not checked:
 * analyze_parse_args(*out_argc, out, ...) does that.
 */
int analyze_split_args(int argc, char **argv, char **out, int *out_argc);

/* `nadxdp --pcap FILE ...`: returns an exit code (log.h). */
int analyze_cmd(int argc, char **argv);

/* The offline run itself, for tests: returns an exit code. */
int analyze_offline(const struct analyze_opts *o);

/* Live: one per daemon. NULL + errno (the cause logged). */
struct analyze_live;
struct analyze_live *analyze_live_new(const struct analyze_opts *o);
/* From the ring-buffer callback: returns 0. */
int analyze_live_record(struct analyze_live *a, const struct nad_rec *rec);
/* Every second or so with CLOCK_MONOTONIC ns and the summed kernel counters (may be NULL). */
void analyze_live_tick(struct analyze_live *a, uint64_t now_ns, const struct nad_stats *kernel);
/* Closes the open episodes and frees. */
void analyze_live_free(struct analyze_live *a);

/* Embedded default model (user/default_model.c). */
extern const unsigned char nad_default_model[];
extern const unsigned char nad_default_model_end[];

#endif /* NAD_ANALYZE_H */
