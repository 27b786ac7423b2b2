// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/alert.c - the episode table (contract in alert.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"

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
	double src_pps, dst_pps; /* of the first packet */
	uint32_t n_sources;
	struct flood_facts flood; /* of the first packet */
	/* the latest anomalous packet's (update and end events) */
	double last_src_pps, last_dst_pps;
	uint32_t last_n_sources;
	struct flood_facts last_flood;
	uint64_t update_ns; /* record time of the last start or update event */
	uint64_t idle_ns; /* closes this long after last_ns: idle_s, or the longest hold_s asked */
	char evidence[CLASSIFY_TEXT];
	char response[CLASSIFY_TEXT];
};

struct alert {
	struct alert_opts o;
	struct episode *ep; /* EP_SLOTS, open addressing with linear probing */
	size_t n_open;
	uint64_t n_evicted; /* episodes closed early to make room */
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

static uint32_t key_hash(const __u8 k[16], enum classify_class c)
{
	uint32_t h = 2166136261u ^ (uint32_t)c;

	for (int i = 0; i < 16; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* Hands an event to the sink (output), then to the observer. */
static void emit(struct alert *a, const struct alert_event *ev)
{
	if (a->o.sink)
		a->o.sink(a->o.sink_ctx, ev);
	if (a->observer)
		a->observer(a->observer_ctx, ev);
}

/* A start (an: its first packet), update or end (closing) event of episode e. */
static void emit_episode(struct alert *a, const struct episode *e, bool closing, bool update,
			 const struct alert_anomaly *an)
{
	bool first = !closing && !update;
	struct alert_event ev = {
		.event_type = update ? "update" : "anomaly",
		.closing = closing,
		.update = update,
		.episode_id = e->id,
		.cls = e->cls,
		.sport = e->first.sport,
		.dport = e->first.dport,
		.proto = e->first.ip_proto,
		.start_ns = e->start_ns,
		.last_ns = e->last_ns,
		.pkts = e->pkts,
		.bytes = e->bytes,
		.peak_score = e->peak_score,
		.campaign = e->campaign,
		.evidence = e->evidence,
		.response = e->response,
		.by_destination = e->by_dst,
		.src_pps = first ? e->src_pps : e->last_src_pps,
		.dst_pps = first ? e->dst_pps : e->last_dst_pps,
		.n_sources = first ? e->n_sources : e->last_n_sources,
		.flood = first ? e->flood : e->last_flood,
		.anomaly = an,
	};

	memcpy(ev.saddr, e->first.saddr, 16);
	memcpy(ev.daddr, e->first.daddr, 16);
	if (update) {
		/* The observer's alone: no output. */
		if (a->observer)
			a->observer(a->observer_ctx, &ev);
		return;
	}
	emit(a, &ev);
}

/* The episode's idle timeout with packet an: idle_s, or longer where a packet asked. */
static uint64_t idle_with(const struct alert *a, const struct alert_anomaly *an, uint64_t cur)
{
	uint64_t ns = (uint64_t)((an->hold_s > a->o.idle_s ? an->hold_s : a->o.idle_s) * 1e9);

	return ns > cur ? ns : cur;
}

/* The latest packet's figures; an engine that does not follow the flood gets the start. */
static void take_latest(struct episode *e, const struct alert_anomaly *an)
{
	e->last_src_pps = an->src_pps;
	e->last_dst_pps = an->dst_pps;
	e->last_n_sources = an->n_sources;
	e->last_flood = an->flood;
	if (e->last_flood.flood_since_ns == FLOOD_SINCE_EPISODE)
		e->last_flood.flood_since_ns = e->start_ns;
}

/* Floods are followed while they go on (update events); other classes only start and end. */
static bool followed(enum classify_class c)
{
	return c == CLASS_DOS_ATTACK || c == CLASS_EXCESSIVE_TRAFFIC;
}

static void close_slot(struct alert *a, size_t i)
{
	emit_episode(a, &a->ep[i], true, false, NULL);
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
		a->n_evicted++;
	}
	i = find_slot(a, key, an->cls, &found);
	e = &a->ep[i];
	if (found) {
		e->last_ns = r->ts_ns > e->last_ns ? r->ts_ns : e->last_ns;
		e->pkts += w;
		e->bytes += (uint64_t)r->wire_bytes * w;
		if (an->score > e->peak_score)
			e->peak_score = an->score;
		take_latest(e, an);
		e->idle_ns = idle_with(a, an, e->idle_ns);
		if (followed(e->cls) && r->ts_ns >= e->update_ns + ALERT_UPDATE_NS) {
			e->update_ns = r->ts_ns;
			emit_episode(a, e, false, true, NULL);
		}
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
	e->update_ns = r->ts_ns;
	e->idle_ns = idle_with(a, an, 0);
	take_latest(e, an);
	e->src_pps = e->last_src_pps;
	e->dst_pps = e->last_dst_pps;
	e->n_sources = e->last_n_sources;
	e->flood = e->last_flood;
	if (!an->evidence && an->explain) {
		an->explain(an->explain_ctx, e->evidence, e->response);
	} else {
		snprintf(e->evidence, sizeof(e->evidence), "%s", an->evidence ? an->evidence : "");
		snprintf(e->response, sizeof(e->response), "%s", an->response ? an->response : "");
	}
	a->n_open++;
	a->n_by_class[an->cls]++;
	a->n_interval_class[an->cls]++;
	emit_episode(a, e, false, false, an);
	return e->id;
}

int alert_tick(struct alert *a, uint64_t now_ns)
{
	int n = 0;

	for (size_t i = 0; i < EP_SLOTS; i++) {
		/* close_slot() moves later entries back: look at slot i again. */
		while (a->ep[i].used && now_ns > a->ep[i].last_ns + a->ep[i].idle_ns) {
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

bool alert_source_in_class_episode(const struct alert *a, const __u8 addr[16],
				   enum classify_class c)
{
	bool found;

	find_slot(a, addr, c, &found);
	return found;
}

bool alert_source_in_episode(const struct alert *a, const __u8 addr[16])
{
	for (int c = CLASS_DOS_ATTACK; c <= CLASS_UNUSUAL_DESTINATION; c++)
		if (alert_source_in_class_episode(a, addr, c))
			return true;
	return false;
}

void alert_get_stats(const struct alert *a, struct limit_table *out)
{
	*out = (struct limit_table){ .name = "episodes",
				     .cap = EP_SLOTS * 3 / 4,
				     .used = a->n_open,
				     .evicted = a->n_evicted,
				     .bytes = EP_SLOTS * sizeof(struct episode) };
}

uint64_t alert_n_episodes(const struct alert *a, enum classify_class c)
{
	return c >= 0 && c < CLASS_N ? a->n_by_class[c] : 0;
}

void alert_summary(struct alert *a, const struct alert_summary *s)
{
	struct alert_event ev = { .event_type = "summary",
				  .campaign = -1,
				  .summary = s,
				  .n_interval_class = a->n_interval_class };

	emit(a, &ev);
	memset(a->n_interval_class, 0, sizeof(a->n_interval_class));
}
