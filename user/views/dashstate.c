// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views/dashstate.c - rolling dashboard state: a ring of time slots fed lock-free
 * per record, the rest under one mutex, read through private snapshots.
 *
 * Why atomics and not per-thread batches: one relaxed fetch-add on a cache
 * line the feeder already owns costs a few ns (make bench prints the figure);
 * batching would delay what the views show and complicate the flush on
 * shutdown for no measurable gain with the one capture thread the daemon has.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "views/dashstate.h"

#define NS_PER_S 1000000000ull

const unsigned dash_size_bin_le[DASH_N_SIZE_BINS - 1] = { 64, 128, 256, 512, 1024, 1518 };

/* One time slot. tag = slot number + 1 (0: never used); written under the mutex. */
struct slot {
	__u64 tag;
	__u64 pkts[NAD_N_DIRS];
	__u64 bytes[NAD_N_DIRS];
	__u64 anoms[DASH_N_SEV];
};

struct dashstate {
	/* lock-free part (atomics) */
	__u64 head;  /* newest slot number + 1; 0 = none yet */
	__u64 pkts_total[NAD_N_DIRS];
	__u64 bytes_total[NAD_N_DIRS];
	__u64 size_bins[DASH_N_SIZE_BINS];
	__u64 size_sum;
	unsigned n_slots;
	__u64 slot_ns;
	struct slot *ring;

	/* everything below is under mu */
	pthread_mutex_t mu;
	__u64 start_ns;
	__s64 wall_offset_ns;
	char iface[DASH_NAME_LEN];
	char mode[DASH_NAME_LEN];
	char profile[DASH_NAME_LEN];
	__u64 alerts_by_class[CLASS_N];
	__u64 alerts_by_sev[DASH_N_SEV];
	__u64 alerts_total;
	unsigned alert_next; /* ring index of the next alert */
	unsigned n_alerts;
	struct dashstate_alert alerts[DASH_N_ALERTS];
	unsigned n_rules, n_rules_total;
	struct dashstate_rule rules[DASH_MAX_RULES];
	bool have_kernel;
	struct nad_stats kernel;
	__u64 recs_lost;
	unsigned n_thresh;
	struct dashstate_thresh thresh[DASH_MAX_THRESH];
	unsigned n_tables;
	struct limit_table tables[LIMIT_MAX_TABLES];
	unsigned n_outputs;
	struct dashstate_output outputs[DASH_MAX_OUTPUTS];
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

struct dashstate *dashstate_new(const struct dashstate_opts *opts)
{
	struct dashstate *ds = calloc(1, sizeof(*ds));
	int err;

	if (!ds)
		return NULL;
	ds->n_slots = opts && opts->n_slots ? opts->n_slots : 300;
	ds->slot_ns = opts && opts->slot_ns ? opts->slot_ns : NS_PER_S;
	if (ds->n_slots > 1u << 20) {
		err = EINVAL;
		goto err_free;
	}
	ds->ring = calloc(ds->n_slots, sizeof(*ds->ring));
	if (!ds->ring) {
		err = ENOMEM;
		goto err_free;
	}
	err = pthread_mutex_init(&ds->mu, NULL);
	if (err)
		goto err_free;
	copy_str(ds->mode, sizeof(ds->mode), "live");
	copy_str(ds->profile, sizeof(ds->profile), "default");
	return ds;

err_free:
	free(ds->ring);
	free(ds);
	errno = err;
	return NULL;
}

void dashstate_free(struct dashstate *ds)
{
	if (!ds)
		return;
	pthread_mutex_destroy(&ds->mu);
	free(ds->ring);
	free(ds);
}

/* Opens every slot up to sn (zeroed, tagged). Caller holds mu. */
static void advance_locked(struct dashstate *ds, __u64 sn, __u64 ts_ns)
{
	__u64 head = LOAD(&ds->head), s;

	if (sn + 1 <= head)
		return;
	/* the first slot opens the whole window behind it, for late records */
	s = head ? head : 0;
	if (sn + 1 > ds->n_slots && s < sn + 1 - ds->n_slots)
		s = sn + 1 - ds->n_slots;
	if (!head && !ds->start_ns)
		ds->start_ns = ts_ns;
	for (; s <= sn; s++) {
		struct slot *sl = &ds->ring[s % ds->n_slots];

		for (int d = 0; d < NAD_N_DIRS; d++) {
			__atomic_store_n(&sl->pkts[d], 0, __ATOMIC_RELAXED);
			__atomic_store_n(&sl->bytes[d], 0, __ATOMIC_RELAXED);
		}
		for (int v = 0; v < DASH_N_SEV; v++)
			__atomic_store_n(&sl->anoms[v], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sl->tag, s + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&ds->head, sn + 1, __ATOMIC_RELEASE);
}

/* The slot for slot number sn if it is inside the timeline, else NULL. */
static struct slot *slot_of(struct dashstate *ds, __u64 sn, __u64 ts_ns)
{
	__u64 head = __atomic_load_n(&ds->head, __ATOMIC_ACQUIRE);
	struct slot *sl;

	if (sn + 1 > head) {
		pthread_mutex_lock(&ds->mu);
		advance_locked(ds, sn, ts_ns);
		pthread_mutex_unlock(&ds->mu);
		head = sn + 1;
	} else if (head - 1 - sn >= ds->n_slots) {
		return NULL;
	}
	sl = &ds->ring[sn % ds->n_slots];
	return __atomic_load_n(&sl->tag, __ATOMIC_ACQUIRE) == sn + 1 ? sl : NULL;
}

static unsigned size_bin(__u32 size)
{
	unsigned b = 0;

	while (b < DASH_N_SIZE_BINS - 1 && size > dash_size_bin_le[b])
		b++;
	return b;
}

void dashstate_on_packets(struct dashstate *ds, __u64 ts_ns, unsigned dir, __u64 n_pkts,
			  __u64 n_bytes, __u32 size)
{
	struct slot *sl;

	if (dir >= NAD_N_DIRS)
		return;
	ADD(&ds->pkts_total[dir], n_pkts);
	ADD(&ds->bytes_total[dir], n_bytes);
	ADD(&ds->size_bins[size_bin(size)], n_pkts);
	ADD(&ds->size_sum, (__u64)size * n_pkts);
	sl = slot_of(ds, ts_ns / ds->slot_ns, ts_ns);
	if (!sl)
		return;
	ADD(&sl->pkts[dir], n_pkts);
	ADD(&sl->bytes[dir], n_bytes);
}

void dashstate_tick(struct dashstate *ds, __u64 now_ns)
{
	__u64 sn = now_ns / ds->slot_ns;

	if (sn + 1 <= __atomic_load_n(&ds->head, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ds->mu);
	advance_locked(ds, sn, now_ns);
	pthread_mutex_unlock(&ds->mu);
}

int dashstate_on_alert(struct dashstate *ds, const struct dashstate_alert *a)
{
	struct dashstate_alert *dst;
	struct slot *sl;
	int sev;

	if (!a || a->cls <= CLASS_NONE || a->cls >= CLASS_N || a->sev >= DASH_N_SEV)
		return -EINVAL;
	sev = a->sev <= 0 ? (int)names_class_severity(a->cls) : a->sev;
	sl = slot_of(ds, a->ts_ns / ds->slot_ns, a->ts_ns);
	if (sl)
		ADD(&sl->anoms[sev], 1);

	pthread_mutex_lock(&ds->mu);
	ds->alerts_by_class[a->cls]++;
	ds->alerts_by_sev[sev]++;
	ds->alerts_total++;
	dst = &ds->alerts[ds->alert_next];
	*dst = *a;
	dst->sev = sev;
	/* the text fields come from elsewhere: make sure they end */
	dst->src[sizeof(dst->src) - 1] = '\0';
	dst->dst[sizeof(dst->dst) - 1] = '\0';
	dst->evidence[sizeof(dst->evidence) - 1] = '\0';
	ds->alert_next = (ds->alert_next + 1) % DASH_N_ALERTS;
	if (ds->n_alerts < DASH_N_ALERTS)
		ds->n_alerts++;
	pthread_mutex_unlock(&ds->mu);
	return 0;
}

void dashstate_set_kernel(struct dashstate *ds, const struct nad_stats *st)
{
	pthread_mutex_lock(&ds->mu);
	ds->kernel = *st;
	ds->have_kernel = true;
	pthread_mutex_unlock(&ds->mu);
}

void dashstate_set_recs_lost(struct dashstate *ds, __u64 n)
{
	pthread_mutex_lock(&ds->mu);
	ds->recs_lost = n;
	pthread_mutex_unlock(&ds->mu);
}

void dashstate_set_rules(struct dashstate *ds, const struct dashstate_rule *rules, unsigned n)
{
	unsigned keep = n < DASH_MAX_RULES ? n : DASH_MAX_RULES;

	pthread_mutex_lock(&ds->mu);
	if (keep)
		memcpy(ds->rules, rules, keep * sizeof(*rules));
	for (unsigned i = 0; i < keep; i++)
		ds->rules[i].prefix[sizeof(ds->rules[i].prefix) - 1] = '\0';
	ds->n_rules = keep;
	ds->n_rules_total = n;
	pthread_mutex_unlock(&ds->mu);
}

void dashstate_set_tables(struct dashstate *ds, const struct limit_table *t, unsigned n)
{
	unsigned keep = n < LIMIT_MAX_TABLES ? n : LIMIT_MAX_TABLES;

	pthread_mutex_lock(&ds->mu);
	if (keep)
		memcpy(ds->tables, t, keep * sizeof(*t));
	for (unsigned i = 0; i < keep; i++)
		ds->tables[i].name[LIMIT_NAME_LEN - 1] = '\0';
	ds->n_tables = keep;
	pthread_mutex_unlock(&ds->mu);
}

void dashstate_set_outputs(struct dashstate *ds, const struct dashstate_output *v, unsigned n)
{
	unsigned keep = n < DASH_MAX_OUTPUTS ? n : DASH_MAX_OUTPUTS;

	pthread_mutex_lock(&ds->mu);
	for (unsigned i = 0; i < keep; i++) {
		ds->outputs[i] = v[i];
		ds->outputs[i].kind[sizeof(v[i].kind) - 1] = '\0';
		ds->outputs[i].target[sizeof(v[i].target) - 1] = '\0';
	}
	ds->n_outputs = keep;
	pthread_mutex_unlock(&ds->mu);
}

void dashstate_set_info(struct dashstate *ds, const char *iface, const char *mode,
			const char *profile)
{
	pthread_mutex_lock(&ds->mu);
	if (iface)
		copy_str(ds->iface, sizeof(ds->iface), iface);
	if (mode)
		copy_str(ds->mode, sizeof(ds->mode), mode);
	if (profile)
		copy_str(ds->profile, sizeof(ds->profile), profile);
	pthread_mutex_unlock(&ds->mu);
}

int dashstate_set_threshold(struct dashstate *ds, const char *name, double value)
{
	int err = 0;
	unsigned i;

	pthread_mutex_lock(&ds->mu);
	for (i = 0; i < ds->n_thresh; i++)
		if (!strncmp(ds->thresh[i].name, name, DASH_NAME_LEN - 1))
			break;
	if (i == ds->n_thresh) {
		if (i == DASH_MAX_THRESH) {
			err = -ENOSPC;
			goto out;
		}
		copy_str(ds->thresh[i].name, sizeof(ds->thresh[i].name), name);
		ds->n_thresh++;
	}
	ds->thresh[i].value = value;
out:
	pthread_mutex_unlock(&ds->mu);
	return err;
}

void dashstate_set_wall_offset(struct dashstate *ds, __s64 wall_offset_ns)
{
	pthread_mutex_lock(&ds->mu);
	ds->wall_offset_ns = wall_offset_ns;
	pthread_mutex_unlock(&ds->mu);
}

struct dashstate_snap *dashstate_snap_new(const struct dashstate *ds)
{
	struct dashstate_snap *s = calloc(1, sizeof(*s));
	__u64 *series;
	unsigned k = 0;

	if (!s)
		return NULL;
	series = calloc((size_t)ds->n_slots * (2 * NAD_N_DIRS + DASH_N_SEV), sizeof(__u64));
	if (!series) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->n_slots = ds->n_slots;
	for (int d = 0; d < NAD_N_DIRS; d++) {
		s->pkts[d] = series + (size_t)ds->n_slots * k++;
		s->bytes[d] = series + (size_t)ds->n_slots * k++;
	}
	for (int v = 0; v < DASH_N_SEV; v++)
		s->anoms[v] = series + (size_t)ds->n_slots * k++;
	return s;
}

void dashstate_snap_free(struct dashstate_snap *s)
{
	if (!s)
		return;
	free(s->pkts[0]); /* the one block all series live in */
	free(s);
}

int dashstate_snapshot(struct dashstate *ds, struct dashstate_snap *s)
{
	__u64 head;

	if (!s || s->n_slots != ds->n_slots)
		return -EINVAL;
	pthread_mutex_lock(&ds->mu);
	head = LOAD(&ds->head);
	s->slot_ns = ds->slot_ns;
	s->have_head = head != 0;
	s->head_slot = head ? head - 1 : 0;
	for (unsigned i = 0; i < ds->n_slots; i++) {
		/* series index i holds slot head_slot - (n_slots - 1) + i */
		__u64 back = ds->n_slots - 1 - i;
		const struct slot *sl = NULL;

		if (head && back <= head - 1) {
			__u64 sn = head - 1 - back;

			sl = &ds->ring[sn % ds->n_slots];
			if (LOAD(&sl->tag) != sn + 1)
				sl = NULL;
		}
		for (int d = 0; d < NAD_N_DIRS; d++) {
			s->pkts[d][i] = sl ? LOAD(&sl->pkts[d]) : 0;
			s->bytes[d][i] = sl ? LOAD(&sl->bytes[d]) : 0;
		}
		for (int v = 0; v < DASH_N_SEV; v++)
			s->anoms[v][i] = sl ? LOAD(&sl->anoms[v]) : 0;
	}
	for (int d = 0; d < NAD_N_DIRS; d++) {
		s->pkts_total[d] = LOAD(&ds->pkts_total[d]);
		s->bytes_total[d] = LOAD(&ds->bytes_total[d]);
	}
	for (int b = 0; b < DASH_N_SIZE_BINS; b++)
		s->size_bins[b] = LOAD(&ds->size_bins[b]);
	s->size_sum = LOAD(&ds->size_sum);

	copy_str(s->iface, sizeof(s->iface), ds->iface);
	copy_str(s->mode, sizeof(s->mode), ds->mode);
	copy_str(s->profile, sizeof(s->profile), ds->profile);
	s->start_ns = ds->start_ns;
	s->wall_offset_ns = ds->wall_offset_ns;
	memcpy(s->alerts_by_class, ds->alerts_by_class, sizeof(s->alerts_by_class));
	memcpy(s->alerts_by_sev, ds->alerts_by_sev, sizeof(s->alerts_by_sev));
	s->alerts_total = ds->alerts_total;
	s->n_alerts = ds->n_alerts;
	for (unsigned i = 0; i < ds->n_alerts; i++)
		s->alerts[i] = ds->alerts[(ds->alert_next + DASH_N_ALERTS - 1 - i) % DASH_N_ALERTS];
	s->n_rules = ds->n_rules;
	s->n_rules_total = ds->n_rules_total;
	memcpy(s->rules, ds->rules, ds->n_rules * sizeof(ds->rules[0]));
	s->have_kernel = ds->have_kernel;
	s->kernel = ds->kernel;
	s->recs_lost = ds->recs_lost;
	s->n_thresh = ds->n_thresh;
	memcpy(s->thresh, ds->thresh, ds->n_thresh * sizeof(ds->thresh[0]));
	s->n_tables = ds->n_tables;
	memcpy(s->tables, ds->tables, ds->n_tables * sizeof(ds->tables[0]));
	s->tables[s->n_tables++] = (struct limit_table){
		.name = "dash_alerts",
		.cap = DASH_N_ALERTS,
		.used = ds->n_alerts,
		.evicted = ds->alerts_total > ds->n_alerts ? ds->alerts_total - ds->n_alerts : 0,
		.bytes = sizeof(ds->alerts),
	};
	s->tables[s->n_tables++] = (struct limit_table){
		.name = "dash_rules",
		.cap = DASH_MAX_RULES,
		.used = ds->n_rules,
		.refused = ds->n_rules_total - ds->n_rules,
		.bytes = sizeof(ds->rules),
	};
	s->n_outputs = ds->n_outputs;
	memcpy(s->outputs, ds->outputs, ds->n_outputs * sizeof(ds->outputs[0]));
	pthread_mutex_unlock(&ds->mu);
	return 0;
}

/* --- JSON ------------------------------------------------------------------ */

/* json-c's int64 is signed; counters stay far below 2^63. */
static int add_u64(struct json_object *o, const char *key, __u64 v)
{
	return json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static struct json_object *u64_array(const __u64 *v, unsigned n)
{
	struct json_object *a = json_object_new_array_ext((int)n);

	for (unsigned i = 0; a && i < n; i++)
		if (json_object_array_add(a, json_object_new_int64((int64_t)v[i]))) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static struct json_object *dir_pair(const __u64 *v)
{
	struct json_object *o = json_object_new_object();

	if (o && (add_u64(o, "in", v[NAD_DIR_IN]) || add_u64(o, "out", v[NAD_DIR_OUT]))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *new_double(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL; /* NULL is JSON null */
}

/* Adds val under key; on failure (val NULL when it must not be) marks *bad. */
static void put(struct json_object *o, const char *key, struct json_object *val, bool *bad)
{
	if (!val || json_object_object_add(o, key, val)) {
		json_object_put(val);
		*bad = true;
	}
}

/* o, or NULL (o put) when building it failed. */
static struct json_object *built(struct json_object *o, bool bad)
{
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *kernel_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	const struct nad_stats *k = &s->kernel;
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "present", json_object_new_boolean(s->have_kernel), &bad);
	put(o, "packets", dir_pair(k->pkts), &bad);
	put(o, "bytes", dir_pair(k->bytes), &bad);
	bad |= add_u64(o, "records_emitted", k->recs_emitted) != 0;
	bad |= add_u64(o, "records_shed", k->recs_shed) != 0;
	bad |= add_u64(o, "malformed", k->malformed) != 0;
	bad |= add_u64(o, "dropped_rule", k->dropped_rule) != 0;
	bad |= add_u64(o, "allowed_rule", k->allowed_rule) != 0;
	bad |= add_u64(o, "dropped_rate", k->dropped_rate) != 0;
	bad |= add_u64(o, "pending", k->pending) != 0;
	bad |= add_u64(o, "staged", k->staged) != 0;
	bad |= add_u64(o, "records_lost_user", s->recs_lost) != 0;
	return built(o, bad);
}

static struct json_object *alert_json(const struct dashstate_snap *s, const struct dashstate_alert *a)
{
	struct json_object *o = json_object_new_object();
	double age = s->have_head ? ((double)(s->head_slot + 1) * (double)s->slot_ns -
				     (double)a->ts_ns) / 1e9 : 0;
	bool bad = !o;

	if (bad)
		return NULL;
	bad |= add_u64(o, "ts_ns", a->ts_ns) != 0;
	put(o, "unix", json_object_new_double(((double)a->ts_ns + (double)s->wall_offset_ns) / 1e9),
	    &bad);
	put(o, "age_s", json_object_new_double(age < 0 ? 0 : age), &bad);
	put(o, "class", json_object_new_string(names_class(a->cls)), &bad);
	put(o, "severity", json_object_new_string(names_severity(a->sev)), &bad);
	put(o, "src", json_object_new_string(a->src), &bad);
	put(o, "dst", json_object_new_string(a->dst), &bad);
	put(o, "evidence", json_object_new_string(a->evidence), &bad);
	if (!bad && json_object_object_add(o, "score", new_double(a->score)))
		bad = true;
	return built(o, bad);
}

static struct json_object *rule_json(const struct dashstate_rule *r)
{
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "prefix", json_object_new_string(r->prefix), &bad);
	put(o, "origin", json_object_new_string(r->origin == NAD_ORIGIN_AUTO ? "auto" : "manual"),
	    &bad);
	if (!bad && json_object_object_add(o, "reason",
					   r->reason > CLASS_NONE && r->reason < CLASS_N ?
						   json_object_new_string(names_class(r->reason)) :
						   NULL))
		bad = true;
	put(o, "expires_in_s", json_object_new_int64(r->expires_in_s), &bad);
	bad |= add_u64(o, "hits", r->hits) != 0;
	bad |= add_u64(o, "hit_bytes", r->hit_bytes) != 0;
	return built(o, bad);
}

/* A JSON array of the objects make(ctx, i) for i < n, or NULL. */
static struct json_object *array_of(struct json_object *(*make)(const void *ctx, unsigned i),
				    const void *ctx, unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; a && i < n; i++) {
		struct json_object *e = make(ctx, i);

		if (!e || json_object_array_add(a, e)) {
			json_object_put(e);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *timeline_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	double slot_s = (double)s->slot_ns / 1e9;
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "slot_s", json_object_new_double(slot_s), &bad);
	put(o, "n_slots", json_object_new_int((int)s->n_slots), &bad);
	/* end_s: record-clock seconds at the end of the newest slot */
	put(o, "end_s",
	    json_object_new_double(s->have_head ? (double)(s->head_slot + 1) * slot_s : 0), &bad);
	put(o, "packets_in", u64_array(s->pkts[NAD_DIR_IN], s->n_slots), &bad);
	put(o, "packets_out", u64_array(s->pkts[NAD_DIR_OUT], s->n_slots), &bad);
	put(o, "bytes_in", u64_array(s->bytes[NAD_DIR_IN], s->n_slots), &bad);
	put(o, "bytes_out", u64_array(s->bytes[NAD_DIR_OUT], s->n_slots), &bad);
	for (int v = SEV_CRITICAL; v >= SEV_INFO; v--) {
		char key[32];

		snprintf(key, sizeof(key), "anomalies_%s", names_severity(v));
		put(o, key, u64_array(s->anoms[v], s->n_slots), &bad);
	}
	return built(o, bad);
}

/* The newest complete slot (the head is still filling). */
static struct json_object *rate_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	unsigned k = s->n_slots >= 2 ? s->n_slots - 2 : 0;
	double slot_s = (double)s->slot_ns / 1e9;
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "pps_in", json_object_new_double((double)s->pkts[0][k] / slot_s), &bad);
	put(o, "pps_out", json_object_new_double((double)s->pkts[1][k] / slot_s), &bad);
	put(o, "bps_in", json_object_new_double(8.0 * (double)s->bytes[0][k] / slot_s), &bad);
	put(o, "bps_out", json_object_new_double(8.0 * (double)s->bytes[1][k] / slot_s), &bad);
	return built(o, bad);
}

static struct json_object *totals_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "packets", dir_pair(s->pkts_total), &bad);
	put(o, "bytes", dir_pair(s->bytes_total), &bad);
	bad |= add_u64(o, "alerts", s->alerts_total) != 0;
	return built(o, bad);
}

static struct json_object *severity_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	for (int v = SEV_CRITICAL; o && v >= SEV_INFO; v--)
		bad |= add_u64(o, names_severity(v), s->alerts_by_sev[v]) != 0;
	return built(o, bad);
}

static struct json_object *size_bin_json(const void *ctx, unsigned i)
{
	const struct dashstate_snap *s = ctx;
	struct json_object *b = json_object_new_object();
	bool bad = !b;
	char label[32];

	if (bad)
		return NULL;
	if (i == 0)
		snprintf(label, sizeof(label), "0-%u", dash_size_bin_le[0]);
	else if (i < DASH_N_SIZE_BINS - 1)
		snprintf(label, sizeof(label), "%u-%u", dash_size_bin_le[i - 1] + 1,
			 dash_size_bin_le[i]);
	else
		snprintf(label, sizeof(label), "%u+", dash_size_bin_le[i - 1] + 1);
	put(b, "label", json_object_new_string(label), &bad);
	if (i < DASH_N_SIZE_BINS - 1)
		put(b, "le", json_object_new_int((int)dash_size_bin_le[i]), &bad);
	else
		json_object_object_add(b, "le", NULL);
	bad |= add_u64(b, "packets", s->size_bins[i]) != 0;
	return built(b, bad);
}

/* Every class with a count, most frequent first, ties by class order. */
static struct json_object *top_types_json(const struct dashstate_snap *s)
{
	struct json_object *a = json_object_new_array();
	__u64 order[CLASS_N - 1]; /* the twelve classes, CLASS_NONE left out */
	unsigned i;

	for (i = 0; i < CLASS_N - 1; i++)
		order[i] = CLASS_NONE + 1 + i;
	for (i = 1; i < CLASS_N - 1; i++)
		for (unsigned j = i; j > 0 && s->alerts_by_class[order[j]] >
					     s->alerts_by_class[order[j - 1]]; j--) {
			__u64 t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; a && i < CLASS_N - 1; i++) {
		int c = (int)order[i];
		struct json_object *t;
		bool bad = false;

		if (!s->alerts_by_class[c])
			break;
		t = json_object_new_object();
		if (!t || json_object_array_add(a, t)) {
			json_object_put(t);
			json_object_put(a);
			return NULL;
		}
		put(t, "class", json_object_new_string(names_class(c)), &bad);
		put(t, "severity", json_object_new_string(names_severity(names_class_severity(c))),
		    &bad);
		bad |= add_u64(t, "count", s->alerts_by_class[c]) != 0;
		if (bad)
			return built(a, bad);
	}
	return a;
}

static struct json_object *alert_at(const void *ctx, unsigned i)
{
	const struct dashstate_snap *s = ctx;

	return alert_json(s, &s->alerts[i]);
}

static struct json_object *rule_at(const void *ctx, unsigned i)
{
	const struct dashstate_snap *s = ctx;

	return rule_json(&s->rules[i]);
}

static struct json_object *rules_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "total", json_object_new_int((int)s->n_rules_total), &bad);
	put(o, "list", array_of(rule_at, s, s->n_rules), &bad);
	return built(o, bad);
}

static struct json_object *table_at(const void *ctx, unsigned i)
{
	const struct limit_table *t = &((const struct dashstate_snap *)ctx)->tables[i];
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "name", json_object_new_string(t->name), &bad);
	bad |= add_u64(o, "cap", t->cap) != 0;
	bad |= add_u64(o, "used", t->used) != 0;
	bad |= add_u64(o, "evicted", t->evicted) != 0;
	bad |= add_u64(o, "refused", t->refused) != 0;
	bad |= add_u64(o, "bytes", t->bytes) != 0;
	return built(o, bad);
}

static struct json_object *thresholds_json(const struct dashstate_snap *s)
{
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	for (unsigned i = 0; o && i < s->n_thresh; i++)
		if (json_object_object_add(o, s->thresh[i].name, new_double(s->thresh[i].value)))
			bad = true;
	return built(o, bad);
}

static struct json_object *output_at(const void *ctx, unsigned i)
{
	const struct dashstate_output *v = &((const struct dashstate_snap *)ctx)->outputs[i];
	struct json_object *o = json_object_new_object();
	bool bad = !o;

	if (bad)
		return NULL;
	put(o, "kind", json_object_new_string(v->kind), &bad);
	put(o, "target", json_object_new_string(v->target), &bad);
	put(o, "up", json_object_new_boolean(v->up), &bad);
	bad |= add_u64(o, "events", v->events) != 0;
	bad |= add_u64(o, "dropped", v->dropped) != 0;
	bad |= add_u64(o, "reconnects", v->reconnects) != 0;
	bad |= add_u64(o, "queued", v->queued) != 0;
	return built(o, bad);
}

struct json_object *dashstate_snap_to_json(const struct dashstate_snap *s)
{
	struct json_object *root = json_object_new_object();
	bool bad = !root;

	if (bad) {
		errno = ENOMEM;
		return NULL;
	}
	put(root, "version", json_object_new_int(1), &bad);
	put(root, "iface", json_object_new_string(s->iface), &bad);
	put(root, "mode", json_object_new_string(s->mode), &bad);
	put(root, "profile", json_object_new_string(s->profile), &bad);
	bad |= add_u64(root, "start_ns", s->start_ns) != 0;
	put(root, "wall_offset_ns", json_object_new_int64(s->wall_offset_ns), &bad);
	put(root, "timeline", timeline_json(s), &bad);
	put(root, "rate", rate_json(s), &bad);
	put(root, "totals", totals_json(s), &bad);
	put(root, "severity", severity_json(s), &bad);
	put(root, "size_histogram", array_of(size_bin_json, s, DASH_N_SIZE_BINS), &bad);
	put(root, "top_types", top_types_json(s), &bad);
	put(root, "alerts", array_of(alert_at, s, s->n_alerts), &bad);
	put(root, "rules", rules_json(s), &bad);
	put(root, "kernel", kernel_json(s), &bad);
	put(root, "thresholds", thresholds_json(s), &bad);
	put(root, "tables", array_of(table_at, s, s->n_tables), &bad);
	if (s->n_outputs) /* live only: the offline report's document stays as it was */
		put(root, "outputs", array_of(output_at, s, s->n_outputs), &bad);
	if (bad) {
		json_object_put(root);
		errno = ENOMEM;
		return NULL;
	}
	return root;
}

char *dashstate_json_string(struct dashstate *ds, size_t *len)
{
	struct dashstate_snap *s = dashstate_snap_new(ds);
	struct json_object *j = NULL;
	char *out = NULL;
	size_t n = 0;
	int err = ENOMEM;

	if (!s)
		return NULL;
	if (dashstate_snapshot(ds, s)) {
		err = EINVAL;
		goto out;
	}
	j = dashstate_snap_to_json(s);
	if (!j)
		goto out;
	{
		const char *txt = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN, &n);

		out = txt ? strndup(txt, n) : NULL;
	}
	if (out) {
		err = 0;
		if (len)
			*len = n;
	}
out:
	json_object_put(j);
	dashstate_snap_free(s);
	if (err)
		errno = err;
	return out;
}

int dashstate_write_file(struct dashstate *ds, const char *path)
{
	char tmp[4096];
	size_t len = 0, off = 0;
	char *txt = dashstate_json_string(ds, &len);
	int fd = -1, err = 0;

	if (!txt)
		return -errno;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, txt + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd)) {
		fd = -1;
		err = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path))
		err = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (err)
		unlink(tmp);
	free(txt);
	return err;
}

struct json_object *dashstate_json_get(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	}
	return o;
}
