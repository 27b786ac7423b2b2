// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_analyze.c - the offline and live drivers agree; bad input fails cleanly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <netinet/in.h>

#include "capture/offline.h"
#include "cli/pipeline.h"
#include "cli/run.h"
#include "detect/engine.h"
#include "helpers/recstream.h"
#include "helpers/tmpdir.h"

#define T0 1700000000000000000ull
#define MS 1000000ull
#define SEC 1000000000ull

static char *root_path(const char *rel)
{
	const char *root = getenv("NADXDP_ROOT");
	char *p;

	if (asprintf(&p, "%s/%s", root ? root : ".", rel) < 0)
		abort();
	return p;
}

/* class|src|dst|state|packets|evidence per anomaly line, timestamps left out */
static char *digest(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192], *out = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct json_object *j = json_tokener_parse(line), *a, *x, *ep;

		cr_assert_not_null(j);
		if (json_object_object_get_ex(j, "anomaly", &a)) {
			json_object_object_get_ex(a, "class", &x);
			fprintf(o, "%s|", json_object_get_string(x));
			json_object_object_get_ex(j, "src_ip", &x);
			fprintf(o, "%s|", json_object_get_string(x));
			json_object_object_get_ex(j, "dest_ip", &x);
			fprintf(o, "%s|", json_object_get_string(x));
			json_object_object_get_ex(a, "episode", &ep);
			json_object_object_get_ex(ep, "state", &x);
			fprintf(o, "%s|", json_object_get_string(x));
			json_object_object_get_ex(ep, "packets", &x);
			fprintf(o, "%lld|", (long long)json_object_get_int64(x));
			json_object_object_get_ex(a, "evidence", &x);
			fprintf(o, "%s\n", json_object_get_string(x));
		}
		json_object_put(j);
	}
	fclose(f);
	fclose(o);
	return out;
}

static int feed(const struct nad_rec *rec, void *ctx)
{
	return analyze_live_record(ctx, rec);
}

Test(analyze, offline_and_live_drivers_give_the_same_alerts_for_the_same_records)
{
	char *pcap = root_path("tests/data/bruteforce_ssh_zeek_sshguess.pcap");
	char off[] = "/tmp/nadxdp-off-XXXXXX", live[] = "/tmp/nadxdp-live-XXXXXX";
	struct analyze_opts o;
	struct analyze_live *a;
	char *d1, *d2;

	close(mkstemp(off));
	close(mkstemp(live));
	analyze_opts_default(&o);
	o.pcap = pcap;
	o.quiet = true;
	o.summary_interval_s = 0;
	o.log_path = off;
	o.profile = PROFILE_HOME;
	cr_assert_eq(analyze_offline(&o, NULL), 0);
	o.log_path = live;
	a = analyze_live_new(&o);
	cr_assert_not_null(a);
	cr_assert_eq(offline_for_each(pcap, feed, a), 0);
	analyze_live_free(a);
	d1 = digest(off);
	d2 = digest(live);
	cr_expect_gt(strlen(d1), 0, "the capture raises at least one alert");
	cr_expect_str_eq(d1, d2);
	unlink(off);
	unlink(live);
	free(d1);
	free(d2);
	free(pcap);
}

Test(analyze, missing_capture_fails_with_runtime_exit)
{
	struct analyze_opts o;

	analyze_opts_default(&o);
	o.pcap = "/nonexistent/x.pcap";
	o.quiet = true;
	cr_expect_eq(run_offline(&o, NULL), 1);
}

Test(analyze, bad_options_are_usage_errors)
{
	char *argv1[] = { "run", "--pcap", "x", "--profile", "huge", NULL };
	char *argv2[] = { "run", "--pcap", "x", "--summary-interval", "-3", NULL };
	char *argv3[] = { "run", "--bogus", NULL };
	char *argv4[] = { "run", "--pcap", "x", "--redis", "a:b:c", NULL };
	char *argv5[] = { "run", "--pcap", "x", "--redis-mode", "stream", NULL };

	cr_expect_eq(run_cmd(5, argv1), 2);
	cr_expect_eq(run_cmd(5, argv2), 2);
	cr_expect_eq(run_cmd(2, argv3), 2);
	cr_expect_eq(run_cmd(5, argv4), 2);
	cr_expect_eq(run_cmd(5, argv5), 2);
}

/*
 * A live run that cannot start (no such interface; not root, when the tests are not) says so
 * before it leaves any trace: the state directory it would learn into is not created.
 */
Test(analyze, a_missing_interface_fails_before_the_state_directory_is_made)
{
	char dir[64], state[80];
	char *argv[] = { "run", "nadxdp-nosuch0", NULL };

	tmpdir_make(dir, sizeof(dir), "preflight");
	snprintf(state, sizeof(state), "%s/state", dir);
	setenv("NADXDP_STATE_DIR", state, 1);
	cr_expect_eq(run_cmd(2, argv), geteuid() == 0 ? 2 : 3, "usage error, or not root");
	cr_expect_neq(access(state, F_OK), 0, "%s not created", state);
	unsetenv("NADXDP_STATE_DIR");
	tmpdir_remove(dir);
}

Test(analyze, redis_servers_are_a_host_a_port_or_a_socket_path)
{
	char host[64];
	unsigned port;
	const char *path;

	cr_assert_eq(analyze_parse_redis("redis.example.net", host, sizeof(host), &port, &path), 0);
	cr_expect_str_eq(host, "redis.example.net");
	cr_expect_eq(port, 6379);
	cr_expect_null(path);
	cr_assert_eq(analyze_parse_redis("10.0.0.5:6380", host, sizeof(host), &port, &path), 0);
	cr_expect_str_eq(host, "10.0.0.5");
	cr_expect_eq(port, 6380);
	cr_assert_eq(analyze_parse_redis("[2001:db8::1]:7000", host, sizeof(host), &port, &path),
		     0);
	cr_expect_str_eq(host, "2001:db8::1");
	cr_expect_eq(port, 7000);
	cr_assert_eq(analyze_parse_redis("/run/redis/redis.sock", host, sizeof(host), &port, &path),
		     0);
	cr_expect_str_eq(path, "/run/redis/redis.sock");
	cr_expect_eq(analyze_parse_redis("2001:db8::1", host, sizeof(host), &port, &path), -EINVAL);
	cr_expect_eq(analyze_parse_redis("host:0", host, sizeof(host), &port, &path), -EINVAL);
	cr_expect_eq(analyze_parse_redis("host:", host, sizeof(host), &port, &path), -EINVAL);
	cr_expect_eq(analyze_parse_redis(":6379", host, sizeof(host), &port, &path), -EINVAL);
	cr_expect_eq(analyze_parse_redis("[::1", host, sizeof(host), &port, &path), -EINVAL);
}

/* Every alert event the observer (the live mitigation) sees, one line each. */
static void log_event(void *ctx, const struct alert_event *ev)
{
	fprintf(ctx, "%s %d %d %u.%u %u.%u %u %llu %llu %llu %s\n", ev->event_type, ev->cls,
		ev->closing, ev->saddr[14], ev->saddr[15], ev->daddr[14], ev->daddr[15], ev->dport,
		(unsigned long long)ev->episode_id, (unsigned long long)ev->pkts,
		(unsigned long long)ev->last_ns, ev->evidence ? ev->evidence : "");
}

/*
 * Feeds rs to a live driver as the daemon does: drains of uneven sizes (1 to 700 records,
 * some above ENGINE_BATCH), each analysed at once, record by record or queued and flushed,
 * and a tick when a second of record time has passed. Returns the observer's events; the
 * EVE lines go to log_path.
 */
static char *run_live(const struct recstream *rs, bool batched, const char *log_path)
{
	struct analyze_opts o;
	struct analyze_live *a;
	char *events = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&events, &len);
	uint32_t st = 2024;
	uint64_t next_tick = T0 + SEC;

	cr_assert_not_null(f);
	analyze_opts_default(&o);
	o.quiet = true;
	o.summary_interval_s = 5;
	o.log_path = log_path;
	a = analyze_live_new(&o);
	cr_assert_not_null(a);
	engine_set_observer(analyze_live_engine(a), log_event, f);
	for (size_t i = 0; i < rs->n;) {
		size_t k = 1 + rs_xorshift(&st) % 700;
		uint64_t last;

		if (k > rs->n - i)
			k = rs->n - i;
		for (size_t j = i; j < i + k; j++) {
			if (batched)
				analyze_live_queue(a, &rs->recs[j]);
			else
				analyze_live_record(a, &rs->recs[j]);
		}
		if (batched)
			analyze_live_flush(a);
		i += k;
		last = rs->recs[i - 1].ts_ns;
		if (last >= next_tick) {
			analyze_live_tick(a, last, NULL);
			next_tick = last + SEC;
		}
	}
	analyze_live_free(a);
	fclose(f);
	return events;
}

/*
 * The daemon's batched path (records queued per ring drain, scored with
 * engine_process_batch) raises the same alerts, evidence and episodes, and shows the
 * mitigation the same events, as analysing each record in the ring callback: benign
 * traffic, a scan and its follow-up, a single-source SYN flood, a spoofed flood that
 * overflows the source table and a DNS tunnel.
 */
Test(analyze, batched_live_path_gives_the_same_alerts_as_record_by_record)
{
	char l1[] = "/tmp/nadxdp-rec-XXXXXX", l2[] = "/tmp/nadxdp-batch-XXXXXX";
	struct recstream rs, f, g;
	char *e1, *e2, *d1, *d2;

	close(mkstemp(l1));
	close(mkstemp(l2));
	rs_init(&rs, T0);
	rs_benign(&rs, 5, 60, 7);
	rs_init(&f, T0 + 10 * SEC);
	rs_attacks(&f);
	rs_init(&g, T0 + 30 * SEC);
	for (unsigned i = 0; i < 6000; i++)
		rs_add(&g, 250000, "198.51.100.9", "192.168.1.14", IPPROTO_TCP,
		       (uint16_t)(1024 + i), 80, 0x02, 0);
	rs_merge(&f, &g);
	rs_merge(&rs, &f);
	e1 = run_live(&rs, false, l1);
	e2 = run_live(&rs, true, l2);
	d1 = digest(l1);
	d2 = digest(l2);
	cr_expect_str_eq(e1, e2);
	cr_expect_str_eq(d1, d2);
	/* the stream exercises what it claims to */
	cr_expect_null(rs_attacks_missing(d1), "no '%s' alert", rs_attacks_missing(d1));
	cr_expect(strstr(d1, "SYN flood"), "no single-source flood");
	cr_expect(strstr(e1, "summary"), "no summary event");
	unlink(l1);
	unlink(l2);
	free(e1);
	free(e2);
	free(d1);
	free(d2);
	rs_free(&g);
	rs_free(&f);
	rs_free(&rs);
}
