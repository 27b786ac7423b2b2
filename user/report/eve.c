// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report/eve.c - EVE JSON lines and console lines (contract in eve.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "common/addr.h"
#include "common/names.h"
#include "report/eve.h"
#include "report/outputs.h"

#define NS_PER_S 1000000000ull

struct eve {
	struct eve_opts o;
	char *host, *in_iface; /* copies of o's */
};

struct eve *eve_new(const struct eve_opts *o)
{
	struct eve *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->o = *o;
	e->host = o->host ? strdup(o->host) : NULL;
	e->in_iface = o->in_iface ? strdup(o->in_iface) : NULL;
	if ((o->host && !e->host) || (o->in_iface && !e->in_iface)) {
		eve_free(e);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

void eve_free(struct eve *e)
{
	if (!e)
		return;
	free(e->host);
	free(e->in_iface);
	free(e);
}

/* FNV-1a over n bytes, from h. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

uint64_t eve_flow_id(const struct eve_flow *f)
{
	const __u8 *a = f->saddr, *b = f->daddr;
	uint16_t pa = f->sport, pb = f->dport;
	int c = memcmp(a, b, 16);
	__u8 port[2];
	uint64_t h = 0xcbf29ce484222325ull;

	/* The lower endpoint first: both directions of a flow hash alike. */
	if (c > 0 || (c == 0 && pa > pb)) {
		a = f->daddr;
		b = f->saddr;
		pa = f->dport;
		pb = f->sport;
	}
	h = fnv1a(h, a, 16);
	port[0] = (__u8)(pa >> 8);
	port[1] = (__u8)pa;
	h = fnv1a(h, port, 2);
	h = fnv1a(h, b, 16);
	port[0] = (__u8)(pb >> 8);
	port[1] = (__u8)pb;
	h = fnv1a(h, port, 2);
	h = fnv1a(h, &f->proto, 1);
	/* splitmix64's finaliser spreads FNV's weak high bits over the ones kept. */
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h & EVE_FLOW_ID_MASK;
}

void eve_format_time(uint64_t wall_ns, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ns / NS_PER_S);
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06llu+0000", base, (unsigned long long)(wall_ns % NS_PER_S / 1000));
}

/* EVE's name of protocol p, or (as Suricata writes one it has no name for) its number in
 * three digits, in buf. */
static const char *proto_str(uint8_t p, char *buf, size_t len)
{
	const char *name = names_proto_eve(p);

	if (name)
		return name;
	snprintf(buf, len, "%03u", p);
	return buf;
}

static void json_put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void json_put_d(struct json_object *o, const char *k, double v)
{
	/* Four decimals are plenty for scores; keeps the lines short and stable. */
	char buf[32];

	snprintf(buf, sizeof(buf), "%.4f", v);
	json_object_object_add(o, k, json_object_new_double_s(v, buf));
}

static void write_json(const struct eve *e, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s)
		outputs_write(e->o.out, s, strlen(s));
}

/*
 * The common fields in Suricata's order: timestamp, flow_id, in_iface, event_type, then
 * the flow's addresses, ports and protocol, then host. e may be NULL (no host, no in_iface);
 * flow may be NULL (no flow fields).
 */
static struct json_object *eve_head(const struct eve *e, uint64_t wall_ns, const char *type,
				    const struct eve_flow *flow)
{
	struct json_object *o = json_object_new_object();
	char buf[64], pb[8];

	if (!o)
		return NULL;
	eve_format_time(wall_ns, buf, sizeof(buf));
	json_put_str(o, "timestamp", buf);
	if (flow)
		json_object_object_add(o, "flow_id",
				       json_object_new_int64((int64_t)eve_flow_id(flow)));
	if (e && e->in_iface)
		json_put_str(o, "in_iface", e->in_iface);
	json_put_str(o, "event_type", type);
	if (flow) {
		addr_str(flow->saddr, buf, sizeof(buf));
		json_put_str(o, "src_ip", buf);
		json_object_object_add(o, "src_port", json_object_new_int(flow->sport));
		addr_str(flow->daddr, buf, sizeof(buf));
		json_put_str(o, "dest_ip", buf);
		json_object_object_add(o, "dest_port", json_object_new_int(flow->dport));
		json_put_str(o, "proto", proto_str(flow->proto, pb, sizeof(pb)));
	}
	if (e && e->host)
		json_put_str(o, "host", e->host);
	return o;
}

/* The start packet's criteria; an end event has none. */
static struct json_object *criteria_json(const struct alert_anomaly *an)
{
	struct json_object *crit = json_object_new_array();

	for (int i = 0; an && i < CRIT_N; i++) {
		struct json_object *c;

		if (!(an->criteria & (1u << i)))
			continue;
		c = json_object_new_object();
		json_put_str(c, "name", criteria_names[i]);
		json_put_d(c, "value", an->crit_value[i]);
		json_put_d(c, "threshold", an->crit_threshold[i]);
		json_put_d(c, "weight", criteria_weights[i]);
		json_object_array_add(crit, c);
	}
	return crit;
}

static struct json_object *episode_json(const struct eve *e, const struct alert_event *ev)
{
	struct json_object *ep_o = json_object_new_object();
	char ts[64];

	json_object_object_add(ep_o, "id", json_object_new_int64((int64_t)ev->episode_id));
	json_put_str(ep_o, "state", ev->closing ? "end" : "start");
	json_put_str(ep_o, "key", ev->by_destination ? "destination" : "source");
	eve_format_time(ev->start_ns + e->o.wall_offset_ns, ts, sizeof(ts));
	json_put_str(ep_o, "start", ts);
	eve_format_time(ev->last_ns + e->o.wall_offset_ns, ts, sizeof(ts));
	json_put_str(ep_o, "last", ts);
	json_object_object_add(ep_o, "packets", json_object_new_int64((int64_t)ev->pkts));
	json_object_object_add(ep_o, "bytes", json_object_new_int64((int64_t)ev->bytes));
	json_put_d(ep_o, "peak_score", ev->peak_score);
	return ep_o;
}

static void anomaly_json(const struct eve *e, const struct alert_event *ev)
{
	const struct alert_anomaly *an = ev->anomaly;
	enum classify_severity sev = names_class_severity(ev->cls);
	const struct eve_flow flow = { ev->saddr, ev->daddr, ev->sport, ev->dport, ev->proto };
	struct json_object *o, *an_o;

	o = eve_head(e, (ev->closing ? ev->last_ns : ev->start_ns) + e->o.wall_offset_ns, "anomaly",
		     &flow);
	if (!o)
		return;
	an_o = json_object_new_object();
	json_put_str(an_o, "class", names_class(ev->cls));
	json_put_str(an_o, "severity", names_severity(sev));
	json_object_object_add(an_o, "level", json_object_new_int(sev));
	json_put_d(an_o, "score", an ? an->score : ev->peak_score);
	if (an)
		json_put_d(an_o, "threshold", an->threshold);
	else
		json_object_object_add(an_o, "threshold", NULL);
	json_object_object_add(an_o, "criteria", criteria_json(an));
	if (an && an->have_model) {
		json_put_d(an_o, "ae_mae", an->ae_mae);
		json_put_d(an_o, "ae_threshold", an->ae_threshold);
		json_put_d(an_o, "iforest_score", an->if_score);
		json_put_d(an_o, "iforest_threshold", an->if_threshold);
	} else {
		json_object_object_add(an_o, "ae_mae", NULL);
		json_object_object_add(an_o, "ae_threshold", NULL);
		json_object_object_add(an_o, "iforest_score", NULL);
		json_object_object_add(an_o, "iforest_threshold", NULL);
	}
	json_object_object_add(an_o, "campaign",
			       ev->campaign >= 0 ? json_object_new_int64(ev->campaign) : NULL);
	json_object_object_add(an_o, "packets", json_object_new_int64((int64_t)ev->pkts));
	json_put_str(an_o, "evidence", ev->evidence);
	json_put_str(an_o, "response", ev->response);
	json_object_object_add(an_o, "episode", episode_json(e, ev));
	json_object_object_add(o, "anomaly", an_o);
	write_json(e, o);
	json_object_put(o);
}

static void anomaly_console(const struct eve *e, const struct alert_event *ev)
{
	static const char *const col[] = { "", "\033[36m", "\033[33m", "\033[1;31m" };
	enum classify_severity sev = names_class_severity(ev->cls);
	char ts[64], src[48], dst[48];
	FILE *f = e->o.console;

	eve_format_time((ev->closing ? ev->last_ns : ev->start_ns) + e->o.wall_offset_ns, ts,
			sizeof(ts));
	addr_str(ev->saddr, src, sizeof(src));
	addr_str(ev->daddr, dst, sizeof(dst));
	if (ev->closing)
		fprintf(f,
			"%s %s%-8s%s %-19s episode %llu ended: %llu packets, %llu bytes "
			"in %.1f s%s\n",
			ts, e->o.color ? col[sev] : "", names_severity(sev),
			e->o.color ? "\033[0m" : "", names_class(ev->cls),
			(unsigned long long)ev->episode_id, (unsigned long long)ev->pkts,
			(unsigned long long)ev->bytes, (ev->last_ns - ev->start_ns) / 1e9,
			ev->campaign >= 0 ? " (campaign)" : "");
	else
		fprintf(f, "%s %s%-8s%s %-19s %s:%u -> %s:%u  %s\n", ts, e->o.color ? col[sev] : "",
			names_severity(sev), e->o.color ? "\033[0m" : "", names_class(ev->cls), src,
			ev->sport, dst, ev->dport, ev->evidence);
}

/* Anomaly starts per severity in the summary's interval. */
static void count_by_severity(const struct alert_event *ev, uint64_t by_sev[4])
{
	for (int c = 1; c < CLASS_N; c++)
		by_sev[names_class_severity(c)] += ev->n_interval_class[c];
}

static struct json_object *summary_counts_json(const struct alert_event *ev, struct json_object *so)
{
	const struct alert_summary *s = ev->summary;
	double iv = s->interval_s > 0 ? s->interval_s : 1;
	uint64_t by_sev[4] = { 0 };
	struct json_object *x;

	count_by_severity(ev, by_sev);
	json_put_d(so, "interval_s", s->interval_s);
	json_put_str(so, "profile", s->profile);
	json_object_object_add(so, "profile_inferred",
			       json_object_new_boolean(s->profile_inferred));
	x = json_object_new_object();
	json_object_object_add(x, "in", json_object_new_int64((int64_t)s->pkts[NAD_DIR_IN]));
	json_object_object_add(x, "out", json_object_new_int64((int64_t)s->pkts[NAD_DIR_OUT]));
	json_object_object_add(so, "packets", x);
	x = json_object_new_object();
	json_put_d(x, "in_pps", s->pkts[NAD_DIR_IN] / iv);
	json_put_d(x, "out_pps", s->pkts[NAD_DIR_OUT] / iv);
	json_put_d(x, "in_bps", s->bytes[NAD_DIR_IN] * 8.0 / iv);
	json_put_d(x, "out_bps", s->bytes[NAD_DIR_OUT] * 8.0 / iv);
	json_object_object_add(so, "rates", x);
	x = json_object_new_object();
	for (int c = 1; c < CLASS_N; c++) {
		if (ev->n_interval_class[c])
			json_object_object_add(
				x, names_class(c),
				json_object_new_int64((int64_t)ev->n_interval_class[c]));
	}
	json_object_object_add(so, "anomalies_by_class", x);
	x = json_object_new_object();
	for (int l = 1; l <= 3; l++)
		json_object_object_add(x, names_severity(l),
				       json_object_new_int64((int64_t)by_sev[l]));
	json_object_object_add(so, "anomalies_by_severity", x);
	return so;
}

/* The bounded tables: {"flows": {"cap": .., "used": .., "evicted": .., "refused": ..,
 * "bytes": ..}, ...}. */
static struct json_object *tables_json(const struct alert_summary *s)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < s->n_tables; i++) {
		const struct limit_table *t = &s->tables[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "cap", json_object_new_int64((int64_t)t->cap));
		json_object_object_add(x, "used", json_object_new_int64((int64_t)t->used));
		json_object_object_add(x, "evicted", json_object_new_int64((int64_t)t->evicted));
		json_object_object_add(x, "refused", json_object_new_int64((int64_t)t->refused));
		json_object_object_add(x, "bytes", json_object_new_int64((int64_t)t->bytes));
		json_object_object_add(o, t->name, x);
	}
	return o;
}

static void summary_json(const struct eve *e, const struct alert_event *ev)
{
	const struct alert_summary *s = ev->summary;
	struct json_object *o = eve_head(e, s->now_ns + e->o.wall_offset_ns, "summary", NULL);
	struct json_object *so, *x, *arr;
	char buf[64];

	if (!o)
		return;
	so = summary_counts_json(ev, json_object_new_object());

	arr = json_object_new_array();
	for (int i = 0; i < s->n_top; i++) {
		struct json_object *t = json_object_new_object();

		addr_str(s->top[i].addr, buf, sizeof(buf));
		json_put_str(t, "ip", buf);
		json_object_object_add(t, "packets",
				       json_object_new_int64((int64_t)s->top[i].pkts));
		json_object_object_add(t, "bytes", json_object_new_int64((int64_t)s->top[i].bytes));
		json_object_array_add(arr, t);
	}
	json_object_object_add(so, "top_sources", arr);
	x = json_object_new_object();
	json_put_d(x, "score", s->threshold);
	json_put_d(x, "iot_score", s->iot_threshold);
	if (s->have_model) {
		json_put_d(x, "ae_mae", s->ae_threshold);
		json_put_d(x, "iforest_score", s->if_threshold);
	}
	json_object_object_add(so, "thresholds", x);
	json_object_object_add(so, "model_generation",
			       json_object_new_int64((int64_t)s->model_generation));
	if (s->have_kernel) {
		x = json_object_new_object();
		json_object_object_add(x, "packets",
				       json_object_new_int64((int64_t)s->kernel_pkts));
		json_object_object_add(x, "records",
				       json_object_new_int64((int64_t)s->kernel_emitted));
		json_object_object_add(x, "shed", json_object_new_int64((int64_t)s->kernel_shed));
		json_object_object_add(so, "kernel", x);
	} else {
		json_object_object_add(so, "kernel", NULL);
	}
	arr = json_object_new_array();
	for (int i = 0; i < s->n_campaigns; i++) {
		struct json_object *c = json_object_new_object(), *m;

		json_object_object_add(c, "id", json_object_new_int64(s->campaigns[i].id));
		m = json_object_new_array();
		for (int j = 0; j < s->campaigns[i].n_members; j++)
			json_object_array_add(
				m, json_object_new_int64((int64_t)s->campaigns[i].members[j]));
		json_object_object_add(c, "episodes", m);
		json_object_array_add(arr, c);
	}
	json_object_object_add(so, "campaigns", arr);
	json_object_object_add(so, "tables", tables_json(s));
	json_object_object_add(o, "summary", so);
	write_json(e, o);
	json_object_put(o);
}

/* Tables that evicted or refused entries (the others are quiet within their cap). */
static void summary_tables_console(FILE *f, const struct alert_summary *s)
{
	for (int i = 0; i < s->n_tables; i++) {
		const struct limit_table *t = &s->tables[i];

		if (t->evicted || t->refused)
			fprintf(f, "  table %s: %llu of %llu used, %llu evicted, %llu refused\n",
				t->name, (unsigned long long)t->used, (unsigned long long)t->cap,
				(unsigned long long)t->evicted, (unsigned long long)t->refused);
	}
}

static void summary_console(const struct eve *e, const struct alert_event *ev)
{
	const struct alert_summary *s = ev->summary;
	double iv = s->interval_s > 0 ? s->interval_s : 1;
	uint64_t by_sev[4] = { 0 };
	FILE *f = e->o.console;
	char buf[64];

	count_by_severity(ev, by_sev);
	eve_format_time(s->now_ns + e->o.wall_offset_ns, buf, sizeof(buf));
	fprintf(f, "--- summary %s (%.0f s, profile %s%s) ---\n", buf, s->interval_s, s->profile,
		s->profile_inferred ? ", inferred" : "");
	fprintf(f, "  in  %8.1f pkt/s %10.1f kbit/s   out %8.1f pkt/s %10.1f kbit/s\n",
		s->pkts[NAD_DIR_IN] / iv, s->bytes[NAD_DIR_IN] * 8e-3 / iv,
		s->pkts[NAD_DIR_OUT] / iv, s->bytes[NAD_DIR_OUT] * 8e-3 / iv);
	fprintf(f, "  anomalies: %llu critical, %llu warning, %llu info",
		(unsigned long long)by_sev[3], (unsigned long long)by_sev[2],
		(unsigned long long)by_sev[1]);
	for (int c = 1; c < CLASS_N; c++) {
		if (ev->n_interval_class[c])
			fprintf(f, "  %s=%llu", names_class(c),
				(unsigned long long)ev->n_interval_class[c]);
	}
	fputc('\n', f);
	for (int i = 0; i < s->n_top; i++) {
		addr_str(s->top[i].addr, buf, sizeof(buf));
		fprintf(f, "  top %-40s %10llu pkts %12llu bytes\n", buf,
			(unsigned long long)s->top[i].pkts, (unsigned long long)s->top[i].bytes);
	}
	fprintf(f, "  thresholds: score %.2f (IoT %.2f)", s->threshold, s->iot_threshold);
	if (s->have_model)
		fprintf(f, ", ae_mae %.4f, iforest %.4f (model generation %llu)", s->ae_threshold,
			s->if_threshold, (unsigned long long)s->model_generation);
	fputc('\n', f);
	if (s->have_kernel)
		fprintf(f, "  kernel: %llu packets, %llu records, %llu shed\n",
			(unsigned long long)s->kernel_pkts, (unsigned long long)s->kernel_emitted,
			(unsigned long long)s->kernel_shed);
	fprintf(f, "  campaigns: %d\n", s->n_campaigns);
	summary_tables_console(f, s);
}

void eve_on_alert(void *ctx, const struct alert_event *ev)
{
	const struct eve *e = ctx;

	if (ev->summary) {
		if (outputs_count(e->o.out))
			summary_json(e, ev);
		if (e->o.console)
			summary_console(e, ev);
	} else if (!strcmp(ev->event_type, "anomaly")) {
		if (outputs_count(e->o.out))
			anomaly_json(e, ev);
		if (e->o.console)
			anomaly_console(e, ev);
	}
}

/* ---- mitigation --------------------------------------------------------- */

/* An alert's severity by name; anything but warning or critical reads "info". */
static const char *severity_name(enum classify_severity s)
{
	return names_severity(s == SEV_WARNING || s == SEV_CRITICAL ? s : SEV_INFO);
}

static void add_proto(struct json_object *o, const char *key, __u8 proto)
{
	const char *name = names_proto_eve(proto);

	json_object_object_add(o, key,
			       name ? json_object_new_string(name) : json_object_new_int(proto));
}

/*
 * The flood's facts behind a mitigation decision: signature, unanswered rate and share,
 * how long it had held (null: it did not hold), how long ago the source was last answered
 * (null: never), the threshold and where it came from.
 */
static struct json_object *flood_json(const struct mitigate_alert *a)
{
	const struct flood_facts *f = &a->flood;
	__u64 t = a->last_ns ? a->last_ns : a->ts_ns;
	struct json_object *o = json_object_new_object(), *sig = json_object_new_object();

	if (!o || !sig) {
		json_object_put(o);
		json_object_put(sig);
		return NULL;
	}
	add_proto(sig, "proto", f->proto);
	json_object_object_add(sig, "dest_port", json_object_new_int(f->dport));
	json_object_object_add(sig, "kind", json_object_new_string(flood_kind_name(f->kind)));
	json_object_object_add(o, "signature", sig);
	json_object_object_add(o, "unanswered_pps", json_object_new_double(f->unanswered_pps));
	json_object_object_add(o, "answered_share", json_object_new_double(f->answered_share));
	json_object_object_add(
		o, "held_ms",
		f->flood_since_ns && f->flood_since_ns <= t ?
			json_object_new_double((double)(t - f->flood_since_ns) / 1e6) :
			NULL);
	json_object_object_add(
		o, "answered_ago_s",
		f->answered_last_ns ?
			json_object_new_double(f->answered_last_ns < t ?
						       (double)(t - f->answered_last_ns) / 1e9 :
						       0.0) :
			NULL);
	json_object_object_add(o, "threshold_pps", json_object_new_double(f->threshold_pps));
	json_object_object_add(o, "threshold_from",
			       json_object_new_string(f->threshold_learned ? "baseline" : "floor"));
	return o;
}

static struct json_object *mitigation_alert_json(const struct mitigate_alert *a)
{
	struct json_object *o = json_object_new_object();
	char buf[ADDR_STRLEN];

	if (!o)
		return NULL;
	addr_str(a->src, buf, sizeof(buf));
	json_object_object_add(o, "src_ip", json_object_new_string(buf));
	addr_str(a->dst, buf, sizeof(buf));
	json_object_object_add(o, "dest_ip", json_object_new_string(buf));
	json_object_object_add(o, "dest_port", json_object_new_int(a->dport));
	add_proto(o, "proto", a->proto);
	json_object_object_add(o, "class", json_object_new_string(a->cls ? a->cls : ""));
	json_object_object_add(o, "severity", json_object_new_string(severity_name(a->severity)));
	json_object_object_add(o, "src_pps", json_object_new_double(a->src_pps));
	json_object_object_add(o, "src_bps", json_object_new_double(a->src_bps));
	json_object_object_add(o, "dst_pps", json_object_new_double(a->dst_pps));
	json_object_object_add(o, "n_sources", json_object_new_int64(a->n_sources));
	json_object_object_add(o, "by_destination", json_object_new_boolean(a->by_destination));
	json_object_object_add(o, "evidence",
			       a->evidence ? json_object_new_string(a->evidence) : NULL);
	json_object_object_add(o, "flood", flood_json(a));
	return o;
}

struct json_object *eve_mitigation_json(const struct eve *e, const struct mitigate_event *ev,
					uint64_t wall_ns)
{
	struct json_object *root, *mit;
	char rule[ADDR_PREFIX_STRLEN];
	static const __u8 none[16];
	const struct mitigate_alert *a = ev->alert;
	struct eve_flow flow;

	addr_prefix_format(&ev->prefix, rule, sizeof(rule));
	/* The flow of the alert behind the rule; a rule kept by an earlier run has none. */
	if (a)
		flow = (struct eve_flow){ a->src, a->dst, a->sport, a->dport, a->proto };
	root = eve_head(e, wall_ns, "mitigation", a && memcmp(a->dst, none, 16) ? &flow : NULL);
	mit = json_object_new_object();
	if (!root || !mit) {
		json_object_put(root);
		json_object_put(mit);
		errno = ENOMEM;
		return NULL;
	}
	json_object_object_add(mit, "action",
			       json_object_new_string(mitigate_action_name(ev->action)));
	json_object_object_add(mit, "kind",
			       json_object_new_string(ev->kind == MITIGATE_RULE_RATE ? "rate" :
										       "drop"));
	json_object_object_add(mit, "rule", json_object_new_string(rule));
	json_object_object_add(mit, "origin", json_object_new_string("auto"));
	json_object_object_add(mit, "ttl_s",
			       json_object_new_int64((int64_t)(ev->ttl_ns / NS_PER_S)));
	json_object_object_add(
		mit, "expires_in_s",
		json_object_new_int64(ev->expires_ns > ev->ts_ns ?
					      (int64_t)((ev->expires_ns - ev->ts_ns) / NS_PER_S) :
					      0));
	json_object_object_add(mit, "hits", json_object_new_int64((int64_t)ev->hits));
	json_object_object_add(mit, "hit_bytes", json_object_new_int64((int64_t)ev->hit_bytes));
	json_object_object_add(mit, "offences", json_object_new_int64(ev->offences));
	if (ev->n_members)
		json_object_object_add(mit, "sources", json_object_new_int64(ev->n_members));
	json_object_object_add(mit, "reason", json_object_new_string(ev->reason ? ev->reason : ""));
	json_object_object_add(mit, "why", json_object_new_string(ev->why ? ev->why : ""));
	if (ev->kind == MITIGATE_RULE_RATE) {
		static const __u8 any[16];
		char src[ADDR_STRLEN];

		/* A signature rule limits one source; an aggregate rule (src_ip null), any. */
		addr_str(ev->src, src, sizeof(src));
		json_object_object_add(mit, "src_ip",
				       memcmp(ev->src, any, 16) ? json_object_new_string(src) :
								  NULL);
		json_object_object_add(mit, "dest_port", json_object_new_int(ev->dport));
		add_proto(mit, "proto", ev->proto);
		json_object_object_add(mit, "rate_pps", json_object_new_int64(ev->rate_pps));
		json_object_object_add(mit, "burst", json_object_new_int64(ev->burst));
	}
	if (ev->alert)
		json_object_object_add(mit, "alert", mitigation_alert_json(ev->alert));
	json_object_object_add(root, "mitigation", mit);
	return root;
}

void eve_mitigation(struct eve *e, const struct mitigate_event *ev)
{
	struct json_object *o;

	if (!outputs_count(e->o.out))
		return;
	o = eve_mitigation_json(e, ev, ev->ts_ns + e->o.wall_offset_ns);
	if (o)
		write_json(e, o);
	json_object_put(o);
}
