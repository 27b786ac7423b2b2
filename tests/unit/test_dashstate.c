// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>
#include <string.h>
#include <json-c/json.h>

#include "helpers/promcheck.h"
#include "views/dashstate.h"
#include "views/metrics.h"

#define S 1000000000ull

static struct dashstate *ds;
static struct dashstate_snap *snap;

static void setup(void)
{
	struct dashstate_opts o = { .n_slots = 10, .slot_ns = S };

	ds = dashstate_new(&o);
	cr_assert_not_null(ds);
	snap = dashstate_snap_new(ds);
	cr_assert_not_null(snap);
}

static void teardown(void)
{
	dashstate_snap_free(snap);
	dashstate_free(ds);
}

TestSuite(dashstate, .init = setup, .fini = teardown);

static struct dashstate_alert mk_alert(__u64 ts, int cls)
{
	struct dashstate_alert a = { .ts_ns = ts, .cls = cls, .sev = -1, .score = 0.5 };

	snprintf(a.src, sizeof(a.src), "198.18.0.3");
	snprintf(a.dst, sizeof(a.dst), "198.18.0.1");
	snprintf(a.evidence, sizeof(a.evidence), "syn rate %llu/s", (unsigned long long)ts / S);
	return a;
}

Test(dashstate, free_accepts_null)
{
	dashstate_free(NULL);
	dashstate_snap_free(NULL);
}

Test(dashstate, packets_land_in_their_second_per_direction)
{
	/* seconds 100..102: 3, 5, 7 inbound packets; 1 outbound in 101 */
	for (int i = 0; i < 3; i++)
		dashstate_on_packets(ds, 100 * S + i, NAD_DIR_IN, 1, 100, 100);
	for (int i = 0; i < 5; i++)
		dashstate_on_packets(ds, 101 * S + i * 1000, NAD_DIR_IN, 1, 60, 60);
	dashstate_on_packets(ds, 101 * S + 5, NAD_DIR_OUT, 1, 1500, 1500);
	dashstate_on_packets(ds, 102 * S + 999999999ull, NAD_DIR_IN, 7, 7000, 1000);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);

	cr_assert(snap->have_head);
	cr_assert_eq(snap->head_slot, 102);
	/* newest last */
	cr_assert_eq(snap->pkts[NAD_DIR_IN][9], 7);
	cr_assert_eq(snap->pkts[NAD_DIR_IN][8], 5);
	cr_assert_eq(snap->pkts[NAD_DIR_IN][7], 3);
	cr_assert_eq(snap->pkts[NAD_DIR_IN][6], 0);
	cr_assert_eq(snap->pkts[NAD_DIR_OUT][8], 1);
	cr_assert_eq(snap->bytes[NAD_DIR_IN][8], 300);
	cr_assert_eq(snap->bytes[NAD_DIR_OUT][8], 1500);
	cr_assert_eq(snap->pkts_total[NAD_DIR_IN], 15);
	cr_assert_eq(snap->bytes_total[NAD_DIR_IN], 300 + 300 + 7000);
	cr_assert_eq(snap->start_ns, 100 * S);
}

Test(dashstate, size_histogram_bins_at_their_edges)
{
	const __u32 sizes[] = { 0, 64, 65, 128, 129, 256, 257, 512, 513, 1024, 1025, 1518, 1519, 9000 };
	const __u64 want[DASH_N_SIZE_BINS] = { 2, 2, 2, 2, 2, 2, 2 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++)
		dashstate_on_packets(ds, S, NAD_DIR_IN, 1, sizes[i], sizes[i]);
	dashstate_on_packets(ds, S, NAD_DIR_OUT, 3, 3 * 1519, 1519); /* weight counts */
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	for (int b = 0; b < DASH_N_SIZE_BINS - 1; b++)
		cr_assert_eq(snap->size_bins[b], want[b], "bin %d: %llu", b,
			     (unsigned long long)snap->size_bins[b]);
	cr_assert_eq(snap->size_bins[DASH_N_SIZE_BINS - 1], 2 + 3);
}

Test(dashstate, ring_wraps_and_forgets_old_seconds)
{
	for (__u64 sec = 0; sec < 25; sec++)
		dashstate_on_packets(ds, sec * S, NAD_DIR_IN, sec + 1, 0, 64);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->head_slot, 24);
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(snap->pkts[NAD_DIR_IN][i], 15 + i + 1, "slot %u", i);
	/* a record older than the window still counts in the totals, not in a slot */
	dashstate_on_packets(ds, 3 * S, NAD_DIR_IN, 1000, 0, 64);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(snap->pkts[NAD_DIR_IN][i], 15 + i + 1);
	cr_assert_eq(snap->pkts_total[NAD_DIR_IN], 25 * 26 / 2 + 1000);
}

Test(dashstate, gap_longer_than_window_clears_every_slot)
{
	dashstate_on_packets(ds, 5 * S, NAD_DIR_IN, 9, 0, 64);
	dashstate_tick(ds, 500 * S);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->head_slot, 500);
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(snap->pkts[NAD_DIR_IN][i], 0);
}

Test(dashstate, tick_advances_idle_seconds_as_zero)
{
	dashstate_on_packets(ds, 50 * S, NAD_DIR_IN, 4, 0, 64);
	dashstate_tick(ds, 53 * S + 1);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->head_slot, 53);
	cr_assert_eq(snap->pkts[NAD_DIR_IN][6], 4);
	cr_assert_eq(snap->pkts[NAD_DIR_IN][7] + snap->pkts[NAD_DIR_IN][8] +
			     snap->pkts[NAD_DIR_IN][9], 0);
	/* a late record for a second still in the window lands there */
	dashstate_on_packets(ds, 51 * S, NAD_DIR_IN, 2, 0, 64);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->pkts[NAD_DIR_IN][7], 2);
}

Test(dashstate, alerts_count_by_class_severity_and_second)
{
	struct dashstate_alert a;

	dashstate_tick(ds, 10 * S);
	for (int i = 0; i < 3; i++) {
		a = mk_alert(10 * S + i, CLASS_DOS_ATTACK);
		cr_assert_eq(dashstate_on_alert(ds, &a), 0);
	}
	a = mk_alert(9 * S, CLASS_SCANNING);
	cr_assert_eq(dashstate_on_alert(ds, &a), 0);
	a = mk_alert(10 * S, CLASS_BEHAVIORAL);
	a.sev = SEV_WARNING; /* an explicit severity wins over the class's */
	cr_assert_eq(dashstate_on_alert(ds, &a), 0);
	a = mk_alert(10 * S, CLASS_N); /* out of range */
	cr_assert_eq(dashstate_on_alert(ds, &a), -EINVAL);

	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->alerts_total, 5);
	cr_assert_eq(snap->alerts_by_class[CLASS_DOS_ATTACK], 3);
	cr_assert_eq(snap->alerts_by_sev[SEV_CRITICAL], 3);
	cr_assert_eq(snap->alerts_by_sev[SEV_WARNING], 2);
	cr_assert_eq(snap->anoms[SEV_CRITICAL][9], 3);
	cr_assert_eq(snap->anoms[SEV_WARNING][9], 1);
	cr_assert_eq(snap->anoms[SEV_WARNING][8], 1);
	/* newest first */
	cr_assert_eq(snap->alerts[0].cls, CLASS_BEHAVIORAL);
	cr_assert_eq(snap->alerts[4].cls, CLASS_DOS_ATTACK);
}

Test(dashstate, keeps_only_the_latest_alerts)
{
	for (int i = 0; i < DASH_N_ALERTS + 5; i++) {
		struct dashstate_alert a =
			mk_alert((__u64)i * 1000, CLASS_NONE + 1 + i % (CLASS_N - 1));

		cr_assert_eq(dashstate_on_alert(ds, &a), 0);
	}
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->n_alerts, DASH_N_ALERTS);
	cr_assert_eq(snap->alerts[0].ts_ns, (__u64)(DASH_N_ALERTS + 4) * 1000);
	cr_assert_eq(snap->alerts[DASH_N_ALERTS - 1].ts_ns, 5 * 1000);
}

Test(dashstate, rules_keep_the_first_and_count_all)
{
	struct dashstate_rule r[DASH_MAX_RULES + 3];

	memset(r, 0, sizeof(r));
	for (unsigned i = 0; i < DASH_MAX_RULES + 3; i++)
		snprintf(r[i].prefix, sizeof(r[i].prefix), "10.0.%u.0/24", i);
	dashstate_set_rules(ds, r, DASH_MAX_RULES + 3);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->n_rules, DASH_MAX_RULES);
	cr_assert_eq(snap->n_rules_total, DASH_MAX_RULES + 3);
	cr_assert_str_eq(snap->rules[1].prefix, "10.0.1.0/24");
}

Test(dashstate, snapshot_refuses_a_buffer_of_another_size)
{
	struct dashstate *other = dashstate_new(NULL);
	struct dashstate_snap *s2 = dashstate_snap_new(other);

	cr_assert_eq(dashstate_snapshot(ds, s2), -EINVAL);
	dashstate_snap_free(s2);
	dashstate_free(other);
}

struct feeder {
	struct dashstate *ds;
	unsigned n;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;

	for (unsigned i = 0; i < f->n; i++)
		dashstate_on_packets(f->ds, (__u64)(i / 1000) * S, i & 1, 1, 10, 10);
	return NULL;
}

Test(dashstate, concurrent_feeders_lose_no_packet)
{
	pthread_t t[4];
	struct feeder f = { ds, 200000 };

	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, feed, &f), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	cr_assert_eq(snap->pkts_total[0] + snap->pkts_total[1], 4 * 200000);
	cr_assert_eq(snap->bytes_total[0] + snap->bytes_total[1], 4 * 200000 * 10);
	/* the newest slot (second 199) holds 1000 records per feeder */
	cr_assert_eq(snap->pkts[0][9] + snap->pkts[1][9], 4000);
}

/* --- JSON ---------------------------------------------------------------- */

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	return o;
}

static void fill_sample_state(void)
{
	struct nad_stats k = { .pkts = { 111, 22 }, .bytes = { 3333, 444 }, .recs_shed = 9 };
	struct dashstate_rule r = {
		.origin = NAD_ORIGIN_AUTO, .reason = CLASS_DOS_ATTACK, .expires_in_s = 60, .hits = 5
	};
	struct dashstate_alert a = mk_alert(20 * S, CLASS_CREDENTIAL_STUFFING);
	const struct limit_table tables[] = {
		{ "flows", 65536, 65536, 1234, 0, 6 << 20 },
		{ "rules", 1024, 3, 0, 7, 1 << 20 },
	};

	snprintf(r.prefix, sizeof(r.prefix), "198.18.0.3/32");
	dashstate_set_info(ds, "nadx0", "live", "web");
	dashstate_set_threshold(ds, "ae_threshold", 0.25);
	for (int i = 0; i < 10; i++)
		dashstate_on_packets(ds, 19 * S + i, NAD_DIR_IN, 1, 1000, 1000);
	dashstate_on_packets(ds, 20 * S, NAD_DIR_OUT, 2, 120, 60);
	dashstate_on_alert(ds, &a);
	snprintf(a.evidence, sizeof(a.evidence), "</script><b>\"quoted\"");
	a.cls = CLASS_SCANNING;
	dashstate_on_alert(ds, &a);
	dashstate_on_alert(ds, &a);
	dashstate_set_kernel(ds, &k);
	dashstate_set_rules(ds, &r, 1);
	dashstate_set_tables(ds, tables, 2);
}

Test(dashstate, json_of_a_snapshot_parses_and_holds_the_fields)
{
	size_t len = 0;
	char *txt;
	struct json_object *j, *v;

	fill_sample_state();
	txt = dashstate_json_string(ds, &len);
	cr_assert_not_null(txt);
	cr_assert_eq(strlen(txt), len);
	j = json_tokener_parse(txt);
	cr_assert_not_null(j, "JSON does not parse: %.200s", txt);

	cr_assert_str_eq(json_object_get_string(get(j, "iface")), "nadx0");
	cr_assert_str_eq(json_object_get_string(get(j, "profile")), "web");
	cr_assert_eq(json_object_get_int64(get(j, "totals.packets.in")), 10);
	cr_assert_eq(json_object_get_int64(get(j, "totals.packets.out")), 2);
	cr_assert_eq(json_object_get_int64(get(j, "totals.bytes.in")), 10000);
	cr_assert_eq(json_object_get_int64(get(j, "totals.alerts")), 3);
	cr_assert_eq(json_object_get_int64(get(j, "severity.critical")), 1);
	cr_assert_eq(json_object_get_int64(get(j, "severity.warning")), 2);
	v = get(j, "timeline.packets_in");
	cr_assert_eq(json_object_array_length(v), 10);
	cr_assert_eq(json_object_get_int64(json_object_array_get_idx(v, 8)), 10);
	/* the rate is that of the newest complete second: 10 packets of 1000 bytes */
	cr_assert_float_eq(json_object_get_double(get(j, "rate.pps_in")), 10.0, 1e-9);
	cr_assert_float_eq(json_object_get_double(get(j, "rate.bps_in")), 80000.0, 1e-9);
	v = get(j, "top_types");
	cr_assert_eq(json_object_array_length(v), 2);
	cr_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(v, 0), "class")),
			 "scanning");
	cr_assert_eq(json_object_get_int64(get(json_object_array_get_idx(v, 0), "count")), 2);
	v = get(j, "size_histogram");
	cr_assert_eq(json_object_array_length(v), DASH_N_SIZE_BINS);
	cr_assert_eq(json_object_get_int64(get(json_object_array_get_idx(v, 4), "packets")), 10);
	cr_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(v, 0), "label")),
			 "0-64");
	v = get(j, "alerts");
	cr_assert_eq(json_object_array_length(v), 3);
	cr_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(v, 0), "evidence")),
			 "</script><b>\"quoted\"");
	cr_assert_eq(json_object_get_int64(get(j, "rules.total")), 1);
	cr_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(get(j, "rules.list"),
									0), "prefix")),
			 "198.18.0.3/32");
	cr_assert(json_object_get_boolean(get(j, "kernel.present")));
	cr_assert_eq(json_object_get_int64(get(j, "kernel.packets.in")), 111);
	cr_assert_eq(json_object_get_int64(get(j, "kernel.records_shed")), 9);
	cr_assert_float_eq(json_object_get_double(get(j, "thresholds.ae_threshold")), 0.25, 1e-12);
	/* the daemon's tables, then the dashboard's own lists */
	v = get(j, "tables");
	cr_assert_eq(json_object_array_length(v), 4);
	cr_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(v, 0), "name")),
			 "flows");
	cr_assert_eq(json_object_get_int64(get(json_object_array_get_idx(v, 0), "evicted")), 1234);
	cr_assert_eq(json_object_get_int64(get(json_object_array_get_idx(v, 1), "refused")), 7);
	cr_assert_str_eq(json_object_get_string(get(json_object_array_get_idx(v, 2), "name")),
			 "dash_alerts");
	cr_assert_eq(json_object_get_int64(get(json_object_array_get_idx(v, 2), "used")), 3);
	cr_assert_eq(json_object_get_int64(get(json_object_array_get_idx(v, 2), "cap")),
		     DASH_N_ALERTS);
	json_object_put(j);
	free(txt);
}

Test(dashstate, state_file_is_replaced_atomically_with_valid_json)
{
	char dir[] = "/tmp/nadxdp-dash-XXXXXX", path[64], tmp[80];
	struct json_object *j;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dashboard.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fill_sample_state();
	cr_assert_eq(dashstate_write_file(ds, path), 0);
	cr_assert_eq(dashstate_write_file(ds, path), 0);
	cr_assert_eq(access(tmp, F_OK), -1, "temporary file left behind");
	j = json_object_from_file(path);
	cr_assert_not_null(j);
	cr_assert_eq(json_object_get_int64(get(j, "totals.packets.in")), 10);
	json_object_put(j);
	unlink(path);
	rmdir(dir);
	cr_assert_lt(dashstate_write_file(ds, "/nonexistent-dir/x.json"), 0);
}

/* --- metrics ------------------------------------------------------------- */

Test(dashstate, metrics_pass_the_strict_exposition_check)
{
	char err[256] = "", *txt;
	unsigned n = 0;
	size_t len;

	fill_sample_state();
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	txt = metrics_render(snap, &len);
	cr_assert_not_null(txt);
	cr_assert_eq(promcheck(txt, err, sizeof(err), &n), 0, "%s\n%s", err, txt);
	cr_assert_gt(n, 30);
	cr_assert_eq(promcheck_value(txt, "nadxdp_packets_total{direction=\"in\"}"), 10);
	cr_assert_eq(promcheck_value(txt, "nadxdp_bytes_total{direction=\"out\"}"), 120);
	cr_assert_eq(promcheck_value(txt,
		"nadxdp_alerts_total{class=\"scanning\",severity=\"warning\"}"), 2);
	cr_assert_eq(promcheck_value(txt, "nadxdp_packet_size_bytes_bucket{le=\"64\"}"), 2);
	cr_assert_eq(promcheck_value(txt, "nadxdp_packet_size_bytes_bucket{le=\"+Inf\"}"), 12);
	cr_assert_eq(promcheck_value(txt, "nadxdp_packet_size_bytes_sum"), 10000 + 120);
	cr_assert_eq(promcheck_value(txt, "nadxdp_kernel_packets_total{direction=\"in\"}"), 111);
	cr_assert_eq(promcheck_value(txt, "nadxdp_kernel_shed_packets_total"), 9);
	cr_assert_eq(promcheck_value(txt, "nadxdp_drop_rules"), 1);
	cr_assert_eq(promcheck_value(txt, "nadxdp_table_capacity{table=\"flows\"}"), 65536);
	cr_assert_eq(promcheck_value(txt, "nadxdp_table_entries{table=\"flows\"}"), 65536);
	cr_assert_eq(promcheck_value(txt, "nadxdp_table_evictions_total{table=\"flows\"}"), 1234);
	cr_assert_eq(promcheck_value(txt, "nadxdp_table_refusals_total{table=\"rules\"}"), 7);
	cr_assert_eq(promcheck_value(txt, "nadxdp_table_memory_bytes{table=\"flows\"}"), 6 << 20);
	cr_assert_eq(promcheck_value(txt, "nadxdp_table_entries{table=\"dash_alerts\"}"), 3);
	cr_assert_null(strstr(txt, "198.18."), "an address leaked into the metrics");
	free(txt);
}

Test(dashstate, eve_outputs_show_in_the_json_and_the_metrics_when_there_are_some)
{
	const struct dashstate_output out = { .kind = "unix", .target = "/run/eve.sock",
					      .events = 7, .dropped = 3, .queued = 1, .up = true };
	char err[256] = "", *txt;
	struct json_object *j;

	fill_sample_state();
	txt = dashstate_json_string(ds, NULL);
	j = json_tokener_parse(txt);
	cr_assert_not_null(j);
	cr_expect_not(json_object_object_get_ex(j, "outputs", NULL), "no outputs, no key");
	json_object_put(j);
	free(txt);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	txt = metrics_render(snap, NULL);
	cr_expect_null(strstr(txt, "nadxdp_eve_"));
	free(txt);

	dashstate_set_outputs(ds, &out, 1);
	txt = dashstate_json_string(ds, NULL);
	j = json_tokener_parse(txt);
	cr_assert_not_null(j);
	cr_expect_str_eq(json_object_get_string(
				 get(json_object_array_get_idx(get(j, "outputs"), 0), "kind")),
			 "unix");
	cr_expect_eq(json_object_get_int64(
			     get(json_object_array_get_idx(get(j, "outputs"), 0), "dropped")),
		     3);
	json_object_put(j);
	free(txt);
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	txt = metrics_render(snap, NULL);
	cr_assert_eq(promcheck(txt, err, sizeof(err), NULL), 0, "%s\n%s", err, txt);
	cr_expect_eq(promcheck_value(txt, "nadxdp_eve_events_total{output=\"unix\","
					  "target=\"/run/eve.sock\"}"),
		     7);
	cr_expect_eq(promcheck_value(txt, "nadxdp_eve_dropped_events_total{output=\"unix\","
					  "target=\"/run/eve.sock\"}"),
		     3);
	cr_expect_eq(promcheck_value(txt, "nadxdp_eve_queued_events{output=\"unix\","
					  "target=\"/run/eve.sock\"}"),
		     1);
	cr_expect_eq(promcheck_value(txt, "nadxdp_eve_output_up{output=\"unix\","
					  "target=\"/run/eve.sock\"}"),
		     1);
	free(txt);
}

Test(dashstate, metrics_escape_label_values)
{
	char err[256] = "", *txt;

	dashstate_set_info(ds, NULL, NULL, "we\"ird\\pro\nfile");
	cr_assert_eq(dashstate_snapshot(ds, snap), 0);
	txt = metrics_render(snap, NULL);
	cr_assert_not_null(txt);
	cr_assert_eq(promcheck(txt, err, sizeof(err), NULL), 0, "%s\n%s", err, txt);
	cr_assert_not_null(strstr(txt, "profile=\"we\\\"ird\\\\pro\\nfile\""));
	free(txt);
}

/* The checker itself must reject what it claims to reject. */
Test(dashstate, strict_check_rejects_broken_expositions)
{
	static const char *const bad[] = {
		"nadxdp_x_total 1\n",                                             /* no HELP/TYPE */
		"# HELP nadxdp_x h\n# TYPE nadxdp_x counter\nnadxdp_x 1\n",       /* no _total */
		"# HELP nadxdp_x_total h\n# TYPE nadxdp_x_total gauge\nnadxdp_x_total 1\n",
		"# HELP other_total h\n# TYPE other_total counter\nother_total 1\n", /* prefix */
		"# HELP nadxdp_a_total h\n# TYPE nadxdp_a_total counter\nnadxdp_a_total{src=\"1.2.3.4\"} 1\n",
		"# HELP nadxdp_a_total h\n# TYPE nadxdp_a_total counter\nnadxdp_a_total one\n",
		"# HELP nadxdp_a_total h\n# TYPE nadxdp_a_total counter\nnadxdp_a_total 1\nnadxdp_a_total 2\n",
		"# HELP nadxdp_lat_milliseconds h\n# TYPE nadxdp_lat_milliseconds gauge\nnadxdp_lat_milliseconds 1\n",
		"# HELP nadxdp_h h\n# TYPE nadxdp_h histogram\nnadxdp_h_bucket{le=\"1\"} 5\n"
		"nadxdp_h_bucket{le=\"+Inf\"} 4\nnadxdp_h_sum 1\nnadxdp_h_count 4\n",
		"# HELP nadxdp_a_total h\n# TYPE nadxdp_a_total counter\nnadxdp_a_total 1",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(promcheck(bad[i], err, sizeof(err), NULL), -1, "accepted case %zu", i);
}
