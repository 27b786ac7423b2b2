/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/dashstate.h - the rolling state behind every view of the dashboard.
 *
 * The daemon (or the offline analyser) feeds it; the terminal view, the web
 * page, /api/state, /metrics, `nadxdp top` and the offline report read it,
 * always through a snapshot (dashstate_snapshot) and, for everything but
 * /metrics, through its one JSON serialisation (dashstate_snap_to_json).
 *
 * Concurrency: any number of feeder and reader threads. The per-packet feed
 * (dashstate_on_packets) takes no lock in the common case: relaxed atomic
 * adds into the current time slot; the mutex is taken only when a record
 * opens a new slot (once per slot_ns). Everything else takes the one mutex
 * for a short copy. A snapshot is a private copy: readers format and write
 * it to sockets and terminals without holding anything.
 *
 * Time: every ts_ns passed in is on one clock, the records' (CLOCK_MONOTONIC
 * live, capture time offline). dashstate_set_wall_offset() gives the offset
 * to Unix time so the views can print clock times.
 */
#ifndef NAD_DASHSTATE_H
#define NAD_DASHSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "common/limits.h"
#include "common/names.h"
#include "nad_abi.h"

struct json_object;

/*
 * Classes and severities are common/names.h's: arrays by class have CLASS_N slots
 * (enum classify_class), arrays by severity DASH_N_SEV (enum classify_severity); the
 * slot of none (0) stays zero.
 */
#define DASH_N_SEV (SEV_CRITICAL + 1)

/* Packet-size bins (wire bytes): 0-64, 65-128, 129-256, 257-512, 513-1024, 1025-1518, 1519+. */
#define DASH_N_SIZE_BINS 7
/* Upper bound of each bin but the last (which is unbounded). */
extern const unsigned dash_size_bin_le[DASH_N_SIZE_BINS - 1];

/* The state file the daemon rewrites every second and `nadxdp top` reads. */
#define DASH_STATE_FILE "/run/nadxdp/dashboard.json"

#define DASH_N_ALERTS 32     /* latest alerts kept */
#define DASH_MAX_RULES 64    /* drop rules kept for display (the count is exact) */
#define DASH_MAX_THRESH 16   /* named thresholds */
#define DASH_ADDR_LEN 64     /* an address or prefix as text */
#define DASH_EVIDENCE_LEN 160
#define DASH_NAME_LEN 32
#define DASH_MAX_OUTPUTS 8   /* EVE outputs */

struct dashstate_opts {
	unsigned n_slots;  /* length of the timeline; 0 = 300 */
	__u64 slot_ns;     /* width of a slot; 0 = 1 s */
};

struct dashstate_alert {
	__u64 ts_ns;          /* record clock */
	int cls; /* enum classify_class */
	int sev; /* enum classify_severity; <= 0 = the class's own severity */
	double score;         /* model score, NAN if none */
	char src[DASH_ADDR_LEN];
	char dst[DASH_ADDR_LEN];
	char evidence[DASH_EVIDENCE_LEN];
};

struct dashstate_rule {
	char prefix[DASH_ADDR_LEN]; /* "198.18.0.3/32" */
	int origin;                 /* enum nad_rule_origin */
	int reason; /* enum classify_class of an automatic rule; <= 0: none */
	__s64 expires_in_s;         /* -1 = never */
	__u64 hits;
	__u64 hit_bytes;
};

/* An EVE output's figures (report/outputs.h's output_stats). */
struct dashstate_output {
	char kind[DASH_NAME_LEN]; /* "file", "stream", "syslog", "unix", "redis" */
	char target[2 * DASH_ADDR_LEN]; /* path or host:port */
	__u64 events; /* delivered */
	__u64 dropped;
	__u64 reconnects;
	__u64 queued; /* waiting now */
	bool up;
};

struct dashstate_thresh {
	char name[DASH_NAME_LEN];
	double value;
};

/* A private copy of the state. Allocate with dashstate_snap_new() for a given dashstate. */
struct dashstate_snap {
	/* identity */
	char iface[DASH_NAME_LEN];
	char mode[DASH_NAME_LEN];    /* "live", "offline", "demo" */
	char profile[DASH_NAME_LEN];
	__u64 start_ns;              /* record clock when first fed */
	__s64 wall_offset_ns;        /* add to a record-clock time for Unix time */

	/* timeline: n_slots slots of slot_ns, oldest first, the last is head_slot */
	unsigned n_slots;
	__u64 slot_ns;
	__u64 head_slot;             /* slot number (ts_ns / slot_ns) of the newest slot */
	bool have_head;              /* false until anything was fed or ticked */
	__u64 *pkts[NAD_N_DIRS];     /* [n_slots] each */
	__u64 *bytes[NAD_N_DIRS];
	__u64 *anoms[DASH_N_SEV];

	/* totals since start */
	__u64 pkts_total[NAD_N_DIRS];
	__u64 bytes_total[NAD_N_DIRS];
	__u64 size_bins[DASH_N_SIZE_BINS];
	__u64 size_sum;              /* sum of size * n_pkts: the histogram's _sum */
	__u64 alerts_by_class[CLASS_N];
	__u64 alerts_by_sev[DASH_N_SEV];
	__u64 alerts_total;

	/* latest alerts, newest first */
	unsigned n_alerts;
	struct dashstate_alert alerts[DASH_N_ALERTS];

	/* drop rules: n_rules shown, n_rules_total exist */
	unsigned n_rules;
	unsigned n_rules_total;
	struct dashstate_rule rules[DASH_MAX_RULES];

	bool have_kernel;
	struct nad_stats kernel;
	__u64 recs_lost;             /* records userspace lost (ring buffer overrun, parse) */

	unsigned n_thresh;
	struct dashstate_thresh thresh[DASH_MAX_THRESH];

	/* the bounded tables (docs/limits.md): the daemon's, then the dashboard's own lists
	 * (dash_alerts: the latest alerts kept; dash_rules: the rules listed) */
	unsigned n_tables;
	struct limit_table tables[LIMIT_MAX_TABLES + 2];

	unsigned n_outputs; /* EVE outputs; 0: the JSON has no "outputs" */
	struct dashstate_output outputs[DASH_MAX_OUTPUTS];
};

struct dashstate;

/* Returns NULL and sets errno on failure. opts may be NULL for the defaults. */
struct dashstate *dashstate_new(const struct dashstate_opts *opts);
void dashstate_free(struct dashstate *ds);

/*
 * Hot path, once per record: n_pkts packets of n_bytes bytes in all, each
 * size bytes on the wire (for the size histogram), in direction dir. No
 * allocation; locks only when ts_ns opens a new slot. Records older than the
 * timeline only count in the totals. Unknown dir is ignored.
 */
void dashstate_on_packets(struct dashstate *ds, __u64 ts_ns, unsigned dir, __u64 n_pkts,
			  __u64 n_bytes, __u32 size);

/* Advances the timeline to now_ns without traffic, so idle seconds show as zero. */
void dashstate_tick(struct dashstate *ds, __u64 now_ns);

/* One alert. Copies *a. Unknown class: -EINVAL. */
int dashstate_on_alert(struct dashstate *ds, const struct dashstate_alert *a);

/* The kernel's counters summed over CPUs (capture_read_stats), once a second. */
void dashstate_set_kernel(struct dashstate *ds, const struct nad_stats *st);

/* Records userspace lost since start. */
void dashstate_set_recs_lost(struct dashstate *ds, __u64 n);

/* Replaces the list of active drop rules; keeps the first DASH_MAX_RULES, counts all n. */
void dashstate_set_rules(struct dashstate *ds, const struct dashstate_rule *rules, unsigned n);
/* The EVE outputs' figures (at most DASH_MAX_OUTPUTS are kept). */
void dashstate_set_outputs(struct dashstate *ds, const struct dashstate_output *v, unsigned n);

/* The daemon's bounded tables (engine_tables); at most LIMIT_MAX_TABLES are kept. */
void dashstate_set_tables(struct dashstate *ds, const struct limit_table *t, unsigned n);

/* Identity shown in the headers. NULL leaves a field unchanged. */
void dashstate_set_info(struct dashstate *ds, const char *iface, const char *mode,
			const char *profile);

/* Sets (or adds) a named threshold. -ENOSPC beyond DASH_MAX_THRESH. */
int dashstate_set_threshold(struct dashstate *ds, const char *name, double value);

void dashstate_set_wall_offset(struct dashstate *ds, __s64 wall_offset_ns);

/* A snapshot buffer sized for ds. NULL and errno on failure. */
struct dashstate_snap *dashstate_snap_new(const struct dashstate *ds);
void dashstate_snap_free(struct dashstate_snap *s);

/* Copies the state into s (from dashstate_snap_new(ds)). 0 or -EINVAL. */
int dashstate_snapshot(struct dashstate *ds, struct dashstate_snap *s);

/*
 * The JSON document of a snapshot (README "JSON API"): a new json_object the
 * caller puts, or NULL and errno.
 */
struct json_object *dashstate_snap_to_json(const struct dashstate_snap *s);

/* Convenience: snapshot + JSON text, malloc'd, NUL-terminated; NULL and errno. */
char *dashstate_json_string(struct dashstate *ds, size_t *len);

/*
 * The value at a dotted path in such a document ("alerts.0.class": array indices as
 * numbers), or NULL when a step is missing.
 */
struct json_object *dashstate_json_get(struct json_object *o, const char *path);

/*
 * Writes the JSON document to path atomically (path.tmp, then rename): the
 * state file `nadxdp top` reads. 0 or -errno.
 */
int dashstate_write_file(struct dashstate *ds, const char *path);

#endif /* NAD_DASHSTATE_H */
