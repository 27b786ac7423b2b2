/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nad_rate.bpf.h - rate rules in XDP (and TC ingress): aggregate ones for
 * spoofed or widely distributed floods, signature ones for the flood of one
 * source that must not be dropped wholesale (kernel side only; the ABI is
 * struct nad_rate* in nad_abi.h, the policy in user/mitigate/policy.c).
 *
 * A rule is keyed by the attacked {destination, port, protocol} and a
 * source: one address (a signature rule) or all zero (an aggregate rule,
 * any source). A packet is held to its own source's rule if there is a live
 * one, else to the aggregate rule of its destination. Subject to them: TCP
 * SYNs without ACK (connection attempts; nothing of an established
 * connection is ever touched), UDP datagrams to the port, ICMP/ICMPv6 echo
 * requests (port 0; ICMP errors such as "fragmentation needed" are never
 * limited). Beyond rate_pps per CPU (burst packets back to back) they are
 * dropped, counted in the rule's hits and in nad_stats.dropped_rate.
 * Allowlisted sources are never limited. An expired rule limits nothing.
 * Known clients are not held to an aggregate rule either: a TCP SYN from a
 * source that has already sent at least NAD_RATE_KNOWN packets other than
 * bare SYNs (nad_src: it completed handshakes, so it receives at its
 * address) passes. A spoofed flood's sources send SYNs only, so they never
 * become known, and a client already talking to the server keeps being
 * served. (An attacker who first completes handshakes from its real
 * addresses is not spoofing: the per-source rules cover it.) A signature
 * rule names its source: known or not, its SYNs are held to the budget.
 *
 * Include after the nad_allow4/nad_allow6 and nad_src map definitions.
 *
 * The bucket is a GCRA (virtual scheduling): one u64 per CPU, the
 * theoretical arrival time of the next packet; integer arithmetic only,
 * one division per subject packet (BPF has unsigned 64-bit division).
 *
 * Include after nad_allow_override() (nadxdp.bpf.c): an allowlisted source
 * subject to a live rule is counted in nad_stats.allowed_rule and passes.
 */
#ifndef NAD_RATE_BPF_H
#define NAD_RATE_BPF_H

#include "nad_abi.h"
#include "nad_parse.h"

/* Not preallocated: only then does the kernel count its elements (nad_rate_empty). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NAD_RATE_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nad_rate_key);
	__type(value, struct nad_rate);
} nad_rate SEC(".maps");

/* Per-CPU: another CPU's first lookup finds tat_ns == 0, a full bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, NAD_RATE_ENTRIES);
	__type(key, struct nad_rate_key);
	__type(value, struct nad_rate_state);
} nad_rate_state SEC(".maps");

#define NAD_NS_PER_S 1000000000ULL
#define NAD_RATE_KNOWN 2

static __always_inline int nad_rate_known(const struct nad_rec *rec)
{
	struct nad_src_stats *v;
	struct nad_src_key k;

	__builtin_memcpy(k.addr, rec->saddr, sizeof(k.addr));
	v = bpf_map_lookup_elem(&nad_src, &k);
	return v && v->pkts - v->syns >= NAD_RATE_KNOWN;
}

/*
 * 1 if nad_rate certainly holds no rule: two plain loads from the
 * kernel's own map struct (struct bpf_htab, CO-RE-relocated), where a
 * lookup is a helper call with a hash of the key (21-26 ns here).
 *
 * The count is the map's own, so every writer (mitigation, `nadxdp rules`,
 * a map reused across runs) keeps it right without knowing about it. It is
 * kept only by a hash created with BPF_F_NO_PREALLOC, and as one atomic_t
 * only when max_entries / 2 <= online CPUs * 32 at creation; a bigger map
 * counts in a per-CPU counter whose total lags by up to 32 per CPU, and is
 * never trusted here (use_percpu_counter: always look up). The atomic_t is
 * raised before a new element is linked into its bucket and lowered after
 * one is unlinked, so it never reads 0 while a rule can be found: a stale
 * value is at worst "not empty", which costs the lookup, never a rule.
 */
static __always_inline int nad_rate_empty(void)
{
	struct bpf_htab *h = (struct bpf_htab *)&nad_rate;

	return !h->use_percpu_counter && !h->count.counter;
}

/* The kernel's threshold (kernel/bpf/hashtab.c): the atomic count from 2 CPUs up. */
_Static_assert(NAD_RATE_ENTRIES / 2 <= 2 * 32,
	       "nad_rate small enough for the kernel to count it in one atomic_t");

/* The live rule of key, or NULL. */
static __always_inline struct nad_rate *nad_rate_rule(const struct nad_rate_key *key, __u64 now)
{
	struct nad_rate *rule = bpf_map_lookup_elem(&nad_rate, key);

	if (!rule || !rule->rate_pps || (rule->expires_ns && now > rule->expires_ns))
		return 0;
	return rule;
}

/*
 * Returns 1 if the packet is over the budget of its source's rate rule or
 * its destination's aggregate one (drop it), 0 otherwise. Fails open: no
 * rule, no state, nothing dropped.
 */
static __always_inline int nad_rate_drop(const struct nad_rec *rec, struct nad_stats *st, __u64 now)
{
	struct nad_rate_key key = {};
	struct nad_rate_state *s;
	struct nad_rate *rule;
	__u64 interval, tat;
	int aggregate;

	/* Most of the time there is no rate rule at all. */
	if (nad_rate_empty())
		return 0;
	if (!(rec->flags & NAD_F_L4))
		return 0;
	switch (rec->ip_proto) {
	case NAD_IPPROTO_TCP:
		if ((rec->tcp_flags & (NAD_TCP_SYN | NAD_TCP_ACK)) != NAD_TCP_SYN)
			return 0;
		key.dport = rec->dport;
		break;
	case NAD_IPPROTO_UDP:
		key.dport = rec->dport;
		break;
	case NAD_IPPROTO_ICMP:
		if ((rec->sport >> 8) != 8) /* echo request */
			return 0;
		break;
	case NAD_IPPROTO_ICMPV6:
		if ((rec->sport >> 8) != 128) /* echo request */
			return 0;
		break;
	default:
		return 0;
	}
	key.proto = rec->ip_proto;
	__builtin_memcpy(key.daddr, rec->daddr, sizeof(key.daddr));
	__builtin_memcpy(key.saddr, rec->saddr, sizeof(key.saddr));

	/* The source's own rule first, then the destination's aggregate one. */
	rule = nad_rate_rule(&key, now);
	aggregate = !rule;
	if (aggregate) {
		__builtin_memset(key.saddr, 0, sizeof(key.saddr));
		rule = nad_rate_rule(&key, now);
		if (!rule)
			return 0;
	}
	if (nad_allow_override(rec, st))
		return 0;
	if (aggregate && key.proto == NAD_IPPROTO_TCP && nad_rate_known(rec))
		return 0;
	s = bpf_map_lookup_elem(&nad_rate_state, &key);
	if (!s) {
		struct nad_rate_state init = {};

		bpf_map_update_elem(&nad_rate_state, &key, &init, BPF_ANY);
		s = bpf_map_lookup_elem(&nad_rate_state, &key);
		if (!s)
			return 0;
	}
	interval = NAD_NS_PER_S / rule->rate_pps;
	tat = s->tat_ns > now ? s->tat_ns : now;
	/* Conforming while tat - now <= (burst - 1) * interval: burst packets at once. */
	if (tat - now + interval > (__u64)rule->burst * interval) {
		__sync_fetch_and_add(&rule->hits, 1);
		__sync_fetch_and_add(&rule->hit_bytes, rec->wire_bytes);
		st->dropped_rate++;
		return 1;
	}
	s->tat_ns = tat + interval;
	__sync_fetch_and_add(&rule->passed, 1);
	return 0;
}

#endif /* NAD_RATE_BPF_H */
