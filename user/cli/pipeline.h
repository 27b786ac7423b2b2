/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/pipeline.h - the drivers of the detection engine: offline over a capture,
 * and the hook the live daemon's record callback calls. They wire the stages (models,
 * engine, retraining, the EVE output), so they sit in cli/, above every stage they use;
 * cli/run.c reads the options (`nadxdp run --help`), feeds the views and maps the
 * results (0 or -errno) to exit codes.
 *
 * Models: DIR/nadxdp.model if present (its feature names must equal
 * vector_names, features/vector.h), else the default model embedded in the binary,
 * which detects while, with models_dir set and without no_train, the site is learned
 * from the first train_packets vectors (default 20,000; records of sources in a critical
 * or warning episode are left out and counted, detect/engine.h), saved to
 * DIR/nadxdp.model and swapped in; a progress line every tenth. DIR is created (mode 0700)
 * when missing. A capture that ends first trains on what there is if that is at least
 * MODELSET_MIN_ROWS, else one line says why no model was saved. Offline, training and
 * retraining run inline at the capture clock (deterministic); live, in a background
 * thread (retrain.h: how a retrain is judged against the model in use).
 *
 * Baselines: the per-host baselines saved with DIR's model feed the engine and keep
 * learning; else they start empty. Every saved model carries a copy of them, and the
 * model is saved again with them at the end of a live run (and of an offline run that
 * trained), so a restart carries on with what was learned.
 */
#ifndef NAD_ANALYZE_H
#define NAD_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "detect/classify.h"
#include "features/homenet.h"
#include "nad_abi.h"

/*
 * Where the EVE lines go besides log_path and stdout (report/outputs.h), and the fields
 * every event carries.
 */
struct analyze_eve {
	const char *host; /* "host" (NULL: the host name) */
	const char *in_iface; /* "in_iface" (live: the interface; offline: the capture's name) */
	bool syslog; /* to a local syslog socket */
	int syslog_facility, syslog_severity; /* RFC 5424 numbers (16 local0, 6 info) */
	const char *syslog_path; /* NULL: /dev/log */
	const char *unix_path; /* a listening unix stream socket */
	const char *redis; /* HOST[:PORT], [V6]:PORT or a unix socket path (analyze_parse_redis) */
	int redis_mode; /* enum output_redis_mode */
	const char *redis_key; /* NULL: "nadxdp" */
	unsigned queue_len; /* unix and redis: lines queued at most (0: the default) */
};

struct analyze_opts {
	const char *pcap; /* offline: the capture */
	const char *models_dir; /* NULL: none (offline default); live default RUN_STATE_DIR */
	enum profile_id profile;
	const char *log_path; /* EVE lines appended to a file (reopened by analyze_live_reopen) */
	bool json; /* EVE lines on stdout */
	struct analyze_eve eve;
	bool quiet; /* no console lines */
	double summary_interval_s;
	unsigned long train_packets;
	bool no_train;
	bool no_model; /* rules only: no model loaded (analyze_vectors) */
	double retrain_interval_s;
	const char *vectors_out;
	/*
	 * The home network: given (--home-net), else live the interface's subnets (cli/run.c
	 * fills them before analyze_live_new), offline inferred from the capture (a first
	 * pass, features/homenet.h); both reported.
	 */
	struct homenet home;
};

void analyze_opts_default(struct analyze_opts *o);

/* Logs "Home network (how): 198.18.0.0/24, ..." (info). */
void analyze_report_home(const struct homenet *h, const char *how);

/*
 * A Redis server as --redis names it: "HOST", "HOST:PORT", "[V6]:PORT" or a path (with a
 * '/': a unix socket). Fills host (len bytes) and *port, or *path (pointing into s).
 * 0, or -EINVAL.
 */
int analyze_parse_redis(const char *s, char *host, size_t len, unsigned *port, const char **path);

/* The models directory DIR, created with mode 0700 when it is missing (not its parents):
 * 0, or -errno with the cause logged in one line. */
int analyze_models_dir(const char *dir);

struct alert_event;
struct engine;

/* What a view sees of an offline run besides the EVE lines (cli/ wires the HTML report). */
struct analyze_observer {
	void (*record)(void *ctx, const struct nad_rec *rec); /* each record, in order */
	void (*alert)(void *ctx, const struct alert_event *ev); /* the engine's observer */
	int (*finish)(void *ctx, struct engine *e); /* after the last record: 0 or -errno */
	void *ctx;
	/* each record's model vector (VECTOR_DIM floats), in order */
	void (*vector)(void *ctx, const struct nad_rec *rec, const float *v);
};

/*
 * The offline run over o->pcap; obs may be NULL. A capture that cannot be opened is
 * refused before any model is loaded. Returns 0, or a negative errno once the cause
 * has been logged (a capture cut part-way still delivers every packet before the
 * fault; a failing obs->finish fails the run).
 */
int analyze_offline(const struct analyze_opts *o, const struct analyze_observer *obs);

/*
 * The model vectors of a capture, as the detector computes them: the offline run of
 * analyze_offline (the home net inferred, no model: the vectors do not depend on it,
 * no training, no alert output) calls fn with each record's vector, in order. *baseline (baseline may be
 * NULL) receives a copy of the per-host baselines the run learned (caller frees).
 * 0 or -errno (logged; a cut capture fails after its packets).
 */
struct baseline;
typedef void (*analyze_vector_fn)(void *ctx, const struct nad_rec *rec, const float *v);
int analyze_vectors(const char *pcap, analyze_vector_fn fn, void *ctx, struct baseline **baseline);

/* Live: one per daemon. NULL + errno (the cause logged). */
struct analyze_live;
struct analyze_live *analyze_live_new(const struct analyze_opts *o);
/* Analyses one record now (after any queued ones): returns 0. */
int analyze_live_record(struct analyze_live *a, const struct nad_rec *rec);
/*
 * The batched form, for the ring-buffer callback: queues a copy of rec (flushing first when
 * ENGINE_BATCH records wait). analyze_live_flush() then analyses the queued records in order
 * with engine_process_batch: the same alerts, classes and vectors as analyze_live_record()
 * for each, at a fraction of the cost. The caller flushes after every drain of the ring.
 * Live, records are first held in time order until they are 20 ms (twice the kernel's
 * staging time) behind the newest or the clock (analyze_live_tick), since the ring holds
 * them in the order their stages were committed, not the order of their packets.
 */
void analyze_live_queue(struct analyze_live *a, const struct nad_rec *rec);
void analyze_live_flush(struct analyze_live *a);
/* Live records wait in time order until 20 ms behind the newest; this analyses them all. */
void analyze_live_drain(struct analyze_live *a);
/*
 * Every second or so with CLOCK_MONOTONIC ns and the summed kernel counters (may be NULL).
 * Flushes the queue first.
 */
void analyze_live_tick(struct analyze_live *a, uint64_t now_ns, const struct nad_stats *kernel);
/* Flushes the queue, closes the open episodes and frees. */
void analyze_live_free(struct analyze_live *a);
/* The engine (for its observer slot, threshold and profile). */
struct engine *analyze_live_engine(struct analyze_live *a);
/* The run's EVE and console output (report/eve.h): for the mitigation's events. */
struct eve *analyze_live_eve(struct analyze_live *a);
/* Where the EVE lines go (report/outputs.h): for their figures. */
struct outputs *analyze_live_outputs(struct analyze_live *a);
/* Reopens the EVE log file by its path (SIGHUP, after logrotate renamed it): 0 or -errno
 * (logged). */
int analyze_live_reopen(struct analyze_live *a);

#endif /* NAD_ANALYZE_H */
