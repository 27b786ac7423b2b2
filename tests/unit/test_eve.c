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
#include "report/outputs.h"

#define T0 1700000000000000000ull

/* Suricata's common fields: in every event, and in every event about a flow. */
static const char *const common[] = { "timestamp", "event_type", "host", "in_iface" };
static const char *const flow[] = {
	"flow_id", "src_ip", "src_port", "dest_ip", "dest_port", "proto"
};

static void check_common(struct json_object *o, bool has_flow)
{
	struct json_object *x;

	for (size_t i = 0; i < sizeof(common) / sizeof(*common); i++)
		cr_assert(json_object_object_get_ex(o, common[i], NULL), "%s", common[i]);
	json_object_object_get_ex(o, "host", &x);
	cr_expect_str_eq(json_object_get_string(x), "sensor-1");
	json_object_object_get_ex(o, "in_iface", &x);
	cr_expect_str_eq(json_object_get_string(x), "eth9");
	for (size_t i = 0; i < sizeof(flow) / sizeof(*flow); i++)
		cr_expect_eq(json_object_object_get_ex(o, flow[i], NULL), has_flow, "%s", flow[i]);
	if (has_flow) {
		json_object_object_get_ex(o, "flow_id", &x);
		cr_expect(json_object_is_type(x, json_type_int));
		cr_expect_leq((uint64_t)json_object_get_int64(x), EVE_FLOW_ID_MASK);
	}
}

static void check_line(struct json_object *o)
{
	static const char *const an[] = {
		"class",    "severity", "level",	"score",	 "threshold",
		"criteria", "ae_mae",	"ae_threshold", "iforest_score", "iforest_threshold",
		"campaign", "packets",	"evidence",	"response",	 "episode"
	};
	struct json_object *x, *a;
	const char *ts;

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
		check_common(o, false); /* a summary is about no flow, as Suricata's stats */
		return;
	}
	check_common(o, true);
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
	struct outputs *out = outputs_new();
	unsigned n_anom = 0, n_sum = 0;

	rs_init(&rs, T0);
	rs_benign(&rs, 4, 40, 3);
	for (unsigned p = 1; p <= 300; p++)
		rs_add(&rs, 1000000, "203.0.113.5", "192.168.1.10", IPPROTO_TCP, 50000, p, 2, 0);
	for (int i = 0; i < 3000; i++)
		rs_add(&rs, 100000, "203.0.113.9", "192.168.1.11", IPPROTO_UDP, 1000 + i, 53, 0,
		       64);
	cr_assert_eq(outputs_add(out, &(struct output_spec){ .kind = OUTPUT_STREAM, .stream = f }),
		     0);
	eve = eve_new(&(struct eve_opts){ .out = out, .host = "sensor-1", .in_iface = "eth9" });
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
	outputs_free(out);
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

static off_t file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

static char *slurp_path(const char *path)
{
	off_t n = file_size(path);
	char *buf = calloc(1, (size_t)n + 1);
	FILE *f = fopen(path, "r");

	cr_assert_not_null(buf);
	cr_assert_not_null(f);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/*
 * A full disk, played by the file-size limit (EFBIG where a disk says ENOSPC): the event
 * that does not fit is lost, its partial line cut off, the failure reported once; the
 * next event that fits is written whole and says how many were lost.
 */
Test(eve, a_log_that_cannot_be_written_loses_events_not_lines_and_says_so_once)
{
	char path[] = "/tmp/nadxdp-eve-XXXXXX", want[64];
	int fd = mkstemp(path), err_fd;
	struct mitigate_event ev = { .action = MITIGATE_ACT_INSTALL, .kind = MITIGATE_RULE_DROP,
				     .ts_ns = T0, .expires_ns = T0 + 600 * 1000000000ull,
				     .ttl_ns = 600 * 1000000000ull, .reason = "dos_attack",
				     .why = "dos_attack" };
	struct outputs *out = outputs_new();
	struct rlimit rl, full;
	struct eve *eve;
	char *text, *err, *save = NULL;
	off_t one;
	int n = 0;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_not_null(out);
	cr_assert_eq(outputs_add(out, &(struct output_spec){ .kind = OUTPUT_FILE, .path = path }),
		     0);
	cr_assert_eq(addr_prefix_parse("198.18.0.3", &ev.prefix), 0);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	eve = eve_new(&(struct eve_opts){ .out = out });
	cr_assert_not_null(eve);

	err_fd = errcap_start();
	cr_assert_geq(err_fd, 0);
	eve_mitigation(eve, &ev);
	one = file_size(path);
	full = rl;
	full.rlim_cur = (rlim_t)(one + one / 2); /* the second line fits half-way */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &full), 0);
	for (int i = 0; i < 5; i++)
		eve_mitigation(eve, &ev);
	cr_expect_eq(file_size(path), one, "the partial line is cut off");
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	eve_mitigation(eve, &ev);
	eve_free(eve);
	outputs_free(out);
	text = slurp_path(path);
	unlink(path);

	err = errcap_take(err_fd);
	cr_assert_not_null(err);
	snprintf(want, sizeof(want), "Failed to write %s", path);
	cr_expect_eq(errcap_count(err, want), 1, "reported once: %s", err);
	cr_expect_eq(errcap_count(err, "\n"), 2, "one line for the failure, one for the end: %s",
		     err);
	snprintf(want, sizeof(want), "Writing %s again (5 events lost)", path);
	cr_expect_not_null(strstr(err, want), "%s", err);
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

static struct eve_flow flow_of(__u8 s[16], __u8 d[16], const char *src, uint16_t sport,
			       const char *dst, uint16_t dport, uint8_t proto)
{
	struct addr_prefix p;

	cr_assert_eq(addr_prefix_parse(src, &p), 0);
	memcpy(s, p.addr, 16);
	cr_assert_eq(addr_prefix_parse(dst, &p), 0);
	memcpy(d, p.addr, 16);
	return (struct eve_flow){ s, d, sport, dport, proto };
}

Test(eve, flow_id_is_the_same_both_ways_and_differs_between_flows)
{
	__u8 a[16], b[16], c[16], d[16];
	struct eve_flow fwd = flow_of(a, b, "198.18.0.3", 40000, "198.18.0.1", 80, IPPROTO_TCP);
	struct eve_flow rev = flow_of(c, d, "198.18.0.1", 80, "198.18.0.3", 40000, IPPROTO_TCP);
	uint64_t id = eve_flow_id(&fwd);

	cr_expect_eq(eve_flow_id(&rev), id);
	cr_expect_leq(id, EVE_FLOW_ID_MASK);
	fwd.sport = 40001;
	cr_expect_neq(eve_flow_id(&fwd), id);
	fwd.sport = 40000;
	fwd.proto = IPPROTO_UDP;
	cr_expect_neq(eve_flow_id(&fwd), id);
	/* the same ports on both ends: the addresses order them */
	fwd = flow_of(a, b, "2001:2::1", 53, "2001:2::2", 53, IPPROTO_UDP);
	rev = flow_of(c, d, "2001:2::2", 53, "2001:2::1", 53, IPPROTO_UDP);
	cr_expect_eq(eve_flow_id(&fwd), eve_flow_id(&rev));
	/* a fixed function: the id of a flow is the same in every run and on every host */
	fwd = flow_of(a, b, "198.18.0.3", 40000, "198.18.0.1", 80, IPPROTO_TCP);
	cr_expect_eq(eve_flow_id(&fwd), 1188534299263127ull, "%llu",
		     (unsigned long long)eve_flow_id(&fwd));
}

Test(eve, a_mitigation_event_carries_the_common_fields_of_its_alert_flow)
{
	__u8 s[16], d[16];
	struct eve_flow fl = flow_of(s, d, "198.18.0.3", 40000, "198.18.0.1", 80, IPPROTO_TCP);
	struct mitigate_alert a = { .cls = "dos_attack",
				    .severity = SEV_CRITICAL,
				    .sport = 40000,
				    .dport = 80,
				    .proto = IPPROTO_TCP };
	struct mitigate_event ev = { .action = MITIGATE_ACT_INSTALL,
				     .ts_ns = 5000000000ull,
				     .ttl_ns = 600000000000ull,
				     .reason = "dos_attack",
				     .why = "dos_attack",
				     .alert = &a };
	struct eve *e = eve_new(&(struct eve_opts){ .host = "sensor-1", .in_iface = "eth9" });
	struct json_object *o, *x;

	memcpy(a.src, s, 16);
	memcpy(a.dst, d, 16);
	addr_prefix_host(&ev.prefix, s);
	o = eve_mitigation_json(e, &ev, T0);
	cr_assert_not_null(o);
	check_common(o, true);
	json_object_object_get_ex(o, "event_type", &x);
	cr_expect_str_eq(json_object_get_string(x), "mitigation");
	json_object_object_get_ex(o, "flow_id", &x);
	cr_expect_eq((uint64_t)json_object_get_int64(x), eve_flow_id(&fl));
	json_object_object_get_ex(o, "src_port", &x);
	cr_expect_eq(json_object_get_int(x), 40000);
	json_object_object_get_ex(o, "proto", &x);
	cr_expect_str_eq(json_object_get_string(x), "TCP");
	cr_expect(json_object_object_get_ex(o, "mitigation", NULL));
	json_object_put(o);
	eve_free(e);
}
