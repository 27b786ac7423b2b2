// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * mitigate/policy.c - the mitigation policy (contract in policy.h).
 *
 * Tables are small fixed arrays searched linearly: at most max_rules rules,
 * a few thousand offenders and 64 attacked destinations, touched per alert
 * and per tick, never per packet. Nothing is reallocated after _new.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/names.h"
#include "mitigate/policy.h"

#define NS_PER_S 1000000000ULL
#define N_TARGETS 64
#define TARGET_BITS 1024
#define CLS_LEN 32
#define ORIGIN_LEN 16
#define EVIDENCE_LEN 320 /* detect/classify.h's CLASSIFY_TEXT */
#define N_NOTES 256
#define NOTE_NS (60 * NS_PER_S) /* a skip is reported once a minute per source and reason */

struct rule {
	bool used;
	enum mitigate_rule_kind kind;
	struct addr_prefix pfx; /* DROP: source prefix; RATE: destination host */
	struct nad_rate_key skey;
	__u32 rate_pps, burst;
	__u64 created_ns, expires_ns, ttl_ns;
	__u64 last_renew_ns, last_check_ns;
	__u64 hits, hit_bytes; /* as last read from the backend */
	__u32 offences, n_members, reason;
	struct mitigate_alert alert; /* alert.cls and .evidence are NULL here: see cls, evidence */
	char cls[CLS_LEN];
	char evidence[EVIDENCE_LEN];
};

/* A source or prefix that had a rule: for escalating TTLs. */
struct offender {
	struct addr_prefix pfx;
	__u32 offences;
	__u64 last_ns;
};

/* An attacked destination: distinct low-rate sources seen alerting about it. */
struct target {
	bool used;
	struct nad_rate_key key;
	__u64 first_ns; /* alerts about it since then, never a spoof window apart */
	__u64 window_start_ns, last_ns;
	__u64 bits[TARGET_BITS / 64];
};

/* A skip reported lately: not again for NOTE_NS. */
struct note {
	__u8 addr[16];
	char why[ORIGIN_LEN];
	__u64 last_ns;
};

struct allow {
	struct addr_prefix pfx;
	char origin[ORIGIN_LEN];
	bool owned; /* we put it in the backend, so we take it out */
};

struct mitigate {
	struct mitigate_opts o;
	const struct mitigate_ops *be;
	void *be_ctx;
	struct rule *rules;
	__u32 n_rules_cap; /* max_rules */
	struct offender *offenders;
	__u32 n_offenders, n_offenders_cap;
	struct target targets[N_TARGETS];
	struct allow allow[NAD_ALLOW_ENTRIES];
	__u32 n_allow;
	struct note notes[N_NOTES];
	__u64 bucket_tat_ns; /* new-rule token bucket, as a theoretical arrival time */
	__u64 last_cap_warn_ns;
	struct mitigate_stats st;
};

/* ---- options ----------------------------------------------------------- */

struct mitigate_opts mitigate_opts_default(void)
{
	return (struct mitigate_opts){
		.mode = MITIGATE_ON,
		.ttl_ns = 600 * NS_PER_S,
		.ttl_max_ns = 24 * 3600 * NS_PER_S,
		.offender_memory_ns = 24 * 3600 * NS_PER_S,
		.renew_min_pps = 1,
		.max_rules = 1024,
		.new_rules_per_s = 50,
		.new_rules_burst = 50,
		.excessive_critical_pps = 50000,
		.excessive_max_answered = 0.2,
		.hold_ns = 50 * 1000000ULL,
		.trust_ns = 600 * NS_PER_S,
		.agg_min_sources = 8,
		.agg_plen4 = 24,
		.agg_plen6 = 64,
		.spoof_min_sources = 20,
		.spoof_max_src_pps = 10,
		.spoof_window_ns = 10 * NS_PER_S,
		.rate_pps = 1000,
		.rate_burst = 64,
		.n_cpus = 1,
	};
}

const char *mitigate_action_name(enum mitigate_action a)
{
	static const char *const names[] = {
		[MITIGATE_ACT_INSTALL] = "install",
		[MITIGATE_ACT_RENEW] = "renew",
		[MITIGATE_ACT_REMOVE] = "remove",
		[MITIGATE_ACT_WOULD_INSTALL] = "would_install",
		[MITIGATE_ACT_WOULD_RENEW] = "would_renew",
		[MITIGATE_ACT_WOULD_REMOVE] = "would_remove",
		[MITIGATE_ACT_SKIP] = "skip",
	};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

/* ---- events ------------------------------------------------------------ */

static bool addr_is_zero(const __u8 a[16])
{
	static const __u8 zero[16];

	return !memcmp(a, zero, 16);
}

/* A signature rule's source for the console line ("" for an aggregate rule). */
static const char *rate_src_text(const __u8 src[16])
{
	static char buf[ADDR_STRLEN];

	if (addr_is_zero(src))
		return "";
	addr_str(src, buf, sizeof(buf));
	return buf;
}

static void emit(struct mitigate *m, struct mitigate_event *ev)
{
	const char *proto = names_proto_eve(ev->proto);
	char rule[ADDR_PREFIX_STRLEN];

	addr_prefix_format(&ev->prefix, rule, sizeof(rule));
	if (ev->action == MITIGATE_ACT_SKIP && !strcmp(ev->why, "trusted"))
		pr_info("mitigation: %s floods (%s) but was answered within the trust window: no "
			"rule\n",
			rule, ev->reason ? ev->reason : "?");
	else if (ev->action == MITIGATE_ACT_SKIP)
		pr_info("mitigation: %s attacks (%s) but is allowlisted (%s): not blocked\n", rule,
			ev->reason ? ev->reason : "?", ev->why);
	else if (ev->kind == MITIGATE_RULE_RATE)
		pr_info("mitigation: %s rate rule %s:%u/%s%s%s %u pps/CPU (%s, ttl %" PRIu64
			" s)\n",
			mitigate_action_name(ev->action), rule, ev->dport, proto ? proto : "?",
			addr_is_zero(ev->src) ? "" : " from ", rate_src_text(ev->src), ev->rate_pps,
			ev->why, (uint64_t)(ev->ttl_ns / NS_PER_S));
	else
		pr_info("mitigation: %s %s (%s, %s, ttl %" PRIu64 " s, hits %" PRIu64 ")\n",
			mitigate_action_name(ev->action), rule, ev->reason ? ev->reason : "?",
			ev->why, (uint64_t)(ev->ttl_ns / NS_PER_S), (uint64_t)ev->hits);
	if (m->o.on_event)
		m->o.on_event(m->o.event_ctx, ev);
}

static void rule_event(struct mitigate *m, const struct rule *r, enum mitigate_action act,
		       const char *why, __u64 now)
{
	struct mitigate_alert a = r->alert;
	struct mitigate_event ev = {
		.action = act,
		.kind = r->kind,
		.prefix = r->pfx,
		.dport = r->skey.dport,
		.proto = r->skey.proto,
		.rate_pps = r->rate_pps,
		.burst = r->burst,
		.ts_ns = now,
		.created_ns = r->created_ns,
		.expires_ns = r->expires_ns,
		.ttl_ns = r->ttl_ns,
		.hits = r->hits,
		.hit_bytes = r->hit_bytes,
		.offences = r->offences,
		.n_members = r->n_members,
		.reason = r->cls,
		.why = why,
		.alert = &a,
	};

	a.cls = r->cls;
	a.evidence = r->evidence[0] ? r->evidence : NULL;
	memcpy(ev.src, r->skey.saddr, sizeof(ev.src));
	if (m->o.mode == MITIGATE_DRY_RUN) {
		if (act == MITIGATE_ACT_INSTALL)
			ev.action = MITIGATE_ACT_WOULD_INSTALL;
		else if (act == MITIGATE_ACT_RENEW)
			ev.action = MITIGATE_ACT_WOULD_RENEW;
		else if (act == MITIGATE_ACT_REMOVE)
			ev.action = MITIGATE_ACT_WOULD_REMOVE;
	}
	emit(m, &ev);
}

/* ---- backend writes ---------------------------------------------------- */

static bool live(const struct mitigate *m)
{
	return m->o.mode == MITIGATE_ON;
}

static int backend_put(struct mitigate *m, const struct rule *r)
{
	int err;

	if (!live(m))
		return 0;
	if (r->kind == MITIGATE_RULE_DROP) {
		struct nad_rule v = {
			.created_ns = r->created_ns,
			.expires_ns = r->expires_ns,
			.hits = r->hits,
			.hit_bytes = r->hit_bytes,
			.origin = NAD_ORIGIN_AUTO,
			.reason = r->reason,
		};

		err = m->be->drop_put(m->be_ctx, &r->pfx, &v);
	} else {
		struct nad_rate v = {
			.created_ns = r->created_ns,
			.expires_ns = r->expires_ns,
			.hits = r->hits,
			.hit_bytes = r->hit_bytes,
			.rate_pps = r->rate_pps,
			.burst = r->burst,
			.origin = NAD_ORIGIN_AUTO,
			.reason = r->reason,
		};

		err = m->be->rate_put(m->be_ctx, &r->skey, &v);
	}
	if (err) {
		char buf[ADDR_PREFIX_STRLEN];

		addr_prefix_format(&r->pfx, buf, sizeof(buf));
		pr_warn("Failed to write the mitigation rule for %s (%s backend): %s\n", buf,
			m->be->name, strerror(-err));
		m->st.n_backend_errors++;
	}
	return err;
}

/*
 * Re-reads the rule's counters and expiry from the backend. Returns 0,
 * -ENOENT if it is gone, -ESRCH if it is no longer ours (an operator turned
 * it into a manual rule), or a backend error.
 */
/* Takes the backend's counters of r, if the entry it read is r's own. */
static int take_counters(struct rule *r, __u64 created_ns, __u32 origin, __u64 hits,
			 __u64 hit_bytes)
{
	/* An LPM lookup may answer with a covering prefix's rule: not ours. */
	if (created_ns != r->created_ns && origin == NAD_ORIGIN_AUTO)
		return -ENOENT;
	r->hits = hits;
	r->hit_bytes = hit_bytes;
	return origin == NAD_ORIGIN_AUTO ? 0 : -ESRCH;
}

static int backend_refresh(struct mitigate *m, struct rule *r)
{
	int err;

	if (!live(m))
		return 0;
	if (r->kind == MITIGATE_RULE_DROP) {
		struct nad_rule v;

		err = m->be->drop_get(m->be_ctx, &r->pfx, &v);
		return err ? err : take_counters(r, v.created_ns, v.origin, v.hits, v.hit_bytes);
	} else {
		struct nad_rate v;

		err = m->be->rate_get(m->be_ctx, &r->skey, &v);
		return err ? err : take_counters(r, v.created_ns, v.origin, v.hits, v.hit_bytes);
	}
}

static int backend_del(struct mitigate *m, const struct rule *r)
{
	int err;

	if (!live(m))
		return 0;
	if (r->kind == MITIGATE_RULE_DROP)
		err = m->be->drop_del(m->be_ctx, &r->pfx);
	else
		err = m->be->rate_del(m->be_ctx, &r->skey);
	if (err == -ENOENT)
		err = 0;
	if (err)
		m->st.n_backend_errors++;
	return err;
}

/* ---- rules ------------------------------------------------------------- */

static void rule_forget(struct mitigate *m, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	m->st.n_rules--;
}

/*
 * Counts a filled rule slot, writes it to the backend and reports the install. On a
 * backend failure the slot is freed again and the error returned: no phantom rule.
 */
static int rule_install(struct mitigate *m, struct rule *r, const char *why, __u64 now)
{
	int err;

	m->st.n_rules++;
	err = backend_put(m, r);
	if (err) {
		rule_forget(m, r);
		return err;
	}
	m->st.n_installed++;
	rule_event(m, r, MITIGATE_ACT_INSTALL, why, now);
	return 0;
}

/* Removes a rule from the backend and the table, reporting it. */
static int rule_remove(struct mitigate *m, struct rule *r, const char *why, __u64 now)
{
	int err;

	/* Last counters for the event; a failure here only leaves them stale. */
	if (backend_refresh(m, r) == -ESRCH) {
		rule_forget(m, r);
		return 0;
	}
	err = backend_del(m, r);
	rule_event(m, r, MITIGATE_ACT_REMOVE, why, now);
	m->st.n_removed++;
	rule_forget(m, r);
	return err;
}

static struct rule *rule_slot(struct mitigate *m)
{
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		if (!m->rules[i].used)
			return &m->rules[i];
	}
	return NULL;
}

/* The most specific drop rule covering addr, or NULL. */
static struct rule *drop_rule_covering(struct mitigate *m, const __u8 addr[16])
{
	struct rule *best = NULL;

	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		struct rule *r = &m->rules[i];

		if (r->used && r->kind == MITIGATE_RULE_DROP &&
		    addr_prefix_contains(&r->pfx, addr) && (!best || r->pfx.plen > best->pfx.plen))
			best = r;
	}
	return best;
}

static struct rule *rate_rule_find(struct mitigate *m, const struct nad_rate_key *k)
{
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		struct rule *r = &m->rules[i];

		if (r->used && r->kind == MITIGATE_RULE_RATE && !memcmp(&r->skey, k, sizeof(*k)))
			return r;
	}
	return NULL;
}

static __u64 renew_interval(const struct mitigate *m, const struct rule *r)
{
	return m->o.renew_interval_ns ? m->o.renew_interval_ns : r->ttl_ns / 4;
}

static struct offender *offender_find(struct mitigate *m, const struct addr_prefix *p)
{
	for (__u32 i = 0; i < m->n_offenders; i++) {
		if (addr_prefix_equal(&m->offenders[i].pfx, p))
			return &m->offenders[i];
	}
	return NULL;
}

static void offender_touch(struct mitigate *m, const struct addr_prefix *p, __u64 now)
{
	struct offender *o = offender_find(m, p);

	if (o)
		o->last_ns = now;
}

/*
 * Records a new offence of p and returns its TTL: the base TTL doubled per
 * earlier offence still remembered, capped.
 */
static __u64 offence_ttl(struct mitigate *m, const struct addr_prefix *p, __u64 now,
			 __u32 *offences)
{
	struct offender *o = offender_find(m, p);
	__u64 ttl = m->o.ttl_ns;

	if (o && now - o->last_ns > m->o.offender_memory_ns)
		o->offences = 0;
	if (!o) {
		if (m->n_offenders < m->n_offenders_cap) {
			o = &m->offenders[m->n_offenders++];
		} else {
			/* Full: reuse the one least recently seen. */
			o = &m->offenders[0];
			for (__u32 i = 1; i < m->n_offenders; i++) {
				if (m->offenders[i].last_ns < o->last_ns)
					o = &m->offenders[i];
			}
			m->st.n_offenders_evicted++;
		}
		o->pfx = *p;
		o->offences = 0;
	}
	o->offences++;
	o->last_ns = now;
	for (__u32 i = 1; i < o->offences && ttl < m->o.ttl_max_ns; i++)
		ttl *= 2;
	if (ttl > m->o.ttl_max_ns)
		ttl = m->o.ttl_max_ns;
	*offences = o->offences;
	return ttl;
}

/* The new-rule token bucket (GCRA). Takes a token if there is one. */
static bool take_token(struct mitigate *m, __u64 now)
{
	__u64 interval, tat;

	if (!m->o.new_rules_per_s)
		return true;
	interval = NS_PER_S / m->o.new_rules_per_s;
	tat = m->bucket_tat_ns > now ? m->bucket_tat_ns : now;
	if (tat - now + interval > (__u64)m->o.new_rules_burst * interval)
		return false;
	m->bucket_tat_ns = tat + interval;
	return true;
}

/* Room for one more rule, within both caps? Counts and reports a refusal. */
static bool may_add(struct mitigate *m, __u64 now, const char *what)
{
	if (m->st.n_rules >= m->o.max_rules) {
		m->st.n_skip_cap++;
		if (!m->last_cap_warn_ns || now - m->last_cap_warn_ns >= 10 * NS_PER_S) {
			pr_warn("mitigation: rule cap (%u) reached, not blocking %s\n",
				m->o.max_rules, what);
			m->last_cap_warn_ns = now;
		}
		return false;
	}
	if (!take_token(m, now)) {
		m->st.n_skip_rate++;
		pr_debug("mitigation: new-rule rate cap, not blocking %s\n", what);
		return false;
	}
	return true;
}

/* Keeps a copy of the alert behind a rule (the last one seen), its evidence included. */
static void rule_take_alert(struct rule *r, const struct mitigate_alert *a)
{
	r->alert = *a;
	r->alert.cls = NULL;
	r->alert.evidence = NULL;
	snprintf(r->evidence, sizeof(r->evidence), "%s", a->evidence ? a->evidence : "");
}

static void rule_fill(struct rule *r, const struct mitigate_alert *a, __u64 now, __u64 ttl)
{
	r->used = true;
	r->created_ns = now;
	r->ttl_ns = ttl;
	r->expires_ns = now + ttl;
	r->last_renew_ns = now;
	r->last_check_ns = now;
	r->reason = a->class_id;
	snprintf(r->cls, sizeof(r->cls), "%s", a->cls);
	rule_take_alert(r, a);
}

static int rule_renew(struct mitigate *m, struct rule *r, const struct mitigate_alert *a,
		      const char *why, __u64 now)
{
	int err;

	if (now - r->last_renew_ns < renew_interval(m, r))
		return 0;
	err = backend_refresh(m, r);
	if (err == -ENOENT || err == -ESRCH) {
		/* Deleted or taken over by the operator: theirs now. */
		rule_forget(m, r);
		return 0;
	}
	r->expires_ns = now + r->ttl_ns;
	r->last_renew_ns = now;
	if (a)
		rule_take_alert(r, a);
	if (r->kind == MITIGATE_RULE_DROP)
		offender_touch(m, &r->pfx, now);
	err = backend_put(m, r);
	rule_event(m, r, MITIGATE_ACT_RENEW, why, now);
	m->st.n_renewed++;
	return err;
}

/* ---- allowlist --------------------------------------------------------- */

static const struct allow *allow_find(const struct mitigate *m, const __u8 addr[16])
{
	for (__u32 i = 0; i < m->n_allow; i++) {
		if (addr_prefix_contains(&m->allow[i].pfx, addr))
			return &m->allow[i];
	}
	return NULL;
}

static bool allow_overlaps(const struct mitigate *m, const struct addr_prefix *p)
{
	for (__u32 i = 0; i < m->n_allow; i++) {
		if (addr_prefix_overlaps(&m->allow[i].pfx, p))
			return true;
	}
	return false;
}

bool mitigate_allowed(const struct mitigate *m, const __u8 addr[16], const char **origin)
{
	const struct allow *a = allow_find(m, addr);

	if (a && origin)
		*origin = a->origin;
	return a;
}

int mitigate_allow_add(struct mitigate *m, const struct addr_prefix *p, const char *origin)
{
	struct addr_prefix n = *p;
	struct allow *a;
	int err = 0;

	if (!m || !p || p->plen > 128)
		return -EINVAL;
	addr_prefix_normalize(&n);
	for (__u32 i = 0; i < m->n_allow; i++) {
		if (addr_prefix_equal(&m->allow[i].pfx, &n))
			return 0;
	}
	if (m->n_allow >= NAD_ALLOW_ENTRIES) {
		m->st.n_allow_full++;
		return -ENOSPC;
	}
	a = &m->allow[m->n_allow];
	memset(a, 0, sizeof(*a));
	a->pfx = n;
	snprintf(a->origin, sizeof(a->origin), "%s", origin ? origin : "config");
	if (live(m)) {
		err = m->be->allow_add(m->be_ctx, &n);
		if (err == -EEXIST) {
			err = 0;
		} else if (err) {
			char buf[ADDR_PREFIX_STRLEN];

			addr_prefix_format(&n, buf, sizeof(buf));
			pr_warn("Failed to add %s to the allowlist map: %s\n", buf, strerror(-err));
			return err;
		} else {
			a->owned = true;
		}
	}
	m->n_allow++;
	m->st.n_allow = m->n_allow;
	/* A rule installed before its allowlist entry must not outlive it. */
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		struct rule *r = &m->rules[i];

		if (r->used && r->kind == MITIGATE_RULE_DROP && addr_prefix_overlaps(&r->pfx, &n))
			rule_remove(m, r, "allowlisted", r->last_check_ns);
	}
	return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

static int opts_check(const struct mitigate_opts *o, const struct mitigate_ops *be)
{
	if (o->mode != MITIGATE_OFF && o->mode != MITIGATE_DRY_RUN && o->mode != MITIGATE_ON)
		return -EINVAL;
	if (o->mode == MITIGATE_ON &&
	    (!be || !be->drop_put || !be->drop_get || !be->drop_del || !be->allow_add ||
	     !be->allow_del || !be->rate_put || !be->rate_get || !be->rate_del))
		return -EINVAL;
	if (!o->ttl_ns || o->ttl_max_ns < o->ttl_ns || !o->max_rules || o->max_rules > 1u << 20)
		return -EINVAL;
	if (o->agg_plen4 > 32 || o->agg_plen6 > 128 || !o->rate_pps || !o->rate_burst || !o->n_cpus)
		return -EINVAL;
	if (o->new_rules_per_s && (!o->new_rules_burst || o->new_rules_per_s > NS_PER_S))
		return -EINVAL;
	if (!(o->excessive_critical_pps >= 0) || !(o->spoof_max_src_pps >= 0) ||
	    !(o->excessive_max_answered >= 0))
		return -EINVAL; /* also rejects NaN */
	return 0;
}

struct mitigate *mitigate_new(const struct mitigate_opts *opts, const struct mitigate_ops *backend,
			      void *backend_ctx)
{
	static const __u8 lo6[16] = { [15] = 1 };
	struct addr_prefix lo4 = { .plen = 96 + 8 };
	struct mitigate *m = NULL;
	int err;

	err = opts ? opts_check(opts, backend) : -EINVAL;
	if (err)
		goto fail;
	err = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->o = *opts;
	m->be = backend;
	m->be_ctx = backend_ctx;
	m->n_rules_cap = opts->max_rules;
	m->rules = calloc(m->n_rules_cap, sizeof(*m->rules));
	m->n_offenders_cap = 4 * opts->max_rules;
	m->offenders = calloc(m->n_offenders_cap, sizeof(*m->offenders));
	if (!m->rules || !m->offenders)
		goto fail;

	addr_from_v4(lo4.addr, (const __u8[4]){ 127 });
	err = mitigate_allow_add(m, &lo4, "loopback");
	if (!err) {
		struct addr_prefix p;

		addr_prefix_host(&p, lo6);
		err = mitigate_allow_add(m, &p, "loopback");
	}
	if (err)
		goto fail;
	return m;
fail:
	mitigate_free(m);
	errno = -err;
	return NULL;
}

void mitigate_free(struct mitigate *m)
{
	if (!m)
		return;
	if (m->rules && !m->o.keep_rules) {
		struct timespec ts;
		__u64 now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
		for (__u32 i = 0; i < m->n_rules_cap; i++) {
			struct rule *r = &m->rules[i];

			if (r->used)
				rule_remove(m, r, "shutdown",
					    now > r->last_check_ns ? now : r->last_check_ns);
		}
		for (__u32 i = 0; live(m) && i < m->n_allow; i++) {
			if (m->allow[i].owned)
				m->be->allow_del(m->be_ctx, &m->allow[i].pfx);
		}
	}
	free(m->rules);
	free(m->offenders);
	free(m);
}

void mitigate_get_stats(const struct mitigate *m, struct mitigate_stats *out)
{
	*out = m->st;
}

size_t mitigate_tables(const struct mitigate *m, struct limit_table *out, size_t max)
{
	__u32 n_targets = 0;

	for (int i = 0; i < N_TARGETS; i++)
		n_targets += m->targets[i].used;
	const struct limit_table t[] = {
		{ "rules", m->n_rules_cap, m->st.n_rules, 0, m->st.n_skip_cap,
		  (uint64_t)m->n_rules_cap * sizeof(struct rule) },
		{ "offenders", m->n_offenders_cap, m->n_offenders, m->st.n_offenders_evicted, 0,
		  (uint64_t)m->n_offenders_cap * sizeof(struct offender) },
		{ "flood_targets", N_TARGETS, n_targets, m->st.n_targets_evicted, 0,
		  sizeof(m->targets) },
		{ "allowlist", NAD_ALLOW_ENTRIES, m->n_allow, 0, m->st.n_allow_full,
		  sizeof(m->allow) },
	};
	size_t n = sizeof(t) / sizeof(t[0]) < max ? sizeof(t) / sizeof(t[0]) : max;

	memcpy(out, t, n * sizeof(t[0]));
	return n;
}

/* ---- alerts ------------------------------------------------------------ */

/* What an alert may lead to. */
enum want {
	WANT_NOTHING = 0,
	WANT_DOS, /* a critical dos_attack */
	WANT_EXCESSIVE, /* unanswered excessive_traffic far above the rest */
};

static enum want qualifies(const struct mitigate *m, const struct mitigate_alert *a)
{
	if (!strcmp(a->cls, "dos_attack"))
		return a->severity >= SEV_CRITICAL ? WANT_DOS : WANT_NOTHING;
	if (!strcmp(a->cls, "excessive_traffic") && m->o.excessive_critical_pps > 0 &&
	    a->src_pps >= m->o.excessive_critical_pps &&
	    a->flood.answered_share < m->o.excessive_max_answered)
		return WANT_EXCESSIVE;
	return WANT_NOTHING;
}

/* The alert's latest packet on the record clock, the clock of its flood's times. */
static __u64 record_ns(const struct mitigate_alert *a)
{
	return a->last_ns ? a->last_ns : a->ts_ns;
}

/* Has a flood held since since_ns (0: it does not hold) for hold_ns at the alert? */
static bool held(const struct mitigate *m, const struct mitigate_alert *a, __u64 since_ns)
{
	__u64 t = record_ns(a);

	return since_ns && since_ns <= t && t - since_ns >= m->o.hold_ns;
}

/* Was a request of the source answered within trust_ns (a real client)? */
static bool trusted(const struct mitigate *m, const struct mitigate_alert *a)
{
	__u64 t = record_ns(a), answered = a->flood.answered_last_ns;

	return m->o.trust_ns && answered && (answered >= t || t - answered <= m->o.trust_ns);
}

/*
 * Reports a skip of the alert's source for why (an allowlist origin, "trusted"), unless
 * one was reported for the same source and reason within NOTE_NS: a flood's updates
 * come every few milliseconds.
 */
static void skip(struct mitigate *m, const struct mitigate_alert *a, const char *why, __u64 now)
{
	struct note *n = NULL, *oldest = &m->notes[0];
	struct mitigate_event ev = {
		.action = MITIGATE_ACT_SKIP,
		.ts_ns = now,
		.reason = a->cls,
		.why = why,
		.alert = a,
	};

	for (int i = 0; i < N_NOTES && !n; i++) {
		struct note *c = &m->notes[i];

		if (c->last_ns && !memcmp(c->addr, a->src, 16) && !strcmp(c->why, why))
			n = c;
		else if (c->last_ns < oldest->last_ns)
			oldest = c;
	}
	if (n && now >= n->last_ns && now - n->last_ns < NOTE_NS)
		return;
	if (!n) {
		n = oldest;
		memcpy(n->addr, a->src, 16);
		snprintf(n->why, sizeof(n->why), "%s", why);
	}
	n->last_ns = now ? now : 1;
	addr_prefix_host(&ev.prefix, a->src);
	emit(m, &ev);
}

static __u32 fnv1a(const __u8 *p, size_t n)
{
	__u32 h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The aggregate key of the alert's destination: any source. */
static void target_key(struct nad_rate_key *k, const struct mitigate_alert *a)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->daddr, a->dst, 16);
	k->proto = a->proto;
	/* ICMP has no port; the kernel keys ICMP with port 0 as well. */
	k->dport = (a->proto == IPPROTO_ICMP || a->proto == IPPROTO_ICMPV6) ? 0 : a->dport;
}

/*
 * Counts the alert's source toward its destination (only low-rate ones: a
 * real source sending a lot deserves its own rule) and says whether the flood
 * looks spoofed or widely distributed; *since_ns is when it began to (0: it
 * does not hold now).
 */
static bool spoofed(struct mitigate *m, const struct mitigate_alert *a,
		    const struct nad_rate_key *k, __u64 now, __u64 *since_ns)
{
	struct target *t = NULL, *oldest = NULL;
	unsigned distinct = 0;
	__u32 h;

	*since_ns = a->flood.flood_since_ns;
	if (a->by_destination)
		return true;
	if (a->n_sources >= m->o.spoof_min_sources && a->n_sources &&
	    a->dst_pps / a->n_sources <= m->o.spoof_max_src_pps)
		return true;
	if (a->src_pps > m->o.spoof_max_src_pps)
		return false;
	for (int i = 0; i < N_TARGETS && !t; i++) {
		struct target *c = &m->targets[i];

		if (c->used && !memcmp(&c->key, k, sizeof(*k)))
			t = c;
		/* A free slot first, else the destination quiet for longest. */
		else if (!oldest || (oldest->used && (!c->used || c->last_ns < oldest->last_ns)))
			oldest = c;
	}
	if (t && now - t->last_ns > m->o.spoof_window_ns)
		t->first_ns = now; /* quiet for a window: a new flood */
	if (!t) {
		t = oldest;
		if (t->used)
			m->st.n_targets_evicted++;
		memset(t, 0, sizeof(*t));
		t->used = true;
		t->key = *k;
		t->window_start_ns = t->first_ns = now;
	}
	if (now - t->window_start_ns > m->o.spoof_window_ns) {
		memset(t->bits, 0, sizeof(t->bits));
		t->window_start_ns = now;
	}
	t->last_ns = now;
	h = fnv1a(a->src, 16) % TARGET_BITS;
	t->bits[h / 64] |= 1ULL << (h % 64);
	for (int i = 0; i < TARGET_BITS / 64; i++)
		distinct += (unsigned)__builtin_popcountll(t->bits[i]);
	/* Many sources one alert each: the flood is as old as the alerts about it. */
	*since_ns = t->first_ns;
	return distinct >= m->o.spoof_min_sources;
}

/*
 * Frees the host rules made for low-rate sources of the aggregate rule k's flood before
 * it was recognised: useless, spoofed sources do not come back.
 */
static void drop_spoofed_hosts(struct mitigate *m, const struct nad_rate_key *k, __u64 now)
{
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		struct rule *h = &m->rules[i];
		struct nad_rate_key hk;

		if (!h->used || h->kind != MITIGATE_RULE_DROP || h->pfx.plen != 128 ||
		    h->alert.src_pps > m->o.spoof_max_src_pps)
			continue;
		target_key(&hk, &h->alert);
		if (!memcmp(&hk, k, sizeof(hk)))
			rule_remove(m, h, "spoofed_flood", now);
	}
}

/*
 * Installs (or renews) the rate rule k: an aggregate one (any source, opts.rate_pps),
 * or a signature one (k.saddr set: one source's flood, held to the flood's threshold).
 */
static int rate_rule(struct mitigate *m, const struct mitigate_alert *a,
		     const struct nad_rate_key *k, __u64 now)
{
	bool sig = !addr_is_zero(k->saddr);
	struct rule *r = rate_rule_find(m, k);
	char what[ADDR_PREFIX_STRLEN];
	struct addr_prefix dst;
	double budget;
	int err;

	if (r)
		return rule_renew(m, r, a, "alert", now);
	addr_prefix_host(&dst, a->dst);
	addr_prefix_format(&dst, what, sizeof(what));
	if (!may_add(m, now, what))
		return 0;
	r = rule_slot(m);
	if (!r)
		return 0;
	/*
	 * No escalation: the key is the victim (or a source with real sessions), not an
	 * offender, and the budget lets legitimate requests through anyway.
	 */
	rule_fill(r, a, now, m->o.ttl_ns);
	r->kind = MITIGATE_RULE_RATE;
	r->pfx = dst;
	r->skey = *k;
	r->offences = 1;
	/* The budget is per CPU in the kernel: split it, rounding up. */
	budget = sig && a->flood.threshold_pps >= 1 && a->flood.threshold_pps < 1e9 ?
			 a->flood.threshold_pps :
			 m->o.rate_pps;
	r->rate_pps = (__u32)((budget + m->o.n_cpus - 1) / m->o.n_cpus);
	r->burst = m->o.rate_burst;
	err = rule_install(m, r, sig ? "signature" : "spoofed_flood", now);
	if (err)
		return err;
	if (sig) {
		m->st.n_sig_rules++;
		return 0;
	}
	m->st.n_rate_rules++;
	drop_spoofed_hosts(m, k, now);
	return 0;
}

/*
 * A flood from a source answered within the trust window: never a drop rule; a signature
 * rate rule on its flood packets to the destination, or nothing (a skip) when no rate rule
 * can hold them (excessive traffic, packets of no flood kind).
 */
static int trusted_flood(struct mitigate *m, const struct mitigate_alert *a, enum want want,
			 __u64 now)
{
	bool sustained = held(m, a, a->flood.flood_since_ns);
	struct nad_rate_key k = { 0 };

	if (want != WANT_DOS || a->flood.kind == FLOOD_NONE) {
		m->st.n_skip_trusted++;
		if (sustained)
			skip(m, a, "trusted", now);
		return 0;
	}
	memcpy(k.daddr, a->dst, 16);
	memcpy(k.saddr, a->src, 16);
	k.proto = a->flood.proto;
	k.dport = a->flood.kind == FLOOD_ECHO ? 0 : a->flood.dport;
	if (!sustained && !rate_rule_find(m, &k)) {
		m->st.n_wait_hold++;
		return 0;
	}
	return rate_rule(m, a, &k, now);
}

/* Was a source inside p answered within trust_ns of now (opts.answered_in)? */
static bool answered_inside(const struct mitigate *m, const struct addr_prefix *p, __u64 now)
{
	__u64 t = m->o.trust_ns;

	return t && m->o.answered_in &&
	       m->o.answered_in(m->o.answered_ctx, p, now > t ? now - t : 0);
}

/*
 * Replaces the host rules inside src's aggregation prefix by one prefix rule
 * once there are enough of them. Returns 1 if it did (src is covered), 0 if
 * not, or a negative errno.
 */
static int try_aggregate(struct mitigate *m, const struct mitigate_alert *a, __u64 now)
{
	struct addr_prefix agg;
	struct rule *r;
	__u32 n = 0, offences;
	__u64 ttl;
	int err;

	if (!m->o.agg_min_sources)
		return 0;
	addr_prefix_host(&agg, a->src);
	agg.plen = addr_prefix_is_v4(&agg) ? 96 + m->o.agg_plen4 : m->o.agg_plen6;
	addr_prefix_normalize(&agg);
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		r = &m->rules[i];
		if (r->used && r->kind == MITIGATE_RULE_DROP && r->pfx.plen == 128 &&
		    addr_prefix_contains(&agg, r->pfx.addr))
			n++;
	}
	/* The new source counts too. */
	if (n + 1 < m->o.agg_min_sources || allow_overlaps(m, &agg))
		return 0;
	if (answered_inside(m, &agg, now)) {
		m->st.n_agg_answered++;
		return 0;
	}
	if (!take_token(m, now)) {
		m->st.n_skip_rate++;
		return 0;
	}
	/* Fits: it replaces n >= 1 rules. */
	r = rule_slot(m);
	if (!r)
		return 0;
	ttl = offence_ttl(m, &agg, now, &offences);
	rule_fill(r, a, now, ttl);
	r->kind = MITIGATE_RULE_DROP;
	r->pfx = agg;
	r->offences = offences;
	r->n_members = n + 1;
	err = rule_install(m, r, "aggregate", now);
	if (err)
		return err;
	m->st.n_aggregated++;
	/* The prefix rule is in place before its members go: no gap. */
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		struct rule *h = &m->rules[i];

		if (h != r && h->used && h->kind == MITIGATE_RULE_DROP && h->pfx.plen == 128 &&
		    addr_prefix_contains(&agg, h->pfx.addr))
			rule_remove(m, h, "aggregated", now);
	}
	return 1;
}

int mitigate_on_alert(struct mitigate *m, const struct mitigate_alert *a)
{
	char what[ADDR_PREFIX_STRLEN];
	struct addr_prefix src;
	struct nad_rate_key k;
	const char *origin;
	__u64 now = a->ts_ns, since;
	enum want want;
	__u32 offences;
	struct rule *r;
	int agg;

	m->st.n_alerts++;
	if (m->o.mode == MITIGATE_OFF || !a->cls)
		return 0;
	want = qualifies(m, a);
	if (!want)
		return 0;
	m->st.n_qualifying++;

	/* New rules need a sustained flood; rules in force are renewed by any alert. */
	target_key(&k, a);
	if (spoofed(m, a, &k, now, &since)) {
		if (!held(m, a, since) && !rate_rule_find(m, &k)) {
			m->st.n_wait_hold++;
			return 0;
		}
		return rate_rule(m, a, &k, now);
	}
	if (mitigate_allowed(m, a->src, &origin)) {
		m->st.n_skip_allow++;
		skip(m, a, origin, now);
		return 0;
	}
	if (trusted(m, a))
		return trusted_flood(m, a, want, now);
	r = drop_rule_covering(m, a->src);
	if (r)
		return rule_renew(m, r, a, "alert", now);
	if (a->src_pps <= m->o.spoof_max_src_pps && rate_rule_find(m, &k)) {
		/* A low-rate source of a flood the rate rule already handles. */
		m->st.n_skip_spoofed++;
		return 0;
	}
	if (!held(m, a, a->flood.flood_since_ns)) {
		m->st.n_wait_hold++;
		return 0;
	}
	agg = try_aggregate(m, a, now);
	if (agg)
		return agg < 0 ? agg : 0;

	addr_prefix_host(&src, a->src);
	addr_prefix_format(&src, what, sizeof(what));
	if (!may_add(m, now, what))
		return 0;
	r = rule_slot(m);
	if (!r)
		return 0;
	rule_fill(r, a, now, offence_ttl(m, &src, now, &offences));
	r->kind = MITIGATE_RULE_DROP;
	r->pfx = src;
	r->offences = offences;
	return rule_install(m, r, a->cls, now);
}

bool mitigate_alert_of(const struct alert_event *ev, __u64 now_ns, struct mitigate_alert *a)
{
	/* An episode's start, then its updates while the flood goes on (detect/alert.h). */
	if (ev->closing || (strcmp(ev->event_type, "anomaly") && !ev->update))
		return false;
	memset(a, 0, sizeof(*a));
	a->cls = names_class(ev->cls);
	a->class_id = ev->cls;
	a->severity = names_class_severity(ev->cls);
	a->sport = ev->sport;
	a->dport = ev->dport;
	a->proto = ev->proto;
	/* The decision is taken now: a rule's clock (created, expiry) starts at install. */
	a->ts_ns = ev->last_ns > now_ns ? ev->last_ns : now_ns;
	memcpy(a->src, ev->saddr, 16);
	memcpy(a->dst, ev->daddr, 16);
	a->by_destination = ev->by_destination;
	a->src_pps = ev->src_pps;
	a->dst_pps = ev->dst_pps;
	a->n_sources = ev->n_sources;
	a->last_ns = ev->last_ns;
	a->flood = ev->flood;
	a->evidence = ev->evidence;
	return true;
}

int mitigate_adopt_drop(struct mitigate *m, const struct addr_prefix *p, const struct nad_rule *v,
			__u64 now)
{
	struct rule *r;

	if (m->o.mode != MITIGATE_ON || !live(m))
		return -EOPNOTSUPP;
	if (v->origin != NAD_ORIGIN_AUTO || !v->expires_ns || v->expires_ns <= now ||
	    p->plen > 128 || (addr_prefix_is_v4(p) && p->plen < 96))
		return -EINVAL;
	if (m->st.n_rules >= m->o.max_rules)
		return -ENOSPC;
	r = rule_slot(m);
	if (!r)
		return -ENOSPC;
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->kind = MITIGATE_RULE_DROP;
	r->pfx = *p;
	r->created_ns = v->created_ns;
	r->expires_ns = v->expires_ns;
	r->ttl_ns = m->o.ttl_ns;
	r->last_renew_ns = now;
	r->last_check_ns = now;
	r->hits = v->hits;
	r->hit_bytes = v->hit_bytes;
	r->offences = 1;
	r->reason = v->reason;
	memcpy(r->alert.src, p->addr, sizeof(r->alert.src));
	r->alert.severity = SEV_CRITICAL;
	snprintf(r->cls, sizeof(r->cls), "kept");
	m->st.n_rules++;
	return 0;
}

int mitigate_tick(struct mitigate *m, __u64 now)
{
	int ret = 0;

	if (m->o.mode == MITIGATE_OFF)
		return 0;
	for (__u32 i = 0; i < m->n_rules_cap; i++) {
		struct rule *r = &m->rules[i];
		__u64 prev_hits = r->hits, dt;
		int err;

		if (!r->used)
			continue;
		err = backend_refresh(m, r);
		if (err == -ENOENT || err == -ESRCH) {
			/* Deleted or taken over by the operator: theirs now. */
			rule_forget(m, r);
			continue;
		}
		if (err) {
			m->st.n_backend_errors++;
			ret = ret ? ret : err;
			continue;
		}
		dt = now > r->last_check_ns ? now - r->last_check_ns : 0;
		if (now >= r->expires_ns) {
			err = rule_remove(m, r, "expired", now);
			ret = ret ? ret : err;
			continue;
		}
		/* hits/dt >= renew_min_pps, without division. */
		if (dt && r->hits > prev_hits && m->o.renew_min_pps &&
		    (r->hits - prev_hits) * NS_PER_S >= (__u64)m->o.renew_min_pps * dt) {
			err = rule_renew(m, r, NULL, "hits", now);
			ret = ret ? ret : err;
		}
		if (r->used)
			r->last_check_ns = now;
	}
	return ret;
}
