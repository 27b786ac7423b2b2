/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report/eve.h - the output stage: EVE JSON lines for every event type (anomaly,
 * summary, mitigation) and the operator's console lines. cli/ creates one per run,
 * wires it as the episodes' sink (detect/alert.h, alert_opts.sink) and hands it the
 * mitigation's events (mitigate/policy.h, mitigate_opts.on_event).
 *
 * JSON: one object per line (json-c), shaped like Suricata's EVE:
 *   {"timestamp":"2024-05-01T12:00:00.123456+0000","event_type":"anomaly",
 *    "src_ip":"198.18.0.3","src_port":40000,"dest_ip":"198.18.0.1","dest_port":80,
 *    "proto":"TCP","anomaly":{"class":"dos_attack","severity":"critical","level":3,
 *    "score":6.0,"threshold":3.5,"criteria":[{"name":"dos_pattern","value":0.98,
 *    "threshold":0.5,"weight":2.0}],"ae_mae":..,"ae_threshold":..,"iforest_score":..,
 *    "iforest_threshold":..,"campaign":null,"packets":1,"evidence":"...","response":"...",
 *    "episode":{"id":1,"state":"start","key":"source","start":"...","last":"...",
 *    "packets":1,"bytes":60,"peak_score":6.0}}}
 * An episode's end repeats the start's flow, with state "end", its totals, the peak score
 * as score and null for the per-packet figures. `summary` events carry a "summary" object
 * (interval, profile, packets and rates per direction, anomalies by class and severity,
 * top sources, thresholds, model generation, kernel counters, campaigns).
 *
 * `mitigation` events: {timestamp, event_type: "mitigation", mitigation: {action, kind
 * ("drop" or "rate"), rule, origin, ttl_s, expires_in_s, hits, hit_bytes, offences,
 * [sources], reason, why, [src_ip (a signature rule's source; null: any), dest_port, proto,
 * rate_pps, burst], alert: {src_ip, dest_ip, dest_port, proto, class, severity, src_pps,
 * src_bps, dst_pps, n_sources, by_destination, evidence (the alert's sentence), flood:
 * {signature: {proto, dest_port, kind}, unanswered_pps, answered_share, held_ms (null: not
 * holding), answered_ago_s (null: never answered), threshold_pps, threshold_from ("floor"
 * or "baseline")}}}}. (The mitigation logs its own console line.)
 *
 * Update events of the episodes (detect/alert.h) are not output: the sink never sees them.
 *
 * Console: one line per episode start and end, a block per summary; ANSI colours by
 * severity when asked.
 *
 * A JSON line that cannot be written (a full disk, a closed pipe) loses that event only:
 * the first failure is reported once (pr_warn, naming json_name), a partial line is cut
 * off a regular file again, later events keep trying, and the first one written again
 * says how many were lost. Console lines and the callers' other outputs are not affected.
 */
#ifndef NAD_REPORT_EVE_H
#define NAD_REPORT_EVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/alert.h"
#include "mitigate/policy.h"

struct json_object;

struct eve_opts {
	FILE *console; /* human lines and summary blocks (NULL: none); not closed */
	bool color; /* ANSI colours on console */
	FILE *json; /* EVE lines (NULL: none); not closed */
	const char *json_name; /* its name in messages (NULL: "the EVE output") */
	uint64_t wall_offset_ns; /* added to event times for timestamps (live: realtime -
				    monotonic; offline 0, the capture's clock is wall time) */
};

struct eve;

/* NULL + errno. */
struct eve *eve_new(const struct eve_opts *o);
void eve_free(struct eve *e);

/* An alert_event_fn (ctx: the struct eve): writes the event's JSON line and console lines. */
void eve_on_alert(void *ctx, const struct alert_event *ev);

/* Writes a mitigation event's JSON line (nothing without a JSON sink). */
void eve_mitigation(struct eve *e, const struct mitigate_event *ev);
/*
 * The JSON of a mitigation event at wall-clock time wall_ns: a new object (the caller
 * puts it), or NULL with errno ENOMEM.
 */
struct json_object *eve_mitigation_json(const struct mitigate_event *ev, uint64_t wall_ns);

/* ISO 8601 with microseconds, UTC: "2024-05-01T12:00:00.123456+0000". */
void eve_format_time(uint64_t wall_ns, char *buf, size_t len);

#endif /* NAD_REPORT_EVE_H */
