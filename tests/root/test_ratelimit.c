// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_ratelimit.c - the rate rules, aggregate and one source's (bpf/nad_rate.bpf.h), in the real
 * XDP program through bpf_prog_test_run_opts, and the mitigation policy
 * writing the real maps through the BPF backend. Needs root.
 *
 * Rates are measured with the program's own clock: with `repeat`, the
 * program runs back to back and bpf_ktime_get_ns() advances between runs,
 * so the packets let through must lie between burst + rate * (time the runs
 * took, per test_run's duration) and burst + rate * (wall time around the
 * call), whatever the machine's speed.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "helpers/cmd_run.h"
#include "mitigate/bpf.h"
#include "mitigate/policy.h"
#include "nadxdp.skel.h"

#define S 1000000000ULL

static struct nadxdp_bpf *skel;

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to load the XDP program (bpf_prog_test_run_opts)");
	log_set_level(LOG_WARN);
	skel = nadxdp_bpf__open_and_load();
	cr_assert_not_null(skel, "loading the XDP program: %s", strerror(errno));
}

static void teardown(void)
{
	nadxdp_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(ratelimit, .init = setup, .fini = teardown);

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * S + (__u64)ts.tv_nsec;
}

enum pkt_kind { SYN, ACK, SYNACK, UDP, ICMP_ECHO, ICMP_UNREACH };

/* An Ethernet + IPv4 frame from src to dst of the given kind, 60 bytes. */
static size_t build(__u8 *buf, enum pkt_kind kind, const char *src, const char *dst, __u16 dport)
{
	__u8 *ip = buf + 14, *l4 = ip + 20;
	size_t len = 14 + 20 + (kind == UDP || kind >= ICMP_ECHO ? 8 : 20);

	memset(buf, 0, 128);
	buf[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	ip[2] = (__u8)((len - 14) >> 8);
	ip[3] = (__u8)(len - 14);
	ip[8] = 64;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	switch (kind) {
	case SYN:
	case ACK:
	case SYNACK:
		ip[9] = IPPROTO_TCP;
		l4[0] = 0x9c;
		l4[1] = 0x40;
		l4[2] = (__u8)(dport >> 8);
		l4[3] = (__u8)dport;
		l4[12] = 5 << 4;
		l4[13] = kind == SYN ? 0x02 : kind == ACK ? 0x10 : 0x12;
		break;
	case UDP:
		ip[9] = IPPROTO_UDP;
		l4[0] = 0x9c;
		l4[2] = (__u8)(dport >> 8);
		l4[3] = (__u8)dport;
		l4[5] = 8;
		break;
	case ICMP_ECHO:
	case ICMP_UNREACH:
		ip[9] = IPPROTO_ICMP;
		l4[0] = kind == ICMP_ECHO ? 8 : 3;
		l4[1] = kind == ICMP_ECHO ? 0 : 4;
		l4[5] = 0x2a;
		break;
	}
	return len;
}

struct run {
	__u32 retval;
	__u64 duration_ns; /* per run, from the kernel */
	__u64 wall_ns; /* around the call */
};

static struct run run(const __u8 *pkt, size_t len, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len,
		    .repeat = repeat);
	struct run r;
	__u64 t0 = mono_ns();
	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.nad_xdp), &o);

	r.wall_ns = mono_ns() - t0;
	cr_assert_eq(err, 0, "bpf_prog_test_run_opts: %s", strerror(errno));
	r.retval = o.retval;
	r.duration_ns = o.duration;
	return r;
}

static __u64 dropped_rate(void)
{
	int n = libbpf_num_possible_cpus();
	struct nad_stats st[n];
	__u32 zero = 0;
	__u64 sum = 0;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_stats), &zero, st), 0);
	for (int i = 0; i < n; i++)
		sum += st[i].dropped_rate;
	return sum;
}

/*
 * Waits (at most 1 s) until nad_src counts n packets other than bare SYNs from src: the
 * program keeps a source's counts in its CPU's stage and adds them to nad_src when the
 * stage is committed (full, or NAD_STAGE_FLUSH_NS after its first record).
 */
static void await_counted(const char *src, __u64 n)
{
	struct timespec ms = { 0, 1000 * 1000 };
	struct nad_src_key k = { 0 };
	struct nad_src_stats v;

	k.addr[10] = 0xff;
	k.addr[11] = 0xff;
	inet_pton(AF_INET, src, k.addr + 12);
	for (int i = 0; i < 1000; i++) {
		if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_src), &k, &v) &&
		    v.pkts - v.syns >= n)
			return;
		nanosleep(&ms, NULL);
	}
	cr_assert_fail("%s's %llu packets never reached nad_src", src, (unsigned long long)n);
}

static struct nad_rate_key key(const char *dst, __u16 dport, __u8 proto)
{
	struct nad_rate_key k = { .dport = dport, .proto = proto };

	k.daddr[10] = 0xff;
	k.daddr[11] = 0xff;
	inet_pton(AF_INET, dst, k.daddr + 12);
	return k;
}

static void put_rule(struct nad_rate_key k, __u32 rate, __u32 burst, __u64 expires)
{
	struct nad_rate v = {
		.created_ns = mono_ns(),
		.expires_ns = expires,
		.rate_pps = rate,
		.burst = burst,
		.origin = NAD_ORIGIN_AUTO,
	};

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nad_rate), &k, &v, BPF_ANY), 0);
}

static struct nad_rate get_rule(struct nad_rate_key k)
{
	struct nad_rate v;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_rate), &k, &v), 0);
	return v;
}

Test(ratelimit, syns_under_the_budget_pass)
{
	__u8 pkt[128];
	size_t len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 80);
	struct timespec gap = { 0, 20 * 1000 * 1000 };

	put_rule(key("198.18.0.1", 80, IPPROTO_TCP), 100, 4, 0);
	/* 20 SYNs 20 ms apart: 50/s against a budget of 100/s. */
	for (int i = 0; i < 20; i++) {
		cr_assert_eq(run(pkt, len, 1).retval, XDP_PASS, "SYN %d dropped", i);
		nanosleep(&gap, NULL);
	}
	cr_assert_eq(dropped_rate(), 0);
	cr_assert_eq(get_rule(key("198.18.0.1", 80, IPPROTO_TCP)).passed, 20);
}

Test(ratelimit, syns_beyond_the_budget_drop_at_the_configured_rate)
{
	const __u32 rate = 1000, burst = 10, repeat = 200000;
	struct nad_rate_key k = key("198.18.0.1", 80, IPPROTO_TCP);
	__u8 pkt[128];
	size_t len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 80);
	struct nad_rate v;
	double lo, hi;
	struct run r;

	put_rule(k, rate, burst, 0);
	r = run(pkt, len, repeat);
	v = get_rule(k);
	cr_assert_eq(v.passed + v.hits, repeat, "every SYN is either passed or dropped");
	cr_assert_eq(dropped_rate(), v.hits);
	cr_assert_eq(v.hit_bytes, v.hits * len);
	lo = burst + (double)rate * (double)(r.duration_ns * repeat) / S - 1;
	hi = burst + (double)rate * (double)r.wall_ns / S + 1;
	cr_log_info("%u SYNs in %.2f ms (program) / %.2f ms (wall): %llu passed, %llu dropped",
		    repeat, (double)(r.duration_ns * repeat) / 1e6, r.wall_ns / 1e6,
		    (unsigned long long)v.passed, (unsigned long long)v.hits);
	cr_assert_geq((double)v.passed, lo, "passed %llu < %.1f", (unsigned long long)v.passed, lo);
	cr_assert_leq((double)v.passed, hi, "passed %llu > %.1f", (unsigned long long)v.passed, hi);
	cr_assert_gt(v.hits, repeat / 2);
	cr_assert_eq(r.retval, XDP_DROP);
}

Test(ratelimit, non_syn_packets_to_the_limited_port_always_pass)
{
	struct nad_rate_key k = key("198.18.0.1", 80, IPPROTO_TCP);
	__u8 syn[128], ack[128], synack[128];
	size_t ls = build(syn, SYN, "203.0.113.9", "198.18.0.1", 80);
	size_t la = build(ack, ACK, "203.0.113.9", "198.18.0.1", 80);
	size_t lsa = build(synack, SYNACK, "203.0.113.9", "198.18.0.1", 80);

	put_rule(k, 1, 1, 0);
	/* Empty the bucket with SYNs first. */
	run(syn, ls, 1000);
	cr_assert_gt(dropped_rate(), 990);
	__u64 before = dropped_rate();

	cr_assert_eq(run(ack, la, 20000).retval, XDP_PASS);
	cr_assert_eq(run(synack, lsa, 1000).retval, XDP_PASS);
	cr_assert_eq(dropped_rate(), before, "an ACK or SYN-ACK was dropped");
	/* ...while SYNs of an unknown source are still over budget (1/s: a few more pass). */
	ls = build(syn, SYN, "203.0.113.10", "198.18.0.1", 80);
	run(syn, ls, 100);
	cr_assert_geq(dropped_rate() - before, 95);
}

Test(ratelimit, syns_of_a_known_client_pass_those_of_unknown_sources_do_not)
{
	struct nad_rate_key k = key("198.18.0.1", 80, IPPROTO_TCP);
	__u8 syn[128], ack[128], other[128];
	size_t ls = build(syn, SYN, "203.0.113.20", "198.18.0.1", 80);
	size_t la = build(ack, ACK, "203.0.113.20", "198.18.0.1", 80);
	size_t lo = build(other, SYN, "203.0.113.21", "198.18.0.1", 80);
	__u64 before;

	put_rule(k, 1, 1, 0);
	run(other, lo, 1000); /* empty the bucket */
	/* Tolerances: a switch to another CPU finds a full bucket (one more SYN passes). */
	before = dropped_rate();
	run(syn, ls, 100);
	cr_assert_geq(dropped_rate() - before, 95, "the client's SYNs are limited at first");
	/* it completes handshakes (ACKs pass and are counted in nad_src)... */
	cr_assert_eq(run(ack, la, 2).retval, XDP_PASS);
	await_counted("203.0.113.20", 2);
	/* ...and from then on its SYNs skip the bucket, while another source's are dropped */
	before = dropped_rate();
	cr_assert_eq(run(syn, ls, 100).retval, XDP_PASS);
	cr_assert_eq(dropped_rate(), before, "a known client's SYN was dropped");
	run(other, lo, 100);
	cr_assert_geq(dropped_rate() - before, 95);
}

Test(ratelimit, other_ports_destinations_and_expired_rules_are_untouched)
{
	__u8 pkt[128];
	size_t len;

	put_rule(key("198.18.0.1", 80, IPPROTO_TCP), 1, 1, 0);
	put_rule(key("198.18.0.1", 443, IPPROTO_TCP), 1, 1, 1 /* long expired */);
	len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 22);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_PASS);
	len = build(pkt, SYN, "203.0.113.9", "198.18.0.2", 80);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_PASS);
	len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 443);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_PASS);
	cr_assert_eq(dropped_rate(), 0);
}

Test(ratelimit, udp_and_icmp_echo_floods_are_limited_icmp_errors_are_not)
{
	__u8 pkt[128];
	size_t len;

	put_rule(key("198.18.0.1", 53, IPPROTO_UDP), 1, 1, 0);
	put_rule(key("198.18.0.1", 0, IPPROTO_ICMP), 1, 1, 0);
	len = build(pkt, UDP, "203.0.113.9", "198.18.0.1", 53);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_DROP);
	cr_assert_geq(get_rule(key("198.18.0.1", 53, IPPROTO_UDP)).hits, 998);
	len = build(pkt, ICMP_ECHO, "203.0.113.9", "198.18.0.1", 0);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_DROP);
	cr_assert_geq(get_rule(key("198.18.0.1", 0, IPPROTO_ICMP)).hits, 998);
	len = build(pkt, ICMP_UNREACH, "203.0.113.9", "198.18.0.1", 0);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_PASS);
}

Test(ratelimit, allowlisted_sources_are_never_limited)
{
	struct nad_lpm4_key ak = { .prefixlen = 24, .addr = { 203, 0, 113, 0 } };
	struct nad_allow av = { 0 };
	__u8 pkt[128];
	size_t len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 80);

	put_rule(key("198.18.0.1", 80, IPPROTO_TCP), 1, 1, 0);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nad_allow4), &ak, &av, BPF_ANY), 0);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_PASS);
	cr_assert_eq(dropped_rate(), 0);
	len = build(pkt, SYN, "203.0.114.9", "198.18.0.1", 80);
	cr_assert_eq(run(pkt, len, 1000).retval, XDP_DROP);
}

/* ---- signature rules: one source's flood ---- */

static struct nad_rate_key src_key(const char *src, const char *dst, __u16 dport, __u8 proto)
{
	struct nad_rate_key k = key(dst, dport, proto);

	k.saddr[10] = 0xff;
	k.saddr[11] = 0xff;
	inet_pton(AF_INET, src, k.saddr + 12);
	return k;
}

/* Runs n packets of kind from src to dst:dport; returns how many the rate rules dropped. */
static __u64 dropped_of(enum pkt_kind kind, const char *src, const char *dst, __u16 dport, __u32 n)
{
	__u8 pkt[128];
	size_t len = build(pkt, kind, src, dst, dport);
	__u64 before = dropped_rate();

	run(pkt, len, n);
	return dropped_rate() - before;
}

Test(ratelimit, a_source_rule_limits_that_sources_flood_to_that_port_alone)
{
	static const struct {
		enum pkt_kind kind;
		__u8 proto;
		__u16 dport;
	} floods[] = { { SYN, IPPROTO_TCP, 80 },
		       { UDP, IPPROTO_UDP, 53 },
		       { ICMP_ECHO, IPPROTO_ICMP, 0 } };

	for (size_t i = 0; i < sizeof(floods) / sizeof(floods[0]); i++) {
		struct nad_rate_key k =
			src_key("198.18.0.2", "198.18.0.1", floods[i].dport, floods[i].proto);
		struct nad_rate v;

		put_rule(k, 1, 1, 0);
		/* Tolerances: a switch to another CPU finds a full bucket (one more passes). */
		cr_assert_geq(dropped_of(floods[i].kind, "198.18.0.2", "198.18.0.1",
					 floods[i].dport, 1000),
			      990, "the source's flood %zu is limited", i);
		v = get_rule(k);
		cr_assert_geq(v.hits, 990);
		cr_assert_eq(dropped_of(floods[i].kind, "198.18.0.3", "198.18.0.1", floods[i].dport,
					1000),
			     0, "another source's packets pass");
		cr_assert_eq(dropped_of(floods[i].kind, "198.18.0.2", "198.18.0.9", floods[i].dport,
					1000),
			     0, "the source's packets to another destination pass");
		if (floods[i].kind != ICMP_ECHO)
			cr_assert_eq(dropped_of(floods[i].kind, "198.18.0.2", "198.18.0.1", 8080,
						1000),
				     0, "the source's packets to another port pass");
	}
	/* The source's other traffic to the port: ACKs, SYN-ACKs, ICMP errors. */
	cr_assert_eq(dropped_of(ACK, "198.18.0.2", "198.18.0.1", 80, 1000), 0);
	cr_assert_eq(dropped_of(SYNACK, "198.18.0.2", "198.18.0.1", 80, 1000), 0);
	cr_assert_eq(dropped_of(ICMP_UNREACH, "198.18.0.2", "198.18.0.1", 0, 1000), 0);
}

Test(ratelimit, a_source_rule_holds_a_known_client_and_comes_before_the_aggregate_rule)
{
	struct nad_rate_key sk = src_key("198.18.0.2", "198.18.0.1", 80, IPPROTO_TCP);
	struct nad_rate_key ak = key("198.18.0.1", 80, IPPROTO_TCP);

	/* The client completed handshakes: the aggregate rule lets its SYNs pass... */
	cr_assert_eq(dropped_of(ACK, "198.18.0.2", "198.18.0.1", 80, 2), 0);
	await_counted("198.18.0.2", 2);
	put_rule(ak, 1, 1, 0);
	cr_assert_eq(dropped_of(SYN, "198.18.0.2", "198.18.0.1", 80, 1000), 0);
	cr_assert_geq(dropped_of(SYN, "203.0.113.9", "198.18.0.1", 80, 1000), 990,
		      "while an unknown source is held to the aggregate rule");
	/* ...its own rule does not, and takes its packets from the aggregate rule's count. */
	put_rule(sk, 1, 1, 0);
	cr_assert_geq(dropped_of(SYN, "198.18.0.2", "198.18.0.1", 80, 1000), 990);
	cr_assert_geq(get_rule(sk).hits, 990);
	cr_assert_eq(get_rule(ak).hits + get_rule(sk).hits, dropped_rate());
	/* An expired source rule limits nothing: the aggregate rule applies again. */
	put_rule(sk, 1, 1, 1);
	cr_assert_eq(dropped_of(SYN, "198.18.0.2", "198.18.0.1", 80, 1000), 0);
}

Test(ratelimit, an_allowlisted_source_is_not_held_to_its_own_rule)
{
	struct nad_lpm4_key ak = { .prefixlen = 32, .addr = { 198, 18, 0, 2 } };
	struct nad_allow av = { 0 };

	put_rule(src_key("198.18.0.2", "198.18.0.1", 53, IPPROTO_UDP), 1, 1, 0);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(skel->maps.nad_allow4), &ak, &av, BPF_ANY), 0);
	cr_assert_eq(dropped_of(UDP, "198.18.0.2", "198.18.0.1", 53, 1000), 0);
}

/* ---- the policy on the real maps ---- */

static struct mitigate_bpf *backend(void)
{
	struct mitigate_bpf_fds fds;
	struct mitigate_bpf *b;

	mitigate_bpf_skel_fds(skel, &fds);
	b = mitigate_bpf_new(&fds);

	cr_assert_not_null(b, "mitigate_bpf_new: %s", strerror(errno));
	return b;
}

/* A critical SYN flood to 198.18.0.1:80 that has held for a second, never answered. */
static struct mitigate_alert dos_alert(const char *src, bool distributed)
{
	struct mitigate_alert a = {
		.cls = "dos_attack",
		.class_id = 1,
		.severity = SEV_CRITICAL,
		.dport = 80,
		.proto = IPPROTO_TCP,
		.src_pps = distributed ? 1 : 50000,
		.by_destination = distributed,
		.ts_ns = mono_ns(),
		.flood = { .proto = IPPROTO_TCP,
			   .dport = 80,
			   .kind = FLOOD_SYN,
			   .threshold_pps = 100 },
		.evidence = "SYN flood",
	};

	a.src[10] = a.src[11] = a.dst[10] = a.dst[11] = 0xff;
	inet_pton(AF_INET, src, a.src + 12);
	inet_pton(AF_INET, "198.18.0.1", a.dst + 12);
	a.last_ns = a.ts_ns;
	a.flood.flood_since_ns = a.ts_ns - S;
	return a;
}

/*
 * A source answered a second ago floods: the policy writes a signature rule on the real map,
 * the XDP program limits that source's SYNs to the port and nothing else, and no drop rule.
 */
Test(ratelimit, policy_limits_a_trusted_sources_flood_by_its_signature_only)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigate_bpf *b = backend();
	struct mitigate_alert a = dos_alert("198.18.0.2", false);
	struct nad_rate_key k = src_key("198.18.0.2", "198.18.0.1", 80, IPPROTO_TCP);
	struct nad_lpm4_key dk = { .prefixlen = 32, .addr = { 198, 18, 0, 2 } };
	struct nad_rule rule;
	struct nad_rate v;
	struct mitigate *m;

	o.rate_burst = 5;
	m = mitigate_new(&o, &mitigate_bpf_ops, b);
	cr_assert_not_null(m);
	a.flood.answered_last_ns = a.last_ns - S;
	cr_assert_eq(mitigate_on_alert(m, &a), 0);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_drop4), &dk, &rule), -ENOENT,
		     "never a drop rule against an answered source");
	cr_assert_eq(get_rule(k).rate_pps, (100 + o.n_cpus - 1) / o.n_cpus,
		     "held to its threshold");
	cr_assert_gt(dropped_of(SYN, "198.18.0.2", "198.18.0.1", 80, 10000), 9000);
	cr_assert_eq(dropped_of(ACK, "198.18.0.2", "198.18.0.1", 80, 1000), 0, "its sessions pass");
	cr_assert_eq(dropped_of(SYN, "198.18.0.2", "198.18.0.1", 443, 1000), 0);
	cr_assert_eq(dropped_of(SYN, "198.18.0.3", "198.18.0.1", 80, 1000), 0, "others pass");
	mitigate_free(m);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_rate), &k, &v), -ENOENT);
	mitigate_bpf_free(b);
}

Test(ratelimit, policy_rule_drops_the_attacker_in_xdp_and_is_removed_on_exit)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigate_bpf *b = backend();
	struct mitigate_alert a = dos_alert("203.0.113.9", false);
	struct nad_lpm4_key k = { .prefixlen = 32, .addr = { 203, 0, 113, 9 } };
	struct nad_rule rule;
	struct mitigate *m;
	__u8 pkt[128];
	size_t len = build(pkt, ACK, "203.0.113.9", "198.18.0.1", 80);

	m = mitigate_new(&o, &mitigate_bpf_ops, b);
	cr_assert_not_null(m);
	cr_assert_eq(mitigate_on_alert(m, &a), 0);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_drop4), &k, &rule), 0);
	cr_assert_eq(rule.origin, NAD_ORIGIN_AUTO);
	cr_assert_eq(rule.expires_ns, a.ts_ns + o.ttl_ns);
	cr_assert_eq(run(pkt, len, 100).retval, XDP_DROP);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_drop4), &k, &rule), 0);
	cr_assert_eq(rule.hits, 100);
	/* Loopback went to the kernel's allowlist too. */
	struct nad_lpm4_key lo = { .prefixlen = 32, .addr = { 127, 0, 0, 1 } };
	struct nad_allow av;
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_allow4), &lo, &av), 0);
	/* Another source is not affected. */
	len = build(pkt, ACK, "203.0.113.10", "198.18.0.1", 80);
	cr_assert_eq(run(pkt, len, 1).retval, XDP_PASS);

	mitigate_free(m);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_drop4), &k, &rule), -ENOENT);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_allow4), &lo, &av), -ENOENT);
	len = build(pkt, ACK, "203.0.113.9", "198.18.0.1", 80);
	cr_assert_eq(run(pkt, len, 1).retval, XDP_PASS);
	mitigate_bpf_free(b);
}

Test(ratelimit, policy_rate_rule_for_a_spoofed_flood_limits_syns_in_xdp)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigate_bpf *b = backend();
	struct mitigate_alert a = dos_alert("10.1.2.3", true);
	struct nad_rate_key k = key("198.18.0.1", 80, IPPROTO_TCP);
	struct mitigate_stats st;
	struct nad_rate v;
	struct mitigate *m;
	__u8 pkt[128];
	size_t len = build(pkt, SYN, "10.99.0.1", "198.18.0.1", 80);

	o.rate_pps = 100;
	o.rate_burst = 5;
	m = mitigate_new(&o, &mitigate_bpf_ops, b);
	cr_assert_not_null(m);
	cr_assert_eq(mitigate_on_alert(m, &a), 0);
	v = get_rule(k);
	cr_assert_eq(v.rate_pps, 100);
	cr_assert_eq(run(pkt, len, 10000).retval, XDP_DROP);
	cr_assert_gt(get_rule(k).hits, 9000);
	/* The tick reads the counters; a renewal keeps them. */
	cr_assert_eq(mitigate_tick(m, mono_ns()), 0);
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_rules, 1);
	mitigate_free(m);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.nad_rate), &k, &v), -ENOENT);
	mitigate_bpf_free(b);
}

/*
 * The program skips the rate rules while the kernel counts no element in
 * nad_rate (nad_rate_empty()): whatever writes or deletes rules,
 * the next packet must see them as they are.
 */
Test(ratelimit, every_rule_write_and_delete_is_seen_by_the_next_packet)
{
	struct nad_rate_key k = key("198.18.0.1", 80, IPPROTO_TCP);
	struct nad_rate v = { .rate_pps = 1, .burst = 1, .origin = NAD_ORIGIN_AUTO };
	struct mitigate_bpf *b = backend();
	__u8 pkt[128];
	size_t len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 80);
	__u64 before;

	cr_assert_eq(run(pkt, len, 100).retval, XDP_PASS, "no rule yet");
	/* The mitigation's writer: the first SYN takes the burst, the next is dropped. */
	cr_assert_eq(mitigate_bpf_ops.rate_put(b, &k, &v), 0);
	cr_assert_eq(run(pkt, len, 2).retval, XDP_DROP);
	cr_assert_eq(dropped_rate(), 1);
	/* Deleted: nothing more is dropped. */
	cr_assert_eq(mitigate_bpf_ops.rate_del(b, &k), 0);
	cr_assert_eq(run(pkt, len, 100).retval, XDP_PASS);
	cr_assert_eq(dropped_rate(), 1);
	/* Back, then the map filled to capacity and emptied again but for one rule. */
	cr_assert_eq(mitigate_bpf_ops.rate_put(b, &k, &v), 0);
	for (__u16 port = 1; port < NAD_RATE_ENTRIES; port++) {
		struct nad_rate_key o = key("198.18.0.2", port, IPPROTO_UDP);

		cr_assert_eq(mitigate_bpf_ops.rate_put(b, &o, &v), 0, "rule %u", port);
	}
	struct nad_rate_key extra = key("198.18.0.3", 1, IPPROTO_UDP);
	cr_assert_eq(mitigate_bpf_ops.rate_put(b, &extra, &v), -E2BIG, "the map holds %d rules",
		     NAD_RATE_ENTRIES);
	for (__u16 port = 1; port < NAD_RATE_ENTRIES; port++) {
		struct nad_rate_key o = key("198.18.0.2", port, IPPROTO_UDP);

		cr_assert_eq(mitigate_bpf_ops.rate_del(b, &o), 0);
	}
	before = dropped_rate();
	cr_assert_eq(run(pkt, len, 100).retval, XDP_DROP, "the one rule left is still enforced");
	cr_assert_geq(dropped_rate() - before, 99);
	/* An update in place (a renewal) keeps it enforced. */
	v.expires_ns = mono_ns() + 60 * S;
	cr_assert_eq(mitigate_bpf_ops.rate_put(b, &k, &v), 0);
	cr_assert_eq(run(pkt, len, 10).retval, XDP_DROP);
	mitigate_bpf_free(b);
}

/* ---- what the operator sees: `nadxdp rules list` on the pinned maps ---- */

static void private_bpffs(void)
{
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL), 0, "mount bpffs: %s",
		     strerror(errno));
}

static struct json_object *find_rule(struct json_object *arr, const char *kind, const char *cidr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *k, *c;

		if (json_object_object_get_ex(e, "kind", &k) &&
		    json_object_object_get_ex(e, "cidr", &c) &&
		    !strcmp(json_object_get_string(k), kind) &&
		    !strcmp(json_object_get_string(c), cidr))
			return e;
	}
	return NULL;
}

Test(ratelimit, rules_list_shows_automatic_rules_with_origin_hits_and_time_left)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigate_alert a = dos_alert("203.0.113.9", false);
	struct mitigate_alert d = dos_alert("10.1.2.3", true);
	char *argv[] = { (char *)cmd_nadxdp_bin(), "rules", "list", "--json", NULL };
	char *argv_text[] = { (char *)cmd_nadxdp_bin(), "rules", "list", NULL };
	struct json_object *root, *arr, *e;
	struct mitigate_bpf *b;
	struct cmd_result r;
	struct mitigate *m;
	__u8 pkt[128];
	size_t len;

	private_bpffs();
	cr_assert_eq(bpf_object__pin_maps(skel->obj, NAD_PIN_DIR), 0, "pin: %s", strerror(errno));
	b = mitigate_bpf_open_pinned(NULL);
	cr_assert_not_null(b, "open pinned: %s", strerror(errno));
	m = mitigate_new(&o, &mitigate_bpf_ops, b);
	cr_assert_not_null(m);
	cr_assert_eq(mitigate_on_alert(m, &a), 0);
	cr_assert_eq(mitigate_on_alert(m, &d), 0);
	len = build(pkt, SYN, "203.0.113.9", "198.18.0.1", 80);
	cr_assert_eq(run(pkt, len, 7).retval, XDP_DROP);

	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	root = json_tokener_parse(r.out);
	cr_assert_not_null(root, "%s", r.out);
	cr_assert(json_object_object_get_ex(root, "rules", &arr));
	e = find_rule(arr, "drop", "203.0.113.9/32");
	cr_assert_not_null(e, "%s", r.out);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(e, "origin")), "auto");
	cr_assert_eq(json_object_get_int64(json_object_object_get(e, "hits")), 7);
	cr_assert_gt(json_object_get_double(json_object_object_get(e, "ttl_left_s")), 590);
	e = find_rule(arr, "rate", "198.18.0.1/32");
	cr_assert_not_null(e, "%s", r.out);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(e, "origin")), "auto");
	cr_assert_eq(json_object_get_int(json_object_object_get(e, "dest_port")), 80);
	cr_assert_eq(json_object_get_int64(json_object_object_get(e, "rate_pps")),
		     o.rate_pps / o.n_cpus);
	cr_assert(find_rule(arr, "allow", "127.0.0.0/8"), "loopback in the allowlist: %s", r.out);
	json_object_put(root);
	cmd_result_free(&r);

	cr_assert_eq(cmd_run(argv_text, &r), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "203.0.113.9/32"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "198.18.0.1/32 tcp-syn/80"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "auto"), "%s", r.out);
	cmd_result_free(&r);

	mitigate_free(m);
	mitigate_bpf_free(b);
	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.out, "\"auto\""), "rules left after exit: %s", r.out);
	cmd_result_free(&r);
}

Test(ratelimit, rules_list_and_status_show_a_signature_rule_with_its_source)
{
	char *list[] = { (char *)cmd_nadxdp_bin(), "rules", "list", "--json", NULL };
	char *list_text[] = { (char *)cmd_nadxdp_bin(), "rules", "list", NULL };
	char *status[] = { (char *)cmd_nadxdp_bin(), "status", "--json", NULL };
	struct nad_rate v = { .rate_pps = 500, .burst = 64, .origin = NAD_ORIGIN_AUTO, .reason = 1 };
	struct nad_rate_key sk = src_key("198.18.0.2", "198.18.0.1", 53, IPPROTO_UDP);
	struct nad_rate_key ak = key("198.18.0.1", 80, IPPROTO_TCP);
	struct json_object *root, *arr, *e, *rules;
	struct mitigate_bpf *b;
	struct cmd_result r;

	private_bpffs();
	cr_assert_eq(bpf_object__pin_maps(skel->obj, NAD_PIN_DIR), 0, "pin: %s", strerror(errno));
	b = mitigate_bpf_open_pinned(NULL);
	cr_assert_not_null(b, "open pinned: %s", strerror(errno));
	cr_assert_eq(mitigate_bpf_ops.rate_put(b, &sk, &v), 0);
	cr_assert_eq(mitigate_bpf_ops.rate_put(b, &ak, &v), 0);

	cr_assert_eq(cmd_run(list, &r), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	root = json_tokener_parse(r.out);
	cr_assert_not_null(root, "%s", r.out);
	cr_assert(json_object_object_get_ex(root, "rules", &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *k, *src;

		e = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(e, "kind", &k) ||
		    strcmp(json_object_get_string(k), "rate"))
			continue;
		cr_assert(json_object_object_get_ex(e, "src_ip", &src), "%s", r.out);
		if (json_object_get_int(json_object_object_get(e, "dest_port")) == 53)
			cr_assert_str_eq(json_object_get_string(src), "198.18.0.2");
		else
			cr_assert_null(src, "an aggregate rule has no source: %s", r.out);
	}
	json_object_put(root);
	cmd_result_free(&r);

	cr_assert_eq(cmd_run(list_text, &r), 0);
	cr_assert_not_null(strstr(r.out, "198.18.0.1/32 udp/53 from 198.18.0.2 >500pps/cpu"), "%s",
			   r.out);
	cr_assert_not_null(strstr(r.out, "198.18.0.1/32 tcp-syn/80 >500pps/cpu"), "%s", r.out);
	cmd_result_free(&r);

	cr_assert_eq(cmd_run(status, &r), 0);
	cr_assert_eq(r.status, 0, "%s", r.err);
	root = json_tokener_parse(r.out);
	cr_assert_not_null(root, "%s", r.out);
	cr_assert(json_object_object_get_ex(root, "rules", &rules));
	cr_assert_eq(json_object_get_int(json_object_object_get(rules, "rate")), 1, "%s", r.out);
	cr_assert_eq(json_object_get_int(json_object_object_get(rules, "rate_by_source")), 1);
	json_object_put(root);
	cmd_result_free(&r);
	mitigate_bpf_free(b);
}
