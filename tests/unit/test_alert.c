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

Test(alert, an_episode_held_longer_stays_one_across_the_bursts_of_a_slow_dos)
{
	/* a burst every 15 s, as Slowloris writes, asking for 60 s: one episode; a 10-s idle
	 * would have made one per burst */
	struct alert_opts o = { .idle_s = 10 };
	struct alert *a = alert_new(&o);
	struct recstream rs;
	uint64_t id = 0;

	rs_init(&rs, T0);
	for (int burst = 0; burst < 8; burst++) {
		rs_add(&rs, burst ? 15 * SEC : 0, "203.0.113.1", "192.168.1.1", IPPROTO_TCP, 1000,
		       80, 24, 0);
		struct alert_anomaly an = anomaly(&rs.recs[rs.n - 1], CLASS_DOS_ATTACK);

		an.hold_s = 60;
		uint64_t got = alert_report(a, &an);

		cr_expect(burst == 0 || got == id, "burst %d: episode %lu, was %lu", burst,
			  (unsigned long)got, (unsigned long)id);
		id = got;
		alert_tick(a, rs.t_ns + 14 * SEC);
		cr_expect(alert_episode_open(a, id), "burst %d: closed within 14 s", burst);
	}
	cr_expect_eq(alert_n_episodes(a, CLASS_DOS_ATTACK), 1);
	alert_tick(a, rs.t_ns + 59 * SEC);
	cr_expect(alert_episode_open(a, id));
	alert_tick(a, rs.t_ns + 61 * SEC);
	cr_expect_not(alert_episode_open(a, id));
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

struct seen_events {
	unsigned n_sink, n_observer, n_update;
	uint64_t update_last[64];
	double update_src_pps[64];
	uint64_t update_since[64];
	uint64_t start_since;
};

static void count_sink(void *ctx, const struct alert_event *ev)
{
	struct seen_events *s = ctx;

	s->n_sink++;
	cr_assert_not(ev->update, "an update reached the sink");
}

static void count_observer(void *ctx, const struct alert_event *ev)
{
	struct seen_events *s = ctx;

	s->n_observer++;
	if (!strcmp(ev->event_type, "anomaly") && !ev->closing && !s->start_since)
		s->start_since = ev->flood.flood_since_ns;
	if (!ev->update)
		return;
	cr_assert_str_eq(ev->event_type, "update");
	cr_assert_not(ev->closing);
	cr_assert_null(ev->anomaly);
	if (s->n_update < 64) {
		s->update_last[s->n_update] = ev->last_ns;
		s->update_src_pps[s->n_update] = ev->src_pps;
		s->update_since[s->n_update] = ev->flood.flood_since_ns;
	}
	s->n_update++;
}

/*
 * An open flood episode is followed by update events to the observer (not the sink), at
 * most one per 10 ms of record time, with the latest packet's figures; other classes have none.
 */
Test(alert, floods_are_followed_by_updates_every_10_ms_for_the_observer_only)
{
	struct seen_events s = { 0 };
	struct alert_opts o = { .idle_s = 10, .sink = count_sink, .sink_ctx = &s };
	struct alert *a = alert_new(&o);
	struct recstream rs;

	cr_assert_not_null(a);
	alert_set_observer(a, count_observer, &s);
	rs_init(&rs, T0);
	/* 100 ms of SYN flood, a packet every 100 us, then 100 ms of a scan, same spacing. */
	for (int i = 0; i < 2000; i++)
		rs_add(&rs, 100000, "203.0.113.1", "192.168.1.1", IPPROTO_TCP, 1000, 80, 2, 0);
	for (size_t i = 0; i < rs.n; i++) {
		struct alert_anomaly an =
			anomaly(&rs.recs[i], i < 1000 ? CLASS_DOS_ATTACK : CLASS_SCANNING);

		an.src_pps = (double)i;
		an.flood.flood_since_ns = FLOOD_SINCE_EPISODE;
		alert_report(a, &an);
	}
	/* t0 + 0.1 ms .. t0 + 100 ms: updates at 10.1, 20.1, ... 90.1 ms. */
	cr_expect_eq(s.n_update, 9, "%u updates", s.n_update);
	for (unsigned i = 0; i < s.n_update && i < 64; i++) {
		uint64_t want = T0 + (i + 1) * 10000000ull + 100000;

		cr_expect_eq(s.update_last[i], want, "update %u at %llu", i,
			     (unsigned long long)(s.update_last[i] - T0));
		cr_expect_float_eq(s.update_src_pps[i], (double)((want - T0) / 100000 - 1), 1e-9,
				   "the latest packet's figures");
		cr_expect_eq(s.update_since[i], T0 + 100000, "flood held since the episode start");
	}
	cr_expect_eq(s.start_since, T0 + 100000);
	cr_expect_eq(s.n_sink, 2, "two starts, no update");
	cr_expect_eq(s.n_observer, 2 + s.n_update);
	alert_flush(a);
	cr_expect_eq(s.n_sink, 4, "and two ends");
	alert_free(a);
	rs_free(&rs);
}
