// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/flow.c - the flow table of connection roles (contract in flow.h).
 *
 * Entries store their endpoints oriented (client, server), so a record matches either
 * way round; the set index comes from a hash that does not depend on the order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "features/flow.h"
#include "nad_parse.h"

/* Held flows evicted between two sweeps that are kept to report (struct flow_table.gone). */
#define FLOW_GONE_MAX 4

struct flow {
	__u8 c[16], s[16]; /* client, server */
	uint16_t cport, sport;
	uint8_t kind, proto, state, flags;
	uint32_t gen; /* 0: free; bumped each time the way holds a new flow */
	uint32_t pkts_c, pkts_s;
	uint64_t bytes_c, bytes_s;
	uint64_t first_ns, last_ns, pend_last_ns;
	double pend; /* client packets sent while unanswered */
};

_Static_assert(sizeof(struct flow) <= 128, "a flow entry fits 128 bytes");

/* One timed flow: its way, the flow it held when queued, and its deadline. */
struct timed {
	uint32_t way, gen;
	uint64_t deadline_ns;
};

struct queue {
	struct timed *q;
	size_t cap, head, n;
};

struct flow_table {
	struct flow_opts o;
	struct flow *ways;
	size_t n_sets; /* a power of two */
	struct queue unanswered, held, idle; /* idle: held flows, checked for a silent client */
	uint64_t timeout_ns, hold_ns, idle_ns;
	struct flow_stats st;
	/* held flows evicted since the last sweep, to report as FLOW_EV_GONE (a record makes
	 * at most one flow, and the context sweeps after every record) */
	struct flow gone[FLOW_GONE_MAX];
	unsigned n_gone;
};

/* A record's endpoints in the flow's terms (ports oriented for echo and ARP). */
struct endpoints {
	const __u8 *a, *b; /* sender, receiver */
	uint16_t pa, pb;
	enum flow_kind kind;
	uint8_t proto;
};

void flow_opts_default(struct flow_opts *o)
{
	o->n_entries = 65536;
	o->answer_timeout_s = 1.0;
	o->hold_s = 1.0;
	o->idle_s = 15.0;
	o->n_pending = 65536;
}

static bool queue_init(struct queue *q, size_t cap)
{
	q->q = calloc(cap, sizeof(*q->q));
	q->cap = cap;
	q->head = q->n = 0;
	return q->q != NULL;
}

struct flow_table *flow_new(const struct flow_opts *o)
{
	struct flow_table *t;
	size_t sets = 1;

	if (!o || o->n_entries < 64 || o->n_entries > (1u << 26) || o->n_pending < 16 ||
	    o->n_pending > (1u << 24) || !(o->answer_timeout_s > 0) || !(o->hold_s > 0) ||
	    o->answer_timeout_s > 3600 || o->hold_s > 3600 || !(o->idle_s > 0) ||
	    o->idle_s > 3600) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	while (sets * 2 * FLOW_WAYS <= o->n_entries)
		sets *= 2;
	t->o = *o;
	t->n_sets = sets;
	t->o.n_entries = sets * FLOW_WAYS;
	t->ways = calloc(t->o.n_entries, sizeof(*t->ways));
	if (!t->ways || !queue_init(&t->unanswered, o->n_pending) ||
	    !queue_init(&t->held, o->n_pending) || !queue_init(&t->idle, o->n_pending)) {
		flow_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->timeout_ns = (uint64_t)(o->answer_timeout_s * 1e9);
	t->hold_ns = (uint64_t)(o->hold_s * 1e9);
	t->idle_ns = (uint64_t)(o->idle_s * 1e9);
	t->st.n_entries = t->o.n_entries;
	t->st.memory_bytes = sizeof(*t) + t->o.n_entries * sizeof(*t->ways) +
			     3 * o->n_pending * sizeof(struct timed);
	return t;
}

void flow_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->ways);
	free(t->unanswered.q);
	free(t->held.q);
	free(t->idle.q);
	free(t);
}

bool flow_udp_service_port(uint16_t p)
{
	switch (p) {
	case 7:
	case 17:
	case 19:
	case 53:
	case 67:
	case 69:
	case 111:
	case 123:
	case 137:
	case 161:
	case 389:
	case 500:
	case 520:
	case 1900:
	case 3478:
	case 3702:
	case 5353:
	case 5683:
	case 11211:
		return true;
	}
	return p < 1024;
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t end_hash(const __u8 a[16], uint16_t port)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	return mix64(x ^ mix64(y ^ port));
}

/* The same for both directions of a flow: the endpoints' hashes are added. */
static size_t set_of(const struct flow_table *t, const struct endpoints *e)
{
	uint64_t h = end_hash(e->a, e->pa) + end_hash(e->b, e->pb);

	return (size_t)(mix64(h ^ ((uint64_t)e->kind << 8 | e->proto)) & (t->n_sets - 1));
}

/*
 * The flow a record belongs to, if the table has it; *from_client tells the record's
 * direction. NULL when there is none (*set gets the set to insert into).
 */
static struct flow *lookup(struct flow_table *t, const struct endpoints *e, size_t *set,
			   bool *from_client)
{
	struct flow *w;

	*set = set_of(t, e);
	w = &t->ways[*set * FLOW_WAYS];
	for (int i = 0; i < FLOW_WAYS; i++, w++) {
		if (!w->gen || w->kind != e->kind || w->proto != e->proto)
			continue;
		if (w->cport == e->pa && w->sport == e->pb && !memcmp(w->c, e->a, 16) &&
		    !memcmp(w->s, e->b, 16)) {
			*from_client = true;
			return w;
		}
		if (w->cport == e->pb && w->sport == e->pa && !memcmp(w->c, e->b, 16) &&
		    !memcmp(w->s, e->a, 16)) {
			*from_client = false;
			return w;
		}
	}
	return NULL;
}

static bool closed(const struct flow *f)
{
	return f->state == FLOW_CLOSED || f->state == FLOW_REFUSED;
}

/* A free way of the set, else its closed flow seen least recently, else its oldest. */
static struct flow *take_way(struct flow_table *t, size_t set)
{
	struct flow *w = &t->ways[set * FLOW_WAYS], *old = NULL, *old_closed = NULL;

	for (int i = 0; i < FLOW_WAYS; i++) {
		if (!w[i].gen) {
			t->st.n_used++;
			return &w[i];
		}
		if (closed(&w[i]) && (!old_closed || w[i].last_ns < old_closed->last_ns))
			old_closed = &w[i];
		if (!old || w[i].last_ns < old->last_ns)
			old = &w[i];
	}
	if (old_closed) {
		t->st.recycled++;
		return old_closed;
	}
	t->st.evicted++;
	if (old->flags & FLOW_F_HELD) {
		if (t->n_gone < FLOW_GONE_MAX)
			t->gone[t->n_gone++] = *old;
		else
			t->st.gone_lost++;
	}
	return old;
}

/* (Re)starts the flow in way f with the given client side; state and flags as given. */
static void start(struct flow_table *t, struct flow *f, const __u8 cli[16], uint16_t cport,
		  const __u8 srv[16], uint16_t sport, const struct endpoints *e, uint64_t now)
{
	uint32_t gen = f->gen + 1;

	memset(f, 0, sizeof(*f));
	f->gen = gen ? gen : 1;
	memcpy(f->c, cli, 16);
	memcpy(f->s, srv, 16);
	f->cport = cport;
	f->sport = sport;
	f->kind = e->kind;
	f->proto = e->proto;
	f->first_ns = f->last_ns = now;
	t->st.created++;
}

static bool enqueue(struct flow_table *t, struct queue *q, const struct flow *f, uint64_t deadline)
{
	if (q->n == q->cap) {
		t->st.pending_full++;
		return false;
	}
	q->q[(q->head + q->n) % q->cap] = (struct timed){ .way = (uint32_t)(f - t->ways),
							  .gen = f->gen,
							  .deadline_ns = deadline };
	q->n++;
	return true;
}

/* Into the hold or idle queue, one at a time (FLOW_F_TIMED). */
static void time_hold(struct flow_table *t, struct queue *q, struct flow *f, uint64_t deadline)
{
	if (!(f->flags & FLOW_F_TIMED) && enqueue(t, q, f, deadline))
		f->flags |= FLOW_F_TIMED;
}

/* Fills e from rec; returns false for a record that belongs to no flow. */
static bool endpoints_of(const struct nad_rec *r, struct endpoints *e, struct flow_obs *obs)
{
	uint8_t type = r->sport >> 8;
	bool v6 = r->ip_proto == IPPROTO_ICMPV6;

	memset(e, 0, sizeof(*e));
	e->a = r->saddr;
	e->b = r->daddr;
	e->proto = r->ip_proto;
	if (r->flags & NAD_F_ARP) {
		if ((r->sport != 1 && r->sport != 2) || !memcmp(r->saddr, r->daddr, 16))
			return false; /* gratuitous or another opcode */
		e->kind = FLOW_K_ARP;
		return true;
	}
	if (!(r->flags & (NAD_F_IPV4 | NAD_F_IPV6)) || (r->flags & NAD_F_FRAG_LATER))
		return false;
	switch (r->ip_proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (!(r->flags & NAD_F_L4))
			return false;
		e->kind = r->ip_proto == IPPROTO_TCP ? FLOW_K_TCP : FLOW_K_UDP;
		e->pa = r->sport;
		e->pb = r->dport;
		return true;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!(r->flags & NAD_F_L4))
			return false;
		if (v6 ? (type >= 1 && type <= 4) :
			 (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)) {
			obs->icmp_error = true;
			return false;
		}
		if (type == (v6 ? 128 : 8)) /* request: (id, 0) -> reply: (0, id) */
			e->pa = r->dport;
		else if (type == (v6 ? 129 : 0))
			e->pb = r->dport;
		else
			return false;
		e->kind = FLOW_K_ECHO;
		return true;
	}
	e->kind = FLOW_K_OTHER;
	return true;
}

/* TCP: the client side of a flow first seen without its SYN. */
static bool midstream_sender_is_client(const struct nad_rec *r)
{
	if (r->sport >= 1024 && r->sport > r->dport)
		return true;
	if (r->dport >= 1024 && r->dport > r->sport)
		return false;
	return true;
}

/* The server's first answer: the client packets counted pending go back to the caller. */
static void answered(struct flow *f, struct flow_obs *obs, enum flow_state to)
{
	f->state = to;
	obs->pend_pkts = f->pend;
	obs->pend_last_ns = f->pend_last_ns;
	f->pend = 0;
}

static void request_pkt(struct flow *f, struct flow_obs *obs, uint32_t w, uint64_t now)
{
	f->pend += w;
	f->pend_last_ns = now;
	obs->request = true;
}

/*
 * A TCP segment of no known flow (or a SYN reusing a finished flow's ports: reuse is its
 * way). Returns the new flow, or NULL for a segment that starts none.
 */
static struct flow *tcp_new(struct flow_table *t, const struct nad_rec *r,
			    const struct endpoints *e, size_t set, struct flow *reuse,
			    struct flow_obs *obs, uint64_t now)
{
	uint8_t fl = r->tcp_flags;
	struct flow *f;

	if (fl & NAD_TCP_RST) { /* a reset of nothing we know: backscatter or a stale flow */
		obs->unsolicited = true;
		obs->kind = FLOW_K_NONE;
		return NULL;
	}
	if ((fl & (NAD_TCP_SYN | NAD_TCP_ACK)) == (NAD_TCP_SYN | NAD_TCP_ACK)) {
		obs->unsolicited = true; /* a SYN-ACK nobody asked for */
		obs->kind = FLOW_K_NONE;
		return NULL;
	}
	f = reuse ? reuse : take_way(t, set);
	if (fl & NAD_TCP_SYN) {
		start(t, f, e->a, e->pa, e->b, e->pb, e, now);
		f->state = FLOW_REQ;
		obs->from_client = true;
		request_pkt(f, obs, r->weight ? r->weight : 1, now);
		enqueue(t, &t->unanswered, f, now + t->timeout_ns);
	} else {
		obs->from_client = midstream_sender_is_client(r);
		if (obs->from_client)
			start(t, f, e->a, e->pa, e->b, e->pb, e, now);
		else
			start(t, f, e->b, e->pb, e->a, e->pa, e, now);
		f->state = FLOW_EST;
		f->flags |= FLOW_F_MIDSTREAM;
	}
	obs->first = true;
	return f;
}

static void tcp_client(struct flow_table *t, struct flow *f, const struct nad_rec *r,
		       struct flow_obs *obs, uint64_t now)
{
	uint8_t fl = r->tcp_flags;
	uint32_t w = r->weight ? r->weight : 1;

	if (fl & NAD_TCP_RST) {
		/* a reset of a handshake it never completed is part of the failed request */
		if (f->state == FLOW_REQ || f->state == FLOW_ANSWERED)
			request_pkt(f, obs, w, now);
		f->flags |= FLOW_F_RST_C;
		obs->ends = !closed(f);
		f->state = FLOW_CLOSED;
		return;
	}
	if ((fl & NAD_TCP_SYN) && !(fl & NAD_TCP_ACK)) {
		request_pkt(f, obs, w, now); /* a retransmitted SYN */
		return;
	}
	if (f->state == FLOW_REQ) {
		request_pkt(f, obs, w, now); /* data before any answer */
	} else if (f->state == FLOW_ANSWERED && (fl & NAD_TCP_ACK)) {
		answered(f, obs, FLOW_EST);
		obs->completes = true;
		time_hold(t, &t->held, f, now + t->hold_ns);
	} else if (f->state == FLOW_EST && r->payload_bytes && !f->bytes_s &&
		   !(f->flags & FLOW_F_HELD)) {
		time_hold(t, &t->held, f, now + t->hold_ns); /* more of a request the server ignores */
	}
	if (fl & NAD_TCP_FIN) {
		f->flags |= FLOW_F_FIN_C;
		if ((f->flags & FLOW_F_FIN_S) && !closed(f)) {
			f->state = FLOW_CLOSED;
			obs->ends = true;
		}
	}
}

static void tcp_server(struct flow *f, const struct nad_rec *r, struct flow_obs *obs)
{
	uint8_t fl = r->tcp_flags;

	if (fl & NAD_TCP_RST) {
		f->flags |= FLOW_F_RST_S;
		obs->refused = f->state == FLOW_REQ;
		obs->ends = !closed(f);
		f->state = obs->refused ? FLOW_REFUSED : FLOW_CLOSED;
		return;
	}
	if (f->state == FLOW_REQ) {
		f->state = FLOW_ANSWERED;
		obs->answer = true;
	}
	if (fl & NAD_TCP_FIN) {
		f->flags |= FLOW_F_FIN_S;
		if ((f->flags & FLOW_F_FIN_C) && !closed(f)) {
			f->state = FLOW_CLOSED;
			obs->ends = true;
		}
	}
}

/*
 * A UDP datagram, echo message, ARP message or other IP packet of no known flow. Returns
 * the new flow, or NULL for a response nobody asked for (which starts none).
 */
static struct flow *dgram_new(struct flow_table *t, const struct nad_rec *r,
			      const struct endpoints *e, size_t set, struct flow_obs *obs,
			      uint64_t now)
{
	bool reply = (e->kind == FLOW_K_ECHO && e->pb) || (e->kind == FLOW_K_ARP && r->sport == 2);
	struct flow *f;

	if (e->kind == FLOW_K_UDP && r->sport != r->dport && flow_udp_service_port(r->sport) &&
	    r->dport >= 1024)
		reply = true; /* from a service port to an ephemeral one */
	if (reply) {
		obs->unsolicited = true;
		return NULL;
	}
	f = take_way(t, set);
	start(t, f, e->a, e->pa, e->b, e->pb, e, now);
	f->state = FLOW_REQ;
	obs->first = obs->from_client = true;
	request_pkt(f, obs, r->weight ? r->weight : 1, now);
	if (e->kind != FLOW_K_OTHER)
		enqueue(t, &t->unanswered, f, now + t->timeout_ns);
	return f;
}

static void count(struct flow *f, const struct nad_rec *r, bool from_client, uint64_t now)
{
	uint32_t w = r->weight ? r->weight : 1;

	if (from_client) {
		f->pkts_c += w;
		f->bytes_c += (uint64_t)r->payload_bytes * w;
	} else {
		f->pkts_s += w;
		f->bytes_s += (uint64_t)r->payload_bytes * w;
	}
	f->last_ns = now;
}

static void describe(const struct flow *f, struct flow_obs *obs)
{
	obs->state = f->state;
	obs->flags = f->flags;
	obs->first_ns = f->first_ns;
	obs->pkts_c = f->pkts_c;
	obs->pkts_s = f->pkts_s;
	obs->bytes_c = f->bytes_c;
	obs->bytes_s = f->bytes_s;
}

void flow_observe(struct flow_table *t, const struct nad_rec *r, struct flow_obs *obs)
{
	uint64_t now = r->ts_ns;
	struct endpoints e;
	struct flow *f;
	bool from_client = false;
	size_t set;

	memset(obs, 0, sizeof(*obs));
	if (!endpoints_of(r, &e, obs))
		return;
	obs->kind = e.kind;
	f = lookup(t, &e, &set, &from_client);
	if (f && e.kind == FLOW_K_TCP && closed(f) &&
	    (r->tcp_flags & (NAD_TCP_SYN | NAD_TCP_ACK)) == NAD_TCP_SYN) {
		/* A new SYN on the ports of a finished flow starts a new flow in its way; one with
		 * RST set starts none (unsolicited), and the finished flow stays as it was. */
		f = tcp_new(t, r, &e, set, f, obs, now);
		if (!f)
			return;
		t->st.recycled++;
	} else if (!f) {
		f = e.kind == FLOW_K_TCP ? tcp_new(t, r, &e, set, NULL, obs, now) :
					   dgram_new(t, r, &e, set, obs, now);
		if (!f)
			return;
	} else if (e.kind == FLOW_K_TCP) {
		obs->from_client = from_client;
		if (from_client)
			tcp_client(t, f, r, obs, now);
		else
			tcp_server(f, r, obs);
	} else {
		obs->from_client = from_client;
		if (from_client && f->state == FLOW_REQ)
			request_pkt(f, obs, r->weight ? r->weight : 1, now);
		else if (!from_client && f->state == FLOW_REQ) {
			answered(f, obs, FLOW_ANSWERED);
			obs->answer = true;
		}
	}
	count(f, r, obs->from_client, now);
	if ((f->flags & FLOW_F_HELD) && (obs->ends || f->bytes_s)) {
		f->flags &= ~FLOW_F_HELD;
		obs->released = true;
	}
	describe(f, obs);
}

static bool due(const struct queue *q, uint64_t now)
{
	return q->n && q->q[q->head].deadline_ns <= now;
}

static struct timed pop(struct queue *q)
{
	struct timed x = q->q[q->head];

	q->head = (q->head + 1) % q->cap;
	q->n--;
	return x;
}

static void report(struct flow_table *t, const struct flow *f, enum flow_event_kind kind,
		   uint64_t now, flow_event_fn fn, void *ctx)
{
	struct flow_event ev = {
		.kind = kind,
		.flow_kind = f->kind,
		.now_ns = now,
		.first_ns = f->first_ns,
		.client_port = f->cport,
		.server_port = f->sport,
		.ip_proto = f->proto,
		.pkts_c = f->pkts_c,
		.bytes_c = f->bytes_c,
	};

	memcpy(ev.client, f->c, 16);
	memcpy(ev.server, f->s, 16);
	if (kind == FLOW_EV_UNANSWERED)
		t->st.unanswered++;
	else if (kind == FLOW_EV_HELD)
		t->st.held++;
	else if (kind == FLOW_EV_IDLE)
		t->st.idle++;
	else
		t->st.gone++;
	if (fn)
		fn(ctx, &ev);
}

void flow_sweep(struct flow_table *t, uint64_t now, flow_event_fn fn, void *ctx)
{
	for (unsigned i = 0; i < t->n_gone; i++)
		report(t, &t->gone[i], FLOW_EV_GONE, now, fn, ctx);
	t->n_gone = 0;
	while (due(&t->unanswered, now)) {
		struct timed x = pop(&t->unanswered);
		const struct flow *f = &t->ways[x.way];

		if (f->gen == x.gen && f->state == FLOW_REQ)
			report(t, f, FLOW_EV_UNANSWERED, now, fn, ctx);
	}
	while (due(&t->held, now)) {
		struct timed x = pop(&t->held);
		struct flow *f = &t->ways[x.way];

		if (f->gen != x.gen)
			continue;
		f->flags &= ~FLOW_F_TIMED;
		if (f->state == FLOW_EST && !f->bytes_s && f->bytes_c) {
			f->flags |= FLOW_F_HELD;
			report(t, f, FLOW_EV_HELD, now, fn, ctx);
			time_hold(t, &t->idle, f, now + t->idle_ns / 4);
		}
	}
	while (due(&t->idle, now)) {
		struct timed x = pop(&t->idle);
		struct flow *f = &t->ways[x.way];

		if (f->gen != x.gen)
			continue;
		f->flags &= ~FLOW_F_TIMED;
		if (!(f->flags & FLOW_F_HELD))
			continue; /* released by a record */
		if (now - f->last_ns < t->idle_ns) {
			time_hold(t, &t->idle, f, now + t->idle_ns / 4);
			continue;
		}
		f->flags &= ~FLOW_F_HELD;
		report(t, f, FLOW_EV_IDLE, now, fn, ctx);
	}
}

void flow_get_stats(const struct flow_table *t, struct flow_stats *out)
{
	*out = t->st;
	out->n_pending_cap = t->unanswered.cap + t->held.cap + t->idle.cap;
	out->n_pending = t->unanswered.n + t->held.n + t->idle.n;
	out->pending_bytes = out->n_pending_cap * sizeof(struct timed);
}
