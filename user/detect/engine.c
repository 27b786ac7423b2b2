// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/engine.c - trackers, criteria, adaptive threshold, profiles, IoT baseline,
 * campaigns (contract in engine.h).
 *
 * Windowed figures are exponentially decayed counts: value * exp(-dt / tau)
 * + weight at each update, which approximates "how many in the last tau
 * seconds" with one double and no ring. Distinct counts are 512-bit (ports,
 * sources) and 256-bit (hosts) hashed bitmaps per 10-s epoch, estimated by
 * linear counting over the current and previous epoch.
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
#include "common/log.h"
#include "common/names.h"
#include "detect/engine.h"
#include "features/features.h"
#include "features/icmp.h"
#include "features/ports.h"
#include "ml/dbscan.h"
#include "ml/scaler.h"
#include "nad_parse.h"

const char *const engine_feature_names[ENGINE_DIM] = {
	"src_ip_hash",	"dst_ip_hash",	 "packet_size",	  "protocol",
	"src_port",	"dst_port",	 "interval",	  "tcp_flags",
	"udp_length",	"payload_size",	 "header_ratio",  "transport_layer_hash",
	"src_pkt_rate", "src_dst_ports", "src_dst_hosts",
};

#define SRC_SETS 4096 /* x 4 ways */
#define DST_SETS 2048
#define WAYS 4
#define EPOCH_NS 10000000000ull
#define NEW_SRC_NS 10000000000ull
#define WARMUP_NS 60000000000ull
#define WARMUP_PKTS 5000
#define TICK_NS 1000000000ull
#define HIST_BINS 60 /* 0.25 wide: scores 0 .. 15 */
#define PROTO_RING 1000
#define CAMP_RING 1024
#define CAMP_SAMPLE_NS 200000000ull
#define INFO_SIGS 8
#define AUTH_SETS 1024 /* x 4 ways: connections to multi-attempt login services */
#define AUTH_REPLIES 12 /* server replies of a connection that can be login failures */

struct pair_slot {
	uint32_t dh;
	uint16_t port;
	double conns60, pay_sum60, pay_n60, data_n60; /* pay_n60: ACKs; data_n60: with payload */
	double fins60; /* connections the source closed (FIN) */
	double fails60; /* login failures it received (repeated server replies, see auth_track) */
};

/* One connection to a multi-attempt login service (see auth_track). */
struct auth_flow {
	uint64_t key; /* 0: free */
	uint64_t last_ns;
	uint16_t lens[2]; /* payload lengths of the server's last two replies */
	uint8_t replies; /* server payload packets so far */
	bool client_spoke; /* client payload since the server's last reply */
};

struct dst_slot {
	uint32_t dh;
	double p1, bytes60; /* bytes60: outbound payload bytes only */
	double sent60, recv60; /* payload bytes sent to / received from this peer */
	double recv_p1; /* packets received from this peer [1 s] */
	double dnsq60, dnsq_b60; /* DNS queries to it and their payload bytes */
	double echo60, echo_b60, echo_b2_60; /* ICMP echo requests, payload sum, sum of squares */
};

struct fast_ring {
	uint8_t bits[13]; /* 100 bits: interval < 1 ms */
	uint8_t i, n, cnt;
};

struct src_ent {
	__u8 addr[16];
	bool used;
	bool newreg_counted;
	bool iot_port;
	uint64_t first_ns, last_ns, upd_ns, epoch;
	uint64_t ports[2][8];
	uint64_t hosts[2][4];
	uint64_t peers; /* 64-bit hashed set of every peer, for the IoT test */
	double p1, syn1, udp1, icmp1, b5, p10, probe10, stealth10, rst60, mal60, dnsq60;
	double ans1; /* answers [1 s]: SYN-ACK, RST, bare ACK, echo reply, ICMP error to a sender */
	double frag_tiny60, frag_big60; /* IP fragments under / over 68 bytes of datagram [60 s] */
	struct pair_slot pairs[4];
	struct dst_slot dsts[4];
	uint16_t last_ports[100];
	uint8_t lp_i, lp_n;
	struct fast_ring fast;
	struct fast_ring probes; /* which of its last 100 packets were probes */
	double iv_mean, iv_var, sz_mean, sz_var;
	double pass_rate; /* EWMA (alpha 0.02) of score >= threshold for this source */
	uint32_t info_sig[INFO_SIGS]; /* signatures of its reported info anomalies, LRU */
	uint8_t info_sig_n, info_sig_i;
	uint32_t n;
	uint64_t scanned_until, victim_ns;
	uint32_t victim_dh;
	uint16_t victim_port;
	uint64_t int_pkts, int_bytes;
};

struct dst_ent {
	__u8 addr[16];
	bool used;
	uint64_t last_ns, upd_ns, epoch;
	uint64_t srcs[2][8];
	double p1, flood1, newreg10;
	uint16_t reg_port;
	struct fast_ring fast;
};

struct score_hist {
	double bin[HIST_BINS];
	double total;
	uint32_t since_decay;
	double threshold;
};

struct camp_sample {
	float v[ENGINE_DIM];
	uint64_t ep, ts;
};

/* One record between tracking and classification (see engine_process_batch). */
struct pending {
	struct nad_rec r;
	struct classify_evidence ev;
	struct src_ent *s;
	uint32_t s_n; /* the source's packet count right after this record's tracking */
	double iv_z, sz_z, dos_val;
	bool dos_pat, iot;
	unsigned p100;
	float vec[ENGINE_DIM];
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
	struct features *feat;
	struct src_ent *src;
	struct dst_ent *dst;
	struct auth_flow *auth;
	float vec[ENGINE_DIM];
	unsigned last_criteria;
	/* rare_protocol */
	uint16_t proto_ring[PROTO_RING];
	uint32_t proto_count[258];
	uint32_t proto_i, proto_n;
	/* thresholds */
	struct score_hist hist, iot_hist;
	/* profile */
	const struct classify_profile *profile;
	bool profile_fixed, profile_inferred, warm;
	uint64_t local_hosts[64]; /* 4096 bits */
	uint64_t baseline[1024]; /* 65536-bit Bloom filter (2 hashes) of dst:port seen in warm-up */
	/* clock */
	bool started;
	uint64_t start_ns, now_ns, next_tick, next_summary, n_pkts;
	uint64_t int_pkts[NAD_N_DIRS], int_bytes[NAD_N_DIRS];
	/* campaigns */
	struct camp_sample *camp;
	uint32_t camp_i, camp_n;
	uint64_t camp_last_ep, camp_last_ns;
	int64_t next_campaign;
	struct dbscan *db;
	float *camp_X;
	int32_t *camp_labels;
	int n_campaigns;
	struct {
		int64_t id;
		int n;
		uint64_t members[16];
	} campaigns[8];
	/* last model thresholds, for summaries */
	bool have_model;
	float ae_thr, ae_ext, if_thr;
	struct nad_stats kernel;
	bool have_kernel;
	/* batches (engine_process_batch) */
	struct pending *pend;
	float *batch_X, *batch_ae, *batch_if;
};

static uint32_t hash16(const __u8 a[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

static uint32_t mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

static void bit_set(uint64_t *bm, unsigned nbits, uint32_t h)
{
	h %= nbits;
	bm[h / 64] |= 1ull << (h % 64);
}

/* Linear counting over the union of two bitmaps. */
static unsigned distinct(const uint64_t *a, const uint64_t *b, unsigned nwords)
{
	unsigned m = nwords * 64, ones = 0;

	for (unsigned i = 0; i < nwords; i++)
		ones += __builtin_popcountll(a[i] | (b ? b[i] : 0));
	if (ones >= m)
		return (unsigned)(m * log((double)m));
	return (unsigned)lround(-(double)m * log((double)(m - ones) / m));
}

static void fast_push(struct fast_ring *f, bool fast)
{
	bool old = f->n == 100 && (f->bits[f->i / 8] >> (f->i % 8) & 1);

	if (f->n == 100 && old)
		f->cnt--;
	if (fast) {
		f->bits[f->i / 8] |= 1 << (f->i % 8);
		f->cnt++;
	} else {
		f->bits[f->i / 8] &= ~(1 << (f->i % 8));
	}
	f->i = (f->i + 1) % 100;
	if (f->n < 100)
		f->n++;
}

void engine_opts_default(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = PROFILE_AUTO;
	o->summary_interval_s = 30;
	o->campaign_window_s = 60;
	o->alert.idle_s = 10;
}

static struct engine *engine_alloc(const struct engine_opts *o)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct dbscan_opts dbo;

	if (!e)
		return NULL;
	e->o = *o;
	e->slot = -1;
	e->src = calloc((size_t)SRC_SETS * WAYS, sizeof(*e->src));
	e->dst = calloc((size_t)DST_SETS * WAYS, sizeof(*e->dst));
	e->auth = calloc((size_t)AUTH_SETS * WAYS, sizeof(*e->auth));
	e->feat = features_new();
	e->camp = calloc(CAMP_RING, sizeof(*e->camp));
	e->camp_X = calloc((size_t)CAMP_RING * ENGINE_DIM, sizeof(float));
	e->camp_labels = calloc(CAMP_RING, sizeof(int32_t));
	e->pend = calloc(ENGINE_BATCH, sizeof(*e->pend));
	e->batch_X = calloc((size_t)ENGINE_BATCH * ENGINE_DIM, sizeof(float));
	e->batch_ae = calloc(ENGINE_BATCH, sizeof(float));
	e->batch_if = calloc(ENGINE_BATCH, sizeof(float));
	dbscan_opts_default(&dbo);
	e->db = dbscan_new(&dbo);
	if (!e->src || !e->dst || !e->auth || !e->feat || !e->camp || !e->camp_X ||
	    !e->camp_labels || !e->db || !e->pend || !e->batch_X || !e->batch_ae || !e->batch_if) {
		engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	if (o->profile >= 0 && o->profile < PROFILE_N) {
		e->profile = classify_profile_get(o->profile);
		e->profile_fixed = true;
	} else {
		e->profile = classify_profile_get(PROFILE_HOME);
	}
	e->hist.threshold = e->iot_hist.threshold = e->profile->sensitivity;
	return e;
}

struct engine *engine_new(const struct engine_opts *o, struct modelswap *hold,
			  struct retrain *retrain)
{
	struct engine *e = engine_alloc(o);
	const struct modelset *m;

	if (!e)
		return NULL;
	e->hold = hold;
	e->retrain = retrain;
	if (hold) {
		e->slot = modelswap_reader_add(hold);
		if (e->slot < 0) {
			engine_free(e);
			errno = ENOSPC;
			return NULL;
		}
		m = modelswap_acquire(hold, e->slot, &e->scratch_gen);
		if (m) {
			struct dbscan *db = dbscan_new(modelset_dbscan_opts(m));

			if (db) {
				dbscan_free(e->db);
				e->db = db;
			}
			e->scratch = modelset_scratch_new(m);
		}
		modelswap_release(hold, e->slot);
		if (m && !e->scratch) {
			engine_free(e);
			errno = ENOMEM;
			return NULL;
		}
	}
	e->alert = alert_new(&o->alert);
	if (!e->alert) {
		engine_free(e);
		return NULL;
	}
	return e;
}

struct engine *engine_vectorizer_new(void)
{
	struct engine_opts o;

	engine_opts_default(&o);
	return engine_alloc(&o);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	alert_free(e->alert);
	modelset_scratch_free(e->scratch);
	features_free(e->feat);
	dbscan_free(e->db);
	free(e->src);
	free(e->dst);
	free(e->auth);
	free(e->camp);
	free(e->camp_X);
	free(e->camp_labels);
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

/* Set-associative lookup; insert evicts the least recently seen way. */
static struct src_ent *src_get(struct engine *e, const __u8 a[16], bool insert, bool *created)
{
	struct src_ent *set = &e->src[(size_t)(mix(hash16(a)) % SRC_SETS) * WAYS], *victim = NULL;

	for (int w = 0; w < WAYS; w++) {
		if (set[w].used && !memcmp(set[w].addr, a, 16))
			return &set[w];
	}
	if (!insert)
		return NULL;
	for (int w = 0; w < WAYS; w++) {
		if (!set[w].used) {
			victim = &set[w];
			break;
		}
		if (!victim || set[w].last_ns < victim->last_ns)
			victim = &set[w];
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	memcpy(victim->addr, a, 16);
	if (created)
		*created = true;
	return victim;
}

static struct dst_ent *dst_get(struct engine *e, const __u8 a[16])
{
	struct dst_ent *set = &e->dst[(size_t)(mix(hash16(a) ^ 0x5bd1e995) % DST_SETS) * WAYS],
		       *victim = NULL;

	for (int w = 0; w < WAYS; w++) {
		if (set[w].used && !memcmp(set[w].addr, a, 16))
			return &set[w];
	}
	for (int w = 0; w < WAYS; w++) {
		if (!set[w].used) {
			victim = &set[w];
			break;
		}
		if (!victim || set[w].last_ns < victim->last_ns)
			victim = &set[w];
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	memcpy(victim->addr, a, 16);
	return victim;
}

static double decay(uint64_t dt_ns, double tau_s)
{
	return exp(-(double)dt_ns / (tau_s * 1e9));
}

static void src_decay(struct src_ent *s, uint64_t now)
{
	uint64_t dt = now > s->upd_ns ? now - s->upd_ns : 0;
	double f1, f5, f10, f60;

	if (!dt)
		return;
	f1 = decay(dt, 1), f5 = decay(dt, 5), f10 = decay(dt, 10), f60 = decay(dt, 60);
	s->p1 *= f1, s->syn1 *= f1, s->udp1 *= f1, s->icmp1 *= f1, s->ans1 *= f1;
	s->b5 *= f5;
	s->p10 *= f10, s->probe10 *= f10, s->stealth10 *= f10;
	s->rst60 *= f60, s->mal60 *= f60, s->dnsq60 *= f60;
	s->frag_tiny60 *= f60, s->frag_big60 *= f60;
	for (int i = 0; i < 4; i++) {
		s->pairs[i].conns60 *= f60;
		s->pairs[i].pay_sum60 *= f60;
		s->pairs[i].pay_n60 *= f60;
		s->pairs[i].data_n60 *= f60;
		s->pairs[i].fins60 *= f60;
		s->pairs[i].fails60 *= f60;
		s->dsts[i].p1 *= f1;
		s->dsts[i].bytes60 *= f60;
		s->dsts[i].sent60 *= f60;
		s->dsts[i].recv60 *= f60;
		s->dsts[i].recv_p1 *= f1;
		s->dsts[i].dnsq60 *= f60;
		s->dsts[i].dnsq_b60 *= f60;
		s->dsts[i].echo60 *= f60;
		s->dsts[i].echo_b60 *= f60;
		s->dsts[i].echo_b2_60 *= f60;
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
	} else {
		memset(s->ports[1], 0, sizeof(s->ports[1]));
		memset(s->hosts[1], 0, sizeof(s->hosts[1]));
	}
	memset(s->ports[0], 0, sizeof(s->ports[0]));
	memset(s->hosts[0], 0, sizeof(s->hosts[0]));
	s->epoch = ep;
}

static void dst_update(struct dst_ent *d, uint64_t now)
{
	uint64_t dt = now > d->upd_ns ? now - d->upd_ns : 0, ep = now / EPOCH_NS;

	if (dt) {
		double f1 = decay(dt, 1);

		d->p1 *= f1, d->flood1 *= f1;
		d->newreg10 *= decay(dt, 10);
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

/* TCP flag sets: the four that tell a segment's role, the ECN pair, SYN-ACK, XMAS. */
#define TCP_FSRA (NAD_TCP_FIN | NAD_TCP_SYN | NAD_TCP_RST | NAD_TCP_ACK)
#define TCP_ECN (NAD_TCP_ECE | NAD_TCP_CWR)
#define TCP_SYNACK (NAD_TCP_SYN | NAD_TCP_ACK)
#define TCP_XMAS (NAD_TCP_FIN | NAD_TCP_PSH | NAD_TCP_URG)

/* An ICMP or ICMPv6 echo request (ping). */
static bool echo_request(const struct nad_rec *r)
{
	return (r->ip_proto == IPPROTO_ICMP && (r->sport >> 8) == ICMP_ECHO) ||
	       (r->ip_proto == IPPROTO_ICMPV6 && (r->sport >> 8) == ICMP6_ECHO_REQUEST);
}

/*
 * Login failures on an encrypted or clear-text login dialogue, from sizes alone.
 * A service that lets a client try again on the same connection (SSH, FTP, telnet,
 * POP3, IMAP, SMTP submission) answers every refused attempt with the same reply:
 * SSH's USERAUTH_FAILURE is one size under any cipher, FTP's "530 Login incorrect"
 * one length. So a server reply that answers a client request and has the length of
 * one of the server's two previous replies on that connection is counted as a
 * failure, against the client's (client, server, port) pair. Only the first
 * AUTH_REPLIES server replies of a connection count: the key exchange and the login
 * fit in them (Hydra's six SSH attempts are replies 6..11), a shell's keystroke
 * echoes come after. A successful login's replies (SSH: 41, 1088, 1564, 44, 52,
 * 100, 28, 256, ... bytes) do not repeat. Connections are tracked from their SYN.
 */
static uint64_t auth_key(const __u8 cli[16], uint16_t cport, const __u8 srv[16], uint16_t sport)
{
	uint64_t hi = mix(hash16(cli) ^ (uint32_t)cport * 2654435761u);
	uint64_t lo = mix(hash16(srv) ^ 0x85ebca6bu ^ (uint32_t)sport * 2246822519u);

	return (hi << 32 | lo) | 1;
}

static struct auth_flow *auth_get(struct engine *e, uint64_t key, bool create, uint64_t now)
{
	struct auth_flow *set = &e->auth[(size_t)(key % AUTH_SETS) * WAYS], *victim = NULL;

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
	memset(victim, 0, sizeof(*victim));
	victim->key = key;
	victim->last_ns = now;
	return victim;
}

static void auth_track(struct engine *e, const struct nad_rec *r, bool syn_only, uint64_t now)
{
	struct auth_flow *f;
	struct src_ent *cli;
	uint64_t key;
	uint32_t sh;

	if (r->ip_proto != IPPROTO_TCP || !(r->flags & NAD_F_L4))
		return;
	if (ports_is_login(r->dport)) { /* client -> server */
		if (!syn_only && !r->payload_bytes)
			return;
		key = auth_key(r->saddr, r->sport, r->daddr, r->dport);
		f = auth_get(e, key, syn_only, now);
		if (!f)
			return;
		if (syn_only && f->replies) { /* the port pair is reused: a new connection */
			memset(f, 0, sizeof(*f));
			f->key = key;
		}
		f->last_ns = now;
		if (r->payload_bytes)
			f->client_spoke = true;
		return;
	}
	if (!ports_is_login(r->sport) || !r->payload_bytes)
		return; /* not a server reply */
	f = auth_get(e, auth_key(r->daddr, r->dport, r->saddr, r->sport), false, now);
	if (!f || f->replies >= AUTH_REPLIES)
		return;
	f->last_ns = now;
	if (f->client_spoke && f->replies &&
	    (r->payload_bytes == f->lens[0] ||
	     (f->replies > 1 && r->payload_bytes == f->lens[1]))) {
		cli = src_get(e, r->daddr, false, NULL);
		sh = hash16(r->saddr);
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

/*
 * A packet the parser found well formed but that breaks its protocol's rules, or NULL:
 * an ICMP type or code no one has assigned (fuzzers and OS fingerprinters send them;
 * Suricata calls them icmpv4.unknown_type/unknown_code), or a fragment in a stream of
 * tiny fragments. Every host must take a 68-byte datagram whole (RFC 791), so only a
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

static void hist_add(struct score_hist *h, double score, double w)
{
	int b = (int)(score * 4);

	if (b >= HIST_BINS)
		b = HIST_BINS - 1;
	h->bin[b] += w;
	h->total += w;
	if (++h->since_decay >= 1024) {
		for (int i = 0; i < HIST_BINS; i++)
			h->bin[i] *= 0.99;
		h->total *= 0.99;
		h->since_decay = 0;
	}
}

static void hist_update_threshold(struct score_hist *h, double base)
{
	double acc = 0, q = 0;

	if (h->total < 1000) {
		h->threshold = base;
		return;
	}
	for (int i = 0; i < HIST_BINS; i++) {
		acc += h->bin[i];
		if (acc >= 0.999 * h->total) {
			q = (i + 1) * 0.25; /* upper edge of the bin */
			break;
		}
	}
	q += 0.25;
	h->threshold = q < base ? base : q > 1.5 * base ? 1.5 * base : q;
}

/*
 * Updates the trackers with rec and writes the model vector; fills the evidence that
 * comes from the trackers. Returns the source entry.
 */
static struct src_ent *track(struct engine *e, const struct nad_rec *r,
			     struct classify_evidence *ev, double *iv_z, double *sz_z,
			     bool *dos_pat, double *dos_val, unsigned *p100, bool *iot)
{
	uint64_t now = r->ts_ns, w = r->weight ? r->weight : 1;
	bool created = false, ip = r->flags & (NAD_F_IPV4 | NAD_F_IPV6);
	struct src_ent *s = src_get(e, r->saddr, true, &created), *peer;
	struct dst_ent *d = dst_get(e, r->daddr);
	uint32_t dh = hash16(r->daddr), sh = hash16(r->saddr);
	bool tcp = r->ip_proto == IPPROTO_TCP, udp = r->ip_proto == IPPROTO_UDP;
	bool arp = r->flags & NAD_F_ARP; /* saddr/daddr: sender and target, sport: opcode */
	bool icmp = r->ip_proto == IPPROTO_ICMP || r->ip_proto == IPPROTO_ICMPV6;
	bool syn_only = tcp && (r->tcp_flags & TCP_FSRA) == NAD_TCP_SYN;
	uint8_t fl = r->tcp_flags & ~TCP_ECN;
	/* a later fragment has no TCP header: its zero flags are not a NULL probe */
	bool stealth = tcp && (r->flags & NAD_F_L4) &&
		       (fl == 0 || fl == NAD_TCP_FIN || fl == TCP_XMAS);
	bool probe = syn_only || stealth || (udp && r->payload_bytes <= 64 && r->sport >= 1024) ||
		     echo_request(r) || (arp && r->sport == ARPOP_REQUEST); /* who-has */
	bool flood = syn_only || (tcp && ((r->tcp_flags & TCP_SYNACK) == TCP_SYNACK ||
					  (r->tcp_flags & NAD_TCP_RST))) ||
		     udp || icmp;
	double iv = 0, x;
	struct pair_slot *ps = NULL;
	struct dst_slot *ds = NULL;
	int k;

	if (created)
		s->first_ns = s->upd_ns = now, s->epoch = now / EPOCH_NS;
	src_decay(s, now);
	src_epoch(s, now);
	dst_update(d, now);

	/* intervals: per source and per destination */
	if (s->n) {
		iv = (double)(now - s->last_ns) / 1e9;
		fast_push(&s->fast, iv < 1e-3);
		/* after a pause, what the source does now is a new activity */
		if (iv >= 5) {
			s->lp_n = s->lp_i = 0;
			memset(&s->probes, 0, sizeof(s->probes));
		}
	}
	if (d->last_ns)
		fast_push(&d->fast, now - d->last_ns < 1000000);
	*dos_pat = false;
	*dos_val = 0;
	if (s->n && iv < 1e-3 && s->fast.n >= 100) {
		*dos_val = s->fast.cnt / 100.0;
		*dos_pat = *dos_val > e->profile->dos_threshold;
	}
	if (!*dos_pat && d->last_ns && now - d->last_ns < 1000000 && d->fast.n >= 100) {
		double v = d->fast.cnt / 100.0;

		*dos_val = v > *dos_val ? v : *dos_val;
		*dos_pat = v > e->profile->dos_threshold;
	}

	/* interval and size z-scores against the source's own EWMA */
	*iv_z = 0;
	*sz_z = 0;
	if (s->n) {
		x = log10(iv + 1e-6);
		if (s->n >= 10) {
			double sd = sqrt(s->iv_var);

			*iv_z = (x - s->iv_mean) / (sd < 0.1 ? 0.1 : sd);
		}
		if (s->n == 1) {
			s->iv_mean = x;
		} else {
			double dlt = x - s->iv_mean;

			s->iv_mean += 0.05 * dlt;
			s->iv_var = 0.95 * (s->iv_var + 0.05 * dlt * dlt);
		}
	}
	x = r->wire_bytes;
	if (s->n >= 10) {
		double sd = sqrt(s->sz_var), fl_sd = s->sz_mean * 0.1 > 20 ? s->sz_mean * 0.1 : 20;

		*sz_z = (x - s->sz_mean) / (sd < fl_sd ? fl_sd : sd);
	}
	if (!s->n) {
		s->sz_mean = x;
	} else {
		double dlt = x - s->sz_mean;

		s->sz_mean += 0.05 * dlt;
		s->sz_var = 0.95 * (s->sz_var + 0.05 * dlt * dlt);
	}

	/* counts */
	s->p1 += w, s->p10 += w, s->b5 += (double)r->wire_bytes * w;
	if (syn_only)
		s->syn1 += w;
	if (udp)
		s->udp1 += w;
	if (probe)
		s->probe10 += w;
	fast_push(&s->probes, probe);
	if (stealth)
		s->stealth10 += w;
	if (udp && r->dport == 53)
		s->dnsq60 += (double)r->payload_bytes * w;
	if (r->flags & NAD_F_L4) {
		bit_set(s->ports[0], 512, mix(r->dport));
		s->last_ports[s->lp_i] = r->dport;
		s->lp_i = (s->lp_i + 1) % 100;
		if (s->lp_n < 100)
			s->lp_n++;
	}
	if (ip || arp)
		bit_set(s->hosts[0], 256, mix(dh));
	s->peers |= 1ull << (mix(dh) % 64);
	if (ports_is_iot(r->sport) || ports_is_iot(r->dport))
		s->iot_port = true;
	s->int_pkts += w, s->int_bytes += (uint64_t)r->wire_bytes * w;

	/* per destination of this source */
	for (k = 0; k < 4; k++) {
		if (s->dsts[k].dh == dh && (s->dsts[k].p1 > 0 || s->dsts[k].bytes60 > 0)) {
			ds = &s->dsts[k];
			break;
		}
	}
	if (!ds) {
		ds = &s->dsts[0];
		for (k = 1; k < 4; k++) {
			if (s->dsts[k].p1 + s->dsts[k].bytes60 * 1e-6 < ds->p1 + ds->bytes60 * 1e-6)
				ds = &s->dsts[k];
		}
		memset(ds, 0, sizeof(*ds));
		ds->dh = dh;
	}
	ds->p1 += w;
	ev->outbound = r->dir == NAD_DIR_OUT ||
		       (ip && addr_is_private(r->saddr) && !addr_is_private(r->daddr));
	if (ev->outbound)
		ds->bytes60 += (double)r->payload_bytes * w;
	ds->sent60 += (double)r->payload_bytes * w;
	/*
	 * Answers: what a host sends because someone sent to it. A flood's victim answers at
	 * the flood's rate; its SYN-ACKs, echo replies and port-unreachables are not a flood
	 * of its own, nor are the bare ACKs of a receiver.
	 */
	{
		uint8_t ity = r->sport >> 8;
		bool answer =
			(tcp && (((r->tcp_flags & TCP_SYNACK) == TCP_SYNACK) ||
				 (r->tcp_flags & NAD_TCP_RST) ||
				 ((r->tcp_flags & TCP_FSRA) == NAD_TCP_ACK && !r->payload_bytes))) ||
			(r->ip_proto == IPPROTO_ICMP && ity == ICMP_ECHOREPLY) ||
			(r->ip_proto == IPPROTO_ICMPV6 && ity == ICMP6_ECHO_REPLY);
		bool icmp_err = (r->ip_proto == IPPROTO_ICMP &&
				 (ity == ICMP_DEST_UNREACH || ity == ICMP_TIME_EXCEEDED)) ||
				(r->ip_proto == IPPROTO_ICMPV6 && ity >= ICMP6_DST_UNREACH &&
				 ity <= ICMP6_PARAM_PROB);

		/* an ICMP error is an answer to a peer that sent to us; unsolicited, a flood */
		if (icmp_err && ds->recv_p1 >= 1)
			answer = true;
		if (answer)
			s->ans1 += w;
		if (icmp && !answer)
			s->icmp1 += w;
		/* an answer to port 0 carries the asker's violation, not its own */
		ev->violation = violation(s, r, w);
		if ((r->malformed && !(answer && r->malformed == NAD_MAL_L4_PORT_ZERO)) ||
		    ev->violation)
			s->mal60 += w;
	}
	if (r->dport == 53 && (udp || tcp) && r->payload_bytes > 0) {
		ds->dnsq60 += w;
		ds->dnsq_b60 += (double)r->payload_bytes * w;
	}
	if (echo_request(r)) {
		x = r->payload_bytes;
		ds->echo60 += w;
		ds->echo_b60 += x * w;
		ds->echo_b2_60 += x * x * w;
	}
	/* what the peer received from this source: its upload/download balance */
	peer = ip ? src_get(e, r->daddr, false, NULL) : NULL;
	if (peer) {
		src_decay(peer, now);
		for (k = 0; k < 4; k++) {
			if (peer->dsts[k].dh == sh) {
				peer->dsts[k].recv60 += (double)r->payload_bytes * w;
				peer->dsts[k].recv_p1 += w;
				break;
			}
		}
	}

	/* per destination port of this source: connections, payload */
	if (tcp || udp) {
		for (k = 0; k < 4; k++) {
			if (s->pairs[k].dh == dh && s->pairs[k].port == r->dport &&
			    (s->pairs[k].conns60 > 0.01 || s->pairs[k].pay_n60 > 0.01)) {
				ps = &s->pairs[k];
				break;
			}
		}
		if (!ps && syn_only) {
			ps = &s->pairs[0];
			for (k = 1; k < 4; k++) {
				if (s->pairs[k].conns60 < ps->conns60)
					ps = &s->pairs[k];
			}
			memset(ps, 0, sizeof(*ps));
			ps->dh = dh;
			ps->port = r->dport;
		}
		if (ps) {
			if (syn_only)
				ps->conns60 += w;
			else if (tcp && (r->tcp_flags & NAD_TCP_ACK)) {
				ps->pay_n60 += w;
				if (r->tcp_flags & NAD_TCP_FIN)
					ps->fins60 += w;
				if (r->payload_bytes) {
					ps->pay_sum60 += (double)r->payload_bytes * w;
					ps->data_n60 += w;
				}
			}
		}
	}

	auth_track(e, r, syn_only, now);

	/* failures: an RST to a source counts against it */
	if (tcp && (r->tcp_flags & NAD_TCP_RST)) {
		peer = src_get(e, r->daddr, false, NULL);
		if (peer) {
			src_decay(peer, now);
			peer->rst60 += w;
		}
	}

	/* callbacks after service access (intrusion_attempt) */
	ev->callback = false;
	if (syn_only) {
		peer = src_get(e, r->daddr, false, NULL);
		if (peer && peer->victim_dh == sh && now - peer->victim_ns < 60000000000ull)
			ev->callback = true; /* the victim connects back to the attacker */
		if (s->victim_dh == dh && now - s->victim_ns < 60000000000ull &&
		    ports_is_sensitive(s->victim_port) && r->dport >= 1024 &&
		    r->dport != s->victim_port && !ports_is_web(r->dport))
			ev->callback = true; /* the attacker opens a bind shell */
	}
	if (tcp && r->payload_bytes > 0 &&
	    (ports_is_sensitive(r->dport) || ports_is_web(r->dport))) {
		s->victim_dh = dh;
		s->victim_port = r->dport;
		s->victim_ns = now;
	}

	/* destination side */
	d->p1 += w;
	if (flood)
		d->flood1 += w;
	bit_set(d->srcs[0], 512, mix(sh));
	if (e->warm && now - s->first_ns < NEW_SRC_NS && s->first_ns > e->start_ns + WARMUP_NS / 2 &&
	    r->payload_bytes > 0 && (tcp || udp) && !s->newreg_counted) {
		if (d->reg_port != r->dport && d->newreg10 < 1) {
			d->reg_port = r->dport;
			d->newreg10 = 0;
		}
		if (d->reg_port == r->dport) {
			d->newreg10 += 1;
			s->newreg_counted = true;
		}
	}
	if (ip && addr_is_private(r->daddr))
		bit_set(e->local_hosts, 4096, mix(dh));

	/* evidence */
	ev->src_pps = s->p1;
	ev->src_bps = s->b5 / 5;
	/* shares of what the source initiates: an attacker's kernel RSTs the SYN-ACKs */
	x = s->p1 - s->ans1 > 0.5 ? s->p1 - s->ans1 : 0;
	ev->src_syn_share = x ? s->syn1 / x : 0;
	ev->src_udp_share = x ? s->udp1 / x : 0;
	ev->src_icmp_share = x ? s->icmp1 / x : 0;
	ev->src_pkts10 = s->p10;
	ev->src_top_dst_share = ds->p1 / s->p1;
	ev->src_dst_ports = distinct(s->ports[0], s->ports[1], 8);
	ev->src_dst_hosts = distinct(s->hosts[0], s->hosts[1], 4);
	/* of its last (up to) 100 packets: a 10-s count would mix in the previous activity */
	ev->src_probe_share = (double)s->probes.cnt / s->probes.n;
	ev->src_stealth_probes = s->stealth10;
	ev->src_pair_conns = ps ? ps->conns60 : 0;
	ev->src_pair_auth_fails = ps ? ps->fails60 : 0;
	ev->src_pair_payload_mean = ps && ps->data_n60 > 0.5 ? ps->pay_sum60 / ps->data_n60 : 0;
	ev->src_pair_acked = ps ? ps->pay_n60 : 0;
	ev->src_pair_fins = ps ? ps->fins60 : 0;
	ev->src_pair_bytes_per_conn = ps && ps->conns60 > 0.5 ? ps->pay_sum60 / ps->conns60 : 0;
	ev->src_answer_share = s->ans1 / s->p1;
	ev->src_rsts = s->rst60;
	ev->src_scanned = now < s->scanned_until;
	ev->src_malformed = s->mal60;
	ev->src_pair_bytes_out = ds->bytes60;
	ev->src_pair_sent = ds->sent60;
	ev->src_pair_recv = ds->recv60;
	ev->src_pair_dns_queries = ds->dnsq60;
	ev->src_pair_dns_mean = ds->dnsq60 > 0.5 ? ds->dnsq_b60 / ds->dnsq60 : 0;
	ev->src_pair_echo = ds->echo60;
	if (ds->echo60 > 0.5) {
		double m = ds->echo_b60 / ds->echo60, v = ds->echo_b2_60 / ds->echo60 - m * m;

		ev->src_pair_echo_mean = m;
		ev->src_pair_echo_sd = v > 0 ? sqrt(v) : 0;
	} else {
		ev->src_pair_echo_mean = ev->src_pair_echo_sd = 0;
	}
	ev->local_to_public = ip && addr_is_private(r->saddr) && !addr_is_private(r->daddr);
	ev->public_to_local = ip && !addr_is_private(r->saddr) && addr_is_private(r->daddr);
	ev->src_dns_query_bytes = s->dnsq60;
	ev->src_new = now - s->first_ns < NEW_SRC_NS;
	ev->dst_pps = d->p1;
	ev->dst_flood_share = d->flood1 / d->p1;
	ev->dst_srcs = distinct(d->srcs[0], d->srcs[1], 8);
	ev->dst_new_payload_srcs = d->reg_port == r->dport ? d->newreg10 : 0;
	{
		uint32_t b1 = mix(dh ^ (uint32_t)r->dport * 2654435761u), b2 = mix(b1 + 0x9e3779b9);

		if (!e->warm) {
			bit_set(e->baseline, 65536, b1);
			bit_set(e->baseline, 65536, b2);
		}
		ev->dstport_in_baseline = (e->baseline[(b1 % 65536) / 64] >> (b1 % 64) & 1) &&
					  (e->baseline[(b2 % 65536) / 64] >> (b2 % 64) & 1);
	}
	*p100 = syn_only || ev->src_dst_ports >= 10 ? ports_last100(s) : 0;
	ev->src_recent_ports = *p100;

	/* IoT by behaviour */
	*iot = s->iot_port;
	if (!*iot && s->n >= 20 && s->sz_mean < 300 && __builtin_popcountll(s->peers) <= 3 &&
	    sqrt(s->iv_var) < 0.3)
		*iot = true;
	ev->src_iot = *iot;

	s->n++;
	s->last_ns = now;
	d->last_ns = now;

	/* model vector */
	features_extract(e->feat, r, e->vec);
	e->vec[12] = (float)log1p(s->p1);
	e->vec[13] = (float)log1p(ev->src_dst_ports);
	e->vec[14] = (float)log1p(ev->src_dst_hosts);
	return s;
}

/*
 * A device's own recurring pattern is its baseline: an info anomaly whose signature
 * (peer, protocol, size to a power of two) this source already showed is the same
 * behaviour again (an IoT keep-alive every minute, a nightly sync), not a new deviation.
 * The first one is reported and remembered (LRU of INFO_SIGS per source); ports are left
 * out because clients pick a new ephemeral port per connection.
 */
static bool info_recurring(struct src_ent *s, const struct nad_rec *r)
{
	uint32_t sig =
		mix(hash16(r->daddr) ^ (uint32_t)r->ip_proto << 24 ^ (uint32_t)r->eth_proto << 8 ^
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

static void infer_profile(struct engine *e)
{
	unsigned hosts = distinct(e->local_hosts, NULL, 64);
	enum classify_profile_id id = hosts <= 20 ? PROFILE_HOME :
				      hosts <= 150 ? PROFILE_SMALL_OFFICE : PROFILE_ENTERPRISE;

	e->warm = true;
	if (e->profile_fixed)
		return;
	e->profile = classify_profile_get(id);
	e->profile_inferred = true;
	pr_info("Profile inferred from traffic: %s (%u local hosts received traffic in the "
		"warm-up)\n",
		e->profile->name, hosts);
}

static void campaigns_recompute(struct engine *e)
{
	uint64_t win = (uint64_t)(e->o.campaign_window_s * 1e9);
	const struct modelset *m = NULL;
	size_t n = 0;
	uint32_t idx[CAMP_RING];
	int nc;

	e->n_campaigns = 0;
	for (uint32_t i = 0; i < e->camp_n; i++) {
		struct camp_sample *c = &e->camp[i];

		if (c->ts + win < e->now_ns)
			continue;
		memcpy(&e->camp_X[n * ENGINE_DIM], c->v, sizeof(c->v));
		idx[n++] = i;
	}
	if (n < 2)
		return;
	if (e->hold)
		m = modelswap_acquire(e->hold, e->slot, NULL);
	if (m)
		scaler_transform(modelset_scaler(m), e->camp_X, n, e->camp_X);
	if (e->hold)
		modelswap_release(e->hold, e->slot);
	nc = dbscan_fit(e->db, e->camp_X, n, ENGINE_DIM, e->camp_labels, NULL);
	for (int c = 0; c < nc && e->n_campaigns < 8; c++) {
		uint64_t eps[16];
		int ne = 0;
		int64_t id = -1;

		for (size_t j = 0; j < n; j++) {
			uint64_t ep = e->camp[idx[j]].ep;
			bool dup = false;

			if (e->camp_labels[j] != c)
				continue;
			for (int k = 0; k < ne; k++)
				dup |= eps[k] == ep;
			if (dup || ne == 16)
				continue;
			eps[ne++] = ep;
			int64_t cid = alert_episode_campaign(e->alert, ep);

			if (cid >= 0 && (id < 0 || cid < id))
				id = cid;
		}
		/* A campaign groups at least two episodes. */
		if (ne < 2)
			continue;
		if (id < 0)
			id = ++e->next_campaign;
		for (int k = 0; k < ne; k++)
			alert_set_campaign(e->alert, eps[k], id);
		e->campaigns[e->n_campaigns].id = id;
		e->campaigns[e->n_campaigns].n = ne;
		memcpy(e->campaigns[e->n_campaigns].members, eps, sizeof(uint64_t) * ne);
		e->n_campaigns++;
	}
}

static void summary(struct engine *e)
{
	struct alert_summary s = { 0 };
	const struct src_ent *top[5] = { 0 };

	s.now_ns = e->now_ns;
	s.interval_s = e->o.summary_interval_s;
	s.profile = e->profile->name;
	s.profile_inferred = e->profile_inferred;
	memcpy(s.pkts, e->int_pkts, sizeof(s.pkts));
	memcpy(s.bytes, e->int_bytes, sizeof(s.bytes));
	s.total_pkts = e->n_pkts;
	for (size_t i = 0; i < (size_t)SRC_SETS * WAYS; i++) {
		struct src_ent *x = &e->src[i];

		if (!x->used || !x->int_pkts)
			continue;
		for (int k = 0; k < 5; k++) {
			if (!top[k] || x->int_pkts > top[k]->int_pkts) {
				memmove(&top[k + 1], &top[k], sizeof(top[0]) * (4 - k));
				top[k] = x;
				break;
			}
		}
	}
	for (int k = 0; k < 5 && top[k]; k++) {
		memcpy(s.top[k].addr, top[k]->addr, 16);
		s.top[k].pkts = top[k]->int_pkts;
		s.top[k].bytes = top[k]->int_bytes;
		s.n_top++;
	}
	for (size_t i = 0; i < (size_t)SRC_SETS * WAYS; i++)
		e->src[i].int_pkts = e->src[i].int_bytes = 0;
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
	s.n_campaigns = e->n_campaigns;
	for (int i = 0; i < e->n_campaigns; i++) {
		s.campaigns[i].id = e->campaigns[i].id;
		s.campaigns[i].n_members = e->campaigns[i].n;
		memcpy(s.campaigns[i].members, e->campaigns[i].members,
		       sizeof(uint64_t) * e->campaigns[i].n);
	}
	alert_summary(e->alert, &s);
	memset(e->int_pkts, 0, sizeof(e->int_pkts));
	memset(e->int_bytes, 0, sizeof(e->int_bytes));
}

static void do_tick(struct engine *e, uint64_t now)
{
	e->now_ns = now;
	if (!e->warm && (now >= e->start_ns + WARMUP_NS || e->n_pkts >= WARMUP_PKTS))
		infer_profile(e);
	hist_update_threshold(&e->hist, e->profile->sensitivity);
	hist_update_threshold(&e->iot_hist, e->profile->sensitivity);
	if (e->alert)
		alert_tick(e->alert, now);
	if (e->alert && now / 5000000000ull != (now - TICK_NS) / 5000000000ull)
		campaigns_recompute(e);
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
		e->next_summary = ts + (uint64_t)(e->o.summary_interval_s * 1e9);
	}
	if (ts >= e->next_tick)
		do_tick(e, ts);
	if (ts > e->now_ns)
		e->now_ns = ts;
}

void engine_vectorize(struct engine *e, const struct nad_rec *rec, float out[ENGINE_DIM])
{
	struct classify_evidence ev = { .rec = rec };
	double a, b, c;
	bool d, iot;
	unsigned p;
	struct nad_rec r = *rec;

	if (e->started && r.ts_ns < e->now_ns)
		r.ts_ns = e->now_ns;
	clock_in(e, r.ts_ns);
	track(e, &r, &ev, &a, &b, &d, &c, &p, &iot);
	memcpy(out, e->vec, sizeof(e->vec));
}

/* Time, counters and trackers for one record; the vector lands in p->vec. */
static void stage(struct engine *e, const struct nad_rec *rec, struct pending *p)
{
	uint64_t w = rec->weight ? rec->weight : 1;

	memset(&p->ev, 0, sizeof(p->ev));
	p->r = *rec;
	/* Time never runs backwards inside the engine (reordered records). */
	if (e->started && p->r.ts_ns < e->now_ns)
		p->r.ts_ns = e->now_ns;
	clock_in(e, p->r.ts_ns);
	e->n_pkts += w;
	e->int_pkts[p->r.dir & 1] += w;
	e->int_bytes[p->r.dir & 1] += (uint64_t)p->r.wire_bytes * w;
	p->ev.rec = &p->r;
	p->s = track(e, &p->r, &p->ev, &p->iv_z, &p->sz_z, &p->dos_pat, &p->dos_val, &p->p100,
		     &p->iot);
	p->s_n = p->s->n;
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
			memcpy(&X[i * ENGINE_DIM], p[i].vec, sizeof(p[i].vec));
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
	const struct classify_profile *profile;
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

/* Criteria, class, episode and campaign of one staged and scored record. */
static enum classify_class conclude(struct engine *e, struct pending *p, bool have_model)
{
	struct classify_evidence ev = p->ev;
	struct classify_result res;
	struct alert_anomaly an = { 0 };
	const struct nad_rec *rp = &p->r;
	float ae = have_model ? p->ae : 0, ifs = have_model ? p->ifs : 0;
	double iv_z = p->iv_z, score = 0;
	bool iot = p->iot, in_episode;
	unsigned key;
	enum classify_class cls;
	struct src_ent *s = p->s;
	const struct nad_rec r = *rp;

	ev.rec = rp;
	/* set by the classification of an earlier record of the same batch */
	ev.src_scanned = r.ts_ns < s->scanned_until;
	an.have_model = have_model;
#define FIRE(c, val, thr)                                                                          \
	do {                                                                                       \
		ev.criteria |= 1u << (c);                                                          \
		an.crit_value[c] = (val);                                                          \
		an.crit_threshold[c] = (thr);                                                      \
		score += classify_criterion_weights[c];                                            \
	} while (0)
	if (an.have_model && isfinite(ae) && isfinite(ifs)) {
		if (ifs < e->if_thr * 1.2f)
			FIRE(CRIT_IF_EXTREME, ifs, e->if_thr * 1.2);
		if (ae > e->ae_ext)
			FIRE(CRIT_AE_EXTREME, ae, e->ae_ext);
		if (ifs < e->if_thr)
			FIRE(CRIT_IF, ifs, e->if_thr);
		if (ae > e->ae_thr)
			FIRE(CRIT_AE, ae, e->ae_thr);
	}
	if (p->dos_pat)
		FIRE(CRIT_DOS_PATTERN, p->dos_val, e->profile->dos_threshold);
	if (r.ip_proto == IPPROTO_TCP && r.tcp_flags == NAD_TCP_SYN &&
	    p->p100 > e->profile->scan_threshold)
		FIRE(CRIT_SCANNING_PATTERN, p->p100, e->profile->scan_threshold);
	if ((iv_z > 3 || iv_z < -3) && !(iot && p->s_n > 20))
		FIRE(CRIT_INTERVAL_SPIKE, iv_z, 3);
	key = (r.flags & (NAD_F_IPV4 | NAD_F_IPV6)) ? r.ip_proto : 256 + (r.eth_proto >= 0x600);
	if (e->proto_n > 30 && !e->proto_count[key])
		FIRE(CRIT_RARE_PROTOCOL, key, 0);
#undef FIRE
	if (e->proto_n == PROTO_RING)
		e->proto_count[e->proto_ring[e->proto_i]]--;
	else
		e->proto_n++;
	e->proto_ring[e->proto_i] = key;
	e->proto_count[key]++;
	e->proto_i = (e->proto_i + 1) % PROTO_RING;

	e->last_criteria = ev.criteria;
	ev.score = score;
	ev.threshold = iot ? e->iot_hist.threshold : e->hist.threshold;
	ev.interval_z = iv_z;
	ev.size_z = p->sz_z;
	cls = classify_decide_quiet(&ev, e->profile, &res);
	/*
	 * Info classes are deviations from the source's own behaviour: not before it has
	 * 20 packets of history, and not when its packets pass the threshold routinely
	 * (> 10 % recently: the model does not know this host yet; retraining will).
	 */
	{
		bool pass = score >= ev.threshold;
		bool routine = p->s_n < 20 || s->pass_rate > 0.1;

		s->pass_rate += 0.02 * ((pass ? 1.0 : 0.0) - s->pass_rate);
		if (names_class_severity(cls) == SEV_INFO && (routine || info_recurring(s, &r)))
			cls = CLASS_NONE;
	}

	in_episode = e->alert && alert_source_in_episode(e->alert, r.saddr);
	if (!in_episode && names_class_severity(cls) < SEV_WARNING)
		hist_add(iot ? &e->iot_hist : &e->hist, score, 1);
	if (cls == CLASS_NONE) {
		if (e->retrain && !in_episode)
			retrain_offer(e->retrain, p->vec);
		return CLASS_NONE;
	}
	if (cls == CLASS_SCANNING)
		s->scanned_until = r.ts_ns + 300000000000ull;
	if (!e->alert)
		return cls;
	an.rec = rp;
	an.cls = cls;
	an.by_destination = res.by_destination;
	an.score = score;
	an.threshold = ev.threshold;
	an.criteria = ev.criteria;
	an.ae_mae = ae;
	an.ae_threshold = e->ae_thr;
	an.if_score = ifs;
	an.if_threshold = e->if_thr;
	an.explain = explain;
	an.explain_ctx = &(struct explain_ctx){ .ev = &ev, .profile = e->profile };
	an.src_pps = ev.src_pps;
	an.dst_pps = ev.dst_pps;
	an.n_sources = ev.dst_srcs;
	uint64_t ep = alert_report(e->alert, &an);

	/* campaign sample: at most one per episode per 200 ms */
	if (ep && (ep != e->camp_last_ep || r.ts_ns >= e->camp_last_ns + CAMP_SAMPLE_NS)) {
		struct camp_sample *c = &e->camp[e->camp_i];

		memcpy(c->v, p->vec, sizeof(c->v));
		c->ep = ep;
		c->ts = r.ts_ns;
		e->camp_i = (e->camp_i + 1) % CAMP_RING;
		if (e->camp_n < CAMP_RING)
			e->camp_n++;
		e->camp_last_ep = ep;
		e->camp_last_ns = r.ts_ns;
	}
	return cls;
}

enum classify_class engine_process(struct engine *e, const struct nad_rec *rec)
{
	struct pending *p = &e->pend[0];
	float x[ENGINE_DIM], ae, ifs;

	stage(e, rec, p);
	return conclude(e, p, score_staged(e, p, 1, x, &ae, &ifs));
}

/* Would tracking a record from this source evict another source's entry? */
static bool src_would_evict(const struct engine *e, const __u8 a[16])
{
	const struct src_ent *set = &e->src[(size_t)(mix(hash16(a)) % SRC_SETS) * WAYS];

	for (int w = 0; w < WAYS; w++) {
		if (!set[w].used || !memcmp(set[w].addr, a, 16))
			return false;
	}
	return true;
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
 * entry (a staged record still points at its source's entry).
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
			  src_would_evict(e, recs[i].saddr))) {
			flush(e, k, cls_out ? &cls_out[first] : NULL);
			k = 0;
		}
		if (!k)
			first = i;
		stage(e, &recs[i], &e->pend[k]);
		if (vec_out)
			memcpy(&vec_out[i * ENGINE_DIM], e->pend[k].vec, sizeof(e->pend[k].vec));
		k++;
	}
	flush(e, k, cls_out ? &cls_out[first] : NULL);
}

void engine_finish(struct engine *e)
{
	if (!e->started)
		return;
	if (!e->warm)
		infer_profile(e);
	campaigns_recompute(e);
	alert_flush(e->alert);
	if (e->o.summary_interval_s > 0)
		summary(e);
}

const float *engine_last_vector(const struct engine *e)
{
	return e->vec;
}

const struct classify_profile *engine_profile(const struct engine *e, bool *inferred)
{
	if (inferred)
		*inferred = e->profile_inferred;
	return e->profile;
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
