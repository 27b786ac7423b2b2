// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * recstream.c - record stream builder for tests (see recstream.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "helpers/recstream.h"

void rs_init(struct recstream *s, uint64_t t0_ns)
{
	memset(s, 0, sizeof(*s));
	s->t_ns = t0_ns;
}

void rs_free(struct recstream *s)
{
	free(s->recs);
	memset(s, 0, sizeof(*s));
}

static void set_addr(__u8 a[16], const char *ip)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	if (inet_pton(AF_INET, ip, a + 12) != 1)
		abort();
}

struct nad_rec *rs_add(struct recstream *s, uint64_t gap_ns, const char *src, const char *dst,
		       uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags,
		       uint16_t payload)
{
	struct nad_rec *r;
	unsigned l4 = proto == IPPROTO_TCP ? 20 : 8;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->recs = realloc(s->recs, s->cap * sizeof(*s->recs));
		if (!s->recs)
			abort();
	}
	s->t_ns += gap_ns;
	r = &s->recs[s->n++];
	memset(r, 0, sizeof(*r));
	r->ts_ns = s->t_ns;
	r->weight = 1;
	set_addr(r->saddr, src);
	set_addr(r->daddr, dst);
	r->eth_proto = 0x0800;
	r->flags = NAD_F_IPV4 | NAD_F_L4;
	r->ip_proto = proto;
	r->sport = sport;
	r->dport = dport;
	r->tcp_flags = proto == IPPROTO_TCP ? flags : 0;
	r->hdr_bytes = 14 + 20 + l4;
	r->payload_bytes = payload;
	r->wire_bytes = r->hdr_bytes + payload;
	r->udp_len = proto == IPPROTO_UDP ? 8 + payload : 0;
	r->gso_segs = 1;
	r->l3_off = 14;
	r->ttl = 64;
	return r;
}

static int cmp_ts(const void *a, const void *b)
{
	const struct nad_rec *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

void rs_merge(struct recstream *a, const struct recstream *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct nad_rec *r = rs_add(a, 0, "0.0.0.0", "0.0.0.0", 6, 0, 0, 0, 0);

		*r = b->recs[i];
	}
	/* mergesort is stable: equal times keep a's records first */
	qsort(a->recs, a->n, sizeof(*a->recs), cmp_ts);
	if (a->n && a->recs[a->n - 1].ts_ns > a->t_ns)
		a->t_ns = a->recs[a->n - 1].ts_ns;
}

uint32_t rs_xorshift(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

void rs_benign(struct recstream *s, unsigned n_clients, double secs, uint32_t seed)
{
	static const char *const servers[] = { "93.184.216.34", "151.101.1.69", "142.250.74.46" };
	uint64_t end = s->t_ns + (uint64_t)(secs * 1e9);
	uint32_t st = seed ? seed : 1;
	char cli[32];

	/* both protocols in the history from the start */
	rs_add(s, 0, "192.168.1.10", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 40);
	while (s->t_ns < end) {
		unsigned c = rs_xorshift(&st) % n_clients, k = rs_xorshift(&st) % 3;
		uint16_t sp = 40000 + rs_xorshift(&st) % 20000;
		uint64_t gap = 5000000 + rs_xorshift(&st) % 40000000; /* 5-45 ms between requests */

		snprintf(cli, sizeof(cli), "192.168.1.%u", 10 + c);
		if (rs_xorshift(&st) % 8 == 0) {
			rs_add(s, gap, cli, "192.168.1.1", IPPROTO_UDP, sp, 53, 0, 40);
			rs_add(s, 800000, "192.168.1.1", cli, IPPROTO_UDP, 53, sp, 0, 120);
			continue;
		}
		rs_add(s, gap, cli, servers[k], IPPROTO_TCP, sp, 443, 0x02, 0);
		rs_add(s, 20000000, servers[k], cli, IPPROTO_TCP, 443, sp, 0x12, 0);
		rs_add(s, 100000, cli, servers[k], IPPROTO_TCP, sp, 443, 0x10, 0);
		rs_add(s, 100000, cli, servers[k], IPPROTO_TCP, sp, 443, 0x18, 400);
		rs_add(s, 20000000, servers[k], cli, IPPROTO_TCP, 443, sp, 0x18, 1400);
		rs_add(s, 100000, cli, servers[k], IPPROTO_TCP, sp, 443, 0x11, 0);
	}
}

void rs_attacks(struct recstream *s)
{
	char src[32];

	for (unsigned p = 1; p <= 20; p++) { /* closed ports: the host resets each SYN */
		rs_add(s, 100000, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50000, p, 0x02, 0);
		rs_add(s, 20000, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, p, 50000, 0x14, 0);
	}
	rs_add(s, 100000, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50001, 445, 0x18, 900);
	rs_add(s, 5000000000ull, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50001, 80, 0x10, 0);
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 11 + i % 200, (i * 7) % 256,
			 (i * 13) % 256, 1 + i % 250);
		rs_add(s, 200000, src, "192.168.1.11", IPPROTO_TCP, 1024 + i % 60000, 25565, 0x02,
		       0);
	}
	for (unsigned i = 0; i < 20; i++)
		rs_add(s, 300000000, "192.168.1.12", "192.168.1.1", IPPROTO_UDP, 41000, 53, 0,
		       (uint16_t)(100 + 20 * (i % 5)));
}

const char *rs_attacks_missing(const char *log)
{
	static const char *const evidence[] = { "sensitive service", "distributed flood",
						"DNS tunnel" };

	for (size_t i = 0; i < sizeof(evidence) / sizeof(evidence[0]); i++)
		if (!strstr(log, evidence[i]))
			return evidence[i];
	return NULL;
}
