// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_eve.c - the EVE JSON lines of the engine's events; a log that cannot be written.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/addr.h"
#include "detect/engine.h"
#include "helpers/errcap.h"
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

static off_t file_size(int fd)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_size;
}

static char *slurp_fd(int fd)
{
	off_t n = file_size(fd);
	char *buf = calloc(1, (size_t)n + 1);

	cr_assert_not_null(buf);
	cr_assert_eq(pread(fd, buf, (size_t)n, 0), n);
	return buf;
}

/*
 * A full disk, played by the file-size limit (EFBIG where a disk says ENOSPC): the event
 * that does not fit is lost, its partial line cut off, the failure reported once; the
 * next event that fits is written whole and says how many were lost.
 */
Test(eve, a_log_that_cannot_be_written_loses_events_not_lines_and_says_so_once)
{
	char path[] = "/tmp/nadxdp-eve-XXXXXX";
	int fd = mkstemp(path), err_fd;
	struct mitigate_event ev = { .action = MITIGATE_ACT_INSTALL, .kind = MITIGATE_RULE_DROP,
				     .ts_ns = T0, .expires_ns = T0 + 600 * 1000000000ull,
				     .ttl_ns = 600 * 1000000000ull, .reason = "dos_attack",
				     .why = "dos_attack" };
	struct rlimit rl, full;
	struct eve *eve;
	char *text, *err, *save = NULL;
	off_t one;
	int n = 0;
	FILE *f;

	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(addr_prefix_parse("198.18.0.3", &ev.prefix), 0);
	f = fdopen(fd, "a");
	cr_assert_not_null(f);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	eve = eve_new(&(struct eve_opts){ .json = f, .json_name = "eve.json" });
	cr_assert_not_null(eve);

	err_fd = errcap_start();
	cr_assert_geq(err_fd, 0);
	eve_mitigation(eve, &ev);
	one = file_size(fd);
	full = rl;
	full.rlim_cur = (rlim_t)(one + one / 2); /* the second line fits half-way */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &full), 0);
	for (int i = 0; i < 5; i++)
		eve_mitigation(eve, &ev);
	cr_expect_eq(file_size(fd), one, "the partial line is cut off");
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	eve_mitigation(eve, &ev);
	eve_free(eve);
	text = slurp_fd(fd);
	fclose(f);

	err = errcap_take(err_fd);
	cr_assert_not_null(err);
	cr_expect_eq(errcap_count(err, "Failed to write eve.json"), 1, "reported once: %s", err);
	cr_expect_eq(errcap_count(err, "\n"), 2, "one line for the failure, one for the end: %s",
		     err);
	cr_expect_not_null(strstr(err, "Writing eve.json again (5 events lost)"), "%s", err);
	free(err);
	close(err_fd);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
		struct json_object *o = json_tokener_parse(l);

		cr_expect_not_null(o, "a whole line: %s", l);
		json_object_put(o);
	}
	cr_expect_eq(n, 2, "the events before and after the failure");
	free(text);
}
