// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_eve.c - the EVE JSON lines of the engine's events.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <netinet/in.h>

#include "detect/engine.h"
#include "helpers/recstream.h"
#include "report/eve.h"

#define T0 1700000000000000000ull

static void check_line(struct json_object *o)
{
	static const char *const top[] = { "timestamp", "event_type" };
	static const char *const flow[] = { "src_ip", "src_port", "dest_ip", "dest_port", "proto" };
	static const char *const an[] = {
		"class",    "severity", "level",	"score",	 "threshold",
		"criteria", "ae_mae",	"ae_threshold", "iforest_score", "iforest_threshold",
		"campaign", "packets",	"evidence",	"response",	 "episode"
	};
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

Test(eve, every_json_line_parses_and_carries_the_eve_fields)
{
	struct engine_opts o;
	struct engine *e;
	struct eve *eve;
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
		rs_add(&rs, 100000, "203.0.113.9", "192.168.1.11", IPPROTO_UDP, 1000 + i, 53, 0,
		       64);
	eve = eve_new(&(struct eve_opts){ .json = f });
	cr_assert_not_null(eve);
	engine_opts_default(&o);
	o.summary_interval_s = 10;
	o.alert.sink = eve_on_alert;
	o.alert.sink_ctx = eve;
	e = engine_new(&o, NULL, NULL);
	for (size_t i = 0; i < rs.n; i++)
		engine_process(e, &rs.recs[i]);
	engine_finish(e);
	engine_free(e);
	eve_free(eve);
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
