// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mitigate/mem.c - the in-memory mitigation backend (contract in mem.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mitigate/mem.h"

struct drop_ent {
	bool used;
	struct addr_prefix p;
	struct nad_rule v;
};

struct rate_ent {
	bool used;
	struct nad_rate_key k;
	struct nad_rate v;
};

struct allow_ent {
	bool used;
	struct addr_prefix p;
};

struct mitigate_mem {
	size_t cap;
	struct drop_ent *drop;
	struct rate_ent *rate;
	struct allow_ent *allow;
	int fail;
};

struct mitigate_mem *mitigate_mem_new(size_t cap)
{
	struct mitigate_mem *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->cap = cap;
	mm->drop = calloc(cap, sizeof(*mm->drop));
	mm->rate = calloc(cap, sizeof(*mm->rate));
	mm->allow = calloc(cap, sizeof(*mm->allow));
	if (!cap || !mm->drop || !mm->rate || !mm->allow) {
		mitigate_mem_free(mm);
		errno = cap ? ENOMEM : EINVAL;
		return NULL;
	}
	return mm;
}

void mitigate_mem_free(struct mitigate_mem *mm)
{
	if (!mm)
		return;
	free(mm->drop);
	free(mm->rate);
	free(mm->allow);
	free(mm);
}

void mitigate_mem_fail_writes(struct mitigate_mem *mm, int err)
{
	mm->fail = err;
}

static struct drop_ent *drop_find(const struct mitigate_mem *mm, const struct addr_prefix *p)
{
	for (size_t i = 0; i < mm->cap; i++) {
		if (mm->drop[i].used && addr_prefix_equal(&mm->drop[i].p, p))
			return &mm->drop[i];
	}
	return NULL;
}

static struct rate_ent *rate_find(const struct mitigate_mem *mm, const struct nad_rate_key *k)
{
	for (size_t i = 0; i < mm->cap; i++) {
		if (mm->rate[i].used && !memcmp(&mm->rate[i].k, k, sizeof(*k)))
			return &mm->rate[i];
	}
	return NULL;
}

static struct allow_ent *allow_find(const struct mitigate_mem *mm, const struct addr_prefix *p)
{
	for (size_t i = 0; i < mm->cap; i++) {
		if (mm->allow[i].used && addr_prefix_equal(&mm->allow[i].p, p))
			return &mm->allow[i];
	}
	return NULL;
}

static int drop_put(void *ctx, const struct addr_prefix *p, const struct nad_rule *r)
{
	struct mitigate_mem *mm = ctx;
	struct drop_ent *e = drop_find(mm, p);

	if (mm->fail)
		return mm->fail;
	for (size_t i = 0; !e && i < mm->cap; i++) {
		if (!mm->drop[i].used)
			e = &mm->drop[i];
	}
	if (!e)
		return -E2BIG;
	e->used = true;
	e->p = *p;
	e->v = *r;
	return 0;
}

static int drop_get(void *ctx, const struct addr_prefix *p, struct nad_rule *r)
{
	struct drop_ent *e = drop_find(ctx, p);

	if (!e)
		return -ENOENT;
	*r = e->v;
	return 0;
}

static int drop_del(void *ctx, const struct addr_prefix *p)
{
	struct drop_ent *e = drop_find(ctx, p);

	if (!e)
		return -ENOENT;
	memset(e, 0, sizeof(*e));
	return 0;
}

static int allow_add(void *ctx, const struct addr_prefix *p)
{
	struct mitigate_mem *mm = ctx;
	struct allow_ent *e = NULL;

	if (mm->fail)
		return mm->fail;
	if (allow_find(mm, p))
		return -EEXIST;
	for (size_t i = 0; !e && i < mm->cap; i++) {
		if (!mm->allow[i].used)
			e = &mm->allow[i];
	}
	if (!e)
		return -E2BIG;
	e->used = true;
	e->p = *p;
	return 0;
}

static int allow_del(void *ctx, const struct addr_prefix *p)
{
	struct allow_ent *e = allow_find(ctx, p);

	if (!e)
		return -ENOENT;
	memset(e, 0, sizeof(*e));
	return 0;
}

static int rate_put(void *ctx, const struct nad_rate_key *k, const struct nad_rate *v)
{
	struct mitigate_mem *mm = ctx;
	struct rate_ent *e = rate_find(mm, k);

	if (mm->fail)
		return mm->fail;
	for (size_t i = 0; !e && i < mm->cap; i++) {
		if (!mm->rate[i].used)
			e = &mm->rate[i];
	}
	if (!e)
		return -E2BIG;
	e->used = true;
	e->k = *k;
	e->v = *v;
	return 0;
}

static int rate_get(void *ctx, const struct nad_rate_key *k, struct nad_rate *v)
{
	struct rate_ent *e = rate_find(ctx, k);

	if (!e)
		return -ENOENT;
	*v = e->v;
	return 0;
}

static int rate_del(void *ctx, const struct nad_rate_key *k)
{
	struct rate_ent *e = rate_find(ctx, k);

	if (!e)
		return -ENOENT;
	memset(e, 0, sizeof(*e));
	return 0;
}

const struct mitigate_ops mitigate_mem_ops = {
	.name = "memory",
	.drop_put = drop_put,
	.drop_get = drop_get,
	.drop_del = drop_del,
	.allow_add = allow_add,
	.allow_del = allow_del,
	.rate_put = rate_put,
	.rate_get = rate_get,
	.rate_del = rate_del,
};

static size_t count_used(const void *base, size_t stride, size_t cap)
{
	size_t n = 0;

	/* Every entry type starts with its `used` flag. */
	for (size_t i = 0; i < cap; i++)
		n += *(const bool *)((const char *)base + i * stride);
	return n;
}

size_t mitigate_mem_n_drop(const struct mitigate_mem *mm)
{
	return count_used(mm->drop, sizeof(*mm->drop), mm->cap);
}

size_t mitigate_mem_n_rate(const struct mitigate_mem *mm)
{
	return count_used(mm->rate, sizeof(*mm->rate), mm->cap);
}

size_t mitigate_mem_n_allow(const struct mitigate_mem *mm)
{
	return count_used(mm->allow, sizeof(*mm->allow), mm->cap);
}

bool mitigate_mem_drop(const struct mitigate_mem *mm, const struct addr_prefix *p,
		       struct nad_rule *out)
{
	struct drop_ent *e = drop_find(mm, p);

	if (e && out)
		*out = e->v;
	return e;
}

bool mitigate_mem_rate(const struct mitigate_mem *mm, const struct nad_rate_key *k,
		       struct nad_rate *out)
{
	struct rate_ent *e = rate_find(mm, k);

	if (e && out)
		*out = e->v;
	return e;
}

bool mitigate_mem_allow(const struct mitigate_mem *mm, const struct addr_prefix *p)
{
	return allow_find(mm, p);
}

bool mitigate_mem_packet(struct mitigate_mem *mm, const __u8 addr[16], __u32 bytes, __u64 now)
{
	struct drop_ent *best = NULL;

	for (size_t i = 0; i < mm->cap; i++) {
		if (mm->allow[i].used && addr_prefix_contains(&mm->allow[i].p, addr))
			return false;
	}
	for (size_t i = 0; i < mm->cap; i++) {
		struct drop_ent *e = &mm->drop[i];

		if (e->used && addr_prefix_contains(&e->p, addr) &&
		    (!best || e->p.plen > best->p.plen))
			best = e;
	}
	/* Like the kernel: the longest match decides, and an expired one drops nothing. */
	if (!best || (best->v.expires_ns && now > best->v.expires_ns))
		return false;
	best->v.hits++;
	best->v.hit_bytes += bytes;
	return true;
}

bool mitigate_mem_rate_holding(const struct mitigate_mem *mm, const __u8 src[16],
			       const __u8 dst[16], __u16 dport, __u8 proto, __u64 now,
			       struct nad_rate_key *out)
{
	struct nad_rate_key k = { .dport = dport, .proto = proto };

	memcpy(k.daddr, dst, sizeof(k.daddr));
	for (int pass = 0; pass < 2; pass++) {
		const struct rate_ent *e;

		/* The source's rule first, then the aggregate one (source all zero). */
		if (!pass)
			memcpy(k.saddr, src, sizeof(k.saddr));
		else
			memset(k.saddr, 0, sizeof(k.saddr));
		e = rate_find(mm, &k);
		if (e && e->v.rate_pps && !(e->v.expires_ns && now > e->v.expires_ns)) {
			if (out)
				*out = k;
			return true;
		}
	}
	return false;
}

bool mitigate_mem_rate_hit(struct mitigate_mem *mm, const struct nad_rate_key *k, __u64 n)
{
	struct rate_ent *e = rate_find(mm, k);

	if (!e)
		return false;
	e->v.hits += n;
	return true;
}
