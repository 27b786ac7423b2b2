// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_xdp.c - XDP program cost in ns per packet (bpf_prog_test_run_opts,
 * opts.duration), nadxdp beside a bare XDP_PASS program in the same run.
 *
 * Two figures for nadxdp: the record path (the ring is drained between
 * chunks of 10,000 runs, so every packet gets a record) and the shed path
 * (1,000,000 runs into a ring nobody drains: it fills and the program
 * samples, then fails to reserve).
 *
 * Beside them, the floor: a program doing only what every record needs,
 * the timestamp and the parse (bare.bpf.c's nad_floor), without counters,
 * maps or ring; what nadxdp costs above it is its counters, rules, per-source
 * counts and record.
 *
 * And the clock read alone (nad_clock: bpf_ktime_get_ns, one map store),
 * the part of the floor no parser work can remove.
 *
 * A second table: TC mode's ingress program (nad_tc_in, record path) beside
 * a bare TC program (bare.bpf.c's nad_bare_tc), the same way.
 *
 * A third table: what the rate rules (bpf/nad_rate.bpf.h) cost a TCP SYN on
 * the record path: no rule at all (the element-count check alone), a rule
 * for another destination (the source's and the aggregate lookups miss), an
 * aggregate rule that covers the packet with a budget it never exhausts
 * (both lookups, the known-client check, the bucket; the packet passes and
 * is recorded), and the same as the packet's source's own rule (one lookup,
 * the bucket).
 *
 * (`bench_xdp rates` prints that table alone.)
 *
 * Each figure is the median of ROUNDS rounds; within a round the six
 * programs (the four rule cases) run back to back, so a noisy neighbour hits them alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/bare.skel.h"
#include "nad_abi.h"
#include "nadxdp.skel.h"
/* The Makefile links benchmarks with the user/ objects only; the builder is tiny. */
#include "helpers/pktbuild.c"
#include "testrun.h"

#define ROUNDS 3

static double median3(double v[ROUNDS])
{
	double a = v[0], b = v[1], c = v[2];

	_Static_assert(ROUNDS == 3, "median3 takes three rounds");
	if (a > b) {
		double t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

static void build_syn(struct pktb *b)
{
	pktb_init(b);
	pktb_eth(b, 0x0800);
	pktb_ip4(b, 6, PKTB_IP4(198, 18, 0, 1), PKTB_IP4(198, 18, 0, 2), 0);
	pktb_tcp(b, 40000, 80, 0x02, 20);
	pktb_finish(b);
}

static void build_udp(struct pktb *b)
{
	pktb_init(b);
	pktb_eth(b, 0x0800);
	pktb_ip4(b, 17, PKTB_IP4(198, 18, 0, 1), PKTB_IP4(198, 18, 0, 2), 0);
	pktb_udp(b, 5353, 53);
	pktb_payload(b, 64);
	pktb_finish(b);
}

static void build_ip6(struct pktb *b)
{
	static const uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t d[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	pktb_init(b);
	pktb_eth(b, 0x86dd);
	pktb_ip6(b, 6, s, d);
	pktb_tcp(b, 50000, 443, 0x10, 12);
	pktb_payload(b, 100);
	pktb_finish(b);
}

/*
 * A rate rule on {198.18.0.x:80, TCP}, from any source or (src_octet) from 198.18.0.src_octet,
 * with a budget a test_run never exhausts.
 */
static int put_rate(struct nadxdp_bpf *skel, __u8 last_octet, __u8 src_octet)
{
	struct nad_rate_key k = { .dport = 80, .proto = 6 };
	struct nad_rate v = { .rate_pps = 1000000000u, .burst = 1000000000u, .origin = 1 };

	k.daddr[10] = k.daddr[11] = 0xff;
	k.daddr[12] = 198;
	k.daddr[13] = 18;
	k.daddr[15] = last_octet;
	if (src_octet) {
		memcpy(k.saddr, k.daddr, sizeof(k.saddr));
		k.saddr[15] = src_octet;
	}
	return bpf_map_update_elem(bpf_map__fd(skel->maps.nad_rate), &k, &v, BPF_ANY);
}

static void del_rates(struct nadxdp_bpf *skel)
{
	struct nad_rate_key k;
	int fd = bpf_map__fd(skel->maps.nad_rate);

	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
}

/*
 * The record path of a TCP SYN under no rate rule, a rule that misses, an aggregate rule
 * that matches, a source's rule that matches.
 */
static int bench_rate_rules(void)
{
	enum { NONE, OTHER, MATCH, SOURCE, N_CASES };
	static const char *const names[N_CASES] = {
		[NONE] = "no rate rule",
		[OTHER] = "rule, other destination",
		[MATCH] = "aggregate rule, matches",
		[SOURCE] = "source's rule, matches",
	};
	double ns[N_CASES][ROUNDS];
	struct nadxdp_bpf *skel = nadxdp_bpf__open_and_load();
	struct ring_buffer *rb = skel ? ring_buffer__new(bpf_map__fd(skel->maps.nad_events),
							 testrun_drop_sample, NULL, NULL) :
					NULL;
	int fd, ret = -1;
	struct pktb b;

	if (!rb) {
		fprintf(stderr, "bench_xdp: loading nadxdp: %s\n", strerror(errno));
		goto cleanup;
	}
	fd = bpf_program__fd(skel->progs.nad_xdp);
	build_syn(&b);
	for (int r = 0; r < ROUNDS; r++) {
		for (int c = 0; c < N_CASES; c++) {
			del_rates(skel);
			if ((c == OTHER && put_rate(skel, 99, 0)) ||
			    (c == MATCH && put_rate(skel, 2, 0)) ||
			    (c == SOURCE && put_rate(skel, 2, 1))) {
				fprintf(stderr, "bench_xdp: rate rule: %s\n", strerror(errno));
				goto cleanup;
			}
			ns[c][r] = testrun_record_path_ns(fd, rb, &b);
			if (ns[c][r] < 0) {
				fprintf(stderr, "bench_xdp: test_run failed\n");
				goto cleanup;
			}
		}
	}
	printf("\nRate rules, TCP SYN (IPv4) on the record path, median of %d rounds (ns/packet)\n",
	       ROUNDS);
	printf("%-30s %10s %10s\n", "case", "nadxdp rec", "+ vs none");
	for (int c = 0; c < N_CASES; c++)
		printf("%-30s %10.1f %10.1f\n", names[c], median3(ns[c]),
		       median3(ns[c]) - median3(ns[NONE]));
	ret = 0;
cleanup:
	ring_buffer__free(rb);
	nadxdp_bpf__destroy(skel);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*build)(struct pktb *b);
	} pkts[] = {
		{ "TCP SYN (IPv4)", build_syn },
		{ "UDP datagram (IPv4)", build_udp },
		{ "IPv6 TCP", build_ip6 },
	};
	struct nadxdp_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct bare_bpf *bare = NULL;
	double tc_b[3], tc_rec[3], clk_r[ROUNDS], clk_b[ROUNDS];
	int ret = 1;

	_Static_assert(sizeof(pkts) / sizeof(pkts[0]) == 3, "tc_b and tc_rec hold one per packet");
	if (geteuid() != 0) {
		printf("bench_xdp: skipped, needs root (loads BPF programs, bpf_prog_test_run)\n");
		return 0;
	}
	libbpf_set_print(NULL);
	/* `bench_xdp rates`: the third table alone (before/after comparisons, interleaved). */
	if (argc > 1 && !strcmp(argv[1], "rates"))
		return bench_rate_rules() ? 1 : 0;
	bare = bare_bpf__open_and_load();
	if (!bare) {
		fprintf(stderr, "bench_xdp: loading bare: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("XDP cost per packet, bpf_prog_test_run_opts, %u runs each, median of %d rounds "
	       "(ns/packet)\n",
	       TESTRUN_REPEAT, ROUNDS);
	printf("%-22s %8s %10s %10s %12s %10s %12s %10s\n", "packet", "bare", "ts+parse",
	       "+ vs bare", "nadxdp rec", "+ vs bare", "nadxdp shed", "+ vs bare");
	for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
		double b_r[ROUNDS], fl_r[ROUNDS], rec_r[ROUNDS], shed_r[ROUNDS], tb_r[ROUNDS],
			tr_r[ROUNDS];
		double b_ns, fl_ns, rec_ns, shed_ns;
		struct pktb b;

		/* A fresh load per packet type: empty ring, empty LRU. */
		skel = nadxdp_bpf__open_and_load();
		rb = skel ? ring_buffer__new(bpf_map__fd(skel->maps.nad_events),
					     testrun_drop_sample, NULL, NULL) :
			    NULL;
		if (!rb) {
			fprintf(stderr, "bench_xdp: loading nadxdp: %s\n", strerror(errno));
			goto cleanup;
		}
		pkts[i].build(&b);
		for (int r = 0; r < ROUNDS; r++) {
			b_r[r] = testrun_ns(bpf_program__fd(bare->progs.nad_bare), &b,
					    TESTRUN_REPEAT);
			fl_r[r] = testrun_ns(bpf_program__fd(bare->progs.nad_floor), &b,
					     TESTRUN_REPEAT);
			rec_r[r] = testrun_record_path_ns(bpf_program__fd(skel->progs.nad_xdp), rb,
							  &b);
			shed_r[r] = testrun_ns(bpf_program__fd(skel->progs.nad_xdp), &b,
					       TESTRUN_REPEAT);
			tb_r[r] = testrun_ns(bpf_program__fd(bare->progs.nad_bare_tc), &b,
					     TESTRUN_REPEAT);
			tr_r[r] = testrun_record_path_ns(bpf_program__fd(skel->progs.nad_tc_in), rb,
							 &b);
			if (b_r[r] < 0 || fl_r[r] < 0 || rec_r[r] < 0 || shed_r[r] < 0 ||
			    tb_r[r] < 0 || tr_r[r] < 0) {
				fprintf(stderr, "bench_xdp: test_run failed\n");
				goto cleanup;
			}
		}
		b_ns = median3(b_r);
		fl_ns = median3(fl_r);
		rec_ns = median3(rec_r);
		shed_ns = median3(shed_r);
		if (i == 0) {
			for (int r = 0; r < ROUNDS; r++) {
				clk_b[r] = testrun_ns(bpf_program__fd(bare->progs.nad_bare), &b,
						      TESTRUN_REPEAT);
				clk_r[r] = testrun_ns(bpf_program__fd(bare->progs.nad_clock), &b,
						      TESTRUN_REPEAT);
				if (clk_b[r] < 0 || clk_r[r] < 0) {
					fprintf(stderr, "bench_xdp: test_run failed\n");
					goto cleanup;
				}
			}
		}
		tc_b[i] = median3(tb_r);
		tc_rec[i] = median3(tr_r);
		printf("%-22s %8.1f %10.1f %10.1f %12.1f %10.1f %12.1f %10.1f\n", pkts[i].name,
		       b_ns, fl_ns, fl_ns - b_ns, rec_ns, rec_ns - b_ns, shed_ns, shed_ns - b_ns);
		ring_buffer__free(rb);
		rb = NULL;
		nadxdp_bpf__destroy(skel);
		skel = NULL;
	}
	printf("target: <= 50 ns/packet above bare (record path)\n");
	printf("the clock read alone (bpf_ktime_get_ns): %.1f ns, %+.1f above bare\n\n",
	       median3(clk_r), median3(clk_r) - median3(clk_b));
	printf("TC ingress (--mode tc) cost per packet, the same way (ns/packet)\n");
	printf("%-22s %8s %12s %10s\n", "packet", "bare TC", "nadxdp rec", "+ vs bare");
	for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++)
		printf("%-22s %8.1f %12.1f %10.1f\n", pkts[i].name, tc_b[i], tc_rec[i],
		       tc_rec[i] - tc_b[i]);
	if (bench_rate_rules())
		goto cleanup;
	ret = 0;
cleanup:
	ring_buffer__free(rb);
	nadxdp_bpf__destroy(skel);
	bare_bpf__destroy(bare);
	return ret;
}
