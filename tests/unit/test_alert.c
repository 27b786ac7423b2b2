// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_alert.c - episodes: one per (source, class), idle timeout, explain once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "detect/alert.h"
#include "helpers/recstream.h"

#define T0 1700000000000000000ull
#define SEC 1000000000ull

static struct alert_anomaly anomaly(const struct nad_rec *r, enum classify_class c)
{
	struct alert_anomaly an = { .rec = r, .cls = c, .score = 5, .threshold = 3.5,
				    .criteria = 1u << CRIT_DOS_PATTERN, .evidence = "because",
				    .response = "block it" };

	an.crit_value[CRIT_DOS_PATTERN] = 0.9;
	an.crit_threshold[CRIT_DOS_PATTERN] = 0.5;
	return an;
}

Test(alert, ten_thousand_packets_make_one_episode_and_idle_timeout_a_second)
{
	struct alert_opts o = { .idle_s = 10 };
	struct alert *a = alert_new(&o);
	struct recstream rs;
	uint64_t id = 0;

	rs_init(&rs, T0);
	for (int i = 0; i < 10000; i++)
		rs_add(&rs, 100000, "203.0.113.1", "192.168.1.1", IPPROTO_TCP, 1000, 80, 2, 0);
	for (size_t i = 0; i < rs.n; i++) {
		struct alert_anomaly an = anomaly(&rs.recs[i], CLASS_DOS_ATTACK);
		uint64_t got = alert_report(a, &an);

		cr_assert(i == 0 || got == id);
		id = got;
	}
	cr_expect_eq(alert_n_episodes(a, CLASS_DOS_ATTACK), 1);
	alert_tick(a, rs.t_ns + 5 * SEC);
	cr_expect(alert_episode_open(a, id));
	alert_tick(a, rs.t_ns + 11 * SEC);
	cr_expect_not(alert_episode_open(a, id));
	rs_add(&rs, 12 * SEC, "203.0.113.1", "192.168.1.1", IPPROTO_TCP, 1000, 80, 2, 0);
	struct alert_anomaly an = anomaly(&rs.recs[rs.n - 1], CLASS_DOS_ATTACK);

	cr_expect_neq(alert_report(a, &an), id);
	cr_expect_eq(alert_n_episodes(a, CLASS_DOS_ATTACK), 2);
	alert_free(a);
	rs_free(&rs);
}

Test(alert, different_classes_or_sources_are_different_episodes)
{
	struct alert_opts o = { .idle_s = 10 };
	struct alert *a = alert_new(&o);
	struct recstream rs;

	rs_init(&rs, T0);
	rs_add(&rs, 1, "203.0.113.1", "192.168.1.1", IPPROTO_TCP, 1000, 80, 2, 0);
	rs_add(&rs, 1, "203.0.113.2", "192.168.1.1", IPPROTO_TCP, 1000, 80, 2, 0);
	struct alert_anomaly a1 = anomaly(&rs.recs[0], CLASS_DOS_ATTACK),
			     a2 = anomaly(&rs.recs[0], CLASS_SCANNING),
			     a3 = anomaly(&rs.recs[1], CLASS_DOS_ATTACK);
	uint64_t e1 = alert_report(a, &a1), e2 = alert_report(a, &a2), e3 = alert_report(a, &a3);

	cr_expect(e1 != e2 && e2 != e3 && e1 != e3);
	alert_free(a);
	rs_free(&rs);
}

static void explain_count(void *ctx, char *evidence, char *response)
{
	(*(unsigned *)ctx)++;
	snprintf(evidence, CLASSIFY_TEXT, "explained %u", *(unsigned *)ctx);
	snprintf(response, CLASSIFY_TEXT, "respond");
}

static void keep_evidence(void *ctx, const struct alert_event *ev)
{
	snprintf(ctx, CLASSIFY_TEXT, "%s", ev->evidence);
}

/* Without evidence, explain writes a new episode's sentences; packets joining it skip it. */
Test(alert, explain_is_called_once_per_new_episode)
{
	struct alert_opts o = { .idle_s = 10 };
	struct alert *a = alert_new(&o);
	struct recstream rs;
	char seen[CLASSIFY_TEXT] = "";
	unsigned n = 0;

	cr_assert_not_null(a);
	alert_set_observer(a, keep_evidence, seen);
	rs_init(&rs, T0);
	for (int i = 0; i < 100; i++)
		rs_add(&rs, 100000, i < 50 ? "203.0.113.1" : "203.0.113.2", "192.168.1.1",
		       IPPROTO_TCP, 1000, 80, 2, 0);
	for (size_t i = 0; i < rs.n; i++) {
		struct alert_anomaly an = anomaly(&rs.recs[i], CLASS_DOS_ATTACK);

		an.evidence = an.response = NULL;
		an.explain = explain_count;
		an.explain_ctx = &n;
		alert_report(a, &an);
	}
	cr_expect_eq(n, 2, "explain called %u times for 2 episodes", n);
	cr_expect_str_eq(seen, "explained 2");
	alert_free(a);
	rs_free(&rs);
}
