// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_rules.c - the XDP program's drop rules, allowlist and accounting,
 * run with bpf_prog_test_run_opts on crafted packets; the same rules in TC
 * mode's ingress program, and never on egress.
 */
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "helpers/bpfrun.h"
#include "helpers/pktcases.h"
#include "nad_abi.h"
#include "nadxdp.skel.h"

#define XDP_DROP 1
#define XDP_PASS 2
/* What nadxdp returns for a passed packet: TC_ACT_UNSPEC (tcx: next program). */
#define TC_ACT_NEXT 0xffffffffu
#define TC_ACT_SHOT 2

static struct bpfrun run;

static void setup(void)
{
	int err;

	if (geteuid() != 0)
		cr_skip_test("needs root: loads BPF programs and runs them with bpf_prog_test_run");
	err = bpfrun_open(&run);
	cr_assert_eq(err, 0, "loading nadxdp: %s", strerror(-err));
}

static void teardown(void)
{
	bpfrun_close(&run);
}

TestSuite(rules, .init = setup, .fini = teardown);

static void build(const char *name, struct pktb *b)
{
	const struct pkt_case *c = pkt_case_find(name);

	cr_assert_not_null(c);
	pktb_init(b);
	c->build(b);
}

static uint32_t xdp(const struct pktb *b)
{
	uint32_t ret = 0;
	int err = bpfrun_xdp(&run, b->buf, b->len, 1, &ret);

	cr_assert_eq(err, 0, "test_run: %s", strerror(-err));
	cr_assert_geq(bpfrun_consume(&run), 0);
	return ret;
}

/* Runs b through a TC program (NAD_DIR_IN: TC mode's ingress; NAD_DIR_OUT: egress). */
static uint32_t tc(int dir, const struct pktb *b)
{
	uint32_t ret = 0;
	int err = bpfrun_tc(&run, dir, b->buf, b->len, &ret);

	cr_assert_eq(err, 0, "test_run: %s", strerror(-err));
	cr_assert_geq(bpfrun_consume(&run), 0);
	return ret;
}

static void add_drop4(uint32_t addr, uint32_t prefixlen, uint64_t expires_ns)
{
	struct nad_lpm4_key k = { .prefixlen = prefixlen,
				  .addr = { addr >> 24, addr >> 16, addr >> 8, addr } };
	struct nad_rule v = { .expires_ns = expires_ns, .origin = NAD_ORIGIN_MANUAL };

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(run.skel->maps.nad_drop4), &k, &v, BPF_ANY), 0);
}

static struct nad_rule get_drop4(uint32_t addr, uint32_t prefixlen)
{
	struct nad_lpm4_key k = { .prefixlen = prefixlen,
				  .addr = { addr >> 24, addr >> 16, addr >> 8, addr } };
	struct nad_rule v;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(run.skel->maps.nad_drop4), &k, &v), 0);
	return v;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* b through the ingress hook: XDP (tc false) or TC mode's ingress program. */
static uint32_t ingress(bool tc_mode, const struct pktb *b)
{
	return tc_mode ? tc(NAD_DIR_IN, b) : xdp(b);
}

/* A blocked source is dropped and counted on its rule: pass and drop are the hook's verdicts. */
static void blocked_source_dropped(bool tc_mode, uint32_t pass, uint32_t drop)
{
	struct nad_stats st;
	struct nad_rule rule;
	struct pktb b;

	build("ip4_tcp_syn", &b);
	cr_expect_eq(ingress(tc_mode, &b), pass, "no rule yet");
	add_drop4(PKTC_SRC4, 32, 0);
	cr_expect_eq(ingress(tc_mode, &b), drop);
	cr_expect_eq(ingress(tc_mode, &b), drop);
	rule = get_drop4(PKTC_SRC4, 32);
	cr_expect_eq(rule.hits, 2);
	cr_expect_eq(rule.hit_bytes, 2ull * b.len);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.dropped_rule, 2);
	cr_expect_eq(st.pkts[NAD_DIR_IN], 3);
	cr_expect_eq(run.n_recs, 1, "dropped packets get no record");
	cr_expect_eq(run.last.dir, NAD_DIR_IN);
}

Test(rules, blocked_ipv4_source_is_dropped_and_counted_on_its_rule)
{
	blocked_source_dropped(false, XDP_PASS, XDP_DROP);
}

Test(rules, prefix_rule_drops_the_whole_prefix)
{
	struct pktb b;

	add_drop4(PKTB_IP4(198, 18, 0, 0), 24, 0);
	build("ip4_udp", &b);
	cr_expect_eq(xdp(&b), XDP_DROP);
	cr_expect_eq(get_drop4(PKTB_IP4(198, 18, 0, 0), 24).hits, 1);
}

Test(rules, blocked_ipv6_source_is_dropped)
{
	struct nad_lpm6_key k = { .prefixlen = 64 };
	struct nad_rule v = { 0 };
	int fd = bpf_map__fd(run.skel->maps.nad_drop6);
	struct nad_stats st;
	struct pktb b;

	memcpy(k.addr, pktc_src6, 8);
	cr_assert_eq(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	build("ip6_tcp", &b);
	cr_expect_eq(xdp(&b), XDP_DROP);
	cr_assert_eq(bpf_map_lookup_elem(fd, &k, &v), 0);
	cr_expect_eq(v.hits, 1);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.dropped_rule, 1);
	build("ip4_tcp_syn", &b);
	cr_expect_eq(xdp(&b), XDP_PASS, "a v6 rule does not touch v4 traffic");
}

Test(rules, allowlisted_source_is_never_dropped)
{
	struct nad_lpm4_key k = { .prefixlen = 32, .addr = { 198, 18, 0, 1 } };
	struct nad_allow a = { 0 };
	int fd = bpf_map__fd(run.skel->maps.nad_allow4);
	struct nad_stats st;
	struct pktb b;

	add_drop4(PKTB_IP4(198, 18, 0, 0), 16, 0);
	cr_assert_eq(bpf_map_update_elem(fd, &k, &a, BPF_ANY), 0);
	build("ip4_tcp_syn", &b);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(xdp(&b), XDP_PASS, "allowlist wins over the drop rule");
	cr_expect_eq(get_drop4(PKTB_IP4(198, 18, 0, 0), 16).hits, 0);
	cr_assert_eq(bpf_map_lookup_elem(fd, &k, &a), 0);
	cr_expect_eq(a.hits, 5);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.allowed_rule, 5);
	cr_expect_eq(st.dropped_rule, 0);
	cr_expect_eq(run.n_recs, 5, "allowlisted packets are still recorded");
}

Test(rules, tc_ingress_drops_a_blocked_source_and_counts_it_on_its_rule)
{
	blocked_source_dropped(true, TC_ACT_NEXT, TC_ACT_SHOT);
}

Test(rules, tc_ingress_allowlist_wins_and_egress_is_never_dropped)
{
	struct nad_lpm4_key k = { .prefixlen = 32, .addr = { 198, 18, 0, 1 } };
	struct nad_allow a = { 0 };
	struct nad_stats st;
	struct pktb b;

	add_drop4(PKTB_IP4(198, 18, 0, 0), 16, 0);
	build("ip4_tcp_syn", &b);
	cr_expect_eq(tc(NAD_DIR_OUT, &b), TC_ACT_NEXT, "rules apply to ingress only");
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(run.skel->maps.nad_allow4), &k, &a, BPF_ANY),
		     0);
	cr_expect_eq(tc(NAD_DIR_IN, &b), TC_ACT_NEXT, "allowlist wins over the drop rule");
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.dropped_rule, 0);
	cr_expect_eq(st.allowed_rule, 1);
	cr_expect_eq(st.pkts[NAD_DIR_OUT], 1);
	cr_expect_eq(st.pkts[NAD_DIR_IN], 1);
	cr_expect_eq(run.n_recs, 2, "both recorded");
}

Test(rules, expired_rule_does_not_drop_live_one_does)
{
	struct pktb b;

	build("ip4_icmp_echo", &b);
	add_drop4(PKTC_SRC4, 32, 1); /* expired long ago (CLOCK_MONOTONIC ns) */
	cr_expect_eq(xdp(&b), XDP_PASS);
	cr_expect_eq(get_drop4(PKTC_SRC4, 32).hits, 0);
	add_drop4(PKTC_SRC4, 32, mono_ns() + 60ull * 1000000000ull);
	cr_expect_eq(xdp(&b), XDP_DROP);
}

Test(rules, source_counters_count_packets_bytes_and_syns)
{
	struct nad_src_key k = { .addr = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 1 } };
	struct nad_src_stats s;
	struct pktb syn, udp;

	build("ip4_tcp_syn", &syn);
	build("ip4_udp", &udp);
	xdp(&syn);
	xdp(&syn);
	xdp(&udp);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(run.skel->maps.nad_src), &k, &s), 0);
	cr_expect_eq(s.pkts, 3);
	cr_expect_eq(s.bytes, 2ull * syn.len + udp.len);
	cr_expect_eq(s.syns, 2);
	cr_expect_leq(s.first_ns, s.last_ns);
	cr_expect_gt(s.first_ns, 0);
}

/*
 * Fill the ring without consuming: the kernel samples, then fails to
 * reserve, and every packet must still be accounted for.
 */
Test(rules, shedding_accounts_for_every_packet)
{
	const uint32_t n = 200000; /* 200k * 88 bytes > the 8 MiB ring */
	struct nad_stats st;
	struct pktb b, drop;
	uint32_t ret;

	build("ip4_udp", &b);
	cr_assert_eq(bpfrun_xdp(&run, b.buf, b.len, n, &ret), 0);
	cr_assert_eq(ret, XDP_PASS);
	add_drop4(PKTB_IP4(198, 18, 0, 0), 24, 0);
	build("ip4_tcp_syn", &drop);
	cr_assert_eq(bpfrun_xdp(&run, drop.buf, drop.len, 1000, &ret), 0);
	cr_assert_eq(ret, XDP_DROP);

	cr_assert_geq(bpfrun_consume(&run), 0);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.pkts[NAD_DIR_IN], n + 1000);
	cr_expect_gt(st.recs_shed, 0, "the ring filled up: some packets were shed");
	cr_expect_lt(run.n_recs, n, "fewer records than packets");
	cr_expect_eq(run.n_recs, st.recs_emitted);
	cr_expect_eq(st.dropped_rule, 1000);
	cr_expect_eq(run.n_weight + st.pending + st.dropped_rule, st.pkts[NAD_DIR_IN],
		     "weights %llu + pending %llu + dropped %llu != pkts %llu",
		     (unsigned long long)run.n_weight, (unsigned long long)st.pending,
		     (unsigned long long)st.dropped_rule, (unsigned long long)st.pkts[NAD_DIR_IN]);

	/* With room again, the next record carries what was pending on its CPU. */
	if (st.pending) {
		struct nad_stats after;
		uint64_t weight_before = run.n_weight;
		struct pktb v6;

		build("ip6_udp", &v6); /* not under the drop rule */
		cr_assert_eq(bpfrun_xdp(&run, v6.buf, v6.len, 1, &ret), 0);
		cr_assert_eq(ret, XDP_PASS);
		cr_assert_geq(bpfrun_consume(&run), 0);
		cr_assert_eq(bpfrun_stats(&run, &after), 0);
		cr_expect_eq(after.pending + (run.n_weight - weight_before), st.pending + 1,
			     "pending %llu -> %llu, weight delivered %llu",
			     (unsigned long long)st.pending, (unsigned long long)after.pending,
			     (unsigned long long)(run.n_weight - weight_before));
		cr_expect_eq(run.n_weight + after.pending + after.dropped_rule, after.pkts[NAD_DIR_IN]);
	}
}

/*
 * The daemon's staging: records reach the ring a stage at a time, never
 * lost. flush_ns: when a partial stage's timer commits it. The test runs
 * on one CPU, so one stage and one pending count take every packet.
 */
static void reopen_staged(uint64_t flush_ns)
{
	int err, cpu = sched_getcpu();
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu >= 0 ? cpu : 0, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	bpfrun_close(&run);
	err = bpfrun_open_staged(&run, NAD_STAGE_RECS, flush_ns);
	cr_assert_eq(err, 0, "loading nadxdp: %s", strerror(-err));
}

static void expect_accounted(const struct nad_stats *st)
{
	cr_expect_eq(run.n_weight + st->pending + st->staged + st->dropped_rule,
		     st->pkts[NAD_DIR_IN],
		     "weights %llu + pending %llu + staged %llu + dropped %llu != pkts %llu",
		     (unsigned long long)run.n_weight, (unsigned long long)st->pending,
		     (unsigned long long)st->staged, (unsigned long long)st->dropped_rule,
		     (unsigned long long)st->pkts[NAD_DIR_IN]);
}

/* Consumes the ring every ms until n records came or max_ms passed. */
static void consume_until(uint64_t n, int max_ms)
{
	for (int i = 0; i < max_ms && run.n_recs < n; i++) {
		usleep(1000);
		cr_assert_geq(bpfrun_consume(&run), 0);
	}
}

/*
 * A 2 s timer: the test run and the first read are done long before it, so
 * only full stages can have reached the ring then.
 */
Test(rules, a_full_stage_is_one_sample_and_the_timer_commits_the_rest, .timeout = 30)
{
	const uint32_t n = 3 * NAD_STAGE_RECS + 5;
	struct nad_stats st;
	struct pktb b;
	uint32_t ret;

	reopen_staged(2000000000ULL);
	build("ip4_udp", &b);
	cr_assert_eq(bpfrun_xdp(&run, b.buf, b.len, n, &ret), 0);
	cr_assert_eq(ret, XDP_PASS);
	cr_assert_geq(bpfrun_consume(&run), 0);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_geq(run.n_recs, 2 * NAD_STAGE_RECS, "full stages reached the ring");
	cr_expect_eq(run.n_samples * NAD_STAGE_RECS, run.n_recs,
		     "%llu samples for %llu records: each a full stage",
		     (unsigned long long)run.n_samples, (unsigned long long)run.n_recs);
	cr_expect_eq(run.n_recs, st.recs_emitted);
	cr_expect_eq(st.staged, n - run.n_recs);
	expect_accounted(&st);

	/* No more packets: only the stage's timer can commit the last records. */
	consume_until(n, 10000);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(run.n_recs, n, "every record reached the ring");
	cr_expect_eq(st.staged, 0);
	cr_expect_eq(st.recs_emitted, n);
	expect_accounted(&st);
}

Test(rules, shedding_with_stages_accounts_for_every_packet)
{
	const uint32_t n = 200000; /* > the 8 MiB ring in 80-byte records */
	struct nad_stats st;
	struct pktb b;
	uint32_t ret;

	reopen_staged(NAD_STAGE_FLUSH_NS);
	build("ip4_udp", &b);
	cr_assert_eq(bpfrun_xdp(&run, b.buf, b.len, n, &ret), 0);
	cr_assert_geq(bpfrun_consume(&run), 0);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.pkts[NAD_DIR_IN], n);
	cr_expect_gt(st.recs_shed, 0, "the ring filled up: some packets were shed");
	cr_expect_eq(run.n_recs, st.recs_emitted);
	expect_accounted(&st);
	/*
	 * With the ring empty again, the kernel sees it within 32 packets and
	 * stops shedding; the next staged record carries what was pending, and
	 * the timer commits the last stage.
	 */
	cr_assert_eq(bpfrun_xdp(&run, b.buf, b.len, 64, &ret), 0);
	consume_until(st.recs_emitted + 32, 1000);
	usleep(2 * NAD_STAGE_FLUSH_NS / 1000);
	cr_assert_geq(bpfrun_consume(&run), 0);
	cr_assert_eq(bpfrun_stats(&run, &st), 0);
	cr_expect_eq(st.staged, 0);
	cr_expect_eq(st.pending, 0, "the last record carried what was pending");
	expect_accounted(&st);
}

/* Packets nad_src holds for the IPv4 source a.b.c.d (0 if it has no entry). */
static uint64_t src_pkts(uint32_t ip4)
{
	struct nad_src_key k = { .addr = { [10] = 0xff, [11] = 0xff, ip4 >> 24, ip4 >> 16,
					    ip4 >> 8, ip4 } };
	struct nad_src_stats s;

	if (bpf_map_lookup_elem(bpf_map__fd(run.skel->maps.nad_src), &k, &s))
		return 0;
	return s.pkts;
}

/*
 * With stages, per-source counts reach nad_src when the stage is committed
 * (full, or by its timer), together with the records; more sources than the
 * stage has slots move each other out, and no packet is lost or counted twice.
 */
Test(rules, source_counts_reach_nad_src_with_the_stage, .timeout = 30)
{
	const uint32_t n_src = 12, rounds = 3;
	uint64_t total = 0;
	struct pktb b;
	uint32_t ret;

	reopen_staged(2000000000ULL);
	for (uint32_t r = 0; r < rounds; r++) {
		for (uint32_t i = 0; i < n_src; i++) {
			pktb_init(&b);
			pktb_eth(&b, 0x0800);
			pktb_ip4(&b, 17, PKTB_IP4(198, 18, 1, 10 + i), PKTB_IP4(198, 18, 0, 1), 0);
			pktb_udp(&b, 5000, 53);
			pktb_payload(&b, 32);
			pktb_finish(&b);
			cr_assert_eq(bpfrun_xdp(&run, b.buf, b.len, 1, &ret), 0);
		}
	}
	/*
	 * 36 packets: two full stages committed, 4 records wait for the timer,
	 * and the last packet's count at least waits in its slot.
	 */
	for (uint32_t i = 0; i < n_src; i++)
		total += src_pkts(PKTB_IP4(198, 18, 1, 10 + i));
	cr_expect_geq(total, 2 * NAD_STAGE_RECS, "the committed stages' counts: %llu",
		      (unsigned long long)total);
	cr_expect_lt(total, n_src * rounds, "the last counts wait with the stage");
	consume_until(n_src * rounds, 10000);
	cr_expect_eq(run.n_recs, n_src * rounds);
	for (uint32_t i = 0; i < n_src; i++)
		cr_expect_eq(src_pkts(PKTB_IP4(198, 18, 1, 10 + i)), rounds, "source %u", i);
}
