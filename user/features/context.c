// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/context.c - the per-source, per-destination and login trackers (contract in
 * context.h).
 *
 * context_track() runs one record through a fixed sequence of steps over a struct track
 * (the record, its source and destination entries, what kind of packet it is): the
 * count_* steps update the trackers, the fill_* steps read the figures. The order of the
 * steps is part of the result: a record whose source is its own destination (or whose
 * peer's entry is its source's) sees its own updates.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include "common/addr.h"
#include "features/context.h"
#include "features/icmp.h"
#include "features/ports.h"
#include "features/sketch.h"
#include "nad_parse.h"

#define SRC_SETS (CONTEXT_SRC_SLOTS / WAYS)
#define DST_SETS 2048
#define AUTH_SETS 1024 /* connections to multi-attempt login services */
#define TRUST_SETS 1024 /* sources a session answered (see struct trust_ent) */
#define WAYS 4
#define EPOCH_NS 10000000000ull /* distinct counts: current and previous 10-s epoch */
#define NEW_SRC_NS 10000000000ull
#define CALLBACK_NS 60000000000ull
#define AUTH_REPLIES 12 /* server replies of a connection that can be login failures */
#define BASELINE_BITS 65536

/* TCP flag sets: the four that tell a segment's role, the ECN pair, SYN-ACK, XMAS. */
#define TCP_FSRA (NAD_TCP_FIN | NAD_TCP_SYN | NAD_TCP_RST | NAD_TCP_ACK)
#define TCP_ECN (NAD_TCP_ECE | NAD_TCP_CWR)
#define TCP_SYNACK (NAD_TCP_SYN | NAD_TCP_ACK)
#define TCP_XMAS (NAD_TCP_FIN | NAD_TCP_PSH | NAD_TCP_URG)

/* The first fields of a source and a destination entry: the table's key and age. */
struct ent_head {
	__u8 addr[16];
	bool used;
	uint64_t last_ns;
};

/* One destination port of a source. */
struct pair_slot {
	uint32_t dh;
	uint16_t port;
	float conns60, pay_sum60, pay_n60, data_n60; /* pay_n60: ACKs; data_n60: with payload */
	float fins60; /* connections the source closed (FIN) */
	float fails60; /* login failures it received (repeated server replies, see auth_track) */
	float held; /* its connections held open with a silent server now: FLOW_EV_HELD and
		     * not released since (by a record, FLOW_EV_IDLE or FLOW_EV_GONE) */
};

/* One destination host of a source. */
struct dst_slot {
	uint32_t dh;
	float p1;
	float sent60, recv60; /* payload bytes sent to / received from this peer */
	float recv_p1; /* packets received from this peer [1 s] */
	float dnsq60, dnsq_b60; /* DNS queries to it and their payload bytes */
	float up60; /* payload bytes sent on flows the source opened (or asked for) */
	float cli1, unans1; /* client packets to it, requests not answered (yet) [1 s] */
	/* ICMP echo requests, payload sum, sum of squares: double, their variance is a
	 * difference of two large sums */
	double echo60, echo_b60, echo_b2_60;
};

/* Which of the last 100 events were true. */
struct bit_ring {
	uint8_t bits[13];
	uint8_t i, n, cnt;
};

struct src_ent {
	struct ent_head h;
	bool newreg_counted;
	bool iot_port;
	uint64_t first_ns, upd_ns, epoch;
	uint64_t ports[2][8];
	uint64_t hosts[2][4];
	uint64_t peers; /* 64-bit hashed set of every peer, for the IoT test */
	float p1, syn1, udp1, icmp1, b5, p10, probe10, stealth10, rst60, mal60, dnsq60, dnsn60;
	float ans1; /* answers [1 s]: SYN-ACK, RST, bare ACK, echo reply, ICMP error to a sender */
	float frag_tiny60, frag_big60; /* IP fragments under / over 68 bytes of datagram [60 s] */
	float cli1, unans1, fails10; /* roles: see context_figures */
	uint64_t answered_ns;
	uint64_t fail_ports[2][8], fail_hosts[2][4]; /* per 10-s epoch, like ports and hosts */
	struct pair_slot pairs[4];
	struct dst_slot dsts[4];
	uint16_t last_ports[100];
	uint8_t lp_i, lp_n;
	struct bit_ring fast; /* which of its last 100 intervals were < 1 ms */
	struct bit_ring probes; /* which of its last 100 packets were probes */
	float iv_mean, iv_var, sz_mean, sz_var;
	uint32_t n;
	uint64_t victim_ns; /* it sent payload to a sensitive or web service of victim_dh */
	uint32_t victim_dh;
	uint16_t victim_port;
	uint64_t int_pkts, int_bytes; /* since the last context_take_talkers() */
};

struct dst_ent {
	struct ent_head h;
	uint64_t upd_ns, epoch;
	uint64_t srcs[2][8];
	double p1, newreg10;
	double unans1, unsol1; /* requests it left unanswered (yet), unsolicited responses [1 s] */
	uint16_t reg_port;
	struct bit_ring fast;
};

/* One connection to a multi-attempt login service (see auth_track). */
struct auth_flow {
	uint64_t key; /* 0: free */
	uint64_t last_ns;
	uint16_t lens[2]; /* payload lengths of the server's last two replies */
	uint8_t replies; /* server payload packets so far */
	bool client_spoke; /* client payload since the server's last reply */
};

/*
 * A source a TCP or UDP exchange answered, h.last_ns the last time. Apart from the sources
 * table because a flood from random sources evicts every entry there within a second: a
 * source made again takes its answered time from here, and only answered sources can
 * enter, so unanswered floods cannot push them out.
 */
struct trust_ent {
	struct ent_head h;
};

/* Entries a tracker table holds and has evicted (context_get_stats). */
struct ways_count {
	uint64_t used, evicted;
};

struct context {
	struct context_opts o;
	struct ways_count n_src, n_dst, n_auth, n_trust;
	struct flow_table *flows;
	struct src_ent *src;
	struct dst_ent *dst;
	struct auth_flow *auth;
	struct trust_ent *trust;
	bool warm;
	uint64_t new_after_ns;
	uint64_t baseline[BASELINE_BITS / 64]; /* dst:port pairs of the warm-up (2 hashes) */
	struct nad_rec late[CONTEXT_LATE_MAX]; /* context_take_late */
	size_t n_late;
};

/* What kind of packet a record is, as the trackers count it. */
struct pkt_kind {
	bool ip, tcp, udp, icmp;
	bool arp; /* saddr/daddr: sender and target, sport: opcode */
	bool syn_only; /* SYN without ACK, RST or FIN: a connection attempt */
	bool stealth; /* NULL, FIN-only or XMAS probe */
	bool probe; /* see context_figures.src_probe_share */
	bool echo_request;
};

/* One record while it is tracked. */
struct track {
	const struct nad_rec *r;
	uint64_t now, w;
	struct pkt_kind k;
	struct src_ent *s;
	struct dst_ent *d;
	uint32_t sh, dh; /* address hashes of the source and the destination */
	double iv; /* seconds since the source's previous record (0: its first) */
	struct dst_slot *ds; /* the source's slot for the destination */
	struct pair_slot *ps; /* its slot for the destination port, or NULL */
	const struct flow_obs *fo; /* the record's flow */
	bool src_home, dst_home;
	double cli, unans; /* what the record adds to the source's client and unanswered counts */
};

void context_opts_default(struct context_opts *o)
{
	memset(o, 0, sizeof(*o));
	flow_opts_default(&o->flow);
}

struct context *context_new(const struct context_opts *o)
{
	struct context *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	else
		context_opts_default(&c->o);
	c->flows = flow_new(&c->o.flow);
	c->src = calloc((size_t)SRC_SETS * WAYS, sizeof(*c->src));
	c->dst = calloc((size_t)DST_SETS * WAYS, sizeof(*c->dst));
	c->auth = calloc((size_t)AUTH_SETS * WAYS, sizeof(*c->auth));
	c->trust = calloc((size_t)TRUST_SETS * WAYS, sizeof(*c->trust));
	if (!c->flows || !c->src || !c->dst || !c->auth || !c->trust) {
		context_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void context_free(struct context *c)
{
	if (!c)
		return;
	flow_free(c->flows);
	free(c->src);
	free(c->dst);
	free(c->auth);
	free(c->trust);
	free(c);
}

void context_end_warmup(struct context *c, uint64_t new_sources_after_ns)
{
	if (c->warm)
		return;
	c->warm = true;
	c->new_after_ns = new_sources_after_ns;
}

static void ring_push(struct bit_ring *f, bool bit)
{
	bool old = f->n == 100 && (f->bits[f->i / 8] >> (f->i % 8) & 1);

	if (f->n == 100 && old)
		f->cnt--;
	if (bit) {
		f->bits[f->i / 8] |= 1 << (f->i % 8);
		f->cnt++;
	} else {
		f->bits[f->i / 8] &= ~(1 << (f->i % 8));
	}
	f->i = (f->i + 1) % 100;
	if (f->n < 100)
		f->n++;
}

static struct src_ent *src_set(const struct context *c, const __u8 a[16])
{
	return &c->src[(size_t)(sketch_mix(sketch_addr_hash(a)) % SRC_SETS) * WAYS];
}

/*
 * Set-associative lookup among the WAYS entries of size bytes at set; with insert, a miss
 * takes a free way, else the least recently seen one (counted in *n), zeroed, and sets
 * *created.
 */
static void *ways_get(void *set, size_t size, const __u8 a[16], bool insert, bool *created,
		      struct ways_count *n)
{
	struct ent_head *victim = NULL;

	for (int w = 0; w < WAYS; w++) {
		struct ent_head *h = (void *)((char *)set + w * size);

		if (h->used && !memcmp(h->addr, a, 16))
			return h;
	}
	if (!insert)
		return NULL;
	for (int w = 0; w < WAYS; w++) {
		struct ent_head *h = (void *)((char *)set + w * size);

		if (!h->used) {
			victim = h;
			break;
		}
		if (!victim || h->last_ns < victim->last_ns)
			victim = h;
	}
	if (victim->used)
		n->evicted++;
	else
		n->used++;
	memset(victim, 0, size);
	victim->used = true;
	memcpy(victim->addr, a, 16);
	if (created)
		*created = true;
	return victim;
}

/* The source entry of a (NULL if it has none). */
static struct src_ent *src_find(struct context *c, const __u8 a[16])
{
	return ways_get(src_set(c, a), sizeof(struct src_ent), a, false, NULL, NULL);
}

static struct trust_ent *trust_set(const struct context *c, const __u8 a[16])
{
	return &c->trust[(size_t)(sketch_mix(sketch_addr_hash(a) ^ 0x27d4eb2d) % TRUST_SETS) *
			 WAYS];
}

/* When a session last answered a (0: not known). */
static uint64_t trust_of(const struct context *c, const __u8 a[16])
{
	const struct trust_ent *t =
		ways_get(trust_set(c, a), sizeof(struct trust_ent), a, false, NULL, NULL);

	return t ? t->h.last_ns : 0;
}

bool context_answered_in(const struct context *c, const struct addr_prefix *p,
			 uint64_t since_ns)
{
	for (size_t i = 0; i < (size_t)TRUST_SETS * WAYS; i++) {
		const struct ent_head *h = &c->trust[i].h;

		if (h->used && h->last_ns >= since_ns && addr_prefix_contains(p, h->addr))
			return true;
	}
	return false;
}

bool context_would_evict(const struct context *c, const __u8 a[16])
{
	const struct src_ent *set = src_set(c, a);

	for (int w = 0; w < WAYS; w++) {
		if (!set[w].h.used || !memcmp(set[w].h.addr, a, 16))
			return false;
	}
	return true;
}

static void src_decay(struct src_ent *s, uint64_t now)
{
	uint64_t dt = now > s->upd_ns ? now - s->upd_ns : 0;
	double f1, f5, f10, f60;

	if (!dt)
		return;
	f1 = sketch_decay(dt, 1), f5 = sketch_decay(dt, 5), f10 = sketch_decay(dt, 10);
	f60 = sketch_decay(dt, 60);
	s->p1 *= f1, s->syn1 *= f1, s->udp1 *= f1, s->icmp1 *= f1, s->ans1 *= f1;
	s->b5 *= f5;
	s->p10 *= f10, s->probe10 *= f10, s->stealth10 *= f10;
	s->rst60 *= f60, s->mal60 *= f60, s->dnsq60 *= f60, s->dnsn60 *= f60;
	s->frag_tiny60 *= f60, s->frag_big60 *= f60;
	s->cli1 *= f1, s->unans1 *= f1, s->fails10 *= f10;
	for (int i = 0; i < 4; i++) {
		struct pair_slot *p = &s->pairs[i];
		struct dst_slot *d = &s->dsts[i];

		p->conns60 *= f60, p->pay_sum60 *= f60, p->pay_n60 *= f60;
		p->data_n60 *= f60, p->fins60 *= f60, p->fails60 *= f60;
		d->p1 *= f1, d->sent60 *= f60, d->recv60 *= f60;
		d->recv_p1 *= f1, d->dnsq60 *= f60, d->dnsq_b60 *= f60;
		d->echo60 *= f60, d->echo_b60 *= f60, d->echo_b2_60 *= f60;
		d->up60 *= f60, d->cli1 *= f1, d->unans1 *= f1;
	}
	s->upd_ns = now;
}

static void src_epoch(struct src_ent *s, uint64_t now)
{
	uint64_t ep = now / EPOCH_NS;

	if (ep == s->epoch)
		return;
	if (ep == s->epoch + 1) {
		memcpy(s->ports[1], s->ports[0], sizeof(s->ports[0]));
		memcpy(s->hosts[1], s->hosts[0], sizeof(s->hosts[0]));
		memcpy(s->fail_ports[1], s->fail_ports[0], sizeof(s->fail_ports[0]));
		memcpy(s->fail_hosts[1], s->fail_hosts[0], sizeof(s->fail_hosts[0]));
	} else {
		memset(s->ports[1], 0, sizeof(s->ports[1]));
		memset(s->hosts[1], 0, sizeof(s->hosts[1]));
		memset(s->fail_ports[1], 0, sizeof(s->fail_ports[1]));
		memset(s->fail_hosts[1], 0, sizeof(s->fail_hosts[1]));
	}
	memset(s->ports[0], 0, sizeof(s->ports[0]));
	memset(s->hosts[0], 0, sizeof(s->hosts[0]));
	memset(s->fail_ports[0], 0, sizeof(s->fail_ports[0]));
	memset(s->fail_hosts[0], 0, sizeof(s->fail_hosts[0]));
	s->epoch = ep;
}

static void dst_update(struct dst_ent *d, uint64_t now)
{
	uint64_t dt = now > d->upd_ns ? now - d->upd_ns : 0, ep = now / EPOCH_NS;

	if (dt) {
		double f1 = sketch_decay(dt, 1);

		d->p1 *= f1, d->unans1 *= f1, d->unsol1 *= f1;
		d->newreg10 *= sketch_decay(dt, 10);
		d->upd_ns = now;
	}
	if (ep != d->epoch) {
		if (ep == d->epoch + 1)
			memcpy(d->srcs[1], d->srcs[0], sizeof(d->srcs[0]));
		else
			memset(d->srcs[1], 0, sizeof(d->srcs[1]));
		memset(d->srcs[0], 0, sizeof(d->srcs[0]));
		d->epoch = ep;
	}
}

static struct pkt_kind pkt_kind(const struct nad_rec *r)
{
	struct pkt_kind k = {
		.ip = r->flags & (NAD_F_IPV4 | NAD_F_IPV6),
		.tcp = r->ip_proto == IPPROTO_TCP,
		.udp = r->ip_proto == IPPROTO_UDP,
		.icmp = r->ip_proto == IPPROTO_ICMP || r->ip_proto == IPPROTO_ICMPV6,
		.arp = r->flags & NAD_F_ARP,
		.echo_request =
			(r->ip_proto == IPPROTO_ICMP && (r->sport >> 8) == ICMP_ECHO) ||
			(r->ip_proto == IPPROTO_ICMPV6 && (r->sport >> 8) == ICMP6_ECHO_REQUEST),
	};
	uint8_t fl = r->tcp_flags & ~TCP_ECN;

	k.syn_only = k.tcp && (r->tcp_flags & TCP_FSRA) == NAD_TCP_SYN;
	/* a later fragment has no TCP header: its zero flags are not a NULL probe */
	k.stealth = k.tcp && (r->flags & NAD_F_L4) &&
		    (fl == 0 || fl == NAD_TCP_FIN || fl == TCP_XMAS);
	k.probe = k.syn_only || k.stealth ||
		  (k.udp && r->payload_bytes <= 64 && r->sport >= 1024) || k.echo_request ||
		  (k.arp && r->sport == ARPOP_REQUEST); /* who-has */
	return k;
}

/* The record's source (made if new) and destination entries, aged to its time. */
static struct track track_open(struct context *c, const struct nad_rec *r,
			       struct context_figures *f)
{
	struct track t = { .r = r, .now = r->ts_ns, .w = r->weight ? r->weight : 1 };
	bool created = false;
	struct dst_ent *dset =
		&c->dst[(size_t)(sketch_mix(sketch_addr_hash(r->daddr) ^ 0x5bd1e995) % DST_SETS) *
			WAYS];

	t.s = ways_get(src_set(c, r->saddr), sizeof(*t.s), r->saddr, true, &created, &c->n_src);
	t.d = ways_get(dset, sizeof(*t.d), r->daddr, true, NULL, &c->n_dst);
	t.dh = sketch_addr_hash(r->daddr);
	t.sh = sketch_addr_hash(r->saddr);
	t.k = pkt_kind(r);
	if (created) {
		t.s->first_ns = t.s->upd_ns = t.now, t.s->epoch = t.now / EPOCH_NS;
		t.s->answered_ns = trust_of(c, r->saddr);
	}
	src_decay(t.s, t.now);
	src_epoch(t.s, t.now);
	dst_update(t.d, t.now);
	f->src_hash = t.sh;
	f->dst_hash = t.dh;
	f->src_slot = (uint32_t)(t.s - c->src);
	f->src_slot_new = created;
	return t;
}

/* Intervals under 1 ms of the source and the destination (dos_pattern's inputs). */
static void count_intervals(struct track *t, struct context_figures *f)
{
	struct src_ent *s = t->s;
	struct dst_ent *d = t->d;

	if (s->n) {
		t->iv = (double)(t->now - s->h.last_ns) / 1e9;
		ring_push(&s->fast, t->iv < 1e-3);
		/* after a pause, what the source does now is a new activity */
		if (t->iv >= 5) {
			s->lp_n = s->lp_i = 0;
			memset(&s->probes, 0, sizeof(s->probes));
		}
	}
	if (d->h.last_ns)
		ring_push(&d->fast, t->now - d->h.last_ns < 1000000);
	f->src_fast_share = f->dst_fast_share = -1;
	if (s->n && t->iv < 1e-3 && s->fast.n >= 100)
		f->src_fast_share = s->fast.cnt / 100.0;
	if (d->h.last_ns && t->now - d->h.last_ns < 1000000 && d->fast.n >= 100)
		f->dst_fast_share = d->fast.cnt / 100.0;
}

/* Interval and size z-scores against the source's own EWMA (alpha 0.05). */
static void count_zscores(struct track *t, struct context_figures *f)
{
	struct src_ent *s = t->s;
	double x;

	if (s->n) {
		/* log: intervals are heavy-tailed; a raw z-score fires on every pause */
		x = log10(t->iv + 1e-6);
		if (s->n >= 10) {
			double sd = sqrt(s->iv_var);

			f->interval_z = (x - s->iv_mean) / (sd < 0.1 ? 0.1 : sd);
		}
		if (s->n == 1) {
			s->iv_mean = x;
		} else {
			double dlt = x - s->iv_mean;

			s->iv_mean += 0.05 * dlt;
			s->iv_var = 0.95 * (s->iv_var + 0.05 * dlt * dlt);
		}
	}
	x = t->r->wire_bytes;
	if (s->n >= 10) {
		double sd = sqrt(s->sz_var), fl_sd = s->sz_mean * 0.1 > 20 ? s->sz_mean * 0.1 : 20;

		f->size_z = (x - s->sz_mean) / (sd < fl_sd ? fl_sd : sd);
	}
	if (!s->n) {
		s->sz_mean = x;
	} else {
		double dlt = x - s->sz_mean;

		s->sz_mean += 0.05 * dlt;
		s->sz_var = 0.95 * (s->sz_var + 0.05 * dlt * dlt);
	}
}

/* The source's rates, distinct ports and hosts, last ports, peers. */
static void count_source(struct track *t)
{
	const struct nad_rec *r = t->r;
	struct src_ent *s = t->s;
	uint64_t w = t->w;

	s->p1 += w, s->p10 += w, s->b5 += (double)r->wire_bytes * w;
	if (t->k.syn_only)
		s->syn1 += w;
	if (t->k.udp)
		s->udp1 += w;
	if (t->k.probe)
		s->probe10 += w;
	ring_push(&s->probes, t->k.probe);
	if (t->k.stealth)
		s->stealth10 += w;
	if (t->k.udp && r->dport == 53)
		s->dnsq60 += (double)r->payload_bytes * w, s->dnsn60 += w;
	if (r->flags & NAD_F_L4) {
		sketch_set(s->ports[0], 512, sketch_mix(r->dport));
		s->last_ports[s->lp_i] = r->dport;
		s->lp_i = (s->lp_i + 1) % 100;
		if (s->lp_n < 100)
			s->lp_n++;
	}
	if (t->k.ip || t->k.arp)
		sketch_set(s->hosts[0], 256, sketch_mix(t->dh));
	s->peers |= 1ull << (sketch_mix(t->dh) % 64);
	if (ports_is_iot(r->sport) || ports_is_iot(r->dport))
		s->iot_port = true;
	s->int_pkts += w, s->int_bytes += (uint64_t)r->wire_bytes * w;
}

/* The source's slot for the destination: found, or the quietest one taken over. */
static struct dst_slot *dst_slot_of(struct src_ent *s, uint32_t dh)
{
	struct dst_slot *ds;

	for (int k = 0; k < 4; k++) {
		if (s->dsts[k].dh == dh && (s->dsts[k].p1 > 0 || s->dsts[k].sent60 > 0))
			return &s->dsts[k];
	}
	ds = &s->dsts[0];
	for (int k = 1; k < 4; k++) {
		if (s->dsts[k].p1 + s->dsts[k].sent60 * 1e-6 < ds->p1 + ds->sent60 * 1e-6)
			ds = &s->dsts[k];
	}
	memset(ds, 0, sizeof(*ds));
	ds->dh = dh;
	return ds;
}

/* Packets and payload to the destination, and its roles' share of them (count_roles). */
static void count_sent(struct track *t)
{
	t->ds = dst_slot_of(t->s, t->dh);
	t->ds->p1 += t->w;
	t->ds->sent60 += (double)t->r->payload_bytes * t->w;
	t->ds->cli1 += t->cli;
	t->ds->unans1 += t->unans;
}

/*
 * A packet the parser found well formed but that breaks its protocol's rules, or NULL:
 * an ICMP type or code no one has assigned (features/icmp.h), or a fragment in a stream
 * of tiny fragments. Every host must take a 68-byte datagram whole (RFC 791), so only a
 * datagram's last fragment is ever that small, at most one per datagram; a source whose
 * fragments are mostly that small is splitting headers across fragments or sending
 * overlapping garbage (RFC 1858) to evade inspection. Counted like malformed packets.
 */
static const char *violation(struct src_ent *s, const struct nad_rec *r, uint64_t w)
{
	uint8_t type = r->sport >> 8, code = r->sport & 0xff;

	if ((r->flags & NAD_F_L4) && r->ip_proto == IPPROTO_ICMP &&
	    !icmp_assigned(r->ip_proto, type, code))
		return "ICMP type and code unassigned";
	if ((r->flags & NAD_F_L4) && r->ip_proto == IPPROTO_ICMPV6 &&
	    !icmp_assigned(r->ip_proto, type, code))
		return "ICMPv6 type and code unassigned";
	if (r->flags & NAD_F_FRAG) {
		bool tiny = r->wire_bytes - r->l3_off < 68;

		if (tiny)
			s->frag_tiny60 += w;
		else
			s->frag_big60 += w;
		if (tiny && s->frag_tiny60 >= 10 && s->frag_tiny60 >= 3 * s->frag_big60)
			return "tiny IP fragments (under 68 bytes, most of its fragments)";
	}
	return NULL;
}

/*
 * Answers: what a host sends because someone sent to it. A flood's victim answers at the
 * flood's rate; its SYN-ACKs, echo replies and port-unreachables are not a flood of its
 * own, nor are the bare ACKs of a receiver. Then malformed and non-conforming packets.
 */
static void count_answers(struct track *t, struct context_figures *f)
{
	const struct nad_rec *r = t->r;
	struct src_ent *s = t->s;
	uint8_t ity = r->sport >> 8;
	bool answer =
		(t->k.tcp &&
		 (((r->tcp_flags & TCP_SYNACK) == TCP_SYNACK) || (r->tcp_flags & NAD_TCP_RST) ||
		  ((r->tcp_flags & TCP_FSRA) == NAD_TCP_ACK && !r->payload_bytes))) ||
		(r->ip_proto == IPPROTO_ICMP && ity == ICMP_ECHOREPLY) ||
		(r->ip_proto == IPPROTO_ICMPV6 && ity == ICMP6_ECHO_REPLY);
	bool icmp_err = (r->ip_proto == IPPROTO_ICMP &&
			 (ity == ICMP_DEST_UNREACH || ity == ICMP_TIME_EXCEEDED)) ||
			(r->ip_proto == IPPROTO_ICMPV6 && ity >= ICMP6_DST_UNREACH &&
			 ity <= ICMP6_PARAM_PROB);

	/* an ICMP error is an answer to a peer that sent to us; unsolicited, a flood */
	if (icmp_err && t->ds->recv_p1 >= 1)
		answer = true;
	if (answer)
		s->ans1 += t->w;
	if (t->k.icmp && !answer)
		s->icmp1 += t->w;
	f->violation = violation(s, r, t->w);
	/* an answer to port 0 carries the asker's violation, not its own */
	if ((r->malformed && !(answer && r->malformed == NAD_MAL_L4_PORT_ZERO)) || f->violation)
		s->mal60 += t->w;
}

/* DNS queries and echo requests to the destination; what the peer got from the source. */
static void count_queries(struct context *c, struct track *t)
{
	const struct nad_rec *r = t->r;
	struct dst_slot *ds = t->ds;
	struct src_ent *peer;
	double x;

	if (r->dport == 53 && (t->k.udp || t->k.tcp) && r->payload_bytes > 0) {
		ds->dnsq60 += t->w;
		ds->dnsq_b60 += (double)r->payload_bytes * t->w;
	}
	if (t->k.echo_request) {
		x = r->payload_bytes;
		ds->echo60 += t->w;
		ds->echo_b60 += x * t->w;
		ds->echo_b2_60 += x * x * t->w;
	}
	/* what the peer received from this source: its upload/download balance */
	peer = t->k.ip ? src_find(c, r->daddr) : NULL;
	if (!peer)
		return;
	src_decay(peer, t->now);
	for (int k = 0; k < 4; k++) {
		if (peer->dsts[k].dh == t->sh) {
			peer->dsts[k].recv60 += (double)r->payload_bytes * t->w;
			peer->dsts[k].recv_p1 += t->w;
			break;
		}
	}
}

/* The source's slot for the destination port: found, or taken over by a SYN; or NULL. */
static struct pair_slot *pair_slot_of(struct track *t)
{
	struct src_ent *s = t->s;
	struct pair_slot *ps;

	for (int k = 0; k < 4; k++) {
		if (s->pairs[k].dh == t->dh && s->pairs[k].port == t->r->dport &&
		    (s->pairs[k].conns60 > 0.01 || s->pairs[k].pay_n60 > 0.01 ||
		     s->pairs[k].held > 0))
			return &s->pairs[k];
	}
	if (!t->k.syn_only)
		return NULL;
	/* the slot with the fewest connections, its held ones counted: a Slowloris keeps its */
	ps = &s->pairs[0];
	for (int k = 1; k < 4; k++) {
		if (s->pairs[k].conns60 + s->pairs[k].held < ps->conns60 + ps->held)
			ps = &s->pairs[k];
	}
	memset(ps, 0, sizeof(*ps));
	ps->dh = t->dh;
	ps->port = t->r->dport;
	return ps;
}

/* Connections to the destination port, their ACKs, FINs and payload. */
static void count_pair(struct track *t)
{
	const struct nad_rec *r = t->r;
	struct pair_slot *ps;

	if (!t->k.tcp && !t->k.udp)
		return;
	ps = t->ps = pair_slot_of(t);
	if (!ps)
		return;
	if (t->k.syn_only) {
		ps->conns60 += t->w;
	} else if (t->k.tcp && (r->tcp_flags & NAD_TCP_ACK)) {
		ps->pay_n60 += t->w;
		if (r->tcp_flags & NAD_TCP_FIN)
			ps->fins60 += t->w;
		if (r->payload_bytes) {
			ps->pay_sum60 += (double)r->payload_bytes * t->w;
			ps->data_n60 += t->w;
		}
	}
}

static uint64_t auth_key(const __u8 cli[16], uint16_t cport, const __u8 srv[16], uint16_t sport)
{
	uint64_t hi = sketch_mix(sketch_addr_hash(cli) ^ (uint32_t)cport * 2654435761u);
	uint64_t lo =
		sketch_mix(sketch_addr_hash(srv) ^ 0x85ebca6bu ^ (uint32_t)sport * 2246822519u);

	return (hi << 32 | lo) | 1;
}

static struct auth_flow *auth_get(struct context *c, uint64_t key, bool create, uint64_t now)
{
	/* key is odd (0 marks a free way): its low bit cannot pick the set */
	struct auth_flow *set = &c->auth[(size_t)((key >> 1) % AUTH_SETS) * WAYS], *victim = NULL;

	for (int w = 0; w < WAYS; w++) {
		if (set[w].key == key)
			return &set[w];
	}
	if (!create)
		return NULL;
	for (int w = 0; w < WAYS; w++) {
		if (!victim || set[w].last_ns < victim->last_ns)
			victim = &set[w];
	}
	if (victim->key)
		c->n_auth.evicted++;
	else
		c->n_auth.used++;
	memset(victim, 0, sizeof(*victim));
	victim->key = key;
	victim->last_ns = now;
	return victim;
}

/* A client's SYN or request to a login service. */
static void auth_client(struct context *c, const struct nad_rec *r, bool syn_only, uint64_t now)
{
	uint64_t key;
	struct auth_flow *f;

	if (!syn_only && !r->payload_bytes)
		return;
	key = auth_key(r->saddr, r->sport, r->daddr, r->dport);
	f = auth_get(c, key, syn_only, now);
	if (!f)
		return;
	if (syn_only && f->replies) { /* the port pair is reused: a new connection */
		memset(f, 0, sizeof(*f));
		f->key = key;
	}
	f->last_ns = now;
	if (r->payload_bytes)
		f->client_spoke = true;
}

/* A login service's reply: a failure if it repeats one of its two previous lengths. */
static void auth_server(struct context *c, const struct nad_rec *r, uint64_t now)
{
	struct auth_flow *f =
		auth_get(c, auth_key(r->daddr, r->dport, r->saddr, r->sport), false, now);
	struct src_ent *cli;
	uint32_t sh;

	if (!f || f->replies >= AUTH_REPLIES)
		return;
	f->last_ns = now;
	if (f->client_spoke && f->replies &&
	    (r->payload_bytes == f->lens[0] ||
	     (f->replies > 1 && r->payload_bytes == f->lens[1]))) {
		cli = src_find(c, r->daddr);
		sh = sketch_addr_hash(r->saddr);
		if (cli) {
			src_decay(cli, now);
			for (int k = 0; k < 4; k++) {
				if (cli->pairs[k].dh == sh && cli->pairs[k].port == r->sport) {
					cli->pairs[k].fails60 += 1;
					break;
				}
			}
		}
	}
	f->lens[1] = f->lens[0];
	f->lens[0] = r->payload_bytes;
	f->replies++;
	f->client_spoke = false;
}

/* Login dialogues (see context.h); a failure counts on the client's pair slot. */
static void auth_track(struct context *c, const struct nad_rec *r, bool syn_only, uint64_t now)
{
	if (r->ip_proto != IPPROTO_TCP || !(r->flags & NAD_F_L4))
		return;
	if (ports_is_login(r->dport))
		auth_client(c, r, syn_only, now);
	else if (ports_is_login(r->sport) && r->payload_bytes)
		auth_server(c, r, now);
}

/* RSTs against the destination; callbacks after service access (intrusion_attempt). */
static void count_rst_and_callback(struct context *c, struct track *t, struct context_figures *f)
{
	const struct nad_rec *r = t->r;
	struct src_ent *s = t->s, *peer;

	/* failures: an RST to a source counts against it */
	if (t->k.tcp && (r->tcp_flags & NAD_TCP_RST)) {
		peer = src_find(c, r->daddr);
		if (peer) {
			src_decay(peer, t->now);
			peer->rst60 += t->w;
		}
	}
	if (t->k.syn_only) {
		peer = src_find(c, r->daddr);
		/*
		 * The victim connects back to the attacker: after payload to a sensitive
		 * service, or to a web service from outside the home net (a home web server
		 * that also talks to its clients on other ports is doing its job)
		 */
		if (peer && peer->victim_dh == t->sh && t->now - peer->victim_ns < CALLBACK_NS &&
		    (ports_is_sensitive(peer->victim_port) || !t->dst_home))
			f->callback = true;
		if (s->victim_dh == t->dh && t->now - s->victim_ns < CALLBACK_NS &&
		    ports_is_sensitive(s->victim_port) && r->dport >= 1024 &&
		    r->dport != s->victim_port && !ports_is_web(r->dport))
			f->callback = true; /* the attacker opens a bind shell */
	}
	/* a client's payload to the service: a server's response to a client port that
	 * happens to be 3389 or 8080 (an ephemeral port, or one a NAT picked) is none */
	if (t->k.tcp && r->payload_bytes > 0 && t->fo->from_client &&
	    (ports_is_sensitive(r->dport) || ports_is_web(r->dport))) {
		s->victim_dh = t->dh;
		s->victim_port = r->dport;
		s->victim_ns = t->now;
	}
}

/* The destination entry of a (NULL if it has none). */
static struct dst_ent *dst_find(struct context *c, const __u8 a[16])
{
	struct dst_ent *set =
		&c->dst[(size_t)(sketch_mix(sketch_addr_hash(a) ^ 0x5bd1e995) % DST_SETS) * WAYS];

	return ways_get(set, sizeof(*set), a, false, NULL, NULL);
}

static bool may_learn(const struct context *c, const __u8 a[16])
{
	return c->o.baseline && (!c->o.learn || c->o.learn(c->o.learn_ctx, a));
}

/* Adds v to metric m of host a's baseline window, if a is home and may teach it. */
static void learn_host(struct context *c, const __u8 a[16], bool home, const __u8 teacher[16],
		       enum baseline_metric m, double v, uint64_t now)
{
	if (home && may_learn(c, teacher))
		baseline_host_add(baseline_host(c->o.baseline, a, now), m, v);
}

static void learn_svc(struct context *c, const __u8 a[16], uint8_t proto, uint16_t port,
		      const __u8 teacher[16], enum baseline_svc_metric m, double v, uint64_t now)
{
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && homenet_contains(c->o.home, a) &&
	    may_learn(c, teacher))
		baseline_svc_add(baseline_svc(c->o.baseline, a, proto, port, now), m, v);
}

/* A request of client to server:port refused or unanswered: a failure of the client's. */
static void fail(struct context *c, const __u8 client[16], const __u8 server[16], uint8_t proto,
		 uint16_t port, bool port_known, uint64_t now)
{
	struct src_ent *cl = src_find(c, client);

	if (cl) {
		src_decay(cl, now);
		src_epoch(cl, now);
		if (port_known)
			sketch_set(cl->fail_ports[0], 512, sketch_mix(port));
		sketch_set(cl->fail_hosts[0], 256, sketch_mix(sketch_addr_hash(server)));
		cl->fails10 += 1;
	}
	learn_host(c, client, homenet_contains(c->o.home, client), client, BL_UNANSWERED_OUT, 1,
		   now);
	learn_host(c, server, homenet_contains(c->o.home, server), client, BL_UNANSWERED_IN, 1,
		   now);
	if (port_known)
		learn_svc(c, server, proto, port, client, BLS_UNANSWERED, 1, now);
}

/* A source's slot for the destination (hash dh) and port, if it keeps one; never made. */
static struct pair_slot *pair_find(struct src_ent *s, uint32_t dh, uint16_t port)
{
	for (int k = 0; k < 4; k++)
		if (s->pairs[k].dh == dh && s->pairs[k].port == port)
			return &s->pairs[k];
	return NULL;
}

/* The client's slot for server:port (the four kept per source), or NULL. */
static struct pair_slot *held_slot(struct context *c, const __u8 client[16],
				   const __u8 server[16], uint16_t port, uint64_t now)
{
	struct src_ent *cl = src_find(c, client);

	if (!cl)
		return NULL;
	src_decay(cl, now);
	return pair_find(cl, sketch_addr_hash(server), port);
}

/* The request a timed-out flow failed on, as its client sent it (context_take_late). */
static void note_late(struct context *c, const struct flow_event *ev)
{
	struct nad_rec *r = NULL;

	if (ev->flow_kind != FLOW_K_TCP && ev->flow_kind != FLOW_K_UDP)
		return;
	for (size_t i = 0; i < c->n_late && !r; i++)
		if (!memcmp(c->late[i].saddr, ev->client, 16))
			r = &c->late[i];
	if (!r && c->n_late == CONTEXT_LATE_MAX)
		return;
	if (!r)
		r = &c->late[c->n_late++];
	memset(r, 0, sizeof(*r));
	memcpy(r->saddr, ev->client, 16);
	memcpy(r->daddr, ev->server, 16);
	r->flags = addr_is_v4(ev->client) ? NAD_F_IPV4 : NAD_F_IPV6;
	r->ip_proto = ev->ip_proto;
	r->sport = ev->client_port;
	r->dport = ev->server_port;
	r->tcp_flags = ev->ip_proto == IPPROTO_TCP ? NAD_TCP_SYN : 0;
	r->ts_ns = ev->now_ns;
	r->weight = 1;
}

size_t context_take_late(struct context *c, struct nad_rec *probes, size_t n)
{
	if (n > c->n_late)
		n = c->n_late;
	memcpy(probes, c->late, n * sizeof(*probes));
	c->n_late = 0;
	return n;
}

/* The flow table's timeouts: unanswered requests, connections held open. */
static void on_flow_event(void *ctx, const struct flow_event *ev)
{
	struct context *c = ctx;
	struct pair_slot *ps;

	if (ev->kind == FLOW_EV_UNANSWERED) {
		fail(c, ev->client, ev->server, ev->ip_proto, ev->server_port,
		     ev->flow_kind == FLOW_K_TCP || ev->flow_kind == FLOW_K_UDP, ev->now_ns);
		note_late(c, ev);
		return;
	}
	ps = held_slot(c, ev->client, ev->server, ev->server_port, ev->now_ns);
	if (ps && ev->kind == FLOW_EV_HELD)
		ps->held += 1;
	else if (ps) /* FLOW_EV_IDLE, FLOW_EV_GONE */
		ps->held = ps->held > 1 ? ps->held - 1 : 0;
}

/*
 * A held connection the server answered or that ended is held no more: "holds N
 * connections open" counts the ones still open, not a past Slowloris's.
 */
static void release_held(struct context *c, const struct nad_rec *r, const struct flow_obs *fo,
			 uint64_t now)
{
	struct pair_slot *ps = fo->from_client ? held_slot(c, r->saddr, r->daddr, r->dport, now) :
						 held_slot(c, r->daddr, r->saddr, r->sport, now);

	if (ps)
		ps->held = ps->held > 1 ? ps->held - 1 : 0;
}

/* The server answered: the client's requests counted as unanswered are taken back. */
static void take_back(struct context *c, const __u8 client[16], const __u8 server[16],
		      const struct flow_obs *fo, uint64_t now)
{
	double back = fo->pend_pkts * sketch_decay(now - fo->pend_last_ns, 1);
	struct src_ent *cl = src_find(c, client);
	struct dst_ent *sv = dst_find(c, server);
	/*
	 * A session: a completed handshake or a UDP exchange. An ARP or echo reply (nmap
	 * resolves the target's MAC even with -Pn) answers a probe, and makes nobody a
	 * client the mitigation must trust.
	 */
	bool session = fo->kind == FLOW_K_TCP || fo->kind == FLOW_K_UDP;

	if (session) {
		struct trust_ent *t = ways_get(trust_set(c, client), sizeof(*t), client, true, NULL,
					       &c->n_trust);

		t->h.last_ns = now;
	}
	if (cl) {
		uint32_t sh = sketch_addr_hash(server);

		src_decay(cl, now);
		cl->unans1 = cl->unans1 > back ? cl->unans1 - back : 0;
		if (session)
			cl->answered_ns = now;
		for (int k = 0; k < 4; k++) {
			struct dst_slot *ds = &cl->dsts[k];

			if (ds->dh == sh)
				ds->unans1 = ds->unans1 > back ? ds->unans1 - back : 0;
		}
	}
	if (sv) {
		dst_update(sv, now);
		sv->unans1 = sv->unans1 > back ? sv->unans1 - back : 0;
	}
	learn_host(c, client, homenet_contains(c->o.home, client), client, BL_ANSWERED, 1, now);
}

/*
 * Did the receiver of this ICMP error send to its sender in the last second? Then the
 * error answers it (a port unreachable to a UDP flood is the victim's answer); if not,
 * it answers nothing (BlackNurse floods unsolicited port unreachables).
 */
static bool solicited(struct context *c, const struct track *t)
{
	struct src_ent *peer = src_find(c, t->r->daddr);

	if (!peer)
		return false;
	src_decay(peer, t->now);
	for (int k = 0; k < 4; k++) {
		if (peer->dsts[k].dh == t->sh && peer->dsts[k].p1 >= 0.5)
			return true;
	}
	return false;
}

/* The record's role in its flow, and what it tells about requests and answers. */
static void count_roles(struct context *c, struct track *t, struct context_figures *f)
{
	const struct nad_rec *r = t->r;
	const struct flow_obs *fo = &f->flow;
	bool echo, unans;

	flow_observe(c->flows, r, &f->flow);
	t->fo = fo;
	t->src_home = f->src_home = t->k.ip && homenet_contains(c->o.home, r->saddr);
	t->dst_home = f->dst_home = t->k.ip && homenet_contains(c->o.home, r->daddr);
	echo = fo->kind == FLOW_K_ECHO;
	unans = fo->request || (echo && fo->from_client);
	/*
	 * Unbalanced: a flow whose client sends over 8 times what comes back (TCP acknowledges
	 * every second segment, a UDP exchange answers each request): the rest is one-way.
	 */
	if ((fo->kind == FLOW_K_UDP || fo->kind == FLOW_K_TCP) && fo->from_client && !fo->request &&
	    fo->pkts_c > 8 * ((uint64_t)fo->pkts_s + 1))
		unans = true;
	if (fo->from_client && fo->kind != FLOW_K_NONE) {
		t->s->cli1 += t->w;
		t->cli += (double)t->w;
	}
	if (unans) {
		t->s->unans1 += t->w;
		t->unans += (double)t->w;
		t->d->unans1 += t->w;
	}
	if (fo->completes)
		take_back(c, r->saddr, r->daddr, fo, t->now);
	else if (fo->answer && !echo && fo->kind != FLOW_K_TCP)
		take_back(c, r->daddr, r->saddr, fo, t->now);
	if (fo->released)
		release_held(c, r, fo, t->now);
	if (fo->refused)
		fail(c, r->daddr, r->saddr, r->ip_proto, r->sport, true, t->now);
	if (fo->icmp_error && solicited(c, t))
		fail(c, r->daddr, r->saddr, 0, 0, false, t->now);
	else if (fo->icmp_error)
		f->flow.unsolicited = true;
	/* a response nobody asked for asks for nothing either: one-way, like a flood */
	if (fo->unsolicited) {
		t->s->cli1 += t->w;
		t->s->unans1 += t->w;
		t->cli += (double)t->w;
		t->unans += (double)t->w;
		t->d->unsol1 += t->w;
	}
}

/*
 * Payload the source sent on a flow it opened, or asked for: active FTP's data
 * connection is opened by the server from port 20 at the client's request.
 */
static void count_upload(struct track *t)
{
	const struct flow_obs *fo = t->fo;
	bool asked = fo->kind == FLOW_K_TCP && !fo->from_client && t->r->dport == 20;

	if ((fo->from_client || asked) && fo->kind != FLOW_K_NONE && t->r->payload_bytes)
		t->ds->up60 += (double)t->r->payload_bytes * t->w;
}

/* What the record teaches the baselines of its home hosts and services. */
static void feed_baseline(struct context *c, const struct track *t)
{
	const struct nad_rec *r = t->r;
	const struct flow_obs *fo = t->fo;
	const __u8 *src = r->saddr;
	double w = (double)t->w, bytes = (double)r->wire_bytes * w;

	if (!c->o.baseline || !may_learn(c, src))
		return;
	if (t->src_home) {
		struct baseline_host *h = baseline_host(c->o.baseline, src, t->now);

		baseline_host_add(h, BL_PKTS_OUT, w);
		baseline_host_add(h, BL_BYTES_OUT, bytes);
		if (fo->first && fo->from_client) {
			baseline_host_add(h, BL_OPENED, 1);
			baseline_host_distinct(h, BL_FANOUT_PORTS, sketch_mix(r->dport));
			baseline_host_distinct(h, BL_FANOUT_HOSTS, sketch_mix(t->dh));
		}
		if (!t->dst_home && fo->from_client && r->payload_bytes)
			baseline_host_add(h, BL_UPLOAD, (double)r->payload_bytes * w);
	}
	if (t->dst_home) {
		struct baseline_host *h = baseline_host(c->o.baseline, r->daddr, t->now);

		baseline_host_add(h, BL_PKTS_IN, w);
		baseline_host_add(h, BL_BYTES_IN, bytes);
	}
	if (fo->first && fo->from_client)
		learn_svc(c, r->daddr, r->ip_proto, r->dport, src, BLS_REQUESTS, 1, t->now);
	if (fo->from_client)
		learn_svc(c, r->daddr, r->ip_proto, r->dport, src, BLS_PKTS_IN, w, t->now);
	else if (fo->kind == FLOW_K_TCP || fo->kind == FLOW_K_UDP)
		learn_svc(c, src, r->ip_proto, r->sport, src, BLS_BYTES_OUT, bytes, t->now);
}

static void fill_roles(const struct track *t, struct context_figures *f)
{
	const struct src_ent *s = t->s;

	f->src_client_pps = s->cli1;
	f->src_unans_pps = s->unans1;
	f->src_answered_ns = s->answered_ns;
	f->src_fail_ports = sketch_distinct(s->fail_ports[0], s->fail_ports[1], 8);
	f->src_fail_hosts = sketch_distinct(s->fail_hosts[0], s->fail_hosts[1], 4);
	f->src_fails = s->fails10;
	f->src_pair_held = t->ps ? t->ps->held : 0;
	f->src_pair_upload = t->ds->up60;
	f->src_pair_client_pps = t->ds->cli1;
	f->src_pair_unans_pps = t->ds->unans1;
	f->dst_unans_pps = t->d->unans1;
	f->dst_unsol_pps = t->d->unsol1;
}

/* The destination's rate, flood share, sources, and new sources sending it payload. */
static void count_destination(struct context *c, struct track *t)
{
	const struct nad_rec *r = t->r;
	struct src_ent *s = t->s;
	struct dst_ent *d = t->d;

	d->p1 += t->w;
	sketch_set(d->srcs[0], 512, sketch_mix(t->sh));
	if (c->warm && t->now - s->first_ns < NEW_SRC_NS && s->first_ns > c->new_after_ns &&
	    r->payload_bytes > 0 && (t->k.tcp || t->k.udp) && !s->newreg_counted) {
		if (d->reg_port != r->dport && d->newreg10 < 1) {
			d->reg_port = r->dport;
			d->newreg10 = 0;
		}
		if (d->reg_port == r->dport) {
			d->newreg10 += 1;
			s->newreg_counted = true;
		}
	}
}

static void fill_source(const struct track *t, struct context_figures *f)
{
	const struct src_ent *s = t->s;
	double x;

	f->src_pps = s->p1;
	f->src_bps = s->b5 / 5;
	/* shares of what the source initiates: an attacker's kernel RSTs the SYN-ACKs */
	x = s->p1 - s->ans1 > 0.5 ? s->p1 - s->ans1 : 0;
	f->src_syn_share = x ? s->syn1 / x : 0;
	f->src_udp_share = x ? s->udp1 / x : 0;
	f->src_icmp_share = x ? s->icmp1 / x : 0;
	f->src_pkts10 = s->p10;
	f->src_top_dst_share = t->ds->p1 / s->p1;
	f->src_dst_ports = sketch_distinct(s->ports[0], s->ports[1], 8);
	f->src_dst_hosts = sketch_distinct(s->hosts[0], s->hosts[1], 4);
	/* of its last (up to) 100 packets: a 10-s count would mix in the previous activity */
	f->src_probe_share = (double)s->probes.cnt / s->probes.n;
	f->src_stealth_probes = s->stealth10;
	f->src_answer_share = s->ans1 / s->p1;
	f->src_rsts = s->rst60;
	f->src_malformed = s->mal60;
	f->src_dns_query_bytes = s->dnsq60;
	f->src_dns_queries = s->dnsn60;
	f->src_new = t->now - s->first_ns < NEW_SRC_NS;
}

static void fill_pair(const struct track *t, struct context_figures *f)
{
	const struct pair_slot *ps = t->ps;
	const struct dst_slot *ds = t->ds;

	f->src_pair_conns = ps ? ps->conns60 : 0;
	f->src_pair_auth_fails = ps ? ps->fails60 : 0;
	f->src_pair_payload_mean = ps && ps->data_n60 > 0.5 ? ps->pay_sum60 / ps->data_n60 : 0;
	f->src_pair_acked = ps ? ps->pay_n60 : 0;
	f->src_pair_fins = ps ? ps->fins60 : 0;
	f->src_pair_bytes_per_conn = ps && ps->conns60 > 0.5 ? ps->pay_sum60 / ps->conns60 : 0;
	f->src_pair_sent = ds->sent60;
	f->src_pair_recv = ds->recv60;
	f->src_pair_dns_queries = ds->dnsq60;
	f->src_pair_dns_mean = ds->dnsq60 > 0.5 ? ds->dnsq_b60 / ds->dnsq60 : 0;
	f->src_pair_echo = ds->echo60;
	if (ds->echo60 > 0.5) {
		double m = ds->echo_b60 / ds->echo60, v = ds->echo_b2_60 / ds->echo60 - m * m;

		f->src_pair_echo_mean = m;
		f->src_pair_echo_sd = v > 0 ? sqrt(v) : 0;
	}
}

/* Learns the destination port in the warm-up; whether the warm-up saw it. */
static bool in_baseline(struct context *c, const struct track *t)
{
	uint32_t b1 = sketch_mix(t->dh ^ (uint32_t)t->r->dport * 2654435761u);
	uint32_t b2 = sketch_mix(b1 + 0x9e3779b9);

	if (!c->warm) {
		sketch_set(c->baseline, BASELINE_BITS, b1);
		sketch_set(c->baseline, BASELINE_BITS, b2);
	}
	return sketch_has(c->baseline, BASELINE_BITS, b1) &&
	       sketch_has(c->baseline, BASELINE_BITS, b2);
}

static void fill_destination(struct context *c, const struct track *t, struct context_figures *f)
{
	const struct dst_ent *d = t->d;

	f->dst_pps = d->p1;
	f->dst_srcs = sketch_distinct(d->srcs[0], d->srcs[1], 8);
	f->dst_new_payload_srcs = d->reg_port == t->r->dport ? d->newreg10 : 0;
	f->dstport_in_baseline = in_baseline(c, t);
}

/* Distinct destination ports among the source's last (up to) 100 packets. */
static unsigned ports_last100(const struct src_ent *s)
{
	uint64_t seen[16] = { 0 }; /* 1024-bit hashed set; exact enough for <= 100 values */
	unsigned n = 0;

	for (unsigned i = 0; i < s->lp_n; i++) {
		uint32_t h = (s->last_ports[i] * 2654435761u) >> 22;

		if (!(seen[h / 64] >> (h % 64) & 1)) {
			seen[h / 64] |= 1ull << (h % 64);
			n++;
		}
	}
	return n;
}

/* IoT by port, or by behaviour: small packets to few peers at regular intervals. */
static bool iot_source(const struct src_ent *s)
{
	return s->iot_port || (s->n >= 20 && s->sz_mean < 300 &&
			       __builtin_popcountll(s->peers) <= 3 && sqrt(s->iv_var) < 0.3);
}

void context_track(struct context *c, const struct nad_rec *r, struct context_figures *f)
{
	struct track t;

	memset(f, 0, sizeof(*f));
	flow_sweep(c->flows, r->ts_ns, on_flow_event, c);
	t = track_open(c, r, f);
	count_roles(c, &t, f);
	count_intervals(&t, f);
	count_zscores(&t, f);
	count_source(&t);
	count_sent(&t);
	count_upload(&t);
	count_answers(&t, f);
	count_queries(c, &t);
	count_pair(&t);
	auth_track(c, r, t.k.syn_only, t.now);
	count_rst_and_callback(c, &t, f);
	count_destination(c, &t);
	fill_source(&t, f);
	fill_pair(&t, f);
	fill_destination(c, &t, f);
	fill_roles(&t, f);
	feed_baseline(c, &t);
	f->src_recent_ports = t.k.syn_only || f->src_dst_ports >= 10 ? ports_last100(t.s) : 0;
	f->src_iot = iot_source(t.s);
	t.s->n++;
	t.s->h.last_ns = t.now;
	t.d->h.last_ns = t.now;
	f->src_n = t.s->n;
}

void context_peek(struct context *c, const struct nad_rec *r, struct context_figures *f)
{
	static const struct flow_obs no_flow;
	struct dst_slot none = { 0 };
	struct track t = { .r = r, .now = r->ts_ns, .w = 1, .fo = &no_flow };

	memset(f, 0, sizeof(*f));
	t.k = pkt_kind(r);
	t.sh = f->src_hash = sketch_addr_hash(r->saddr);
	t.dh = f->dst_hash = sketch_addr_hash(r->daddr);
	f->src_home = t.k.ip && homenet_contains(c->o.home, r->saddr);
	f->dst_home = t.k.ip && homenet_contains(c->o.home, r->daddr);
	t.s = src_find(c, r->saddr);
	t.d = dst_find(c, r->daddr);
	if (!t.s || !t.d)
		return;
	src_decay(t.s, t.now);
	src_epoch(t.s, t.now);
	dst_update(t.d, t.now);
	t.ds = &none;
	for (int k = 0; k < 4; k++)
		if (t.s->dsts[k].dh == t.dh)
			t.ds = &t.s->dsts[k];
	t.ps = pair_find(t.s, t.dh, r->dport);
	f->src_slot = (uint32_t)(t.s - c->src);
	fill_source(&t, f);
	fill_pair(&t, f);
	f->dst_pps = t.d->p1;
	f->dst_srcs = sketch_distinct(t.d->srcs[0], t.d->srcs[1], 8);
	fill_roles(&t, f);
	f->src_recent_ports = ports_last100(t.s);
	f->src_iot = iot_source(t.s);
	f->src_n = t.s->n;
}

size_t context_take_talkers(struct context *c, struct context_talker *top, size_t n)
{
	const struct src_ent *best[CONTEXT_TALKERS_MAX] = { 0 };
	size_t k, found = 0;

	if (n > CONTEXT_TALKERS_MAX)
		n = CONTEXT_TALKERS_MAX;
	for (size_t i = 0; i < (size_t)SRC_SETS * WAYS; i++) {
		const struct src_ent *x = &c->src[i];

		if (!x->h.used || !x->int_pkts)
			continue;
		for (k = 0; k < n; k++) {
			if (!best[k] || x->int_pkts > best[k]->int_pkts) {
				memmove(&best[k + 1], &best[k], sizeof(best[0]) * (n - 1 - k));
				best[k] = x;
				break;
			}
		}
	}
	for (k = 0; k < n && best[k]; k++, found++) {
		memcpy(top[k].addr, best[k]->h.addr, 16);
		top[k].pkts = best[k]->int_pkts;
		top[k].bytes = best[k]->int_bytes;
	}
	/* Only slots that counted are written: writing all 16,384 (25 MB) would make the
	 * whole table resident at the first summary, however few sources were seen. */
	for (size_t i = 0; i < (size_t)SRC_SETS * WAYS; i++)
		if (c->src[i].int_pkts || c->src[i].int_bytes)
			c->src[i].int_pkts = c->src[i].int_bytes = 0;
	return found;
}

void context_tick(struct context *c, uint64_t now_ns)
{
	flow_sweep(c->flows, now_ns, on_flow_event, c);
	if (c->o.baseline)
		baseline_tick(c->o.baseline, now_ns);
}

void context_flow_stats(const struct context *c, struct flow_stats *out)
{
	flow_get_stats(c->flows, out);
}

void context_get_stats(const struct context *c, struct context_stats *out)
{
	*out = (struct context_stats){
		.src = { "sources", (uint64_t)SRC_SETS * WAYS, c->n_src.used, c->n_src.evicted, 0,
			 (uint64_t)SRC_SETS * WAYS * sizeof(struct src_ent) },
		.dst = { "destinations", (uint64_t)DST_SETS * WAYS, c->n_dst.used, c->n_dst.evicted,
			 0, (uint64_t)DST_SETS * WAYS * sizeof(struct dst_ent) },
		.auth = { "logins", (uint64_t)AUTH_SETS * WAYS, c->n_auth.used, c->n_auth.evicted,
			  0, (uint64_t)AUTH_SETS * WAYS * sizeof(struct auth_flow) },
		.trust = { "trusted_sources", (uint64_t)TRUST_SETS * WAYS, c->n_trust.used,
			   c->n_trust.evicted, 0,
			   (uint64_t)TRUST_SETS * WAYS * sizeof(struct trust_ent) },
	};
}

struct baseline *context_baseline(const struct context *c)
{
	return c->o.baseline;
}
