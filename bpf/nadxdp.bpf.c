// SPDX-License-Identifier: GPL-2.0-only
/*
 * nadxdp.bpf.c - XDP ingress and TC (clsact/tcx egress) programs.
 *
 * Both run one body: count, parse (bpf/nad_parse.h, the same code userspace
 * runs), and emit one struct nad_rec per packet to the nad_events ring
 * buffer. Ingress additionally updates the per-source counters and consults
 * the allowlist and the drop rules.
 *
 * Records are staged per CPU and committed to the ring NAD_STAGE_RECS at a
 * time with one copy; a CPU-pinned timer commits a partial stage
 * nad_stage_flush_ns after its first record, so a quiet link waits at most
 * that long.
 *
 * Accounting invariant, both directions together:
 *   sum(weight of delivered records) + sum over CPUs(pending + staged)
 *     + dropped_rule + dropped_rate == pkts[IN] + pkts[OUT]
 * Every packet is counted before anything else; a packet that gets no
 * record of its own (sampled out, or the ring is full) is carried in the
 * per-CPU pending count until the next record staged on that CPU takes it
 * into its weight.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nad_abi.h"
#include "nad_parse.h"

/*
 * TC verdicts. A passed packet goes on to whatever follows nadxdp on the
 * hook (TC_ACT_UNSPEC is tcx's TCX_NEXT, and "next filter" on clsact):
 * a monitor must not end the chain for the programs after it. With none
 * after, the packet passes.
 */
#define NAD_TC_ACT_NEXT (-1)
#define NAD_TC_ACT_SHOT 2
#define NAD_CLOCK_MONOTONIC 1
#define NAD_EBUSY 16

/* The kernel's struct xdp_buff behind an xdp_md (a no-op the verifier inlines). */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* The default ring's size is a power of two; fill is measured in 1/16ths of it. */
#define NAD_RB_SHIFT 22
_Static_assert(NAD_RINGBUF_BYTES == 1u << NAD_RB_SHIFT, "NAD_RB_SHIFT matches NAD_RINGBUF_BYTES");

/* Load-time settings, set through the skeleton before load. */
/* Above this much unread data, records are sampled 1-in-N, N growing with the fill
 * (half the ring; the loader sets both for a ring of another size). */
const volatile __u64 nad_shed_bytes = NAD_RINGBUF_BYTES / 2;
/* log2 of 1/16th of the ring: the fill's step. */
const volatile __u32 nad_rb_step_shift = NAD_RB_SHIFT - 4;
/*
 * A submit wakes userspace up once per 1 << nad_wakeup_shift bytes of
 * records (64 KiB); below, it polls. A power of two: the test is two
 * shifts, where two 64-bit divisions cost several ns per packet.
 */
const volatile __u8 nad_wakeup_shift = 16;
/* 0: count, parse and record, but never drop (monitor only). */
const volatile __u8 nad_enforce = 1;
/* Records staged before a commit, 1..NAD_STAGE_RECS (tests set 1: at once). */
const volatile __u32 nad_stage_recs = NAD_STAGE_RECS;
/* A partial stage is committed this long after its first record. */
const volatile __u64 nad_stage_flush_ns = NAD_STAGE_FLUSH_NS;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NAD_RINGBUF_BYTES);
} nad_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nad_stats);
} nad_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NAD_SRC_ENTRIES);
	__type(key, struct nad_src_key);
	__type(value, struct nad_src_stats);
} nad_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NAD_RULE_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nad_lpm4_key);
	__type(value, struct nad_rule);
} nad_drop4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NAD_RULE_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nad_lpm6_key);
	__type(value, struct nad_rule);
} nad_drop6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NAD_ALLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nad_lpm4_key);
	__type(value, struct nad_allow);
} nad_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NAD_ALLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nad_lpm6_key);
	__type(value, struct nad_allow);
} nad_allow6 SEC(".maps");

/*
 * Per-source counts of the staged packets, added to nad_src when the stage
 * is committed: a flood from one source costs one nad_src update per stage
 * instead of one per packet, and nad_src is as current as the records.
 */
#define NAD_SRC_SLOTS 8

struct nad_src_slot {
	__u8 addr[16];
	struct nad_src_stats c; /* c.pkts == 0: the slot is free */
};

/*
 * One CPU's stage. Only programs on that CPU and its pinned timer touch it,
 * and they do not interleave (softirq, or BH disabled for TC) but for
 * bpf_prog_test_run, where a softirq may interrupt the program: busy makes
 * the interrupting side leave the stage alone. The timer must be pinned
 * (BPF_F_TIMER_CPU_PIN, Linux 6.7); on older kernels the loader stages one
 * record at a time.
 */
struct nad_stage {
	struct bpf_timer timer;
	__u32 n;      /* records staged (the packets they stand for: this CPU's nad_stats.staged) */
	__u8 busy;    /* a program or the timer is changing the stage */
	__u8 armed;   /* the timer is started and has not fired */
	__u8 timer_init;
	__u8 pad;
	struct nad_src_slot src[NAD_SRC_SLOTS];
	struct nad_rec recs[NAD_STAGE_RECS];
};

_Static_assert((NAD_STAGE_RECS & (NAD_STAGE_RECS - 1)) == 0, "NAD_STAGE_RECS is a power of two");

/* Indexed by CPU; the loader sets max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct nad_stage);
} nad_stage SEC(".maps");


/*
 * Sampling mask for the current fill: 0 (keep every record) below
 * nad_shed_bytes, then 1-in-2 and doubling with every further 1/16th of
 * the ring, up to 1-in-512 when it is full.
 */
static __always_inline __u32 shed_mask(__u64 avail)
{
	__u64 over;
	__u32 steps;

	if (avail < nad_shed_bytes)
		return 0;
	over = avail - nad_shed_bytes;
	steps = 1 + (__u32)(over >> nad_rb_step_shift);
	if (steps > 9)
		steps = 9;
	return (1u << steps) - 1;
}

static __always_inline void carry(struct nad_stats *st)
{
	st->pending++;
	st->recs_shed++;
}

/* Adds counts c of the source addr to nad_src (a new entry if it has none). */
static __always_inline void src_add(const __u8 *addr, const struct nad_src_stats *c)
{
	struct nad_src_stats *v;
	struct nad_src_key key;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	v = bpf_map_lookup_elem(&nad_src, &key);
	if (!v) {
		if (!bpf_map_update_elem(&nad_src, &key, c, BPF_NOEXIST))
			return;
		/* Another CPU inserted it first: count on its entry. */
		v = bpf_map_lookup_elem(&nad_src, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->pkts, c->pkts);
	__sync_fetch_and_add(&v->bytes, c->bytes);
	if (c->syns)
		__sync_fetch_and_add(&v->syns, c->syns);
	if (c->last_ns > v->last_ns)
		v->last_ns = c->last_ns;
}

/* Empties the stage's source slots into nad_src. */
static __always_inline void src_flush(struct nad_stage *sg)
{
	for (int i = 0; i < NAD_SRC_SLOTS; i++) {
		struct nad_src_slot *sl = &sg->src[i];

		if (!sl->c.pkts)
			continue;
		src_add(sl->addr, &sl->c);
		sl->c.pkts = 0;
	}
}

/*
 * Commits the stage to the ring with one copy. If the ring has no room, its
 * records are lost and their packets carried in pending, like a shed one.
 */
static __always_inline void stage_commit(struct nad_stage *sg, struct nad_stats *st)
{
	__u32 n = sg->n;
	__u64 avail, bytes;
	int wake;

	src_flush(sg);
	if (!n)
		return;
	if (n > NAD_STAGE_RECS)
		n = NAD_STAGE_RECS;
	bytes = n * sizeof(struct nad_rec);
	/* Asked once per commit; packets in between shed on the last answer. */
	avail = bpf_ringbuf_query(&nad_events, BPF_RB_AVAIL_DATA);
	/*
	 * Wake-ups cost more than the records (an irq_work, a self-IPI in a
	 * VM): batch them. Wake userspace only when this sample takes the
	 * unread data across a multiple of 1 << nad_wakeup_shift, i.e. once
	 * per that many bytes of records; otherwise userspace finds them on its
	 * next short poll timeout. A crossing missed in a race between CPUs
	 * costs latency (up to that timeout), never records.
	 */
	wake = avail >> nad_wakeup_shift != (avail + bytes + 8) >> nad_wakeup_shift;
	if (bpf_ringbuf_output(&nad_events, sg->recs, bytes,
			       wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP)) {
		st->rb_avail_est = avail;
		st->pending += st->staged;
		st->recs_shed += n;
	} else {
		st->rb_avail_est = avail + bytes + 8;
		st->recs_emitted += n;
	}
	/* The stage and the per-CPU counters belong to the same CPU. */
	st->staged = 0;
	sg->n = 0;
}

/* The stage's timer: commits what the stage holds on its own CPU. */
static int stage_timer_fired(void *map, __u32 *key, struct nad_stage *sg)
{
	struct nad_stats *st;
	__u32 zero = 0;

	if (*key != bpf_get_smp_processor_id())
		return 0;
	if (sg->busy) {
		/* A test run this softirq interrupted: try again shortly. */
		bpf_timer_start(&sg->timer, nad_stage_flush_ns, BPF_F_TIMER_CPU_PIN);
		return 0;
	}
	sg->armed = 0;
	st = bpf_map_lookup_elem(&nad_stats, &zero);
	if (!st)
		return 0;
	sg->busy = 1;
	stage_commit(sg, st);
	sg->busy = 0;
	return 0;
}

/* Starts the stage's timer, pinned to this CPU, if it is not running. */
static __always_inline void stage_arm(struct nad_stage *sg)
{
	if (sg->armed)
		return;
	if (!sg->timer_init) {
		long err = bpf_timer_init(&sg->timer, &nad_stage, NAD_CLOCK_MONOTONIC);

		/* Without a timer the stage is committed when it fills. */
		if ((err && err != -NAD_EBUSY) ||
		    bpf_timer_set_callback(&sg->timer, stage_timer_fired))
			return;
		sg->timer_init = 1;
	}
	if (!bpf_timer_start(&sg->timer, nad_stage_flush_ns, BPF_F_TIMER_CPU_PIN))
		sg->armed = 1;
}

/*
 * While shedding, packets between two asks of the ring. Below the threshold
 * every commit asks (once per stage); above it few packets are staged, so
 * the figure is refreshed every this many packets, or the ring userspace
 * has emptied would go on being shed on.
 */
#define NAD_RB_QUERY_EVERY 32

/*
 * This CPU's stage, marked busy, or NULL if there is none or it is busy (a
 * test run interrupted by its timer): the caller then counts the packet
 * without it, and clears busy when done.
 */
static __always_inline struct nad_stage *stage_enter(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct nad_stage *sg = bpf_map_lookup_elem(&nad_stage, &cpu);

	if (!sg || sg->busy)
		return 0;
	sg->busy = 1;
	return sg;
}

/*
 * Counts the packet for its source: in the stage's slot for that source
 * (one of NAD_SRC_SLOTS, by a hash of the address; a different source in
 * the slot is moved to nad_src first), or straight into nad_src without a
 * stage.
 */
static __always_inline void count_source(const struct nad_rec *rec, __u64 now,
					 struct nad_stage *sg)
{
	__u64 syn = (rec->flags & NAD_F_L4) && rec->ip_proto == NAD_IPPROTO_TCP &&
		    (rec->tcp_flags & (NAD_TCP_SYN | NAD_TCP_ACK)) == NAD_TCP_SYN;
	struct nad_src_slot *sl;
	__u64 a0, a1, h;

	if (!sg) {
		struct nad_src_stats one = {
			.pkts = 1,
			.bytes = rec->wire_bytes,
			.syns = syn,
			.first_ns = now,
			.last_ns = now,
		};

		src_add(rec->saddr, &one);
		return;
	}
	__builtin_memcpy(&a0, rec->saddr, 8);
	__builtin_memcpy(&a1, rec->saddr + 8, 8);
	h = a0 ^ a1;
	h ^= h >> 32;
	sl = &sg->src[((__u32)h * 0x9e3779b1u) >> 29 & (NAD_SRC_SLOTS - 1)];
	if (sl->c.pkts) {
		__u64 s0, s1;

		__builtin_memcpy(&s0, sl->addr, 8);
		__builtin_memcpy(&s1, sl->addr + 8, 8);
		if (s0 == a0 && s1 == a1) {
			sl->c.pkts++;
			sl->c.bytes += rec->wire_bytes;
			sl->c.syns += syn;
			sl->c.last_ns = now;
			return;
		}
		src_add(sl->addr, &sl->c);
	}
	__builtin_memcpy(sl->addr, rec->saddr, sizeof(sl->addr));
	sl->c.pkts = 1;
	sl->c.bytes = rec->wire_bytes;
	sl->c.syns = syn;
	sl->c.first_ns = now;
	sl->c.last_ns = now;
	/* Its counts reach nad_src by the timer if no record is staged. */
	stage_arm(sg);
}

/* Stages the packet's record (sg NULL: carries the packet in pending). */
static __always_inline void emit(struct nad_rec *rec, struct nad_stats *st, struct nad_stage *sg)
{
	__u64 weight;
	__u32 mask, i;

	if (st->rb_avail_est >= nad_shed_bytes &&
	    !(++st->rb_query_in & (NAD_RB_QUERY_EVERY - 1)))
		st->rb_avail_est = bpf_ringbuf_query(&nad_events, BPF_RB_AVAIL_DATA);
	mask = shed_mask(st->rb_avail_est);

	if (mask && (bpf_get_prandom_u32() & mask)) {
		carry(st);
		return;
	}
	if (!sg) {
		carry(st);
		return;
	}
	weight = 1 + st->pending;
	if (weight > 0xffffffffULL)
		weight = 0xffffffffULL;
	st->pending -= weight - 1;
	rec->weight = (__u32)weight;
	i = sg->n & (NAD_STAGE_RECS - 1);
	__builtin_memcpy(&sg->recs[i], rec, sizeof(*rec));
	sg->n = i + 1;
	st->staged += weight;
	if (sg->n >= nad_stage_recs)
		stage_commit(sg, st);
	else
		stage_arm(sg);
}

static __always_inline int rule_live(const struct nad_rule *rule, __u64 now)
{
	return !rule->expires_ns || now <= rule->expires_ns;
}

/*
 * Number of prefixes in an LPM trie, read from the kernel's own map struct
 * (struct lpm_trie, CO-RE-relocated through vmlinux.h). The verifier lets a
 * program read the fields of a map it references; this is a plain load,
 * where an lookup in even an empty trie is a helper call. n_entries changes
 * under the trie's lock in the same update that publishes the node, so a
 * rule is seen by the first packet after bpf_map_update_elem returns.
 */
static __always_inline int nad_trie_empty(void *map)
{
	return !((struct lpm_trie *)map)->n_entries;
}

/*
 * The allowlist entry of the packet's source, or NULL. Consulted only when
 * a drop or rate rule would take the packet: the allowlist matters only
 * where it overrides one, and skipping it otherwise saves two trie walks
 * per packet.
 */
static __always_inline struct nad_allow *nad_allowed(const struct nad_rec *rec)
{
	if (rec->flags & NAD_F_IPV4) {
		struct nad_lpm4_key k = { .prefixlen = 32 };

		if (nad_trie_empty(&nad_allow4))
			return 0;
		__builtin_memcpy(k.addr, rec->saddr + 12, 4);
		return bpf_map_lookup_elem(&nad_allow4, &k);
	} else {
		struct nad_lpm6_key k = { .prefixlen = 128 };

		if (nad_trie_empty(&nad_allow6))
			return 0;
		__builtin_memcpy(k.addr, rec->saddr, 16);
		return bpf_map_lookup_elem(&nad_allow6, &k);
	}
}

/*
 * Counts a packet the allowlist saved from a drop or rate rule. Returns 1
 * if the source is allowlisted.
 */
static __always_inline int nad_allow_override(const struct nad_rec *rec, struct nad_stats *st)
{
	struct nad_allow *allow = nad_allowed(rec);

	if (!allow)
		return 0;
	__sync_fetch_and_add(&allow->hits, 1);
	st->allowed_rule++;
	return 1;
}

/* Returns 1 if a drop rule takes the packet (and counts it there). */
static __always_inline int apply_rules(const struct nad_rec *rec, struct nad_stats *st, __u64 now)
{
	struct nad_rule *rule = 0;

	if (rec->flags & NAD_F_IPV4) {
		struct nad_lpm4_key k = { .prefixlen = 32 };

		if (nad_trie_empty(&nad_drop4))
			return 0;
		__builtin_memcpy(k.addr, rec->saddr + 12, 4);
		rule = bpf_map_lookup_elem(&nad_drop4, &k);
	} else {
		struct nad_lpm6_key k = { .prefixlen = 128 };

		if (nad_trie_empty(&nad_drop6))
			return 0;
		__builtin_memcpy(k.addr, rec->saddr, 16);
		rule = bpf_map_lookup_elem(&nad_drop6, &k);
	}
	if (!rule || !rule_live(rule, now) || !nad_enforce)
		return 0;
	/* The allowlist always wins; the packet is recorded as usual. */
	if (nad_allow_override(rec, st))
		return 0;
	__sync_fetch_and_add(&rule->hits, 1);
	__sync_fetch_and_add(&rule->hit_bytes, rec->wire_bytes);
	st->dropped_rule++;
	return 1;
}

/* Aggregate rate rules (mitigation of spoofed floods); needs nad_allow_override above. */
#include "nad_rate.bpf.h"

/*
 * Everything after the parse: counters, rules, per-source counts, record.
 * Returns 1 if a drop rule takes the packet.
 *
 * A global (not inlined) function on purpose: the verifier checks it once,
 * with rec as unknown memory, instead of once for every distinct state the
 * parser can end in (the IPv6 extension-header loop alone makes dozens).
 */
__noinline int nad_account(struct nad_rec *rec)
{
	struct nad_stage *sg;
	struct nad_stats *st;
	__u32 zero = 0;
	bool in_ip;
	__u32 dir;

	if (!rec)
		return 0;
	st = bpf_map_lookup_elem(&nad_stats, &zero);
	if (!st)
		return 0;
	dir = rec->dir ? NAD_DIR_OUT : NAD_DIR_IN;
	st->pkts[dir]++;
	st->bytes[dir] += rec->wire_bytes;
	if (rec->malformed)
		st->malformed++;

	/* Rules and per-source counts are for IP sources, on ingress. */
	in_ip = dir == NAD_DIR_IN && (rec->flags & (NAD_F_IPV4 | NAD_F_IPV6));
	if (in_ip) {
		if (apply_rules(rec, st, rec->ts_ns))
			return 1;
		if (nad_enforce && nad_rate_drop(rec, st, rec->ts_ns))
			return 1;
	}
	sg = stage_enter();
	if (in_ip)
		count_source(rec, rec->ts_ns, sg);
	emit(rec, st, sg);
	if (sg)
		sg->busy = 0;
	return 0;
}

/*
 * xdp.frags: the program also takes multi-buffer frames (jumbo MTU, LRO/GRO
 * in XDP). Only the first buffer is readable directly; the parser treats
 * the rest like a capture's snapshot cut, and wire_bytes is the whole frame.
 */
SEC("xdp.frags")
int nad_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct nad_rec rec = {};
	__u32 wire;

	/*
	 * The helper call only for multi-buffer frames: a linear one is
	 * data_end - data long. The flag is read from the kernel's xdp_buff.
	 */
	wire = (__u32)(data_end - data);
	if (((struct xdp_buff *)bpf_cast_to_kern_ctx(ctx))->flags & XDP_FLAGS_HAS_FRAGS)
		wire = (__u32)bpf_xdp_get_buff_len(ctx);
	rec.ts_ns = bpf_ktime_get_ns();
	nad_parse(data, data_end, wire, &rec);
	rec.dir = NAD_DIR_IN;
	return nad_account(&rec) ? XDP_DROP : XDP_PASS;
}

/* Headers to make linear before parsing (the rest may be paged). */
#define NAD_TC_PULL_BYTES 192

/*
 * One skb at a TC hook, either direction: parse, fix up what the stack
 * has already taken out of the frame, account. Returns nad_account's
 * verdict (1: a drop rule takes the packet).
 */
static __always_inline int tc_record(struct __sk_buff *skb, __u8 dir)
{
	struct nad_rec rec = {};
	void *data, *data_end;
	__u32 len = skb->len;
	__u32 segs;

	rec.ts_ns = bpf_ktime_get_ns();
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data_end - data < NAD_TC_PULL_BYTES && data_end - data < len) {
		/* Failure only means we parse what is linear; no error to report. */
		bpf_skb_pull_data(skb, len < NAD_TC_PULL_BYTES ? len : NAD_TC_PULL_BYTES);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}

	nad_parse(data, data_end, len, &rec);
	rec.dir = dir;
	/*
	 * A VLAN tag the stack (or the NIC) moved into skb metadata was on the
	 * wire: the frame XDP sees still has it. The record says so as the
	 * parser would have.
	 */
	if (skb->vlan_present && rec.n_vlans < NAD_MAX_VLANS) {
		rec.n_vlans++;
		rec.wire_bytes += 4;
		rec.hdr_bytes += 4;
		rec.l3_off += 4;
	}
	segs = skb->gso_segs;
	if (segs > 1) {
		/* Every segment carries its own copy of the headers on the wire. */
		rec.gso_segs = segs > 0xffff ? 0xffff : segs;
		rec.wire_bytes = rec.wire_bytes + (rec.gso_segs - 1) * rec.hdr_bytes;
		rec.flags |= NAD_F_GSO;
	}
	return nad_account(&rec);
}

/* Egress: every packet the host sends (outbound bytes are how exfiltration shows). */
SEC("tc")
int nad_tc(struct __sk_buff *skb)
{
	tc_record(skb, NAD_DIR_OUT);
	return NAD_TC_ACT_NEXT;
}

/*
 * Ingress at TC instead of XDP (--mode tc, and the default where the driver
 * has no native XDP): the same record and the same rules, enforced by
 * TC_ACT_SHOT. On such a device generic XDP would run on the same skb, only
 * later and dearer (it copies every skb short of XDP's headroom).
 */
SEC("tc")
int nad_tc_in(struct __sk_buff *skb)
{
	return tc_record(skb, NAD_DIR_IN) ? NAD_TC_ACT_SHOT : NAD_TC_ACT_NEXT;
}

char LICENSE[] SEC("license") = "GPL";
