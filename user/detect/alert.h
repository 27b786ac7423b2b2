/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/alert.h - episodes: one alert per (source, class) episode, and the events they make.
 *
 * An episode is keyed by (source address, class), or by (destination address,
 * class) for distributed attacks (classify_result.by_destination). Its first
 * anomalous packet emits an `anomaly` event at once (closing = false, pkts = 1,
 * with the packet's scores and criteria in event.anomaly); later anomalous
 * packets of the same key only count. When no anomalous packet came for idle_s
 * (checked at ticks, record clock; longer where a packet asked, alert_anomaly.hold_s: a
 * slow DoS writes every 15 s or so), the episode closes with a second `anomaly`
 * event, closing = true, carrying its totals (start, last, packets, bytes, peak
 * score, campaign). A new anomaly after that opens a new episode (and a new alert).
 * `summary` events carry the engine's figures and the anomalies per class since
 * the last summary.
 *
 * `update` events (update = true) follow an open dos_attack or excessive_traffic
 * episode (keyed on the source or the destination) while it goes on: at most one per
 * ALERT_UPDATE_NS of record time, emitted by the anomalous packet that comes after
 * that, with its figures (rates, flood facts), so the mitigation can act once a flood
 * has held, not only when it starts.
 *
 * Events go to two places, in this order: the sink (the output stage: report/eve.h
 * writes EVE JSON and console lines; cli/ wires it) and the observer (tests, the
 * dashboard, the live mitigation). Update events go to the observer only: they are
 * no output. Nothing here writes output.
 */
#ifndef NAD_ALERT_H
#define NAD_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "common/flood.h"
#include "common/limits.h"
#include "detect/classify.h"
#include "nad_abi.h"

/* At most one update event per episode per this much record time (10 ms). */
#define ALERT_UPDATE_NS 10000000ULL

struct alert_event;
typedef void (*alert_event_fn)(void *ctx, const struct alert_event *ev);

struct alert_opts {
	double idle_s; /* episode idle timeout (default 10) */
	alert_event_fn sink; /* the output stage: sees every event first (NULL: none) */
	void *sink_ctx;
};

/* One anomalous packet, as the engine reports it. */
struct alert_anomaly {
	const struct nad_rec *rec;
	enum classify_class cls;
	bool by_destination;
	double hold_s; /* the episode's idle timeout when longer than idle_s (a slow DoS); 0 none */
	double score, threshold;
	unsigned criteria; /* mask of enum criterion (detect/criteria.h) */
	double crit_value[CRIT_N], crit_threshold[CRIT_N];
	bool have_model;
	float ae_mae, ae_threshold, if_score, if_threshold;
	const char *evidence, *response;
	/*
	 * When evidence is NULL: writes a new episode's sentences into evidence and response
	 * (CLASSIFY_TEXT bytes each, zeroed). Not called for a packet that joins an open
	 * episode, whose sentences were written at its start: most anomalous packets do.
	 */
	void (*explain)(void *ctx, char *evidence, char *response);
	void *explain_ctx;
	/* rates the classifier saw (for mitigation): the source's and destination's packets/s [1 s],
	 * distinct sources toward the destination [10 s] */
	double src_pps, dst_pps;
	uint32_t n_sources;
	/*
	 * the flood as the mitigation needs it (common/flood.h): signature, unanswered rate and
	 * share, since when it holds (FLOOD_SINCE_EPISODE: the episode's start), when the
	 * source was last answered, the threshold and where it came from
	 */
	struct flood_facts flood;
};

struct alert_summary;

/* What the sink and the observer see for each event; valid during the call only. */
struct alert_event {
	const char *event_type; /* "anomaly", "update" or "summary" */
	bool closing; /* an episode's end record */
	bool update; /* an open episode's update (event_type "update"; the observer's only) */
	uint64_t episode_id;
	enum classify_class cls;
	__u8 saddr[16], daddr[16]; /* of the episode's first packet */
	uint16_t sport, dport;
	uint8_t proto;
	uint64_t start_ns, last_ns, pkts, bytes;
	double peak_score;
	int64_t campaign; /* -1 none */
	const char *evidence, *response;
	/*
	 * keyed on the destination; the rates and the flood's facts (flood_since_ns resolved
	 * to a time) of the episode's first packet in a start event, of its latest anomalous
	 * packet in update and end events
	 */
	bool by_destination;
	double src_pps, dst_pps;
	uint32_t n_sources;
	struct flood_facts flood;
	/* a start event: the packet that opened the episode (scores, criteria); else NULL */
	const struct alert_anomaly *anomaly;
	/* a summary event: the engine's figures, and the episodes started per class
	 * (CLASS_N counts) since the last summary; else NULL */
	const struct alert_summary *summary;
	const uint64_t *n_interval_class;
};

struct alert;

/* NULL + errno. */
struct alert *alert_new(const struct alert_opts *o);
/* Does not close the episodes (call alert_flush first for end records). */
void alert_free(struct alert *a);

void alert_set_observer(struct alert *a, alert_event_fn fn, void *ctx);

/*
 * Accounts one anomalous packet to its episode; emits the start event for a new episode.
 * Returns the episode id (> 0), or 0 if the episode table is full and nothing could close.
 */
uint64_t alert_report(struct alert *a, const struct alert_anomaly *an);

/* Closes episodes idle for their timeout at now_ns (record clock). Returns how many closed. */
int alert_tick(struct alert *a, uint64_t now_ns);
/* Closes every open episode (end of a capture). */
void alert_flush(struct alert *a);

/* Campaign membership from the engine: sets the campaign of an episode if still open. */
void alert_set_campaign(struct alert *a, uint64_t episode_id, int64_t campaign);
/* The campaign of an open episode, or -1. */
int64_t alert_episode_campaign(const struct alert *a, uint64_t episode_id);
bool alert_episode_open(const struct alert *a, uint64_t episode_id);
/* Is an episode of a critical/warning class open for this source? */
bool alert_source_in_episode(const struct alert *a, const __u8 addr[16]);
/* Is an episode of class c open for this source (as its source)? */
bool alert_source_in_class_episode(const struct alert *a, const __u8 addr[16],
				   enum classify_class c);

/* Counts since the start. */
uint64_t alert_n_episodes(const struct alert *a, enum classify_class c);

/* The episode table: open episodes at most (3/4 of its slots: beyond, a new episode closes
 * the one idle longest, an eviction), open now, evictions, memory. */
void alert_get_stats(const struct alert *a, struct limit_table *out);

/* Figures for a summary; filled by the engine. */
struct alert_summary {
	uint64_t now_ns;
	double interval_s;
	const char *profile;
	bool profile_inferred;
	uint64_t pkts[NAD_N_DIRS], bytes[NAD_N_DIRS]; /* in the interval */
	uint64_t total_pkts;
	struct {
		__u8 addr[16];
		uint64_t pkts, bytes;
	} top[5];
	int n_top;
	double threshold, iot_threshold, ae_threshold, if_threshold;
	bool have_model;
	uint64_t model_generation;
	bool have_kernel;
	uint64_t kernel_shed, kernel_emitted, kernel_pkts;
	int n_campaigns;
	struct {
		int64_t id;
		int n_members;
		uint64_t members[16];
	} campaigns[8];
	int n_tables; /* the bounded tables (engine_tables) */
	struct limit_table tables[LIMIT_MAX_TABLES];
};

/* Emits a summary event with the anomaly counts since the last one, and restarts them. */
void alert_summary(struct alert *a, const struct alert_summary *s);

#endif /* NAD_ALERT_H */
