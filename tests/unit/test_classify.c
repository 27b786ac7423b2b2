// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_classify.c - class identifiers, levels and the evidence-only decisions.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "common/addr.h"
#include "common/names.h"
#include "detect/classify.h"
#include "helpers/recstream.h"

static struct nad_rec rec(uint8_t proto, uint16_t dport)
{
	struct nad_rec r = { .weight = 1,
			     .ip_proto = proto,
			     .dport = dport,
			     .sport = 40000,
			     .wire_bytes = 100,
			     .flags = NAD_F_IPV4 | NAD_F_L4 };

	r.saddr[10] = r.saddr[11] = r.daddr[10] = r.daddr[11] = 0xff;
	r.saddr[12] = 192, r.saddr[13] = 168, r.saddr[15] = 5;
	r.daddr[12] = 8, r.daddr[15] = 8;
	return r;
}

Test(classify, identifiers_and_levels_are_those_of_the_original)
{
	static const char *const crit[] = { "dos_attack", "data_exfiltration",
					    "credential_stuffing", "intrusion_attempt",
					    "mass_registration" };
	static const char *const warn[] = { "scanning", "protocol_violation", "excessive_traffic",
					    "unusual_destination" };
	static const char *const info[] = { "timing_anomaly", "size_anomaly", "behavioral" };

	for (int i = 0; i < 5; i++)
		cr_expect_eq(names_class_severity(names_class_parse(crit[i])), 3, "%s", crit[i]);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(names_class_severity(names_class_parse(warn[i])), 2, "%s", warn[i]);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(names_class_severity(names_class_parse(info[i])), 1, "%s", info[i]);
	cr_expect_eq(names_class_parse("nonsense"), CLASS_NONE);
}

Test(classify, model_score_alone_gives_only_info_classes)
{
	struct nad_rec r = rec(IPPROTO_TCP, 443);
	struct classify_evidence ev = { .rec = &r,
					.score = 7,
					.threshold = 3.5,
					.criteria = 0xf,
					.ctx.src_pps = 1,
					.ctx.src_probe_share = 0 };
	struct classify_result out;

	cr_expect_eq(classify_decide(&ev, profile_get(PROFILE_HOME), &out), CLASS_BEHAVIORAL);
	cr_expect(strstr(out.evidence, "no rule explains"));
	ev.ctx.interval_z = 4.2;
	cr_expect_eq(classify_decide(&ev, profile_get(PROFILE_HOME), &out), CLASS_TIMING_ANOMALY);
	ev.ctx.interval_z = 0;
	ev.ctx.size_z = -5;
	cr_expect_eq(classify_decide(&ev, profile_get(PROFILE_HOME), &out), CLASS_SIZE_ANOMALY);
	ev.score = 3;
	cr_expect_eq(classify_decide(&ev, profile_get(PROFILE_HOME), &out), CLASS_NONE);
}

Test(classify, info_classes_need_both_models_to_agree_one_at_its_extreme)
{
	struct nad_rec r = rec(IPPROTO_TCP, 443);
	struct classify_evidence ev = {
		.rec = &r, .score = 3.5, .threshold = 3.5, .ctx.src_pps = 1
	};
	struct classify_result out;
	const struct profile *p = profile_get(PROFILE_HOME);

	/* autoencoder alone (normal + extreme) */
	ev.criteria = 1u << CRIT_AE | 1u << CRIT_AE_EXTREME;
	cr_expect_eq(classify_decide(&ev, p, &out), CLASS_NONE);
	/* forest plus a burst's dos_pattern */
	ev.criteria = 1u << CRIT_IF | 1u << CRIT_DOS_PATTERN;
	cr_expect_eq(classify_decide(&ev, p, &out), CLASS_NONE);
	/* both models */
	ev.criteria = 1u << CRIT_IF | 1u << CRIT_AE_EXTREME;
	cr_expect_eq(classify_decide(&ev, p, &out), CLASS_BEHAVIORAL);
	ev.criteria = 1u << CRIT_IF_EXTREME | 1u << CRIT_AE;
	cr_expect_eq(classify_decide(&ev, p, &out), CLASS_BEHAVIORAL);
	/* both models at their normal level, topped up by a pause's interval_spike */
	ev.criteria = 1u << CRIT_IF | 1u << CRIT_AE | 1u << CRIT_INTERVAL_SPIKE;
	ev.ctx.interval_z = 5;
	cr_expect_eq(classify_decide(&ev, p, &out), CLASS_NONE);
	ev.criteria |= 1u << CRIT_AE_EXTREME;
	cr_expect_eq(classify_decide(&ev, p, &out), CLASS_TIMING_ANOMALY);
}

Test(classify, dos_needs_unanswered_requests_and_the_profile_scales_it)
{
	struct nad_rec r = rec(IPPROTO_TCP, 80);
	struct classify_evidence ev = { .rec = &r,
					.ctx.src_pps = 2000,
					.ctx.src_client_pps = 2000,
					.ctx.src_unans_pps = 2000,
					.ctx.src_syn_share = 0.95,
					.ctx.src_top_dst_share = 1,
					.ctx.src_dst_ports = 1,
					.ctx.src_dst_hosts = 1,
					.ctx.src_probe_share = 1 };
	struct classify_result out;

	r.tcp_flags = 0x02;
	cr_expect_eq(classify_decide(&ev, profile_get(PROFILE_HOME), &out), CLASS_DOS_ATTACK);
	cr_expect(strstr(out.evidence, "SYN flood"));
	cr_expect(strstr(out.evidence, "the profile's floor"), "%s", out.evidence);
	cr_expect(strstr(out.response, "drop it in the kernel"));
	cr_expect_neq(classify_decide(&ev, profile_get(PROFILE_ENTERPRISE), &out),
		      CLASS_DOS_ATTACK);
	/* the same rate, answered: a busy client, not a flood */
	ev.ctx.src_unans_pps = 30;
	cr_expect_neq(classify_decide(&ev, profile_get(PROFILE_HOME), &out), CLASS_DOS_ATTACK);
}

Test(classify, local_addresses)
{
	struct nad_rec r = rec(IPPROTO_TCP, 80);

	cr_expect(addr_is_private(r.saddr));
	cr_expect_not(addr_is_private(r.daddr));
}

/* A value from 0 to max, often 0 or past a threshold. */
static double rnd(uint32_t *st, double max)
{
	return (double)(rs_xorshift(st) % 1001) / 1000.0 * max;
}

/*
 * classify_decide_quiet (the engine's per-packet call) takes the decision of
 * classify_decide, without the sentences, over random evidence reaching every class.
 */
Test(classify, quiet_decision_equals_the_decision_with_text)
{
	static const uint16_t ports[] = { 22, 53, 80, 445, 3389, 9001, 25565, 40000 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	const struct profile *p = profile_get(PROFILE_HOME);
	unsigned seen = 0, n_classes = 0;
	uint32_t st = 99;

	for (int i = 0; i < 20000; i++) {
		struct nad_rec r = rec(protos[rs_xorshift(&st) % 3], ports[rs_xorshift(&st) % 8]);
		struct classify_evidence ev = {
			.rec = &r,
			.ctx.src_home = rs_xorshift(&st) & 1,
			.ctx.dst_home = rs_xorshift(&st) & 1,
			.ctx.src_client_pps = rnd(&st, 5000),
			.ctx.src_unans_pps = rnd(&st, 5000),
			.ctx.src_fail_ports = rs_xorshift(&st) % 40,
			.ctx.src_fail_hosts = rs_xorshift(&st) % 30,
			.ctx.src_pair_held = rnd(&st, 60),
			.ctx.src_pair_upload = rnd(&st, 2e7),
			.ctx.dst_unans_pps = rnd(&st, 500),
			.ctx.dst_unsol_pps = rnd(&st, 500),
			.ctx.flow.from_client = rs_xorshift(&st) & 1,
			.ctx.flow.state = rs_xorshift(&st) % (FLOW_CLOSED + 1),
			.ctx.src_pps = rnd(&st, 5000),
			.ctx.src_bps = rnd(&st, 2e7),
			.ctx.src_syn_share = rnd(&st, 1),
			.ctx.src_udp_share = rnd(&st, 1),
			.ctx.src_icmp_share = rnd(&st, 1),
			.ctx.src_top_dst_share = rnd(&st, 1),
			.ctx.src_dst_ports = rs_xorshift(&st) % 40,
			.ctx.src_dst_hosts = rs_xorshift(&st) % 30,
			.ctx.src_probe_share = rnd(&st, 1),
			.ctx.src_stealth_probes = rnd(&st, 8),
			.ctx.src_pair_conns = rnd(&st, 60),
			.ctx.src_pair_payload_mean = rnd(&st, 1000),
			.ctx.src_pair_acked = rnd(&st, 60),
			.ctx.src_pair_fins = rnd(&st, 30),
			.ctx.src_pair_bytes_per_conn = rnd(&st, 3000),
			.ctx.src_pkts10 = rnd(&st, 1000),
			.ctx.src_recent_ports = rs_xorshift(&st) % 40,
			.ctx.src_answer_share = rnd(&st, 1),
			.ctx.src_rsts = rnd(&st, 5),
			.src_scanned = !(rs_xorshift(&st) % 4),
			.ctx.src_malformed = rnd(&st, 4),
			.ctx.src_dns_query_bytes = rnd(&st, 1e5),
			.ctx.src_pair_sent = rnd(&st, 2e7),
			.ctx.src_pair_recv = rnd(&st, 2e6),
			.ctx.src_pair_dns_queries = rnd(&st, 200),
			.ctx.src_pair_dns_mean = rnd(&st, 150),
			.ctx.src_pair_echo = rnd(&st, 20),
			.ctx.src_pair_echo_mean = rnd(&st, 200),
			.ctx.src_pair_echo_sd = rnd(&st, 20),
			.ctx.callback = !(rs_xorshift(&st) % 16),
			.ctx.dst_pps = rnd(&st, 1000),
			.ctx.dst_srcs = rs_xorshift(&st) % 40,
			.ctx.dst_new_payload_srcs = rnd(&st, 20),
			.criteria = rs_xorshift(&st) & 0xff,
			.score = rnd(&st, 8),
			.threshold = 3.5,
			.ctx.interval_z = rnd(&st, 8) - 4,
			.ctx.size_z = rnd(&st, 8) - 4,
		};
		struct classify_result loud, quiet;
		enum classify_class c;

		r.tcp_flags = rs_xorshift(&st) & 0x3f;
		r.payload_bytes = rs_xorshift(&st) % 3 ? (uint16_t)(rs_xorshift(&st) % 1400) : 0;
		r.malformed = !(rs_xorshift(&st) % 8);
		c = classify_decide(&ev, p, &loud);
		cr_assert_eq(classify_decide_quiet(&ev, p, &quiet), c, "record %d", i);
		cr_assert_eq(quiet.by_destination, loud.by_destination, "record %d", i);
		cr_assert_str_empty(quiet.evidence);
		cr_assert_str_empty(quiet.response);
		if (c != CLASS_NONE && !(seen & 1u << c))
			seen |= 1u << c, n_classes++;
	}
	cr_expect_eq(n_classes, CLASS_N - 1, "only %u classes reached", n_classes);
}
