// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/engine.c - the detection engine: a record's way from the trackers to its episode
 * (contract in engine.h).
 *
 *   stage     the record clock (ticks), counters, the context and the model vector
 *             (features/vector.h tracks in features/context.h)
 *   score     the models, over a batch of staged records (score_staged)
 *   conclude  the criteria (criteria.h), the class (classify.h) and the info gate, the
 *             adaptive thresholds, the retraining feed, the episode (detect/alert.h)
 *             and the campaign sample (campaign.h)
 *   tick      the end of the warm-up (profile.h), thresholds, episode expiry, campaigns
 *             every 5 s, summaries, retraining
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "detect/campaign.h"
#include "detect/criteria.h"
#include "detect/engine.h"
#include "features/context.h"
#include "features/sketch.h"
#include "features/vector.h"
#include "ml/scaler.h"

#define WARMUP_NS 60000000000ull
#define WARMUP_PKTS 5000
#define TICK_NS 1000000000ull
#define DRAIN_NS 2000000000ull /* engine_finish: past the flow table's answer timeout */
#define INFO_SIGS 8
#define RUN_GAP_NS 100000000ull /* a pause that ends a source's run of requests */
#define SCANNED_NS 300000000000ull /* src_scanned for 5 min after a scanning alert */

/* What the engine keeps about a source beside its trackers (by context slot). */
struct src_notes {
	uint64_t scanned_until; /* classified scanning: src_scanned until then */
	double pass_rate; /* EWMA (alpha 0.02) of score >= threshold for this source */
	uint32_t info_sig[INFO_SIGS]; /* signatures of its reported info anomalies, LRU */
	uint8_t info_sig_n, info_sig_i;
	/* since when its flood condition has held toward flood_dh (a destination's
	 * sketch_addr_hash) without a break; 0: it does not hold (follow_flood) */
	uint64_t flood_since_ns;
	uint32_t flood_dh;
	/* its current run of requests (flow_obs.request, unsolicited): first and last, a
	 * gap of RUN_GAP_NS ends a run */
	uint64_t run_start_ns, run_last_ns;
	/* the flood's signature: of its first packet a rate rule can hold (kind not NONE) */
	uint16_t flood_dport;
	uint8_t flood_proto;
	enum flood_kind flood_kind;
};

/* One record between tracking and classification (see engine_process_batch). */
struct pending {
	struct nad_rec r;
	struct context_figures fig; /* what the trackers knew then */
	float vec[VECTOR_DIM];
	float ae, ifs;
};

struct engine {
	struct engine_opts o;
	struct modelswap *hold;
	struct retrain *retrain;
	int slot;
	struct modelset_scratch *scratch;
	uint64_t scratch_gen;
	struct alert *alert;
	struct vectorizer *vz; /* tracks in ctx */
	struct context *ctx;
	struct src_notes *notes; /* CONTEXT_SRC_SLOTS */
	float vec[VECTOR_DIM];
	unsigned last_criteria;
	struct criteria_protocols protos; /* rare_protocol's memory */
	struct criteria_threshold hist, iot_hist; /* adaptive thresholds: all, IoT sources */
	struct profile_pick prof;
	bool warm; /* the warm-up is over */
	/* clock */
	bool started;
	uint64_t start_ns, now_ns, next_tick, next_summary, n_pkts;
	uint64_t int_pkts[NAD_N_DIRS], int_bytes[NAD_N_DIRS];
	struct campaign *camp;
	/* last model thresholds, for summaries */
	bool have_model;
	float ae_thr, ae_ext, if_thr;
	struct nad_stats kernel;
	bool have_kernel;
	/* batches (engine_process_batch) */
	struct pending *pend;
	float *batch_X, *batch_ae, *batch_if;
	/* the caller's bounded tables, for summaries (engine_set_tables_source) */
	engine_tables_fn tables_fn;
	void *tables_ctx;
};

void engine_opts_default(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = PROFILE_AUTO;
	o->summary_interval_s = 30;
	o->campaign_window_s = 60;
	o->alert.idle_s = 10;
}

static void campaign_scale(void *ctx, float *X, size_t n)
{
	struct engine *e = ctx;
	const struct modelset *m = NULL;

	if (e->hold)
		m = modelswap_acquire(e->hold, e->slot, NULL);
	if (m)
		scaler_transform(modelset_scaler(m), X, n, X);
	if (e->hold)
		modelswap_release(e->hold, e->slot);
}

static int64_t campaign_of(void *ctx, uint64_t episode)
{
	return alert_episode_campaign(((struct engine *)ctx)->alert, episode);
}

static void set_campaign(void *ctx, uint64_t episode, int64_t campaign)
{
	alert_set_campaign(((struct engine *)ctx)->alert, episode, campaign);
}

/* The model's scratch and the campaigns' DBSCAN options (the model's, if there is one). */
static int attach_model(struct engine *e)
{
	struct campaign_ops ops = { .scale = campaign_scale,
				    .campaign_of = campaign_of,
				    .set_campaign = set_campaign,
				    .ctx = e };
	const struct modelset *m = NULL;

	if (e->hold) {
		e->slot = modelswap_reader_add(e->hold);
		if (e->slot < 0)
			return -ENOSPC;
		m = modelswap_acquire(e->hold, e->slot, &e->scratch_gen);
	}
	if (m)
		e->scratch = modelset_scratch_new(m);
	e->camp = campaign_new(m ? modelset_dbscan_opts(m) : NULL, &ops);
	if (e->hold)
		modelswap_release(e->hold, e->slot);
	return (m && !e->scratch) || !e->camp ? -ENOMEM : 0;
}

/* A source in an open critical or warning episode does not teach the baselines. */
static bool may_learn(void *ctx, const __u8 addr[16])
{
	const struct engine *e = ctx;

	return !e->alert || !alert_source_in_episode(e->alert, addr);
}

struct engine *engine_new(const struct engine_opts *o, struct modelswap *hold,
			  struct retrain *retrain)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct context_opts copts;
	int err = -ENOMEM;

	if (!e)
		return NULL;
	e->o = *o;
	e->slot = -1;
	e->hold = hold;
	e->retrain = retrain;
	profile_pick_init(&e->prof, o->profile);
	criteria_threshold_init(&e->hist, e->prof.profile->sensitivity);
	criteria_threshold_init(&e->iot_hist, e->prof.profile->sensitivity);
	context_opts_default(&copts);
	copts.home = o->home;
	copts.baseline = o->baseline;
	copts.learn = may_learn;
	copts.learn_ctx = e;
	e->ctx = context_new(&copts);
	e->notes = calloc(CONTEXT_SRC_SLOTS, sizeof(*e->notes));
	e->vz = e->ctx ? vectorizer_new(e->ctx) : NULL;
	e->pend = calloc(ENGINE_BATCH, sizeof(*e->pend));
	e->batch_X = calloc((size_t)ENGINE_BATCH * VECTOR_DIM, sizeof(float));
	e->batch_ae = calloc(ENGINE_BATCH, sizeof(float));
	e->batch_if = calloc(ENGINE_BATCH, sizeof(float));
	if (!e->ctx || !e->notes || !e->vz || !e->pend || !e->batch_X || !e->batch_ae ||
	    !e->batch_if)
		goto fail;
	err = attach_model(e);
	if (err)
		goto fail;
	e->alert = alert_new(&o->alert);
	if (!e->alert) {
		err = -errno;
		goto fail;
	}
	return e;
fail:
	engine_free(e);
	errno = -err;
	return NULL;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	alert_free(e->alert);
	modelset_scratch_free(e->scratch);
	vectorizer_free(e->vz);
	campaign_free(e->camp);
	context_free(e->ctx); /* after the vectorizer that tracks in it */
	free(e->notes);
	free(e->pend);
	free(e->batch_X);
	free(e->batch_ae);
	free(e->batch_if);
	free(e);
}

void engine_set_observer(struct engine *e, alert_event_fn fn, void *ctx)
{
	alert_set_observer(e->alert, fn, ctx);
}

/*
 * Tracks rec in the context (figures into *f) and writes the model vector into e->vec;
 * the source's notes restart with a new slot.
 */
static void track(struct engine *e, const struct nad_rec *r, struct context_figures *f)
{
	vectorizer_next(e->vz, r, e->vec, f);
	if (f->src_slot_new)
		memset(&e->notes[f->src_slot], 0, sizeof(e->notes[0]));
	profile_pick_count(&e->prof, f->dst_home, f->dst_hash);
}

/*
 * A device's own recurring pattern is its baseline: an info anomaly whose signature
 * (peer, protocol, size to a power of two) this source already showed is the same
 * behaviour again (an IoT keep-alive every minute, a nightly sync), not a new deviation.
 * The first one is reported and remembered (LRU of INFO_SIGS per source); ports are left
 * out because clients pick a new ephemeral port per connection.
 */
static bool info_recurring(struct src_notes *s, const struct nad_rec *r,
			   const struct context_figures *f)
{
	uint32_t sig =
		sketch_mix(f->dst_hash ^ (uint32_t)r->ip_proto << 24 ^ (uint32_t)r->eth_proto << 8 ^
			   (uint32_t)(32 - __builtin_clz(r->wire_bytes | 1)));

	for (unsigned i = 0; i < s->info_sig_n; i++) {
		if (s->info_sig[i] == sig)
			return true;
	}
	s->info_sig[s->info_sig_i] = sig;
	s->info_sig_i = (s->info_sig_i + 1) % INFO_SIGS;
	if (s->info_sig_n < INFO_SIGS)
		s->info_sig_n++;
	return false;
}

/* The warm-up is over: the baseline is learnt, the profile inferred. */
static void end_warmup(struct engine *e)
{
	e->warm = true;
	context_end_warmup(e->ctx, e->start_ns + WARMUP_NS / 2);
	profile_pick_infer(&e->prof);
}

static void summary(struct engine *e)
{
	struct alert_summary s = { 0 };
	struct context_talker top[5];
	const struct campaign_group *groups;

	s.now_ns = e->now_ns;
	s.interval_s = e->o.summary_interval_s;
	s.profile = e->prof.profile->name;
	s.profile_inferred = e->prof.inferred;
	memcpy(s.pkts, e->int_pkts, sizeof(s.pkts));
	memcpy(s.bytes, e->int_bytes, sizeof(s.bytes));
	s.total_pkts = e->n_pkts;
	s.n_top = (int)context_take_talkers(e->ctx, top, 5);
	for (int k = 0; k < s.n_top; k++) {
		memcpy(s.top[k].addr, top[k].addr, 16);
		s.top[k].pkts = top[k].pkts;
		s.top[k].bytes = top[k].bytes;
	}
	s.threshold = e->hist.threshold;
	s.iot_threshold = e->iot_hist.threshold;
	s.have_model = e->have_model;
	s.ae_threshold = e->ae_thr;
	s.if_threshold = e->if_thr;
	s.model_generation = e->hold ? modelswap_generation(e->hold) : 0;
	if (e->have_kernel) {
		s.have_kernel = true;
		s.kernel_shed = e->kernel.recs_shed;
		s.kernel_emitted = e->kernel.recs_emitted;
		s.kernel_pkts = e->kernel.pkts[0] + e->kernel.pkts[1];
	}
	s.n_campaigns = campaign_groups(e->camp, &groups);
	for (int i = 0; i < s.n_campaigns; i++) {
		s.campaigns[i].id = groups[i].id;
		s.campaigns[i].n_members = groups[i].n;
		memcpy(s.campaigns[i].members, groups[i].members, sizeof(uint64_t) * groups[i].n);
	}
	s.n_tables = (int)engine_tables(e, s.tables, LIMIT_MAX_TABLES);
	alert_summary(e->alert, &s);
	memset(e->int_pkts, 0, sizeof(e->int_pkts));
	memset(e->int_bytes, 0, sizeof(e->int_bytes));
}

static void judge_late(struct engine *e);

static void do_tick(struct engine *e, uint64_t now)
{
	e->now_ns = now;
	context_tick(e->ctx, now);
	judge_late(e);
	if (!e->warm && (now >= e->start_ns + WARMUP_NS || e->n_pkts >= WARMUP_PKTS))
		end_warmup(e);
	criteria_threshold_update(&e->hist, e->prof.profile->sensitivity);
	criteria_threshold_update(&e->iot_hist, e->prof.profile->sensitivity);
	if (e->alert)
		alert_tick(e->alert, now);
	if (e->alert && now / 5000000000ull != (now - TICK_NS) / 5000000000ull)
		campaign_recompute(e->camp, e->now_ns, e->o.campaign_window_s);
	if (e->alert && e->o.summary_interval_s > 0 && now >= e->next_summary) {
		summary(e);
		e->next_summary = now + (uint64_t)(e->o.summary_interval_s * 1e9);
	}
	if (e->retrain)
		retrain_tick(e->retrain, now);
	e->next_tick = now + TICK_NS;
}

void engine_tick(struct engine *e, uint64_t now_ns, const struct nad_stats *kernel)
{
	if (kernel) {
		e->kernel = *kernel;
		e->have_kernel = true;
	}
	if (!e->started || now_ns < e->next_tick)
		return;
	do_tick(e, now_ns);
}

static void clock_in(struct engine *e, uint64_t ts)
{
	if (!e->started) {
		e->started = true;
		e->start_ns = e->now_ns = ts;
		e->next_tick = ts + TICK_NS;
		/* < 0 disables summaries: no time to convert (a negative one has no uint64_t). */
		if (e->o.summary_interval_s > 0)
			e->next_summary = ts + (uint64_t)(e->o.summary_interval_s * 1e9);
	}
	if (ts >= e->next_tick)
		do_tick(e, ts);
	if (ts > e->now_ns)
		e->now_ns = ts;
}

/* Time, counters and trackers for one record; the vector lands in p->vec. */
static void stage(struct engine *e, const struct nad_rec *rec, struct pending *p)
{
	uint64_t w = rec->weight ? rec->weight : 1;

	p->r = *rec;
	/* Time never runs backwards inside the engine (reordered records). */
	if (e->started && p->r.ts_ns < e->now_ns)
		p->r.ts_ns = e->now_ns;
	clock_in(e, p->r.ts_ns);
	e->n_pkts += w;
	e->int_pkts[p->r.dir & 1] += w;
	e->int_bytes[p->r.dir & 1] += (uint64_t)p->r.wire_bytes * w;
	track(e, &p->r, &p->fig);
	memcpy(p->vec, e->vec, sizeof(p->vec));
}

/*
 * Scores n staged records with one modelset_score call. Returns whether a model scored
 * them (the thresholds are then in e->ae_thr, e->if_thr).
 */
static bool score_staged(struct engine *e, struct pending *p, size_t n, float *X, float *ae,
			 float *ifs)
{
	const struct modelset *m = NULL;
	uint64_t gen = 0;

	if (!e->hold)
		return false;
	m = modelswap_acquire(e->hold, e->slot, &gen);
	if (m && gen != e->scratch_gen) {
		/* A new model was published: its scratch (rare; not per packet). */
		modelset_scratch_free(e->scratch);
		e->scratch = modelset_scratch_new(m);
		e->scratch_gen = gen;
	}
	if (m && e->scratch) {
		for (size_t i = 0; i < n; i++)
			memcpy(&X[i * VECTOR_DIM], p[i].vec, sizeof(p[i].vec));
		modelset_score(m, X, n, e->scratch, ae, ifs);
		for (size_t i = 0; i < n; i++)
			p[i].ae = ae[i], p[i].ifs = ifs[i];
		e->ae_thr = modelset_ae_threshold(m);
		e->ae_ext = modelset_ae_extreme(m);
		e->if_thr = modelset_if_threshold(m);
		e->have_model = true;
	} else {
		m = NULL;
	}
	modelswap_release(e->hold, e->slot);
	return m != NULL;
}

/* What explain() needs to write a new episode's sentences (see alert_anomaly). */
struct explain_ctx {
	const struct classify_evidence *ev;
	const struct profile *profile;
};

static void explain(void *ctx, char *evidence, char *response)
{
	const struct explain_ctx *x = ctx;
	struct classify_result res;

	/* The same evidence and profile as the quiet decision: the same class, with text. */
	classify_decide(x->ev, x->profile, &res);
	memcpy(evidence, res.evidence, sizeof(res.evidence));
	memcpy(response, res.response, sizeof(res.response));
}

/* What a record's class is decided on besides its criteria: its figures and the engine's. */
static void evidence_of(const struct engine *e, const struct pending *p,
			struct classify_evidence *ev)
{
	const struct context_figures *f = &p->fig;

	ev->rec = &p->r;
	ev->ctx = *f;
	/* set by the classification of an earlier record of the same batch */
	ev->src_scanned = p->r.ts_ns < e->notes[f->src_slot].scanned_until;
	ev->baseline = e->o.baseline;
	ev->threshold = f->src_iot ? e->iot_hist.threshold : e->hist.threshold;
}

/* The criteria of a staged and scored record, into the evidence its class is decided on. */
static void score(struct engine *e, const struct pending *p, bool have_model,
		  struct classify_evidence *ev, struct criteria_result *crit)
{
	const struct context_figures *f = &p->fig;
	struct criteria_models m = { .have = have_model,
				     .ae_mae = have_model ? p->ae : 0,
				     .if_score = have_model ? p->ifs : 0,
				     .ae_threshold = e->ae_thr,
				     .ae_extreme = e->ae_ext,
				     .if_threshold = e->if_thr };

	criteria_fire(&e->protos, &p->r, f, &m, e->prof.profile, crit);
	e->last_criteria = crit->mask;
	evidence_of(e, p, ev);
	ev->criteria = crit->mask;
	ev->score = crit->score;
}

/*
 * The class of a record (quiet: no sentences yet). Info classes are deviations from the
 * source's own behaviour: not before it has 20 packets of history, not when its packets
 * pass the threshold routinely (> 10 % recently: the model does not know this host yet;
 * retraining will), and not again for a signature it already showed (info_recurring).
 */
static enum classify_class decide(struct engine *e, const struct pending *p,
				  const struct classify_evidence *ev, struct classify_result *res)
{
	struct src_notes *s = &e->notes[p->fig.src_slot];
	enum classify_class cls = classify_decide_quiet(ev, e->prof.profile, res);
	bool pass = ev->score >= ev->threshold;
	bool routine = p->fig.src_n < 20 || s->pass_rate > 0.1;

	s->pass_rate += 0.02 * ((pass ? 1.0 : 0.0) - s->pass_rate);
	if (names_class_severity(cls) == SEV_INFO && (routine || info_recurring(s, &p->r, &p->fig)))
		cls = CLASS_NONE;
	return cls;
}

/* The packets of r a rate rule would hold (common/flood.h): protocol, port, kind. */
static void signature_of(const struct nad_rec *r, uint8_t *proto, uint16_t *dport,
			 enum flood_kind *kind)
{
	bool icmp = r->ip_proto == IPPROTO_ICMP || r->ip_proto == IPPROTO_ICMPV6;

	*proto = r->ip_proto;
	*dport = icmp ? 0 : r->dport;
	*kind = flood_kind_of(r->ip_proto, r->tcp_flags, (uint8_t)(r->sport >> 8));
}

/*
 * Follows the source's flood condition (classify_source_flood) record by record: it
 * starts holding toward a destination at a record that meets it, and breaks when the
 * source's unanswered rate falls under its threshold or a record to that destination
 * does not meet it (records to other destinations, say its answered requests to a
 * resolver, do not break it). The flood's signature is that of its first packet to the
 * destination a rate rule can hold: a flooding client's RSTs to the victim's SYN-ACKs
 * or its request to another port during the flood are not the flood. The thresholds it
 * compared with go to *lim.
 */
static void follow_flood(struct engine *e, const struct pending *p,
			 const struct classify_evidence *ev, struct classify_limits *lim)
{
	struct src_notes *s = &e->notes[p->fig.src_slot];
	bool holds = classify_source_flood(ev, e->prof.profile, lim);
	const struct flow_obs *fo = &p->fig.flow;

	if (fo->request || fo->unsolicited) {
		if (!s->run_start_ns || p->r.ts_ns - s->run_last_ns > RUN_GAP_NS)
			s->run_start_ns = p->r.ts_ns ? p->r.ts_ns : 1;
		s->run_last_ns = p->r.ts_ns;
	}
	/*
	 * A flood starts with the run of requests it is part of: the unanswered rate, a
	 * count decayed over 1 s, passes its threshold only some time after the flood began
	 * (about threshold / rate), and the hold counts from the flood, not from then; from
	 * the source's last answered request if that came later.
	 */
	if (holds && (!s->flood_since_ns || s->flood_dh != p->fig.dst_hash)) {
		uint64_t since = s->run_start_ns && s->run_start_ns <= p->r.ts_ns ?
					 s->run_start_ns :
					 p->r.ts_ns;

		/* an answer to one of its requests ends the unanswered part */
		if (p->fig.src_answered_ns > since && p->fig.src_answered_ns <= p->r.ts_ns)
			since = p->fig.src_answered_ns;
		s->flood_since_ns = since ? since : 1;
		s->flood_dh = p->fig.dst_hash;
		s->flood_kind = FLOOD_NONE;
	}
	if (holds && s->flood_kind == FLOOD_NONE)
		signature_of(&p->r, &s->flood_proto, &s->flood_dport, &s->flood_kind);
	if (!holds && (p->fig.dst_hash == s->flood_dh || !lim->dos.value ||
		       p->fig.src_unans_pps < lim->dos.value))
		s->flood_since_ns = 0;
}

/*
 * The flood's facts for the mitigation (common/flood.h), from the roles: the packet's
 * signature; the unanswered rate and the answered share of the source's requests to
 * this destination (of all its requests while the destination has too few of them to
 * tell), or the victim's unanswered and unsolicited packets for a distributed flood;
 * when the source was last answered; the threshold of the class (classify_limits) and
 * whether a baseline raised it. A single-source flood holds since follow_flood says;
 * excessive traffic and distributed floods since their episode began.
 */
static struct flood_facts flood_facts(const struct engine *e, const struct pending *p,
				      const struct classify_evidence *ev,
				      const struct classify_result *res,
				      const struct classify_limits *lim)
{
	const struct nad_rec *r = &p->r;
	const struct context_figures *f = &p->fig;
	const struct src_notes *s = &e->notes[f->src_slot];
	bool pair = f->src_pair_client_pps >= 1;
	double cli = pair ? f->src_pair_client_pps : f->src_client_pps;
	double unans = pair ? f->src_pair_unans_pps : f->src_unans_pps;
	struct flood_facts ff = {
		.unanswered_pps = unans,
		.answered_share = cli > 0 ? 1 - (unans < cli ? unans : cli) / cli : 0,
		.answered_last_ns = f->src_answered_ns,
	};
	struct classify_limits l = *lim;
	const struct classify_limit *t = &l.dos;

	signature_of(r, &ff.proto, &ff.dport, &ff.kind);
	if (res->cls != CLASS_DOS_ATTACK && res->cls != CLASS_EXCESSIVE_TRAFFIC)
		return ff;
	if (!l.dos.value) /* follow_flood did not need them */
		classify_limits(&l, e->prof.profile, ev->baseline, r, f);
	if (res->cls == CLASS_EXCESSIVE_TRAFFIC) {
		t = &l.excess_pps;
		ff.flood_since_ns = FLOOD_SINCE_EPISODE;
	} else if (res->by_destination) {
		t = &l.dos_dist;
		ff.unanswered_pps = f->dst_unans_pps + f->dst_unsol_pps;
		ff.answered_share = 0;
		ff.flood_since_ns = FLOOD_SINCE_EPISODE;
	} else if (s->flood_since_ns && s->flood_kind != FLOOD_NONE) {
		ff.flood_since_ns = s->flood_since_ns;
		ff.proto = s->flood_proto;
		ff.dport = s->flood_dport;
		ff.kind = s->flood_kind;
	} else {
		ff.flood_since_ns = s->flood_since_ns;
	}
	ff.threshold_pps = t->value;
	ff.threshold_learned = t->learned;
	return ff;
}

/* An anomalous record to its episode (the sentences of a new one from explain()). */
static void report(struct engine *e, const struct pending *p, bool have_model, bool vector,
		   const struct classify_evidence *ev, const struct criteria_result *crit,
		   const struct classify_result *res, const struct classify_limits *lim)
{
	struct alert_anomaly an = {
		.rec = &p->r,
		.cls = res->cls,
		.by_destination = res->by_destination,
		.hold_s = res->hold_s,
		.score = ev->score,
		.threshold = ev->threshold,
		.criteria = ev->criteria,
		.have_model = have_model,
		.ae_mae = have_model ? p->ae : 0,
		.ae_threshold = e->ae_thr,
		.if_score = have_model ? p->ifs : 0,
		.if_threshold = e->if_thr,
		.explain = explain,
		.explain_ctx = &(struct explain_ctx){ .ev = ev, .profile = e->prof.profile },
		.src_pps = p->fig.src_pps,
		.dst_pps = p->fig.dst_pps,
		.n_sources = p->fig.dst_srcs,
		.flood = flood_facts(e, p, ev, res, lim),
	};
	uint64_t ep;

	memcpy(an.crit_value, crit->value, sizeof(an.crit_value));
	memcpy(an.crit_threshold, crit->threshold, sizeof(an.crit_threshold));
	if (e->o.baseline && names_class_severity(res->cls) >= SEV_WARNING &&
	    !alert_source_in_class_episode(e->alert, p->r.saddr, res->cls)) {
		/* the attack's first packets, before this alert, must not teach a level */
		baseline_forget_window(e->o.baseline, p->r.saddr);
		baseline_forget_window(e->o.baseline, p->r.daddr);
	}
	ep = alert_report(e->alert, &an);
	if (vector)
		campaign_sample(e->camp, ep, p->r.ts_ns, p->vec);
}

/*
 * Senders whose probes failed by timeout after their last packet (context_take_late):
 * each is judged once more, on its figures now, for scanning only (the other classes
 * need a packet). A sender already in a scanning episode is left to it; one in an
 * episode of another class (the brute force before its scan) is not.
 */
static void judge_late(struct engine *e)
{
	struct nad_rec probes[CONTEXT_LATE_MAX];
	size_t n = context_take_late(e->ctx, probes, CONTEXT_LATE_MAX);

	for (size_t i = 0; i < n && e->alert; i++) {
		struct pending p = { .r = probes[i] };
		struct criteria_result crit = { 0 };
		struct classify_evidence ev = { 0 };
		struct classify_result res;

		if (alert_source_in_class_episode(e->alert, p.r.saddr, CLASS_SCANNING))
			continue;
		context_peek(e->ctx, &p.r, &p.fig);
		evidence_of(e, &p, &ev); /* no criteria: they judge a packet */
		if (classify_decide_quiet(&ev, e->prof.profile, &res) != CLASS_SCANNING)
			continue;
		e->notes[p.fig.src_slot].scanned_until = p.r.ts_ns + SCANNED_NS;
		/* scanning: no flood facts, so no limits */
		report(e, &p, false, false, &ev, &crit, &res, &(struct classify_limits){ 0 });
	}
}

/*
 * Retraining learns from the records not flagged whose source has no open critical or
 * warning episode; the initial training (the embedded model detecting, the site not
 * learnt yet) also from the flagged ones below warning, and counts what it leaves out.
 */
static void feed_retrain(struct engine *e, const struct pending *p, enum classify_class cls,
			 bool in_episode)
{
	bool initial = retrain_initial_pending(e->retrain);

	if (!in_episode &&
	    (cls == CLASS_NONE || (initial && names_class_severity(cls) < SEV_WARNING)))
		retrain_offer(e->retrain, p->vec);
	else if (initial)
		retrain_skip(e->retrain);
}

/*
 * Criteria, class, threshold, retraining feed, episode and campaign of one staged and
 * scored record.
 */
static enum classify_class conclude(struct engine *e, struct pending *p, bool have_model)
{
	struct classify_evidence ev;
	struct criteria_result crit;
	struct classify_result res;
	struct classify_limits lim;
	enum classify_class cls;
	bool in_episode;

	score(e, p, have_model, &ev, &crit);
	cls = decide(e, p, &ev, &res);
	follow_flood(e, p, &ev, &lim);
	in_episode = e->alert && alert_source_in_episode(e->alert, p->r.saddr);
	if (!in_episode && names_class_severity(cls) < SEV_WARNING)
		criteria_threshold_add(p->fig.src_iot ? &e->iot_hist : &e->hist, ev.score, 1);
	if (e->retrain)
		feed_retrain(e, p, cls, in_episode);
	if (cls == CLASS_NONE)
		return CLASS_NONE;
	if (cls == CLASS_SCANNING)
		e->notes[p->fig.src_slot].scanned_until = p->r.ts_ns + SCANNED_NS;
	if (e->alert)
		report(e, p, have_model, true, &ev, &crit, &res, &lim);
	return cls;
}

enum classify_class engine_process(struct engine *e, const struct nad_rec *rec)
{
	struct pending *p = &e->pend[0];
	float x[VECTOR_DIM], ae, ifs;

	stage(e, rec, p);
	return conclude(e, p, score_staged(e, p, 1, x, &ae, &ifs));
}

static void flush(struct engine *e, size_t n, enum classify_class *cls_out)
{
	bool have_model;

	if (!n)
		return;
	have_model = score_staged(e, e->pend, n, e->batch_X, e->batch_ae, e->batch_if);
	for (size_t i = 0; i < n; i++) {
		enum classify_class c = conclude(e, &e->pend[i], have_model);

		if (cls_out)
			cls_out[i] = c;
	}
	memcpy(e->vec, e->pend[n - 1].vec, sizeof(e->vec));
}

/*
 * A batch is cut before anything the staged records' conclusions must precede: a tick
 * (thresholds, profile, expiry and retraining move there), and the eviction of a source
 * entry (a staged record's notes are kept by its source's context slot).
 */
void engine_process_batch(struct engine *e, const struct nad_rec *recs, size_t n,
			  enum classify_class *cls_out, float *vec_out)
{
	size_t k = 0, first = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t ts = recs[i].ts_ns;

		if (e->started && ts < e->now_ns)
			ts = e->now_ns;
		if (k && (k == ENGINE_BATCH || ts >= e->next_tick ||
			  context_would_evict(e->ctx, recs[i].saddr))) {
			flush(e, k, cls_out ? &cls_out[first] : NULL);
			k = 0;
		}
		if (!k)
			first = i;
		stage(e, &recs[i], &e->pend[k]);
		if (vec_out)
			memcpy(&vec_out[i * VECTOR_DIM], e->pend[k].vec, sizeof(e->pend[k].vec));
		k++;
	}
	flush(e, k, cls_out ? &cls_out[first] : NULL);
}

void engine_finish(struct engine *e)
{
	if (!e->started)
		return;
	if (!e->warm)
		end_warmup(e);
	/* requests still waiting for an answer time out: a capture may end with a scan */
	context_tick(e->ctx, e->now_ns + DRAIN_NS);
	judge_late(e);
	campaign_recompute(e->camp, e->now_ns, e->o.campaign_window_s);
	alert_flush(e->alert);
	if (e->o.summary_interval_s > 0)
		summary(e);
}

const float *engine_last_vector(const struct engine *e)
{
	return e->vec;
}

const struct profile *engine_profile(const struct engine *e, bool *inferred)
{
	if (inferred)
		*inferred = e->prof.inferred;
	return e->prof.profile;
}

double engine_threshold(const struct engine *e)
{
	return e->hist.threshold;
}

uint64_t engine_n_packets(const struct engine *e)
{
	return e->n_pkts;
}

struct alert *engine_alert(struct engine *e)
{
	return e->alert;
}

unsigned engine_last_criteria(const struct engine *e)
{
	return e->last_criteria;
}

struct baseline *engine_baseline(const struct engine *e)
{
	return e->o.baseline;
}

const struct context *engine_context(const struct engine *e)
{
	return e->ctx;
}

void engine_set_tables_source(struct engine *e, engine_tables_fn fn, void *ctx)
{
	e->tables_fn = fn;
	e->tables_ctx = ctx;
}

static size_t put_table(struct limit_table *out, size_t n, size_t max, const struct limit_table *t)
{
	if (n < max)
		out[n] = *t;
	return n + 1;
}

size_t engine_tables(const struct engine *e, struct limit_table *out, size_t max)
{
	struct context_stats cs;
	struct flow_stats fs;
	struct limit_table t;
	size_t n = 0;

	context_flow_stats(e->ctx, &fs);
	n = put_table(out, n, max,
		      &(struct limit_table){ "flows", fs.n_entries, fs.n_used, fs.evicted, 0,
					     fs.memory_bytes - fs.pending_bytes });
	n = put_table(out, n, max,
		      &(struct limit_table){ "flow_timeouts", fs.n_pending_cap, fs.n_pending, 0,
					     fs.pending_full, fs.pending_bytes });
	context_get_stats(e->ctx, &cs);
	n = put_table(out, n, max, &cs.src);
	n = put_table(out, n, max, &cs.dst);
	n = put_table(out, n, max, &cs.auth);
	n = put_table(out, n, max, &cs.trust);
	if (e->o.baseline) {
		const struct baseline_opts *bo = baseline_opts(e->o.baseline);
		struct baseline_counts bc;

		baseline_get_counts(e->o.baseline, &bc);
		n = put_table(out, n, max,
			      &(struct limit_table){ "baseline_hosts", bo->max_hosts, bc.n_hosts,
						     bc.host_evictions, 0, bc.host_bytes });
		n = put_table(out, n, max,
			      &(struct limit_table){ "baseline_services", bo->max_services,
						     bc.n_services, bc.service_evictions, 0,
						     bc.svc_bytes });
	}
	alert_get_stats(e->alert, &t);
	n = put_table(out, n, max, &t);
	campaign_get_stats(e->camp, &t);
	n = put_table(out, n, max, &t);
	if (e->tables_fn && n < max)
		n += e->tables_fn(e->tables_ctx, out + n, max - n);
	return n < max ? n : max;
}
