// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_context.c - the per-source context: what the trackers know after a record stream.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "features/context.h"
#include "helpers/recstream.h"

#define T0 1700000000000000000ull
#define MS 1000000ull
#define SEC 1000000000ull

/* Tracks every record of rs; f holds the last one's figures. */
static void track_all(struct context *c, const struct recstream *rs, struct context_figures *f)
{
	for (size_t i = 0; i < rs->n; i++)
		context_track(c, &rs->recs[i], f);
}

Test(context, a_source_keeps_its_slot_and_counts_its_records)
{
	struct context *c = context_new(NULL);
	struct context_figures f1, f2, f3;
	struct recstream rs;

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	rs_add(&rs, 0, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, MS, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, MS, "192.168.1.3", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	context_track(c, &rs.recs[0], &f1);
	context_track(c, &rs.recs[1], &f2);
	context_track(c, &rs.recs[2], &f3);
	cr_expect(f1.src_slot_new);
	cr_expect_eq(f1.src_n, 1);
	cr_expect_not(f2.src_slot_new);
	cr_expect_eq(f2.src_n, 2);
	cr_expect_eq(f2.src_slot, f1.src_slot);
	cr_expect(f3.src_slot_new);
	cr_expect_neq(f3.src_slot, f1.src_slot);
	cr_expect_lt(f3.src_slot, CONTEXT_SRC_SLOTS);
	cr_expect_eq(f2.dst_hash, f3.dst_hash);
	cr_expect(f2.src_new, "first seen in the last 10 s");
	cr_expect_float_eq(f2.src_pair_dns_queries, 2, 0.01);
	cr_expect_float_eq(f2.src_pair_dns_mean, 30, 0.01);
	context_free(c);
	rs_free(&rs);
}

Test(context, a_syn_scan_is_many_ports_all_probes)
{
	struct context *c = context_new(NULL);
	struct context_figures f;
	struct recstream rs;

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	for (unsigned p = 1; p <= 40; p++)
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50000, (uint16_t)p,
		       0x02, 0);
	track_all(c, &rs, &f);
	cr_expect_eq(f.src_recent_ports, 40);
	cr_expect_geq(f.src_dst_ports, 35);
	cr_expect_leq(f.src_dst_ports, 45);
	cr_expect_eq(f.src_dst_hosts, 1);
	cr_expect_float_eq(f.src_probe_share, 1, 1e-9);
	cr_expect_float_eq(f.src_syn_share, 1, 1e-9);
	cr_expect(f.dst_home && !f.src_home, "no home net given: the private ranges are home");
	cr_expect_float_eq(f.src_unans_pps, f.src_client_pps, 1e-9, "no SYN was answered");
	cr_expect_eq(f.src_fast_share, -1, "fewer than 100 intervals");
	context_free(c);
	rs_free(&rs);
}

/* A login service that answers every attempt with the same refusal: failures on the pair. */
Test(context, repeated_server_replies_are_login_failures)
{
	struct context *c = context_new(NULL);
	struct context_figures f;
	struct recstream rs;

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	rs_add(&rs, 0, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 40000, 22, 0x02, 0);
	rs_add(&rs, MS, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 22, 40000, 0x12, 0);
	rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 40000, 22, 0x10, 0);
	rs_add(&rs, MS, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 22, 40000, 0x18, 41);
	for (int i = 0; i < 4; i++) { /* an attempt, the same 52-byte refusal */
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 40000, 22, 0x18, 100);
		rs_add(&rs, MS, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 22, 40000, 0x18, 52);
	}
	rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 40000, 22, 0x10, 0);
	track_all(c, &rs, &f);
	cr_expect_float_eq(f.src_pair_conns, 1, 0.01);
	cr_expect_float_eq(f.src_pair_auth_fails, 3, 0.01,
			   "the second to fourth refusal repeat the first: %.2f",
			   f.src_pair_auth_fails);
	context_free(c);
	rs_free(&rs);
}

Test(context, the_baseline_learns_destination_ports_until_the_warmup_ends)
{
	struct context *c = context_new(NULL);
	struct context_figures f;
	struct recstream rs;

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	rs_add(&rs, 0, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, SEC, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, SEC, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 5353, 0, 30);
	context_track(c, &rs.recs[0], &f);
	cr_expect(f.dstport_in_baseline, "learnt during the warm-up");
	context_end_warmup(c, T0 + 30 * SEC);
	context_track(c, &rs.recs[1], &f);
	cr_expect(f.dstport_in_baseline);
	context_track(c, &rs.recs[2], &f);
	cr_expect_not(f.dstport_in_baseline, "a port first seen after the warm-up");
	context_free(c);
	rs_free(&rs);
}

Test(context, talkers_are_ranked_by_packets_and_start_over)
{
	struct context *c = context_new(NULL);
	struct context_talker top[CONTEXT_TALKERS_MAX];
	struct context_figures f;
	struct recstream rs;
	char src[32];

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	for (unsigned h = 1; h <= 6; h++) {
		snprintf(src, sizeof(src), "192.168.1.%u", h);
		for (unsigned i = 0; i < 10 * h; i++)
			rs_add(&rs, MS, src, "192.168.1.100", IPPROTO_UDP, 40000, 53, 0, 30);
	}
	track_all(c, &rs, &f);
	cr_assert_eq(context_take_talkers(c, top, 5), 5);
	for (int k = 0; k < 5; k++) {
		cr_expect_eq(top[k].pkts, 10 * (6 - k));
		cr_expect_eq(top[k].addr[15], 6 - k);
		cr_expect_eq(top[k].bytes, top[k].pkts * rs.recs[0].wire_bytes);
	}
	cr_expect_eq(context_take_talkers(c, top, 5), 0, "counts start over");
	context_free(c);
	rs_free(&rs);
}

Test(context, a_full_table_would_evict_for_a_new_source_only)
{
	struct context *c = context_new(NULL);
	struct context_figures f;
	struct recstream rs;
	char src[32];

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16, (i >> 8) & 0xff, i & 0xff);
		rs_add(&rs, 1000, src, "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	}
	cr_expect_not(context_would_evict(c, rs.recs[0].saddr), "an empty table");
	track_all(c, &rs, &f);
	cr_expect_not(context_would_evict(c, rs.recs[rs.n - 1].saddr), "a source it holds");
	rs_add(&rs, 1000, "198.51.100.1", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	cr_expect(context_would_evict(c, rs.recs[rs.n - 1].saddr));
	context_free(c);
	rs_free(&rs);
}

/* Requests answered by one server and not by another: the figures of each destination. */
Test(context, unanswered_requests_are_counted_per_destination_too)
{
	struct context *c = context_new(NULL);
	struct context_figures to_dns, to_dead;
	struct recstream rs;

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	for (unsigned i = 0; i < 50; i++) {
		uint16_t port = (uint16_t)(30000 + i);

		rs_add(&rs, MS, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, port, 53, 0, 30);
		rs_add(&rs, MS / 10, "192.168.1.1", "192.168.1.2", IPPROTO_UDP, 53, port, 0, 90);
		rs_add(&rs, MS, "192.168.1.2", "192.168.1.9", IPPROTO_UDP, port, 7000, 0, 30);
	}
	rs_add(&rs, MS, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, MS, "192.168.1.2", "192.168.1.9", IPPROTO_UDP, 40000, 7000, 0, 30);
	track_all(c, &rs, &to_dead);
	rs.n--;
	context_free(c);
	c = context_new(NULL);
	cr_assert_not_null(c);
	track_all(c, &rs, &to_dns);
	cr_expect_gt(to_dns.src_pair_client_pps, 40);
	cr_expect_lt(to_dns.src_pair_unans_pps, 1.5, "answered but the last: %.2f",
		     to_dns.src_pair_unans_pps);
	cr_expect_gt(to_dead.src_pair_client_pps, 40);
	cr_expect_float_eq(to_dead.src_pair_unans_pps, to_dead.src_pair_client_pps, 1e-9);
	cr_expect_float_eq(to_dead.src_unans_pps, to_dead.src_pair_unans_pps, 1.5,
			   "the source's other requests were answered");
	cr_expect_gt(to_dns.src_answered_ns, 0);
	context_free(c);
	rs_free(&rs);
}

/*
 * A Slowloris's connections stay counted while they are held: 50 connections to :80, each
 * sending a header line every 10 s to a silent server for five minutes, are 50 held at the
 * end (a count that decayed over 60 s had let them fade to nothing). Closing them brings
 * the count back to 0.
 */
Test(context, held_connections_are_counted_while_held_not_faded)
{
	struct context *c = context_new(NULL);
	struct context_figures f;
	struct recstream rs;

	cr_assert_not_null(c);
	rs_init(&rs, T0);
	for (uint16_t p = 30000; p < 30050; p++) {
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, p, 80, 0x02, 0);
		rs_add(&rs, MS, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 80, p, 0x12, 0);
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, p, 80, 0x10, 0);
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, p, 80, 0x18, 24);
	}
	for (int k = 0; k < 30; k++) /* a header line on each every 10 s */
		for (uint16_t p = 30000; p < 30050; p++)
			rs_add(&rs, p == 30000 ? 10 * SEC - 49 * MS : MS, "203.0.113.66",
			       "192.168.1.10", IPPROTO_TCP, p, 80, 0x18, 12);
	track_all(c, &rs, &f);
	cr_expect_float_eq(f.src_pair_held, 50, 1e-9, "held after 300 s: %g", f.src_pair_held);
	rs.n = 0;
	for (uint16_t p = 30000; p < 30050; p++)
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, p, 80, 0x14, 0);
	track_all(c, &rs, &f);
	cr_expect_float_eq(f.src_pair_held, 0, 1e-9, "after the resets: %g", f.src_pair_held);
	rs_free(&rs);
	context_free(c);
}
