// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_criteria.c - the weighted criteria and the adaptive threshold.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <netinet/in.h>

#include "detect/criteria.h"
#include "helpers/recstream.h"

Test(criteria, criterion_weights_match_the_table)
{
	cr_expect_float_eq(criteria_weights[CRIT_IF_EXTREME], 2.0, 1e-9);
	cr_expect_float_eq(criteria_weights[CRIT_DOS_PATTERN], 2.0, 1e-9);
	cr_expect_float_eq(criteria_weights[CRIT_SCANNING_PATTERN], 1.5, 1e-9);
	cr_expect_float_eq(criteria_weights[CRIT_RARE_PROTOCOL], 1.0, 1e-9);
	cr_expect_str_eq(criteria_names[CRIT_AE_EXTREME], "autoencoder_extreme");
}

static struct nad_rec rec(uint8_t proto, uint8_t flags)
{
	struct recstream rs;
	struct nad_rec r;

	rs_init(&rs, 1000000000ull);
	r = *rs_add(&rs, 0, "203.0.113.66", "192.168.1.10", proto, 50000, 80, flags, 0);
	rs_free(&rs);
	return r;
}

Test(criteria, weights_of_the_fired_criteria_make_the_score)
{
	struct criteria_protocols protos = { 0 };
	struct context_figures f = { .src_fast_share = 0.9,
				     .dst_fast_share = -1,
				     .src_recent_ports = 40,
				     .interval_z = -4 };
	struct criteria_models m = { .have = true,
				     .ae_mae = 0.5,
				     .if_score = -0.7,
				     .ae_threshold = 0.1,
				     .ae_extreme = 0.3,
				     .if_threshold = -0.5 };
	const struct profile *p = profile_get(PROFILE_HOME);
	struct nad_rec r = rec(IPPROTO_TCP, 0x02);
	struct criteria_result out;

	criteria_fire(&protos, &r, &f, &m, p, &out);
	cr_expect_eq(out.mask, (1u << CRIT_RARE_PROTOCOL) - 1, "all but rare_protocol: 0x%x",
		     out.mask);
	cr_expect_float_eq(out.score, 2 + 2 + 2 + 1.5 + 1.5 + 1.5 + 1, 1e-9);
	cr_expect_float_eq(out.value[CRIT_DOS_PATTERN], 0.9, 1e-9);
	cr_expect_float_eq(out.threshold[CRIT_SCANNING_PATTERN], p->scan_threshold, 1e-9);
	/* no model, no NaN: the model criteria stay quiet */
	m.if_score = NAN;
	criteria_fire(&protos, &r, &f, &m, p, &out);
	cr_expect_eq(out.mask & (1u << CRIT_IF | 1u << CRIT_AE), 0);
	/* an IoT source's pauses are its pattern */
	f.src_iot = true;
	f.src_n = 21;
	criteria_fire(&protos, &r, &f, &m, p, &out);
	cr_expect_eq(out.mask & 1u << CRIT_INTERVAL_SPIKE, 0);
}

Test(criteria, a_protocol_absent_from_the_last_thousand_records_is_rare)
{
	struct criteria_protocols protos = { 0 };
	struct context_figures f = { .src_fast_share = -1, .dst_fast_share = -1 };
	struct criteria_models m = { 0 };
	const struct profile *p = profile_get(PROFILE_HOME);
	struct nad_rec tcp = rec(IPPROTO_TCP, 0x10), udp = rec(IPPROTO_UDP, 0);
	struct criteria_result out;

	for (int i = 0; i < 31; i++)
		criteria_fire(&protos, &tcp, &f, &m, p, &out);
	cr_expect_eq(out.mask, 0);
	criteria_fire(&protos, &udp, &f, &m, p, &out);
	cr_expect_eq(out.mask, 1u << CRIT_RARE_PROTOCOL);
	for (int i = 0; i < CRITERIA_PROTO_RING; i++)
		criteria_fire(&protos, &tcp, &f, &m, p, &out);
	criteria_fire(&protos, &udp, &f, &m, p, &out);
	cr_expect_eq(out.mask, 1u << CRIT_RARE_PROTOCOL, "forgotten after 1000 records");
}

Test(criteria, threshold_follows_the_quantile_between_base_and_one_and_a_half_base)
{
	struct criteria_threshold t;

	criteria_threshold_init(&t, 3.5);
	for (int i = 0; i < 999; i++)
		criteria_threshold_add(&t, 10, 1);
	criteria_threshold_update(&t, 3.5);
	cr_expect_float_eq(t.threshold, 3.5, 1e-9, "fewer than 1000 scores: the base");
	for (int i = 0; i < 5000; i++)
		criteria_threshold_add(&t, 10, 1);
	criteria_threshold_update(&t, 3.5);
	cr_expect_float_eq(t.threshold, 5.25, 1e-9, "never above 1.5 x base");
	criteria_threshold_init(&t, 3.5);
	for (int i = 0; i < 5000; i++)
		criteria_threshold_add(&t, i % 100 ? 1 : 4.1, 1);
	criteria_threshold_update(&t, 3.5);
	cr_expect_float_eq(t.threshold, 4.25 + 0.25, 1e-9, "q99.9 (upper bin edge) + 0.25");
	criteria_threshold_init(&t, 3.5);
	for (int i = 0; i < 5000; i++)
		criteria_threshold_add(&t, 0.5, 1);
	criteria_threshold_update(&t, 3.5);
	cr_expect_float_eq(t.threshold, 3.5, 1e-9, "never below base");
}
