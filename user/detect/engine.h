/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/engine.h - one detection engine for live and offline: records in, alerts out.
 *
 * The engine's clock is rec->ts_ns (capture time offline, CLOCK_MONOTONIC
 * live). engine_process() ticks by itself every second of record time, so the
 * same records give the same alerts live and offline; engine_tick() only
 * adds ticks when no record comes (idle links). No allocation per packet:
 * every tracker is a fixed-size table with eviction of the least recently
 * seen entry.
 *
 * A record's way, and where each step is specified:
 *   context and model vector  features/context.h, features/vector.h
 *   models                    ml/modelset.h (the model held in ml/modelswap.h)
 *   weighted criteria, score and adaptive threshold (one for IoT sources)
 *                             detect/criteria.h
 *   class                     detect/classify.h, under the profile of detect/profile.h
 *   episode                   detect/alert.h; campaigns: detect/campaign.h
 *
 * Info classes (timing, size, behavioral) are deviations from the source's own behaviour:
 * they need 20 packets of history from the source and a recent pass rate (EWMA, alpha
 * 0.02) of at most 10 %; a host whose every packet passes is one the model does not know
 * yet (retraining will learn it), not an anomaly of its own. A device's recurring pattern
 * is its own baseline: an info anomaly whose signature (peer, protocol, size to a power of
 * two; not the ports, clients pick new ephemeral ones) the source already showed is not
 * reported again (the last 8 signatures per source). classify.h adds that both models
 * must agree for an info class, one of them at its extreme level.
 *
 * Warm-up: the first 60 s or 5000 packets of record time. Until it ends the home profile
 * applies and the baseline of destination ports learns; then the profile is inferred
 * (profile.h) and sources first seen after its first 30 s count as new
 * (features/context.h).
 *
 * The unflagged records' vectors of sources with no open critical or warning episode feed
 * retraining (retrain_offer); during the initial training also the flagged ones below
 * warning, and the records left out are counted (retrain_skip).
 */
#ifndef NAD_ENGINE_H
#define NAD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "common/limits.h"
#include "detect/alert.h"
#include "detect/classify.h"
#include "detect/retrain.h"
#include "features/vector.h"
#include "nad_abi.h"

struct engine_opts {
	enum profile_id profile; /* PROFILE_AUTO infers it */
	double summary_interval_s; /* default 30; < 0 disables */
	double campaign_window_s; /* default 60 */
	struct alert_opts alert;
	const struct homenet *home; /* not owned; NULL: the private ranges are home */
	/* not owned, may be NULL: the per-host baselines the classes compare with, fed with
	 * the traffic of sources that are not in an open critical or warning episode */
	struct baseline *baseline;
};

void engine_opts_default(struct engine_opts *o);

struct engine;

/*
 * A new engine scoring with the models published in hold (not owned; may hold no model:
 * then the model criteria never fire). retrain (not owned, may be NULL) receives the
 * vectors of unflagged packets and is ticked with the record clock. NULL + errno.
 */
struct engine *engine_new(const struct engine_opts *o, struct modelswap *hold,
			  struct retrain *retrain);
void engine_free(struct engine *e);

/* Observer of alert events (tests, mitigation). */
void engine_set_observer(struct engine *e, alert_event_fn fn, void *ctx);

/* Processes one record. Returns the class it was flagged with (CLASS_NONE if not). */
enum classify_class engine_process(struct engine *e, const struct nad_rec *rec);

#define ENGINE_BATCH 256
/*
 * Processes n records in order with the same results as n engine_process() calls (the
 * same alerts, classes, criteria, thresholds), scoring up to ENGINE_BATCH of them per
 * modelset_score call. cls_out[n] (may be NULL) receives each record's class, vec_out
 * (may be NULL) its model vector (n x VECTOR_DIM). engine_last_vector/criteria then
 * describe the last record. For offline input: a record's alert waits for its batch.
 */
void engine_process_batch(struct engine *e, const struct nad_rec *recs, size_t n,
			  enum classify_class *cls_out, float *vec_out);

/*
 * Time passes without records: episode expiry, campaigns, summaries, retraining.
 * kernel (may be NULL) adds the kernel's counters to summaries.
 */
void engine_tick(struct engine *e, uint64_t now_ns, const struct nad_stats *kernel);

/* End of input: closes every episode (emits their end records) and a last summary. */
void engine_finish(struct engine *e);

/* Model vector of the last processed record (VECTOR_DIM floats). */
const float *engine_last_vector(const struct engine *e);
/* Mask of the criteria (enum criterion) the last processed record fired. */
unsigned engine_last_criteria(const struct engine *e);
/* The profile in use and whether it was inferred. */
const struct profile *engine_profile(const struct engine *e, bool *inferred);
double engine_threshold(const struct engine *e);
uint64_t engine_n_packets(const struct engine *e);
struct alert *engine_alert(struct engine *e);
/* The context the engine tracks in (its flow table, baselines). */
const struct context *engine_context(const struct engine *e);
/* The baselines it feeds (engine_opts.baseline). */
struct baseline *engine_baseline(const struct engine *e);

/* The caller's own bounded tables (mitigation's): fills up to max rows, returns how many. */
typedef size_t (*engine_tables_fn)(void *ctx, struct limit_table *out, size_t max);
/* Adds fn's tables after the engine's own in engine_tables() and the summaries. */
void engine_set_tables_source(struct engine *e, engine_tables_fn fn, void *ctx);
/*
 * Every bounded table behind the engine (common/limits.h), at most max rows into out:
 * flows, flow_timeouts, sources, destinations, logins, baseline_hosts and
 * baseline_services (with a baseline), episodes, campaign_samples, then fn's. Returns
 * how many were written.
 */
size_t engine_tables(const struct engine *e, struct limit_table *out, size_t max);

#endif /* NAD_ENGINE_H */
