// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_alert.c - episodes and the EVE JSON lines.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <netinet/in.h>

#include "detect/engine.h"
#include "recstream.h"
#include "report/alert.h"

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

static void check_line(struct json_object *o)
{
	static const char *const top[] = { "timestamp", "event_type" };
	static const char *const flow[] = { "src_ip", "src_port", "dest_ip", "dest_port", "proto" };
	static const char *const an[] = { "class",	   "severity",	 "level",
					  "score",	   "threshold",	 "criteria",
					  "ae_mae",	   "ae_threshold", "iforest_score",
					  "iforest_threshold", "campaign", "packets",
					  "evidence",	   "response",	 "episode" };
	struct json_object *x, *a;
	const char *ts;

	for (size_t i = 0; i < 2; i++)
		cr_assert(json_object_object_get_ex(o, top[i], NULL), "%s", top[i]);
	json_object_object_get_ex(o, "timestamp", &x);
	ts = json_object_get_string(x);
	/* 2023-11-14T22:13:20.000000+0000 */
	cr_expect_eq(strlen(ts), 31, "%s", ts);
	cr_expect_eq(ts[19], '.');
	cr_expect_eq(ts[26], '+');
	json_object_object_get_ex(o, "event_type", &x);
	if (strcmp(json_object_get_string(x), "anomaly")) {
		cr_expect_str_eq(json_object_get_string(x), "summary");
		cr_expect(json_object_object_get_ex(o, "summary", NULL));
		return;
	}
	for (size_t i = 0; i < 5; i++)
		cr_expect(json_object_object_get_ex(o, flow[i], NULL), "%s", flow[i]);
	cr_assert(json_object_object_get_ex(o, "anomaly", &a));
	for (size_t i = 0; i < sizeof(an) / sizeof(an[0]); i++)
		cr_expect(json_object_object_get_ex(a, an[i], NULL), "anomaly.%s", an[i]);
	json_object_object_get_ex(a, "level", &x);
	cr_expect(json_object_get_int(x) >= 1 && json_object_get_int(x) <= 3);
}

Test(alert, every_json_line_parses_and_carries_the_eve_fields)
{
	struct engine_opts o;
	struct engine *e;
	struct recstream rs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned n_anom = 0, n_sum = 0;

	rs_init(&rs, T0);
	rs_benign(&rs, 4, 40, 3);
	for (unsigned p = 1; p <= 300; p++)
		rs_add(&rs, 1000000, "203.0.113.5", "192.168.1.10", IPPROTO_TCP, 50000, p, 2, 0);
	for (int i = 0; i < 3000; i++)
		rs_add(&rs, 100000, "203.0.113.9", "192.168.1.11", IPPROTO_UDP, 1000 + i, 53, 0, 64);
	engine_opts_default(&o);
	o.summary_interval_s = 10;
	o.alert.json = f;
	e = engine_new(&o, NULL, NULL);
	for (size_t i = 0; i < rs.n; i++)
		engine_process(e, &rs.recs[i]);
	engine_finish(e);
	engine_free(e);
	fclose(f);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		struct json_object *obj = json_tokener_parse(line), *x;

		cr_assert_not_null(obj, "unparseable: %s", line);
		check_line(obj);
		json_object_object_get_ex(obj, "event_type", &x);
		if (!strcmp(json_object_get_string(x), "anomaly"))
			n_anom++;
		else
			n_sum++;
		json_object_put(obj);
	}
	cr_expect_geq(n_anom, 4, "starts and ends of the scan and the flood");
	cr_expect_geq(n_sum, 3);
	free(buf);
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
