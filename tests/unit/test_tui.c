// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The terminal dashboard: plain frames from a known state. The real binary in
 * tmux is tests/root/test_tui_tmux.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "views/dashstate.h"
#include "views/tui.h"

#define S 1000000000ull

static const char *const titles[] = { "Traffic rate", "Anomaly frequency", "Severity",
				      "Packet sizes", "Top anomaly types", "Drop rules",
				      "Kernel counters" };

static struct json_object *sample_state(void)
{
	struct dashstate *ds = dashstate_new(NULL);
	struct dashstate_alert a = { .ts_ns = 40 * S, .cls = CLASS_DATA_EXFILTRATION, .sev = -1 };
	struct dashstate_rule r = { .origin = NAD_ORIGIN_MANUAL, .expires_in_s = -1, .hits = 77 };
	struct nad_stats k = { .pkts = { 123456, 0 }, .malformed = 31 };
	struct json_object *j;
	char why[64];

	cr_assert_not_null(ds);
	for (__u64 sec = 1; sec <= 40; sec++)
		dashstate_on_packets(ds, sec * S, NAD_DIR_IN, sec * 100, sec * 100 * 700, 700);
	snprintf(a.src, sizeof(a.src), "198.18.0.2");
	snprintf(a.dst, sizeof(a.dst), "198.18.0.9");
	snprintf(a.evidence, sizeof(a.evidence), "42 MB out in 10 s");
	dashstate_on_alert(ds, &a);
	snprintf(r.prefix, sizeof(r.prefix), "203.0.113.0/24");
	dashstate_set_rules(ds, &r, 1);
	dashstate_set_kernel(ds, &k);
	dashstate_tick(ds, 41 * S);
	j = tui_fetch_dashstate(ds, why, sizeof(why));
	dashstate_free(ds);
	cr_assert_not_null(j);
	return j;
}

Test(tui, plain_frame_shows_every_view_within_80x24)
{
	struct json_object *j = sample_state();
	char buf[8192], *row;
	int n = tui_render_plain(j, NULL, 24, 80, buf, sizeof(buf)), lines = 0;

	cr_assert_gt(n, 0);
	for (size_t i = 0; i < sizeof(titles) / sizeof(*titles); i++)
		cr_assert_not_null(strstr(buf, titles[i]), "missing %s in\n%s", titles[i], buf);
	for (char *p = buf, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		cr_assert_leq(nl - p, 80, "line %d longer than 80: %.*s", lines, (int)(nl - p), p);
		lines++;
	}
	cr_assert_eq(lines, 24);
	/* the data shows: the newest complete second had 4000 packets */
	cr_assert_not_null(strstr(buf, "4.0k"), "%s", buf);
	cr_assert_not_null(strstr(buf, "data_exfiltration"));
	cr_assert_not_null(strstr(buf, "203.0.113.0/24"));
	cr_assert_not_null(strstr(buf, "123.5k"));
	cr_assert_not_null(strstr(buf, "!"), "no critical marker on the rate");
	/* the critical alert's second is marked '!' on the alerts row, not 'i' */
	row = strstr(buf, "\nalerts");
	cr_assert_not_null(row, "%s", buf);
	row += strlen("\nalerts");
	cr_expect_not_null(memchr(row, '!', strcspn(row, "\n")), "%s", buf);
	cr_expect_null(memchr(row, 'i', strcspn(row, "\n")), "%s", buf);
	json_object_put(j);
}

Test(tui, no_state_says_why)
{
	char buf[8192];

	cr_assert_gt(tui_render_plain(NULL, "no state file /x", 24, 80, buf, sizeof(buf)), 0);
	cr_assert_not_null(strstr(buf, "no data: no state file /x"));
}

Test(tui, stale_state_file_is_flagged)
{
	char path[] = "/tmp/nadxdp-tui-XXXXXX", why[128] = "";
	struct json_object *j = sample_state(), *r;
	int fd = mkstemp(path);
	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(json_object_to_file(path, j), 0);
	r = tui_fetch_file(path, why, sizeof(why));
	cr_assert_not_null(r);
	cr_assert_str_eq(why, "");
	json_object_put(r);
	cr_assert_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	r = tui_fetch_file(path, why, sizeof(why));
	cr_assert_not_null(r);
	cr_assert_not_null(strstr(why, "STALE"));
	json_object_put(r);
	unlink(path);
	cr_assert_null(tui_fetch_file(path, why, sizeof(why)));
	cr_assert_not_null(strstr(why, "no state file"));
	json_object_put(j);
}
