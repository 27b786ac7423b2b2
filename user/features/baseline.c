// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/baseline.c - per-host and per-service baselines (contract in baseline.h).
 *
 * An entry keeps its statistics folded up to one window (folded) and accumulates the
 * window it was last touched in (acc_window). Windows in between count as zeros: they
 * are folded in when the entry is next folded, and baseline_high() applies them to a
 * copy, so a silent host's level decays without anyone touching it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "features/baseline.h"

#define WAYS 8
#define DISTINCT_BITS 256
#define SECTION_VERSION 1
#define MAX_ZERO_STEPS 64 /* zero windows folded one by one; beyond, the decay is closed-form */

struct entry {
	__u8 addr[16];
	uint8_t proto;
	uint16_t port;
	bool used;
	int64_t first, folded, acc_window, last; /* window indices; last: last looked up */
	uint32_t n_folded; /* windows folded into the statistics */
	uint32_t saved_idle; /* after baseline_read, until the clock places the entry */
};

struct baseline_host {
	struct entry e;
	float acc[BL_N_METRICS];
	uint64_t ports[DISTINCT_BITS / 64], hosts[DISTINCT_BITS / 64];
	struct baseline_stat st[BL_N_METRICS];
};

struct baseline_svc {
	struct entry e;
	float acc[BLS_N_METRICS];
	struct baseline_stat st[BLS_N_METRICS];
};

struct baseline {
	struct baseline_opts o;
	struct baseline_host *hosts;
	struct baseline_svc *svcs;
	size_t host_sets, svc_sets;
	uint64_t window_ns;
	double alpha, peak_decay;
	int64_t cur; /* the open window */
	bool started, rebase;
	struct baseline_counts counts;
};

static const char *const metric_names[BL_N_METRICS] = {
	"pkts_out",	  "bytes_out",	   "pkts_in", "bytes_in",     "opened",	      "answered",
	"unanswered_out", "unanswered_in", "upload",  "fanout_ports", "fanout_hosts",
};

static const char *const svc_metric_names[BLS_N_METRICS] = {
	"requests",
	"unanswered",
	"pkts_in",
	"bytes_out",
};

void baseline_opts_default(struct baseline_opts *o)
{
	o->max_hosts = 4096;
	o->max_services = 16384;
	o->window_s = 10;
	o->tau_s = 3600;
	o->peak_half_life_s = 86400;
	o->min_windows = 6;
}

static size_t sets_for(size_t n)
{
	size_t s = 1;

	while (s * 2 * WAYS <= n)
		s *= 2;
	return s;
}

static bool opts_ok(const struct baseline_opts *o)
{
	return o->max_hosts >= WAYS && o->max_hosts <= (1u << 22) && o->max_services >= WAYS &&
	       o->max_services <= (1u << 22) && o->window_s >= 0.1 && o->window_s <= 3600 &&
	       o->tau_s >= o->window_s && o->tau_s <= 1e8 && o->peak_half_life_s >= o->window_s &&
	       o->peak_half_life_s <= 1e8 && o->min_windows >= 1 && o->min_windows <= 100000;
}

struct baseline *baseline_new(const struct baseline_opts *o)
{
	struct baseline *b;

	if (!o || !opts_ok(o)) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->o = *o;
	b->host_sets = sets_for(o->max_hosts);
	b->svc_sets = sets_for(o->max_services);
	b->o.max_hosts = b->host_sets * WAYS;
	b->o.max_services = b->svc_sets * WAYS;
	b->hosts = calloc(b->o.max_hosts, sizeof(*b->hosts));
	b->svcs = calloc(b->o.max_services, sizeof(*b->svcs));
	if (!b->hosts || !b->svcs) {
		baseline_free(b);
		errno = ENOMEM;
		return NULL;
	}
	b->window_ns = (uint64_t)(o->window_s * 1e9);
	b->alpha = o->window_s / o->tau_s;
	b->peak_decay = exp2(-o->window_s / o->peak_half_life_s);
	b->counts.host_bytes = b->o.max_hosts * sizeof(*b->hosts);
	b->counts.svc_bytes = b->o.max_services * sizeof(*b->svcs);
	b->counts.memory_bytes = sizeof(*b) + b->counts.host_bytes + b->counts.svc_bytes;
	return b;
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	free(b->hosts);
	free(b->svcs);
	free(b);
}

static uint32_t key_hash(const __u8 a[16], uint8_t proto, uint16_t port)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ proto) * 16777619u;
	h = (h ^ port) * 16777619u;
	h ^= h >> 15;
	h *= 0x2c1b3c6d;
	h ^= h >> 12;
	return h;
}

static bool entry_is(const struct entry *e, const __u8 a[16], uint8_t proto, uint16_t port)
{
	return e->used && e->proto == proto && e->port == port && !memcmp(e->addr, a, 16);
}

static void entry_start(struct baseline *b, struct entry *e, const __u8 a[16], uint8_t proto,
			uint16_t port)
{
	memcpy(e->addr, a, 16);
	e->proto = proto;
	e->port = port;
	e->used = true;
	e->first = e->acc_window = e->last = b->cur;
	e->folded = b->cur - 1;
}

/* A loaded entry under the new clock: its windows end just before w. */
static void place(struct entry *e, int64_t w)
{
	e->folded = w - 1;
	e->acc_window = w;
	e->first = w - (int64_t)e->n_folded;
	e->last = w - (int64_t)e->saved_idle;
}

/* The current window of the record clock; starts the clock (and places loaded entries). */
static void clock_at(struct baseline *b, uint64_t now)
{
	int64_t w = (int64_t)(now / b->window_ns);

	if (!b->started) {
		b->started = true;
		b->cur = w;
	}
	if (b->rebase) {
		b->rebase = false;
		for (size_t i = 0; i < b->o.max_hosts; i++) {
			struct entry *e = &b->hosts[i].e;

			place(e, w);
		}
		for (size_t i = 0; i < b->o.max_services; i++) {
			struct entry *e = &b->svcs[i].e;

			place(e, w);
		}
		b->cur = w;
	}
}

/* One window's value x into s; n is the number of windows folded before it. */
static void stat_fold(struct baseline_stat *s, double x, uint32_t n, double alpha, double d)
{
	double a = n + 1 > 1.0 / alpha ? alpha : 1.0 / (n + 1);
	double delta = x - s->mean;

	if (!n) {
		s->mean = (float)x;
		s->var = 0;
		s->peak = (float)x;
		return;
	}
	s->mean = (float)(s->mean + a * delta);
	s->var = (float)((1 - a) * (s->var + a * delta * delta));
	s->peak = (float)fmax(s->peak * d, x);
}

/* k windows of nothing after n folded windows. */
static void stat_zeros(struct baseline_stat *s, uint64_t k, uint32_t n, double alpha, double d)
{
	uint64_t i;

	for (i = 0; i < k && i < MAX_ZERO_STEPS; i++)
		stat_fold(s, 0, n + (uint32_t)i, alpha, d);
	if (i < k) {
		double f = pow(1 - alpha, (double)(k - i));

		s->mean = (float)(s->mean * f);
		s->var = (float)(s->var * f);
		s->peak = (float)(s->peak * pow(d, (double)(k - i)));
	}
}

static unsigned distinct(const uint64_t *bm)
{
	unsigned ones = 0, m = DISTINCT_BITS;

	for (unsigned i = 0; i < DISTINCT_BITS / 64; i++)
		ones += __builtin_popcountll(bm[i]);
	if (ones >= m)
		return (unsigned)(m * log((double)m));
	return (unsigned)lround(-(double)m * log((double)(m - ones) / m));
}

/*
 * Folds everything of the entry up to the last closed window: the silent windows before
 * its accumulated one, that one, and the silent ones after it.
 */
static void fold(struct baseline *b, struct entry *e, struct baseline_stat *st, float *acc,
		 unsigned n_metrics, const double *extra)
{
	uint64_t before, after;

	if (e->acc_window >= b->cur)
		return;
	before = (uint64_t)(e->acc_window - e->folded - 1);
	after = (uint64_t)(b->cur - 1 - e->acc_window);
	for (unsigned m = 0; m < n_metrics; m++) {
		double x = extra && !isnan(extra[m]) ? extra[m] : acc[m] / b->o.window_s;

		stat_zeros(&st[m], before, e->n_folded, b->alpha, b->peak_decay);
		stat_fold(&st[m], x, e->n_folded + (uint32_t)before, b->alpha, b->peak_decay);
		stat_zeros(&st[m], after, e->n_folded + (uint32_t)before + 1, b->alpha,
			   b->peak_decay);
		acc[m] = 0;
	}
	e->n_folded += (uint32_t)(before + 1 + after);
	e->folded = b->cur - 1;
	e->acc_window = b->cur;
}

static void fold_host(struct baseline *b, struct baseline_host *h)
{
	double extra[BL_N_METRICS];

	if (h->e.acc_window >= b->cur)
		return;
	for (int m = 0; m < BL_N_METRICS; m++)
		extra[m] = NAN;
	extra[BL_FANOUT_PORTS] = distinct(h->ports);
	extra[BL_FANOUT_HOSTS] = distinct(h->hosts);
	fold(b, &h->e, h->st, h->acc, BL_N_METRICS, extra);
	memset(h->ports, 0, sizeof(h->ports));
	memset(h->hosts, 0, sizeof(h->hosts));
}

/* Moves the clock to now's window, folding every entry when a window closed. */
static void advance(struct baseline *b, uint64_t now)
{
	int64_t w;

	clock_at(b, now);
	w = (int64_t)(now / b->window_ns);
	if (w <= b->cur)
		return;
	b->counts.windows += (uint64_t)(w - b->cur);
	b->cur = w;
	for (size_t i = 0; i < b->o.max_hosts; i++) {
		if (b->hosts[i].e.used)
			fold_host(b, &b->hosts[i]);
	}
	for (size_t i = 0; i < b->o.max_services; i++) {
		struct baseline_svc *s = &b->svcs[i];

		if (s->e.used)
			fold(b, &s->e, s->st, s->acc, BLS_N_METRICS, NULL);
	}
}

/* The way of a set to give a new entry: a free one, else the one touched least recently. */
static int lru_way(const struct entry *first, size_t stride)
{
	int best = 0;

	for (int i = 0; i < WAYS; i++) {
		const struct entry *e = (const void *)((const char *)first + i * stride);
		const struct entry *v = (const void *)((const char *)first + best * stride);

		if (!e->used)
			return i;
		if (e->last < v->last)
			best = i;
	}
	return best;
}

struct baseline_host *baseline_host(struct baseline *b, const __u8 a[16], uint64_t now)
{
	struct baseline_host *set, *victim;

	advance(b, now);
	set = &b->hosts[(key_hash(a, 0, 0) & (b->host_sets - 1)) * WAYS];
	for (int i = 0; i < WAYS; i++) {
		if (entry_is(&set[i].e, a, 0, 0)) {
			set[i].e.last = b->cur;
			return &set[i];
		}
	}
	victim = &set[lru_way(&set[0].e, sizeof(set[0]))];
	if (victim->e.used)
		b->counts.host_evictions++;
	else
		b->counts.n_hosts++;
	memset(victim, 0, sizeof(*victim));
	entry_start(b, &victim->e, a, 0, 0);
	return victim;
}

void baseline_host_add(struct baseline_host *h, enum baseline_metric m, double v)
{
	if (m >= 0 && m < BL_N_METRICS && m != BL_FANOUT_PORTS && m != BL_FANOUT_HOSTS)
		h->acc[m] += (float)v;
}

void baseline_host_distinct(struct baseline_host *h, enum baseline_metric m, uint32_t hash)
{
	uint64_t *bm = m == BL_FANOUT_PORTS ? h->ports : m == BL_FANOUT_HOSTS ? h->hosts : NULL;

	if (bm)
		bm[(hash % DISTINCT_BITS) / 64] |= 1ull << (hash % 64);
}

struct baseline_svc *baseline_svc(struct baseline *b, const __u8 a[16], uint8_t proto,
				  uint16_t port, uint64_t now)
{
	struct baseline_svc *set, *victim;

	advance(b, now);
	set = &b->svcs[(key_hash(a, proto, port) & (b->svc_sets - 1)) * WAYS];
	for (int i = 0; i < WAYS; i++) {
		if (entry_is(&set[i].e, a, proto, port)) {
			set[i].e.last = b->cur;
			return &set[i];
		}
	}
	victim = &set[lru_way(&set[0].e, sizeof(set[0]))];
	if (victim->e.used)
		b->counts.service_evictions++;
	else
		b->counts.n_services++;
	memset(victim, 0, sizeof(*victim));
	entry_start(b, &victim->e, a, proto, port);
	return victim;
}

void baseline_svc_add(struct baseline_svc *s, enum baseline_svc_metric m, double v)
{
	if (m >= 0 && m < BLS_N_METRICS)
		s->acc[m] += (float)v;
}

void baseline_tick(struct baseline *b, uint64_t now)
{
	advance(b, now);
}

/* The entry's level of one statistic (everything up to the last closed window is folded). */
static double stat_high(const struct baseline_stat *st)
{
	return fmax(st->peak, st->mean + 3 * sqrt(fmax(st->var, 0)));
}

static bool high_of(const struct baseline *b, const struct entry *e, const struct baseline_stat *st,
		    double *out)
{
	int64_t known = b->rebase ? (int64_t)e->n_folded : b->cur - e->first;

	if (known < (int64_t)b->o.min_windows || !e->n_folded)
		return false;
	*out = stat_high(st);
	return true;
}

bool baseline_view_high(const struct baseline *b, const struct baseline_view *v, unsigned m,
			double *out)
{
	if (m >= v->n_metrics || v->n_windows < b->o.min_windows)
		return false;
	*out = stat_high(&v->stat[m]);
	return true;
}

bool baseline_high(const struct baseline *b, const __u8 a[16], enum baseline_metric m, double *out)
{
	const struct baseline_host *set;

	if (m < 0 || m >= BL_N_METRICS)
		return false;
	set = &b->hosts[(key_hash(a, 0, 0) & (b->host_sets - 1)) * WAYS];
	for (int i = 0; i < WAYS; i++) {
		if (entry_is(&set[i].e, a, 0, 0))
			return high_of(b, &set[i].e, &set[i].st[m], out);
	}
	return false;
}

bool baseline_forget_window(struct baseline *b, const __u8 a[16])
{
	struct baseline_host *set = &b->hosts[(key_hash(a, 0, 0) & (b->host_sets - 1)) * WAYS];

	for (int i = 0; i < WAYS; i++) {
		if (!entry_is(&set[i].e, a, 0, 0))
			continue;
		memset(set[i].acc, 0, sizeof(set[i].acc));
		memset(set[i].ports, 0, sizeof(set[i].ports));
		memset(set[i].hosts, 0, sizeof(set[i].hosts));
		return true;
	}
	return false;
}

bool baseline_host_levels(const struct baseline *b, const __u8 a[16], double *levels)
{
	const struct baseline_host *set =
		&b->hosts[(key_hash(a, 0, 0) & (b->host_sets - 1)) * WAYS];

	for (int i = 0; i < WAYS; i++) {
		if (!entry_is(&set[i].e, a, 0, 0))
			continue;
		for (int m = 0; m < BL_N_METRICS; m++) {
			if (!high_of(b, &set[i].e, &set[i].st[m], &levels[m]))
				return false;
		}
		return true;
	}
	return false;
}

bool baseline_svc_high(const struct baseline *b, const __u8 a[16], uint8_t proto, uint16_t port,
		       enum baseline_svc_metric m, double *out)
{
	const struct baseline_svc *set;

	if (m < 0 || m >= BLS_N_METRICS)
		return false;
	set = &b->svcs[(key_hash(a, proto, port) & (b->svc_sets - 1)) * WAYS];
	for (int i = 0; i < WAYS; i++) {
		if (entry_is(&set[i].e, a, proto, port))
			return high_of(b, &set[i].e, &set[i].st[m], out);
	}
	return false;
}

/* Windows since the entry was last looked up. */
static uint32_t idle_of(const struct baseline *b, const struct entry *e)
{
	return b->rebase ? e->saved_idle : (uint32_t)(b->cur - e->last);
}

void baseline_foreach(const struct baseline *b,
		      void (*fn)(void *ctx, const struct baseline_view *v), void *ctx)
{
	struct baseline_view v;

	for (size_t i = 0; i < b->o.max_hosts; i++) {
		const struct baseline_host *h = &b->hosts[i];

		if (!h->e.used || !h->e.n_folded)
			continue;
		v = (struct baseline_view){ .n_windows = h->e.n_folded,
					    .idle = idle_of(b, &h->e),
					    .n_metrics = BL_N_METRICS,
					    .stat = h->st };
		memcpy(v.addr, h->e.addr, 16);
		fn(ctx, &v);
	}
	for (size_t i = 0; i < b->o.max_services; i++) {
		const struct baseline_svc *s = &b->svcs[i];

		if (!s->e.used || !s->e.n_folded)
			continue;
		v = (struct baseline_view){ .service = true,
					    .proto = s->e.proto,
					    .port = s->e.port,
					    .n_windows = s->e.n_folded,
					    .idle = idle_of(b, &s->e),
					    .n_metrics = BLS_N_METRICS,
					    .stat = s->st };
		memcpy(v.addr, s->e.addr, 16);
		fn(ctx, &v);
	}
}

void baseline_get_counts(const struct baseline *b, struct baseline_counts *out)
{
	*out = b->counts;
}

const struct baseline_opts *baseline_opts(const struct baseline *b)
{
	return &b->o;
}

const char *baseline_metric_name(enum baseline_metric m)
{
	return m >= 0 && m < BL_N_METRICS ? metric_names[m] : NULL;
}

const char *baseline_svc_metric_name(enum baseline_svc_metric m)
{
	return m >= 0 && m < BLS_N_METRICS ? svc_metric_names[m] : NULL;
}

static void write_entry(const struct baseline *b, struct ser_writer *w, const struct entry *e,
			const struct baseline_stat *st, unsigned n)
{
	for (int i = 0; i < 16; i++)
		ser_put_u8(w, e->addr[i]);
	ser_put_u8(w, e->proto);
	ser_put_u16(w, e->port);
	ser_put_u32(w, e->n_folded);
	ser_put_u32(w, idle_of(b, e));
	for (unsigned m = 0; m < n; m++) {
		ser_put_f32(w, st[m].mean);
		ser_put_f32(w, st[m].var);
		ser_put_f32(w, st[m].peak);
	}
}

void baseline_write(const struct baseline *b, struct ser_writer *w)
{
	struct baseline_counts c = { 0 };

	for (size_t i = 0; i < b->o.max_hosts; i++)
		c.n_hosts += b->hosts[i].e.used && b->hosts[i].e.n_folded;
	for (size_t i = 0; i < b->o.max_services; i++)
		c.n_services += b->svcs[i].e.used && b->svcs[i].e.n_folded;
	ser_put_u16(w, SECTION_VERSION);
	ser_put_u32(w, (uint32_t)b->o.max_hosts);
	ser_put_u32(w, (uint32_t)b->o.max_services);
	ser_put_f64(w, b->o.window_s);
	ser_put_f64(w, b->o.tau_s);
	ser_put_f64(w, b->o.peak_half_life_s);
	ser_put_u32(w, b->o.min_windows);
	ser_put_u32(w, (uint32_t)c.n_hosts);
	ser_put_u32(w, (uint32_t)c.n_services);
	for (size_t i = 0; i < b->o.max_hosts; i++) {
		const struct baseline_host *h = &b->hosts[i];

		if (h->e.used && h->e.n_folded)
			write_entry(b, w, &h->e, h->st, BL_N_METRICS);
	}
	for (size_t i = 0; i < b->o.max_services; i++) {
		const struct baseline_svc *s = &b->svcs[i];

		if (s->e.used && s->e.n_folded)
			write_entry(b, w, &s->e, s->st, BLS_N_METRICS);
	}
}

/* Reads one entry into a free way of its set; false if the section is malformed. */
static bool read_entry(struct ser_reader *r, struct entry *ways, size_t stride, size_t n_sets,
		       struct baseline_stat *(*stats)(struct entry *), unsigned n)
{
	struct entry e = { .used = true };
	struct entry *slot = NULL;
	float v[3 * BL_N_METRICS];
	char *set;

	for (int i = 0; i < 16; i++)
		e.addr[i] = ser_get_u8(r);
	e.proto = ser_get_u8(r);
	e.port = ser_get_u16(r);
	e.n_folded = ser_get_u32(r);
	e.saved_idle = ser_get_u32(r);
	ser_get_f32s(r, v, 3 * n);
	if (r->err || !e.n_folded || e.n_folded > (1u << 30) || e.saved_idle > (1u << 30))
		return false;
	set = (char *)ways + (key_hash(e.addr, e.proto, e.port) & (n_sets - 1)) * WAYS * stride;
	for (int i = 0; i < WAYS && !slot; i++) {
		struct entry *x = (struct entry *)(set + i * stride);

		if (entry_is(x, e.addr, e.proto, e.port))
			return false; /* twice */
		if (!x->used)
			slot = x;
	}
	if (!slot)
		return false;
	*slot = e;
	for (unsigned m = 0; m < n; m++) {
		struct baseline_stat *st = &stats(slot)[m];

		if (v[3 * m + 1] < 0 || v[3 * m + 2] < 0)
			return false;
		*st = (struct baseline_stat){ v[3 * m], v[3 * m + 1], v[3 * m + 2] };
	}
	return true;
}

static struct baseline_stat *host_stats(struct entry *e)
{
	return ((struct baseline_host *)e)->st;
}

static struct baseline_stat *svc_stats(struct entry *e)
{
	return ((struct baseline_svc *)e)->st;
}

struct baseline *baseline_read(struct ser_reader *r)
{
	struct baseline_opts o;
	struct baseline *b;
	uint32_t n_hosts, n_svcs;

	if (ser_get_u16(r) != SECTION_VERSION) {
		errno = EBADMSG;
		return NULL;
	}
	o.max_hosts = ser_get_u32(r);
	o.max_services = ser_get_u32(r);
	o.window_s = ser_get_f64(r);
	o.tau_s = ser_get_f64(r);
	o.peak_half_life_s = ser_get_f64(r);
	o.min_windows = ser_get_u32(r);
	n_hosts = ser_get_u32(r);
	n_svcs = ser_get_u32(r);
	if (r->err || !opts_ok(&o) || n_hosts > o.max_hosts || n_svcs > o.max_services ||
	    (r->len - r->pos) / 23 < (size_t)n_hosts + n_svcs) {
		errno = EBADMSG;
		return NULL;
	}
	b = baseline_new(&o);
	if (!b)
		return NULL;
	for (uint32_t i = 0; i < n_hosts; i++) {
		if (!read_entry(r, &b->hosts[0].e, sizeof(b->hosts[0]), b->host_sets, host_stats,
				BL_N_METRICS))
			goto bad;
	}
	for (uint32_t i = 0; i < n_svcs; i++) {
		if (!read_entry(r, &b->svcs[0].e, sizeof(b->svcs[0]), b->svc_sets, svc_stats,
				BLS_N_METRICS))
			goto bad;
	}
	b->counts.n_hosts = n_hosts;
	b->counts.n_services = n_svcs;
	b->rebase = true;
	return b;
bad:
	baseline_free(b);
	errno = EBADMSG;
	return NULL;
}

int baseline_bytes_of(const struct baseline *b, struct baseline_bytes *out)
{
	struct ser_writer w;

	ser_writer_init(&w);
	baseline_write(b, &w);
	if (w.err) {
		int err = w.err;

		ser_writer_release(&w);
		*out = (struct baseline_bytes){ 0 };
		return err;
	}
	*out = (struct baseline_bytes){ .buf = w.buf, .len = w.len };
	return 0;
}

void baseline_bytes_free(struct baseline_bytes *bb)
{
	free(bb->buf);
	*bb = (struct baseline_bytes){ 0 };
}

struct baseline *baseline_clone(const struct baseline *b)
{
	struct baseline_bytes bb;
	struct ser_reader r;
	struct baseline *c;
	int err = baseline_bytes_of(b, &bb);

	if (err) {
		errno = -err;
		return NULL;
	}
	ser_reader_init(&r, bb.buf, bb.len);
	c = baseline_read(&r);
	baseline_bytes_free(&bb);
	return c;
}
