// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report/alert.c - episodes, console lines and EVE JSON (contract in alert.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <json-c/json.h>

#include "common/addr.h"
#include "common/names.h"
#include "report/alert.h"

#define EP_SLOTS 4096 /* power of two */

struct episode {
	bool used;
	uint64_t id;
	enum classify_class cls;
	bool by_dst;
	__u8 key[16];
	struct nad_rec first;
	uint64_t start_ns, last_ns, pkts, bytes;
	double peak_score;
	int64_t campaign;
	double src_pps, dst_pps;
	uint32_t n_sources;
	char evidence[CLASSIFY_TEXT];
	char response[CLASSIFY_TEXT];
};

struct alert {
	struct alert_opts o;
	struct episode *ep; /* EP_SLOTS, open addressing with linear probing */
	size_t n_open;
	uint64_t next_id;
	uint64_t n_by_class[CLASS_N];
	uint64_t n_interval_class[CLASS_N];
	alert_event_fn observer;
	void *observer_ctx;
};

struct alert *alert_new(const struct alert_opts *o)
{
	struct alert *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->o = *o;
	if (a->o.idle_s <= 0)
		a->o.idle_s = 10;
	a->ep = calloc(EP_SLOTS, sizeof(*a->ep));
	if (!a->ep) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->next_id = 1;
	return a;
}

void alert_free(struct alert *a)
{
	if (!a)
		return;
	free(a->ep);
	free(a);
}

void alert_set_observer(struct alert *a, alert_event_fn fn, void *ctx)
{
	a->observer = fn;
	a->observer_ctx = ctx;
}

void alert_format_time(uint64_t wall_ns, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06llu+0000", base,
		 (unsigned long long)(wall_ns % 1000000000ull / 1000));
}

static uint32_t key_hash(const __u8 k[16], enum classify_class c)
{
	uint32_t h = 2166136261u ^ (uint32_t)c;

	for (int i = 0; i < 16; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* EVE's name of protocol p, or its number in buf. */
static const char *proto_str(uint8_t p, char *buf, size_t len)
{
	const char *name = names_proto_eve(p);

	if (name)
		return name;
	snprintf(buf, len, "%u", p);
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

static void write_json(struct alert *a, struct json_object *o)
{
	if (a->o.json) {
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), a->o.json);
		fputc('\n', a->o.json);
		fflush(a->o.json);
	}
}

static struct json_object *eve_head(struct alert *a, uint64_t ts_ns, const char *type,
				    const struct nad_rec *r)
{
	struct json_object *o = json_object_new_object();
	char buf[64], pb[8];

	alert_format_time(ts_ns + a->o.wall_offset_ns, buf, sizeof(buf));
	json_put_str(o, "timestamp", buf);
	json_put_str(o, "event_type", type);
	if (r) {
		addr_str(r->saddr, buf, sizeof(buf));
		json_put_str(o, "src_ip", buf);
		json_object_object_add(o, "src_port", json_object_new_int(r->sport));
		addr_str(r->daddr, buf, sizeof(buf));
		json_put_str(o, "dest_ip", buf);
		json_object_object_add(o, "dest_port", json_object_new_int(r->dport));
		json_put_str(o, "proto", proto_str(r->ip_proto, pb, sizeof(pb)));
	}
	return o;
}

static void emit_episode(struct alert *a, const struct episode *e, bool closing,
			 const struct alert_anomaly *an)
{
	struct json_object *o, *an_o, *ep_o, *crit;
	char ts[64], src[48], dst[48];
	enum classify_severity sev = names_class_severity(e->cls);
	uint64_t ts_ns = closing ? e->last_ns : e->start_ns;

	if (a->o.json) {
		o = eve_head(a, ts_ns, "anomaly", &e->first);
		an_o = json_object_new_object();
		json_put_str(an_o, "class", names_class(e->cls));
		json_put_str(an_o, "severity", names_severity(sev));
		json_object_object_add(an_o, "level", json_object_new_int(sev));
		json_put_d(an_o, "score", an ? an->score : e->peak_score);
		if (an)
			json_put_d(an_o, "threshold", an->threshold);
		else
			json_object_object_add(an_o, "threshold", NULL);
		crit = json_object_new_array();
		for (int i = 0; an && i < CRIT_N; i++) {
			struct json_object *c;

			if (!(an->criteria & (1u << i)))
				continue;
			c = json_object_new_object();
			json_put_str(c, "name", classify_criterion_names[i]);
			json_put_d(c, "value", an->crit_value[i]);
			json_put_d(c, "threshold", an->crit_threshold[i]);
			json_put_d(c, "weight", classify_criterion_weights[i]);
			json_object_array_add(crit, c);
		}
		json_object_object_add(an_o, "criteria", crit);
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
				       e->campaign >= 0 ? json_object_new_int64(e->campaign) : NULL);
		json_object_object_add(an_o, "packets", json_object_new_int64((int64_t)e->pkts));
		json_put_str(an_o, "evidence", e->evidence);
		json_put_str(an_o, "response", e->response);
		ep_o = json_object_new_object();
		json_object_object_add(ep_o, "id", json_object_new_int64((int64_t)e->id));
		json_put_str(ep_o, "state", closing ? "end" : "start");
		json_put_str(ep_o, "key", e->by_dst ? "destination" : "source");
		alert_format_time(e->start_ns + a->o.wall_offset_ns, ts, sizeof(ts));
		json_put_str(ep_o, "start", ts);
		alert_format_time(e->last_ns + a->o.wall_offset_ns, ts, sizeof(ts));
		json_put_str(ep_o, "last", ts);
		json_object_object_add(ep_o, "packets", json_object_new_int64((int64_t)e->pkts));
		json_object_object_add(ep_o, "bytes", json_object_new_int64((int64_t)e->bytes));
		json_put_d(ep_o, "peak_score", e->peak_score);
		json_object_object_add(an_o, "episode", ep_o);
		json_object_object_add(o, "anomaly", an_o);
		write_json(a, o);
		json_object_put(o);
	}
	if (a->o.console) {
		static const char *const col[] = { "", "\033[36m", "\033[33m", "\033[1;31m" };

		alert_format_time(ts_ns + a->o.wall_offset_ns, ts, sizeof(ts));
		addr_str(e->first.saddr, src, sizeof(src));
		addr_str(e->first.daddr, dst, sizeof(dst));
		if (closing)
			fprintf(a->o.console,
				"%s %s%-8s%s %-19s episode %llu ended: %llu packets, %llu bytes "
				"in %.1f s%s\n",
				ts, a->o.color ? col[sev] : "", names_severity(sev),
				a->o.color ? "\033[0m" : "", names_class(e->cls),
				(unsigned long long)e->id, (unsigned long long)e->pkts,
				(unsigned long long)e->bytes, (e->last_ns - e->start_ns) / 1e9,
				e->campaign >= 0 ? " (campaign)" : "");
		else
			fprintf(a->o.console, "%s %s%-8s%s %-19s %s:%u -> %s:%u  %s\n", ts,
				a->o.color ? col[sev] : "", names_severity(sev),
				a->o.color ? "\033[0m" : "", names_class(e->cls), src,
				e->first.sport, dst, e->first.dport, e->evidence);
	}
	if (a->observer) {
		struct alert_event ev = {
			.event_type = "anomaly", .closing = closing, .episode_id = e->id,
			.cls = e->cls, .sport = e->first.sport, .dport = e->first.dport,
			.proto = e->first.ip_proto, .start_ns = e->start_ns, .last_ns = e->last_ns,
			.pkts = e->pkts, .bytes = e->bytes, .campaign = e->campaign,
			.evidence = e->evidence, .by_destination = e->by_dst,
			.src_pps = e->src_pps, .dst_pps = e->dst_pps, .n_sources = e->n_sources,
		};

		memcpy(ev.saddr, e->first.saddr, 16);
		memcpy(ev.daddr, e->first.daddr, 16);
		a->observer(a->observer_ctx, &ev);
	}
}

static void close_slot(struct alert *a, size_t i)
{
	emit_episode(a, &a->ep[i], true, NULL);
	a->ep[i].used = false;
	a->n_open--;
	/* Re-insert the rest of the probe chain so lookups stay correct. */
	for (size_t j = (i + 1) & (EP_SLOTS - 1); a->ep[j].used; j = (j + 1) & (EP_SLOTS - 1)) {
		struct episode tmp = a->ep[j];
		size_t k;

		a->ep[j].used = false;
		k = key_hash(tmp.key, tmp.cls) & (EP_SLOTS - 1);
		while (a->ep[k].used)
			k = (k + 1) & (EP_SLOTS - 1);
		a->ep[k] = tmp;
	}
}

static size_t find_slot(const struct alert *a, const __u8 key[16], enum classify_class c,
			bool *found)
{
	size_t i = key_hash(key, c) & (EP_SLOTS - 1);

	while (a->ep[i].used) {
		if (a->ep[i].cls == c && !memcmp(a->ep[i].key, key, 16)) {
			*found = true;
			return i;
		}
		i = (i + 1) & (EP_SLOTS - 1);
	}
	*found = false;
	return i;
}

uint64_t alert_report(struct alert *a, const struct alert_anomaly *an)
{
	const struct nad_rec *r = an->rec;
	const __u8 *key = an->by_destination ? r->daddr : r->saddr;
	uint64_t w = r->weight ? r->weight : 1;
	struct episode *e;
	bool found;
	size_t i;

	if (a->n_open >= EP_SLOTS * 3 / 4) {
		/* Full: close the episode idle the longest so the new one can start. */
		size_t oldest = 0;
		uint64_t t = UINT64_MAX;

		for (size_t j = 0; j < EP_SLOTS; j++) {
			if (a->ep[j].used && a->ep[j].last_ns < t)
				t = a->ep[j].last_ns, oldest = j;
		}
		close_slot(a, oldest);
	}
	i = find_slot(a, key, an->cls, &found);
	e = &a->ep[i];
	if (found) {
		e->last_ns = r->ts_ns > e->last_ns ? r->ts_ns : e->last_ns;
		e->pkts += w;
		e->bytes += (uint64_t)r->wire_bytes * w;
		if (an->score > e->peak_score)
			e->peak_score = an->score;
		return e->id;
	}
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->id = a->next_id++;
	e->cls = an->cls;
	e->by_dst = an->by_destination;
	memcpy(e->key, key, 16);
	e->first = *r;
	e->start_ns = e->last_ns = r->ts_ns;
	e->pkts = w;
	e->bytes = (uint64_t)r->wire_bytes * w;
	e->peak_score = an->score;
	e->campaign = -1;
	e->src_pps = an->src_pps;
	e->dst_pps = an->dst_pps;
	e->n_sources = an->n_sources;
	if (!an->evidence && an->explain) {
		an->explain(an->explain_ctx, e->evidence, e->response);
	} else {
		snprintf(e->evidence, sizeof(e->evidence), "%s", an->evidence ? an->evidence : "");
		snprintf(e->response, sizeof(e->response), "%s", an->response ? an->response : "");
	}
	a->n_open++;
	a->n_by_class[an->cls]++;
	a->n_interval_class[an->cls]++;
	emit_episode(a, e, false, an);
	return e->id;
}

int alert_tick(struct alert *a, uint64_t now_ns)
{
	uint64_t idle = (uint64_t)(a->o.idle_s * 1e9);
	int n = 0;

	for (size_t i = 0; i < EP_SLOTS; i++) {
		/* close_slot() moves later entries back: look at slot i again. */
		while (a->ep[i].used && now_ns > a->ep[i].last_ns + idle) {
			close_slot(a, i);
			n++;
		}
	}
	return n;
}

void alert_flush(struct alert *a)
{
	for (size_t i = 0; i < EP_SLOTS; i++) {
		while (a->ep[i].used)
			close_slot(a, i);
	}
}

static struct episode *find_id(const struct alert *a, uint64_t id)
{
	for (size_t i = 0; i < EP_SLOTS; i++) {
		if (a->ep[i].used && a->ep[i].id == id)
			return &a->ep[i];
	}
	return NULL;
}

void alert_set_campaign(struct alert *a, uint64_t episode_id, int64_t campaign)
{
	struct episode *e = find_id(a, episode_id);

	if (e)
		e->campaign = campaign;
}

int64_t alert_episode_campaign(const struct alert *a, uint64_t episode_id)
{
	const struct episode *e = find_id(a, episode_id);

	return e ? e->campaign : -1;
}

bool alert_episode_open(const struct alert *a, uint64_t episode_id)
{
	return find_id(a, episode_id) != NULL;
}

bool alert_source_in_episode(const struct alert *a, const __u8 addr[16])
{
	for (int c = CLASS_DOS_ATTACK; c <= CLASS_UNUSUAL_DESTINATION; c++) {
		bool found;

		find_slot(a, addr, c, &found);
		if (found)
			return true;
	}
	return false;
}

uint64_t alert_n_episodes(const struct alert *a, enum classify_class c)
{
	return c >= 0 && c < CLASS_N ? a->n_by_class[c] : 0;
}

void alert_summary(struct alert *a, const struct alert_summary *s)
{
	double iv = s->interval_s > 0 ? s->interval_s : 1;
	uint64_t by_sev[4] = { 0 };
	char buf[64];

	for (int c = 1; c < CLASS_N; c++)
		by_sev[names_class_severity(c)] += a->n_interval_class[c];
	if (a->o.json) {
		struct json_object *o = eve_head(a, s->now_ns, "summary", NULL);
		struct json_object *so = json_object_new_object(), *x, *arr;

		json_put_d(so, "interval_s", s->interval_s);
		json_put_str(so, "profile", s->profile);
		json_object_object_add(so, "profile_inferred",
				       json_object_new_boolean(s->profile_inferred));
		x = json_object_new_object();
		json_object_object_add(x, "in", json_object_new_int64((int64_t)s->pkts[NAD_DIR_IN]));
		json_object_object_add(x, "out",
				       json_object_new_int64((int64_t)s->pkts[NAD_DIR_OUT]));
		json_object_object_add(so, "packets", x);
		x = json_object_new_object();
		json_put_d(x, "in_pps", s->pkts[NAD_DIR_IN] / iv);
		json_put_d(x, "out_pps", s->pkts[NAD_DIR_OUT] / iv);
		json_put_d(x, "in_bps", s->bytes[NAD_DIR_IN] * 8.0 / iv);
		json_put_d(x, "out_bps", s->bytes[NAD_DIR_OUT] * 8.0 / iv);
		json_object_object_add(so, "rates", x);
		x = json_object_new_object();
		for (int c = 1; c < CLASS_N; c++) {
			if (a->n_interval_class[c])
				json_object_object_add(
					x, names_class(c),
					json_object_new_int64((int64_t)a->n_interval_class[c]));
		}
		json_object_object_add(so, "anomalies_by_class", x);
		x = json_object_new_object();
		for (int l = 1; l <= 3; l++)
			json_object_object_add(x, names_severity(l),
					       json_object_new_int64((int64_t)by_sev[l]));
		json_object_object_add(so, "anomalies_by_severity", x);
		arr = json_object_new_array();
		for (int i = 0; i < s->n_top; i++) {
			struct json_object *t = json_object_new_object();

			addr_str(s->top[i].addr, buf, sizeof(buf));
			json_put_str(t, "ip", buf);
			json_object_object_add(t, "packets",
					       json_object_new_int64((int64_t)s->top[i].pkts));
			json_object_object_add(t, "bytes",
					       json_object_new_int64((int64_t)s->top[i].bytes));
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
			json_object_object_add(x, "shed",
					       json_object_new_int64((int64_t)s->kernel_shed));
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
		json_object_object_add(o, "summary", so);
		write_json(a, o);
		json_object_put(o);
	}
	if (a->o.console) {
		FILE *f = a->o.console;

		alert_format_time(s->now_ns + a->o.wall_offset_ns, buf, sizeof(buf));
		fprintf(f, "--- summary %s (%.0f s, profile %s%s) ---\n", buf, s->interval_s,
			s->profile, s->profile_inferred ? ", inferred" : "");
		fprintf(f, "  in  %8.1f pkt/s %10.1f kbit/s   out %8.1f pkt/s %10.1f kbit/s\n",
			s->pkts[NAD_DIR_IN] / iv, s->bytes[NAD_DIR_IN] * 8e-3 / iv,
			s->pkts[NAD_DIR_OUT] / iv, s->bytes[NAD_DIR_OUT] * 8e-3 / iv);
		fprintf(f, "  anomalies: %llu critical, %llu warning, %llu info",
			(unsigned long long)by_sev[3], (unsigned long long)by_sev[2],
			(unsigned long long)by_sev[1]);
		for (int c = 1; c < CLASS_N; c++) {
			if (a->n_interval_class[c])
				fprintf(f, "  %s=%llu", names_class(c),
					(unsigned long long)a->n_interval_class[c]);
		}
		fputc('\n', f);
		for (int i = 0; i < s->n_top; i++) {
			addr_str(s->top[i].addr, buf, sizeof(buf));
			fprintf(f, "  top %-40s %10llu pkts %12llu bytes\n", buf,
				(unsigned long long)s->top[i].pkts,
				(unsigned long long)s->top[i].bytes);
		}
		fprintf(f, "  thresholds: score %.2f (IoT %.2f)", s->threshold, s->iot_threshold);
		if (s->have_model)
			fprintf(f, ", ae_mae %.4f, iforest %.4f (model generation %llu)",
				s->ae_threshold, s->if_threshold,
				(unsigned long long)s->model_generation);
		fputc('\n', f);
		if (s->have_kernel)
			fprintf(f, "  kernel: %llu packets, %llu records, %llu shed\n",
				(unsigned long long)s->kernel_pkts,
				(unsigned long long)s->kernel_emitted,
				(unsigned long long)s->kernel_shed);
		fprintf(f, "  campaigns: %d\n", s->n_campaigns);
	}
	if (a->observer) {
		struct alert_event ev = { .event_type = "summary", .campaign = -1 };

		a->observer(a->observer_ctx, &ev);
	}
	memset(a->n_interval_class, 0, sizeof(a->n_interval_class));
}
