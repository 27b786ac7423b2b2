// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mitigate/bpf.c - the BPF-map mitigation backend (contract in bpf.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mitigate/bpf.h"
#include "nadxdp.skel.h"

struct mitigate_bpf {
	struct mitigate_bpf_fds fd;
};

static void close_all(struct mitigate_bpf_fds *f)
{
	int *fds[] = { &f->drop4, &f->drop6, &f->allow4, &f->allow6, &f->rate, &f->rate_state };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void mitigate_bpf_free(struct mitigate_bpf *b)
{
	if (!b)
		return;
	close_all(&b->fd);
	free(b);
}

static struct mitigate_bpf *alloc_closed(void)
{
	struct mitigate_bpf *b = calloc(1, sizeof(*b));

	if (b)
		b->fd = (struct mitigate_bpf_fds){ -1, -1, -1, -1, -1, -1 };
	return b;
}

void mitigate_bpf_skel_fds(const struct nadxdp_bpf *sk, struct mitigate_bpf_fds *out)
{
	*out = (struct mitigate_bpf_fds){
		.drop4 = bpf_map__fd(sk->maps.nad_drop4),
		.drop6 = bpf_map__fd(sk->maps.nad_drop6),
		.allow4 = bpf_map__fd(sk->maps.nad_allow4),
		.allow6 = bpf_map__fd(sk->maps.nad_allow6),
		.rate = bpf_map__fd(sk->maps.nad_rate),
		.rate_state = bpf_map__fd(sk->maps.nad_rate_state),
	};
}

struct mitigate_bpf *mitigate_bpf_new(const struct mitigate_bpf_fds *fds)
{
	const int in[] = { fds->drop4,	fds->drop6, fds->allow4,
			   fds->allow6, fds->rate,  fds->rate_state };
	struct mitigate_bpf *b = alloc_closed();
	int *out[6], err = 0;

	if (!b)
		return NULL;
	out[0] = &b->fd.drop4;
	out[1] = &b->fd.drop6;
	out[2] = &b->fd.allow4;
	out[3] = &b->fd.allow6;
	out[4] = &b->fd.rate;
	out[5] = &b->fd.rate_state;
	for (int i = 0; i < 6 && !err; i++) {
		if (in[i] < 0) {
			err = i < 4 ? EINVAL : 0;
			continue;
		}
		*out[i] = fcntl(in[i], F_DUPFD_CLOEXEC, 3);
		if (*out[i] < 0)
			err = errno;
	}
	if ((fds->rate < 0) != (fds->rate_state < 0))
		err = err ? err : EINVAL;
	if (err) {
		mitigate_bpf_free(b);
		errno = err;
		return NULL;
	}
	return b;
}

static int open_pin(const char *dir, const char *name, int *fd)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	*fd = bpf_obj_get(path);
	return *fd < 0 ? -errno : 0;
}

struct mitigate_bpf *mitigate_bpf_open_pinned(const char *dir)
{
	struct mitigate_bpf *b = alloc_closed();
	int err;

	if (!b)
		return NULL;
	if (!dir)
		dir = NAD_PIN_DIR;
	err = open_pin(dir, "nad_drop4", &b->fd.drop4);
	if (!err)
		err = open_pin(dir, "nad_drop6", &b->fd.drop6);
	if (!err)
		err = open_pin(dir, "nad_allow4", &b->fd.allow4);
	if (!err)
		err = open_pin(dir, "nad_allow6", &b->fd.allow6);
	/* Optional: an older program has no aggregate rules. */
	if (!err && open_pin(dir, "nad_rate", &b->fd.rate) == 0 &&
	    open_pin(dir, "nad_rate_state", &b->fd.rate_state) != 0) {
		close(b->fd.rate);
		b->fd.rate = -1;
	}
	if (err) {
		mitigate_bpf_free(b);
		errno = -err;
		return NULL;
	}
	return b;
}

/* The map and LPM key (IPv4 or IPv6 trie) for a prefix. */
struct lpm_key {
	union {
		struct nad_lpm4_key k4;
		struct nad_lpm6_key k6;
	};
};

static int lpm(const struct addr_prefix *p, int fd4, int fd6, struct lpm_key *k)
{
	memset(k, 0, sizeof(*k));
	if (addr_prefix_is_v4(p)) {
		k->k4.prefixlen = p->plen - 96u;
		memcpy(k->k4.addr, p->addr + 12, 4);
		return fd4;
	}
	k->k6.prefixlen = p->plen;
	memcpy(k->k6.addr, p->addr, 16);
	return fd6;
}

const char *const mitigate_bpf_map_names[MITIGATE_N_MAPS] = {
	[MITIGATE_MAP_DROP4] = "nad_drop4",   [MITIGATE_MAP_DROP6] = "nad_drop6",
	[MITIGATE_MAP_ALLOW4] = "nad_allow4", [MITIGATE_MAP_ALLOW6] = "nad_allow6",
	[MITIGATE_MAP_RATE] = "nad_rate",
};

/* The entry's prefix from its key: IPv4 keys become ::ffff:a.b.c.d/(96 + len). */
static void entry_prefix(struct mitigate_bpf_entry *e, const void *key)
{
	const struct nad_lpm4_key *k4 = key;
	const struct nad_lpm6_key *k6 = key;

	switch (e->map) {
	case MITIGATE_MAP_DROP4:
	case MITIGATE_MAP_ALLOW4:
		addr_from_v4(e->prefix.addr, k4->addr);
		e->prefix.plen = (__u8)(96 + k4->prefixlen);
		break;
	case MITIGATE_MAP_DROP6:
	case MITIGATE_MAP_ALLOW6:
		memcpy(e->prefix.addr, k6->addr, 16);
		e->prefix.plen = (__u8)k6->prefixlen;
		break;
	default:
		memcpy(&e->rate_key, key, sizeof(e->rate_key));
		addr_prefix_host(&e->prefix, e->rate_key.daddr);
	}
}

static int lookup_entry(int fd, const void *key, struct mitigate_bpf_entry *e)
{
	switch (e->map) {
	case MITIGATE_MAP_DROP4:
	case MITIGATE_MAP_DROP6:
		return bpf_map_lookup_elem(fd, key, &e->drop);
	case MITIGATE_MAP_ALLOW4:
	case MITIGATE_MAP_ALLOW6:
		return bpf_map_lookup_elem(fd, key, &e->allow);
	default:
		return bpf_map_lookup_elem(fd, key, &e->rate);
	}
}

/* Ends any walk of a map that keeps changing under it. */
#define WALK_MAX 10000000L

long mitigate_bpf_walk(int fd, enum mitigate_bpf_map map, mitigate_bpf_entry_fn fn, void *ctx)
{
	union {
		struct nad_lpm4_key k4;
		struct nad_lpm6_key k6;
		struct nad_rate_key rate;
	} key, next;
	void *prev = NULL;
	long n = 0, steps = 0;

	while (steps++ < WALK_MAX && !bpf_map_get_next_key(fd, prev, &next)) {
		struct mitigate_bpf_entry e = { .map = map };

		key = next;
		prev = &key;
		if (!fn) {
			n++;
			continue;
		}
		if (lookup_entry(fd, &key, &e))
			continue; /* deleted meanwhile */
		entry_prefix(&e, &key);
		n++;
		if (fn(&e, ctx))
			return n;
	}
	return steps > WALK_MAX || errno == ENOENT ? n : -errno;
}

struct adopt_ctx {
	struct mitigate *m;
	__u64 now;
	int n;
};

static int adopt_entry(const struct mitigate_bpf_entry *e, void *ctx)
{
	struct adopt_ctx *a = ctx;

	if (!mitigate_adopt_drop(a->m, &e->prefix, &e->drop, a->now))
		a->n++;
	return 0;
}

int mitigate_bpf_adopt(struct mitigate_bpf *b, struct mitigate *m, __u64 now)
{
	struct adopt_ctx a = { .m = m, .now = now };
	long err;

	if (b->fd.drop4 >= 0) {
		err = mitigate_bpf_walk(b->fd.drop4, MITIGATE_MAP_DROP4, adopt_entry, &a);
		if (err < 0)
			return (int)err;
	}
	if (b->fd.drop6 >= 0) {
		err = mitigate_bpf_walk(b->fd.drop6, MITIGATE_MAP_DROP6, adopt_entry, &a);
		if (err < 0)
			return (int)err;
	}
	return a.n;
}

static int ret(int r)
{
	return r ? -errno : 0;
}

static int drop_put(void *ctx, const struct addr_prefix *p, const struct nad_rule *r)
{
	struct mitigate_bpf *b = ctx;
	struct lpm_key k;
	int fd = lpm(p, b->fd.drop4, b->fd.drop6, &k);

	return ret(bpf_map_update_elem(fd, &k, r, BPF_ANY));
}

static int drop_get(void *ctx, const struct addr_prefix *p, struct nad_rule *r)
{
	struct mitigate_bpf *b = ctx;
	struct lpm_key k;
	int fd = lpm(p, b->fd.drop4, b->fd.drop6, &k);

	return ret(bpf_map_lookup_elem(fd, &k, r));
}

static int drop_del(void *ctx, const struct addr_prefix *p)
{
	struct mitigate_bpf *b = ctx;
	struct lpm_key k;
	int fd = lpm(p, b->fd.drop4, b->fd.drop6, &k);

	return ret(bpf_map_delete_elem(fd, &k));
}

static int allow_add(void *ctx, const struct addr_prefix *p)
{
	struct mitigate_bpf *b = ctx;
	struct nad_allow v = { 0 };
	struct lpm_key k;
	int fd = lpm(p, b->fd.allow4, b->fd.allow6, &k);

	return ret(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST));
}

static int allow_del(void *ctx, const struct addr_prefix *p)
{
	struct mitigate_bpf *b = ctx;
	struct lpm_key k;
	int fd = lpm(p, b->fd.allow4, b->fd.allow6, &k);

	return ret(bpf_map_delete_elem(fd, &k));
}

static int rate_put(void *ctx, const struct nad_rate_key *k, const struct nad_rate *v)
{
	struct mitigate_bpf *b = ctx;

	if (b->fd.rate < 0)
		return -EOPNOTSUPP;
	return ret(bpf_map_update_elem(b->fd.rate, k, v, BPF_ANY));
}

static int rate_get(void *ctx, const struct nad_rate_key *k, struct nad_rate *v)
{
	struct mitigate_bpf *b = ctx;

	if (b->fd.rate < 0)
		return -EOPNOTSUPP;
	return ret(bpf_map_lookup_elem(b->fd.rate, k, v));
}

static int rate_del(void *ctx, const struct nad_rate_key *k)
{
	struct mitigate_bpf *b = ctx;
	int err;

	if (b->fd.rate < 0)
		return -EOPNOTSUPP;
	err = ret(bpf_map_delete_elem(b->fd.rate, k));
	/* The buckets go with the rule; a missing one was never used. */
	bpf_map_delete_elem(b->fd.rate_state, k);
	return err;
}

const struct mitigate_ops mitigate_bpf_ops = {
	.name = "bpf",
	.drop_put = drop_put,
	.drop_get = drop_get,
	.drop_del = drop_del,
	.allow_add = allow_add,
	.allow_del = allow_del,
	.rate_put = rate_put,
	.rate_get = rate_get,
	.rate_del = rate_del,
};

int mitigate_bpf_drop_set(int fd, const struct addr_prefix *p, __u64 now_ns, __u64 expires_ns,
			  bool *existed)
{
	struct nad_rule v = { 0 };
	struct lpm_key k;

	lpm(p, fd, fd, &k);
	*existed = !bpf_map_lookup_elem(fd, &k, &v);
	if (!*existed)
		v.created_ns = now_ns;
	v.expires_ns = expires_ns;
	v.origin = NAD_ORIGIN_MANUAL;
	v.reason = 0;
	return ret(bpf_map_update_elem(fd, &k, &v, BPF_ANY));
}

int mitigate_bpf_allow_set(int fd, const struct addr_prefix *p)
{
	struct nad_allow v = { 0 };
	struct lpm_key k;

	lpm(p, fd, fd, &k);
	/* keep the hit counter of an existing entry */
	if (bpf_map_lookup_elem(fd, &k, &v))
		memset(&v, 0, sizeof(v));
	return ret(bpf_map_update_elem(fd, &k, &v, BPF_ANY));
}

int mitigate_bpf_del(int fd, const struct addr_prefix *p)
{
	struct lpm_key k;

	lpm(p, fd, fd, &k);
	return ret(bpf_map_delete_elem(fd, &k));
}

static const char *proto_text(__u8 p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp-syn";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp-echo";
	case IPPROTO_ICMPV6:
		return "icmp6-echo";
	default:
		return "?";
	}
}

/* An aggregate rule (any source), not one source's signature rule? */
static bool rate_aggregate(const struct nad_rate_key *k)
{
	static const __u8 zero[sizeof(k->saddr)];

	return !memcmp(k->saddr, zero, sizeof(zero));
}

struct list_ctx {
	struct json_object *arr;
	FILE *out;
	__u64 now;
	int n;
};

static int list_rate(const struct mitigate_bpf_entry *e, void *ctx)
{
	struct list_ctx *c = ctx;
	const struct nad_rate_key *key = &e->rate_key;
	const struct nad_rate *v = &e->rate;
	char cidr[ADDR_PREFIX_STRLEN], src[ADDR_STRLEN] = "", what[160], left[32] = "never";
	__u64 now = c->now;

	addr_prefix_format(&e->prefix, cidr, sizeof(cidr));
	if (!rate_aggregate(key))
		addr_str(key->saddr, src, sizeof(src));
	if (v->expires_ns)
		snprintf(left, sizeof(left), v->expires_ns > now ? "%llus" : "expired",
			 (unsigned long long)((v->expires_ns - now) / 1000000000ULL));
	c->n++;
	if (c->arr) {
		struct json_object *o = json_object_new_object();

		if (!o)
			return 1;
		json_object_object_add(o, "kind", json_object_new_string("rate"));
		json_object_object_add(o, "cidr", json_object_new_string(cidr));
		json_object_object_add(o, "src_ip", src[0] ? json_object_new_string(src) : NULL);
		json_object_object_add(o, "dest_port", json_object_new_int(key->dport));
		json_object_object_add(o, "proto", json_object_new_int(key->proto));
		json_object_object_add(o, "rate_pps", json_object_new_int64(v->rate_pps));
		json_object_object_add(o, "burst", json_object_new_int64(v->burst));
		json_object_object_add(
			o, "origin",
			json_object_new_string(v->origin == NAD_ORIGIN_AUTO ? "auto" : "manual"));
		json_object_object_add(o, "reason", json_object_new_int64(v->reason));
		json_object_object_add(o, "hits", json_object_new_int64((int64_t)v->hits));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)v->hit_bytes));
		json_object_object_add(o, "passed", json_object_new_int64((int64_t)v->passed));
		json_object_object_add(o, "created_ns",
				       json_object_new_int64((int64_t)v->created_ns));
		json_object_object_add(o, "expires_ns",
				       json_object_new_int64((int64_t)v->expires_ns));
		json_object_object_add(
			o, "ttl_left_s",
			v->expires_ns ?
				json_object_new_double(v->expires_ns > now ?
							       (double)(v->expires_ns - now) / 1e9 :
							       0.0) :
				NULL);
		json_object_array_add(c->arr, o);
	} else if (c->out) {
		snprintf(what, sizeof(what), "%s %s/%u%s%s >%upps/cpu", cidr,
			 proto_text(key->proto), key->dport, src[0] ? " from " : "", src,
			 v->rate_pps);
		fprintf(c->out, "%-6s %-43s %-7s %12llu %14llu %10s\n", "rate", what,
			v->origin == NAD_ORIGIN_AUTO ? "auto" : "manual",
			(unsigned long long)v->hits, (unsigned long long)v->hit_bytes, left);
	}
	return c->n >= NAD_RATE_ENTRIES;
}

int mitigate_bpf_list_rates(int fd, struct json_object *arr, FILE *out, __u64 now)
{
	struct list_ctx c = { .arr = arr, .out = out, .now = now };

	mitigate_bpf_walk(fd, MITIGATE_MAP_RATE, list_rate, &c);
	return c.n;
}

struct count_ctx {
	long n_any, n_source;
};

static int count_rate(const struct mitigate_bpf_entry *e, void *ctx)
{
	struct count_ctx *c = ctx;

	if (rate_aggregate(&e->rate_key))
		c->n_any++;
	else
		c->n_source++;
	return 0;
}

int mitigate_bpf_count_rates(int fd, long *n_any, long *n_source)
{
	struct count_ctx c = { 0 };
	long n = mitigate_bpf_walk(fd, MITIGATE_MAP_RATE, count_rate, &c);

	*n_any = c.n_any;
	*n_source = c.n_source;
	return n < 0 ? (int)n : 0;
}
