// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_analyze.c - the offline and live drivers agree; bad input fails cleanly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "analyze.h"
#include "offline.h"

static char *root_path(const char *rel)
{
	const char *root = getenv("NADXDP_ROOT");
	char *p;

	if (asprintf(&p, "%s/%s", root ? root : ".", rel) < 0)
		abort();
	return p;
}

/* class|src|dst|dport|state|packets per anomaly line, timestamps left out */
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
			fprintf(o, "%lld\n", (long long)json_object_get_int64(x));
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
	cr_assert_eq(analyze_offline(&o), 0);
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
	cr_expect_eq(analyze_offline(&o), 1);
}

Test(analyze, bad_options_are_usage_errors)
{
	char *argv1[] = { "run", "--pcap", "x", "--profile", "huge", NULL };
	char *argv2[] = { "run", "--pcap", "x", "--summary-interval", "-3", NULL };
	char *argv3[] = { "run", "--bogus", NULL };

	cr_expect_eq(analyze_cmd(5, argv1), 2);
	cr_expect_eq(analyze_cmd(5, argv2), 2);
	cr_expect_eq(analyze_cmd(2, argv3), 2);
}
