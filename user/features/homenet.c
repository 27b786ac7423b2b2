// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/homenet.c - the home network (contract in homenet.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/homenet.h"

#define HEAVY 64 /* Misra-Gries counters for the busiest on-link sources */

/* The private ranges, as prefixes of the 16-byte space. */
static const struct {
	__u8 head[3];
	__u8 n_head; /* bytes of head that are compared */
	__u8 plen;
	bool v4;
} private_ranges[] = {
	{ { 10 }, 1, 96 + 8, true },	   { { 127 }, 1, 96 + 8, true },
	{ { 172, 16 }, 2, 96 + 12, true }, { { 192, 168 }, 2, 96 + 16, true },
	{ { 100, 64 }, 2, 96 + 10, true }, { { 169, 254 }, 2, 96 + 16, true },
	{ { 0xfc }, 1, 7, false },	   { { 0xfe, 0x80 }, 2, 10, false },
};

#define N_RANGES (sizeof(private_ranges) / sizeof(private_ranges[0]))

struct heavy {
	__u8 addr[16];
	uint64_t n;
};

struct homenet_infer {
	bool range_seen[N_RANGES];
	bool any_ip;
	struct heavy onlink[HEAVY], busy[HEAVY];
};

int homenet_add(struct homenet *h, const struct addr_prefix *p)
{
	struct addr_prefix q = *p;

	addr_prefix_normalize(&q);
	for (unsigned i = 0; i < h->n; i++) {
		if (addr_prefix_equal(&h->p[i], &q))
			return 0;
	}
	if (h->n == HOMENET_MAX)
		return -ENOSPC;
	h->p[h->n++] = q;
	return 0;
}

bool homenet_contains(const struct homenet *h, const __u8 a[16])
{
	if (!h || !h->n)
		return addr_is_private(a);
	for (unsigned i = 0; i < h->n; i++) {
		if (addr_prefix_contains(&h->p[i], a))
			return true;
	}
	return false;
}

void homenet_format(const struct homenet *h, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = 0;
	if (!h->n) {
		snprintf(buf, len, "the private ranges");
		return;
	}
	for (unsigned i = 0; i < h->n; i++) {
		char p[ADDR_PREFIX_STRLEN];
		int k;

		addr_prefix_format(&h->p[i], p, sizeof(p));
		k = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", p);
		if (k < 0 || (size_t)k >= len - off) {
			if (len > 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		off += (size_t)k;
	}
}

struct homenet_infer *homenet_infer_new(void)
{
	return calloc(1, sizeof(struct homenet_infer));
}

void homenet_infer_free(struct homenet_infer *x)
{
	free(x);
}

/* Private range i as a prefix of the 16-byte space. */
static void range_prefix(unsigned i, struct addr_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->plen = private_ranges[i].plen;
	if (private_ranges[i].v4)
		addr_from_v4(p->addr, (const __u8[4]){ private_ranges[i].head[0],
						       private_ranges[i].head[1], 0, 0 });
	else
		memcpy(p->addr, private_ranges[i].head, private_ranges[i].n_head);
}

static int range_of(const __u8 a[16])
{
	for (unsigned i = 0; i < N_RANGES; i++) {
		struct addr_prefix p;

		range_prefix(i, &p);
		if (addr_prefix_contains(&p, a))
			return (int)i;
	}
	return -1;
}

/* Misra-Gries: a bounded summary whose survivors include every heavy hitter. */
static void heavy_add(struct heavy *t, const __u8 a[16], uint64_t w)
{
	struct heavy *min = NULL;

	for (int i = 0; i < HEAVY; i++) {
		if (t[i].n && !memcmp(t[i].addr, a, 16)) {
			t[i].n += w;
			return;
		}
		if (!min || t[i].n < min->n)
			min = &t[i];
	}
	if (!min->n) {
		memcpy(min->addr, a, 16);
		min->n = w;
		return;
	}
	for (int i = 0; i < HEAVY; i++)
		t[i].n = t[i].n > w ? t[i].n - w : 0;
}

void homenet_infer_add(struct homenet_infer *x, const struct nad_rec *r)
{
	uint64_t w = r->weight ? r->weight : 1;
	int i;

	if (!(r->flags & (NAD_F_IPV4 | NAD_F_IPV6)))
		return;
	x->any_ip = true;
	if ((i = range_of(r->saddr)) >= 0)
		x->range_seen[i] = true;
	if ((i = range_of(r->daddr)) >= 0)
		x->range_seen[i] = true;
	heavy_add(x->busy, r->saddr, w);
	if (r->ttl == 64 || r->ttl == 128 || r->ttl == 255)
		heavy_add(x->onlink, r->saddr, w);
}

static const struct heavy *top(const struct heavy *t)
{
	const struct heavy *best = NULL;

	for (int i = 0; i < HEAVY; i++) {
		if (t[i].n && (!best || t[i].n > best->n))
			best = &t[i];
	}
	return best;
}

unsigned homenet_infer_done(const struct homenet_infer *x, struct homenet *h)
{
	const struct heavy *t;

	memset(h, 0, sizeof(*h));
	h->inferred = true;
	if (!x->any_ip)
		return 0;
	for (unsigned i = 0; i < N_RANGES; i++) {
		struct addr_prefix p;

		if (!x->range_seen[i])
			continue;
		range_prefix(i, &p);
		homenet_add(h, &p);
	}
	if (h->n)
		return h->n;
	t = top(x->onlink);
	if (!t)
		t = top(x->busy);
	if (t) {
		struct addr_prefix p;

		memcpy(p.addr, t->addr, 16);
		p.plen = addr_is_v4(t->addr) ? 96 + 24 : 64;
		homenet_add(h, &p);
	}
	return h->n;
}
