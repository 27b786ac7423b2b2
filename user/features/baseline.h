/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/baseline.h - what is normal for each home host and each of its services.
 *
 * Time is cut into windows (window_s, 10 s by default) of the record clock. During a
 * window the caller adds what a host did (packets, bytes, connections opened and
 * answered, requests left unanswered, bytes uploaded on connections it opened, distinct
 * ports and hosts it contacted); when the window closes (baseline_tick) each figure,
 * as a rate per second (or a count per window for the distinct figures), updates the
 * host's statistics:
 *   mean, var  exponentially weighted over windows with time constant tau_s (1 h), the
 *              first windows averaged evenly (weight max(1/n, window_s / tau_s));
 *   peak       the largest window, decaying with half-life peak_half_life_s (24 h).
 * Windows in which a host did nothing count as zeros (folded when a window closes:
 * the first call in a new window, of baseline_host(), baseline_svc() or baseline_tick(),
 * folds every entry). The level a detector compares
 * with is high = max(peak, mean + 3 sd), once the host has been known for min_windows
 * windows (6: one minute); before that baseline_high() says there is none.
 *
 * Bounded: hosts and services live in set-associative tables (max_hosts, max_services,
 * sets of 8); a new entry takes the way seen least recently (counted as an eviction).
 *
 * The clock: saved baselines store counts of windows, not times, so a baseline learned
 * from a capture (capture time) carries on under the live clock (CLOCK_MONOTONIC): the
 * first call after baseline_read places every entry's windows just before the clock's.
 */
#ifndef NAD_FEATURES_BASELINE_H
#define NAD_FEATURES_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "common/ser.h"

enum baseline_metric {
	BL_PKTS_OUT = 0, /* packets/s the host sends */
	BL_BYTES_OUT, /* wire bytes/s it sends */
	BL_PKTS_IN, /* packets/s it receives */
	BL_BYTES_IN, /* wire bytes/s it receives */
	BL_OPENED, /* flows/s it opens as a client */
	BL_ANSWERED, /* flows/s it opened that were answered */
	BL_UNANSWERED_OUT, /* its requests/s nobody answered (timed out or refused) */
	BL_UNANSWERED_IN, /* requests/s it received and left unanswered or refused */
	BL_UPLOAD, /* payload bytes/s it sent on flows it opened to outside the home net */
	BL_FANOUT_PORTS, /* distinct destination ports it contacted, per window */
	BL_FANOUT_HOSTS, /* distinct destination hosts it contacted, per window */
	BL_N_METRICS,
};

enum baseline_svc_metric {
	BLS_REQUESTS = 0, /* flows/s clients opened to the service */
	BLS_UNANSWERED, /* of those, left unanswered or refused, per second */
	BLS_PKTS_IN, /* packets/s it receives */
	BLS_BYTES_OUT, /* wire bytes/s it sends */
	BLS_N_METRICS,
};

struct baseline_opts {
	size_t max_hosts, max_services; /* rounded down to sets of 8; >= 8 */
	double window_s, tau_s, peak_half_life_s;
	unsigned min_windows;
};

/* 4096 hosts, 16384 services, windows of 10 s, tau 1 h, peak half-life 24 h, 6 windows. */
void baseline_opts_default(struct baseline_opts *o);

struct baseline_stat {
	float mean, var, peak;
};

/* One entry as baseline_foreach shows it. */
struct baseline_view {
	bool service; /* false: a host */
	__u8 addr[16];
	uint8_t proto; /* services */
	uint16_t port;
	uint32_t n_windows; /* windows since it was first seen */
	uint32_t idle; /* windows since it was last seen */
	unsigned n_metrics;
	const struct baseline_stat *stat; /* n_metrics */
};

struct baseline_counts {
	uint64_t n_hosts, n_services, host_evictions, service_evictions, windows;
	size_t memory_bytes, host_bytes, svc_bytes; /* in all; the host and service tables */
};

struct baseline;
/* The window accumulators of one host or service (valid until the next lookup that creates). */
struct baseline_host;
struct baseline_svc;

/* NULL + errno (EINVAL, ENOMEM). */
struct baseline *baseline_new(const struct baseline_opts *o);
void baseline_free(struct baseline *b);

/* The host's accumulators, created if absent (evicting the set's least recent). */
struct baseline_host *baseline_host(struct baseline *b, const __u8 addr[16], uint64_t now_ns);
void baseline_host_add(struct baseline_host *h, enum baseline_metric m, double v);
/* Distinct counting for BL_FANOUT_PORTS / BL_FANOUT_HOSTS: hash of the port or host. */
void baseline_host_distinct(struct baseline_host *h, enum baseline_metric m, uint32_t hash);

struct baseline_svc *baseline_svc(struct baseline *b, const __u8 addr[16], uint8_t proto,
				  uint16_t port, uint64_t now_ns);
void baseline_svc_add(struct baseline_svc *s, enum baseline_svc_metric m, double v);

/* Closes every window that ended at or before now_ns (record clock); idle links need it. */
void baseline_tick(struct baseline *b, uint64_t now_ns);

/*
 * The learned high level of metric m for a host (per second, or per window for the
 * distinct figures): true and *out when the host is known for min_windows windows.
 */
bool baseline_high(const struct baseline *b, const __u8 addr[16], enum baseline_metric m,
		   double *out);
/* Every metric's level of a host in one lookup (levels[BL_N_METRICS]); false: none yet. */
bool baseline_host_levels(const struct baseline *b, const __u8 addr[16], double *levels);
/*
 * Forgets what host addr did in the open window (its figures there count as zeros):
 * an attack's first packets, before it was detected and kept out of learning, must not
 * teach the host's level. Returns whether the host was known.
 */
bool baseline_forget_window(struct baseline *b, const __u8 addr[16]);
bool baseline_svc_high(const struct baseline *b, const __u8 addr[16], uint8_t proto, uint16_t port,
		       enum baseline_svc_metric m, double *out);

/* Calls fn for every host, then every service, in table order. */
void baseline_foreach(const struct baseline *b,
		      void (*fn)(void *ctx, const struct baseline_view *v), void *ctx);
/* The high level of metric m of an entry baseline_foreach showed (as baseline_high). */
bool baseline_view_high(const struct baseline *b, const struct baseline_view *v, unsigned m,
			double *out);
void baseline_get_counts(const struct baseline *b, struct baseline_counts *out);
const struct baseline_opts *baseline_opts(const struct baseline *b);

/* "pkts_out", ...; NULL out of range. */
const char *baseline_metric_name(enum baseline_metric m);
const char *baseline_svc_metric_name(enum baseline_svc_metric m);

/*
 * Serialises every entry with its statistics, windows known and windows idle (the open
 * window is not saved). baseline_read() restores them into a new baseline with the saved options;
 * NULL + errno (EBADMSG for a malformed or truncated section).
 */
void baseline_write(const struct baseline *b, struct ser_writer *w);
struct baseline *baseline_read(struct ser_reader *r);
/* What baseline_read() would give from what baseline_write() writes now. NULL + errno. */
struct baseline *baseline_clone(const struct baseline *b);

/*
 * What baseline_write() writes now, held as bytes: what a retraining keeps to save with
 * its model. Some 70 bytes per learnt entry, where a clone would hold (and touch) tables
 * of megabytes.
 */
struct baseline_bytes {
	uint8_t *buf; /* malloc'd; NULL: none */
	size_t len;
};

/* 0 or -ENOMEM (out->buf NULL). */
int baseline_bytes_of(const struct baseline *b, struct baseline_bytes *out);
void baseline_bytes_free(struct baseline_bytes *bb);

#endif /* NAD_FEATURES_BASELINE_H */
