/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report/eve.h - the output stage: EVE JSON lines for every event type (anomaly,
 * summary, mitigation) and the operator's console lines. cli/ creates one per run,
 * wires it as the episodes' sink (detect/alert.h, alert_opts.sink) and hands it the
 * mitigation's events (mitigate/policy.h, mitigate_opts.on_event).
 *
 * JSON: one object per line (json-c) to the run's outputs (report/outputs.h), with
 * Suricata's common EVE fields, names and formats, so a pipeline built for Suricata's EVE
 * reads them unchanged:
 *   {"timestamp":"2024-05-01T12:00:00.123456+0000","flow_id":1234567890123,
 *    "in_iface":"eth0","event_type":"anomaly","src_ip":"198.18.0.3","src_port":40000,
 *    "dest_ip":"198.18.0.1","dest_port":80,"proto":"TCP","host":"sensor1","anomaly":{"class":"dos_attack","severity":"critical","level":3,
 *    "score":6.0,"threshold":3.5,"criteria":[{"name":"dos_pattern","value":0.98,
 *    "threshold":0.5,"weight":2.0}],"ae_mae":..,"ae_threshold":..,"iforest_score":..,
 *    "iforest_threshold":..,"campaign":null,"packets":1,"evidence":"...","response":"...",
 *    "episode":{"id":1,"state":"start","key":"source","start":"...","last":"...",
 *    "packets":1,"bytes":60,"peak_score":6.0}}}
 * Every event has timestamp (ISO 8601, microseconds, UTC offset), event_type, in_iface and
 * host (when the eve has them). An event about a flow (anomaly; mitigation, from the alert
 * behind the rule) also has flow_id and the flow's src_ip, src_port, dest_ip, dest_port and
 * proto (Suricata's names: TCP, UDP, ICMP, IPv6-ICMP, ...; else the number in three digits);
 * a summary has none, as Suricata's stats events. flow_id is eve_flow_id().
 * An episode's end repeats the start's flow, with state "end", its totals, the peak score
 * as score and null for the per-packet figures. `summary` events carry a "summary" object
 * (interval, profile, packets and rates per direction, anomalies by class and severity,
 * top sources, thresholds, model generation, kernel counters, campaigns).
 *
 * `mitigation` events: {common fields, mitigation: {action, kind
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
struct outputs;

struct eve_opts {
	FILE *console; /* human lines and summary blocks (NULL: none); not closed */
	bool color; /* ANSI colours on console */
	struct outputs *out; /* where the EVE lines go (NULL or empty: none); not freed */
	const char *host; /* every event's "host" (NULL: none); copied */
	const char *in_iface; /* every event's "in_iface" (NULL: none); copied */
	uint64_t wall_offset_ns; /* added to event times for timestamps (live: realtime -
				    monotonic; offline 0, the capture's clock is wall time) */
};

struct eve;

/* NULL + errno. */
struct eve *eve_new(const struct eve_opts *o);
/* NULL-safe. */
void eve_free(struct eve *e);

/* A flow as the EVE fields name it: addresses IPv4-mapped or IPv6, ports in host order. */
struct eve_flow {
	const __u8 *saddr, *daddr; /* 16 bytes each */
	uint16_t sport, dport;
	uint8_t proto;
};

/* flow_id below 2^51, as Suricata's, so JavaScript and Elasticsearch's long read it exactly */
#define EVE_FLOW_ID_MASK ((1ull << 51) - 1)

/*
 * The flow_id of a flow: a hash of its 5-tuple, the same for both directions, on every
 * host and in every run (a fixed function: FNV-1a over the lower endpoint's address and
 * port, the higher's, the protocol; splitmix64's finaliser; EVE_FLOW_ID_MASK).
 */
uint64_t eve_flow_id(const struct eve_flow *f);

/* An alert_event_fn (ctx: the struct eve): writes the event's JSON line and console lines. */
void eve_on_alert(void *ctx, const struct alert_event *ev);

/* Writes a mitigation event's JSON line (nothing without outputs). */
void eve_mitigation(struct eve *e, const struct mitigate_event *ev);
/*
 * The JSON of a mitigation event at wall-clock time wall_ns, with e's host and in_iface (e
 * may be NULL: none): a new object (the caller puts it), or NULL with errno ENOMEM.
 */
struct json_object *eve_mitigation_json(const struct eve *e, const struct mitigate_event *ev,
					uint64_t wall_ns);

/* ISO 8601 with microseconds, UTC: "2024-05-01T12:00:00.123456+0000". */
void eve_format_time(uint64_t wall_ns, char *buf, size_t len);

#endif /* NAD_REPORT_EVE_H */
