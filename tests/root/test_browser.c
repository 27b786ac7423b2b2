// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The dashboard page in headless Chromium (Debian's `chromium`): served live
 * by the in-process server and written as an offline report. Every view must
 * render with data and every number the DOM shows (elements carrying
 * data-k="json.path") must equal the JSON the page was given. Screenshots go
 * to tests/artifacts/. Skips, saying so, when chromium is not installed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "helpers/domcheck.h"
#include "helpers/httpc.h"
#include "views/dashstate.h"
#include "views/htmlreport.h"
#include "views/httpd.h"

#define S 1000000000ull

static void fill(struct dashstate *d)
{
	struct nad_stats k = { .pkts = { 91000, 4000 }, .bytes = { 8100000, 560000 },
			       .recs_emitted = 90000, .recs_shed = 5000, .malformed = 17,
			       .dropped_rule = 1200 };
	struct dashstate_rule r[2] = {
		{ .origin = NAD_ORIGIN_AUTO,
		  .reason = CLASS_DOS_ATTACK,
		  .expires_in_s = 240,
		  .hits = 1200,
		  .hit_bytes = 72000 },
		{ .origin = NAD_ORIGIN_MANUAL, .reason = -1, .expires_in_s = -1, .hits = 3 },
	};
	static const int classes[] = { CLASS_DOS_ATTACK, CLASS_DOS_ATTACK,
				       CLASS_SCANNING,	 CLASS_TIMING_ANOMALY,
				       CLASS_DOS_ATTACK, CLASS_CREDENTIAL_STUFFING };

	dashstate_set_info(d, "nadx0", "live", "default");
	dashstate_set_wall_offset(d, 1700000000ll * (__s64)S);
	dashstate_set_threshold(d, "autoencoder", 0.042);
	dashstate_set_threshold(d, "iforest", 0.62);
	for (__u64 sec = 1; sec <= 120; sec++) {
		__u64 n = sec > 100 ? 2000 : 300 + sec;

		dashstate_on_packets(d, sec * S, NAD_DIR_IN, n, n * 90, sec > 100 ? 60 : 900);
		dashstate_on_packets(d, sec * S, NAD_DIR_OUT, 40, 40 * 1400, 1400);
	}
	for (size_t i = 0; i < sizeof(classes) / sizeof(*classes); i++) {
		struct dashstate_alert a = { .ts_ns = (100 + i * 3) * S, .cls = classes[i],
					     .sev = -1, .score = 0.9 };

		snprintf(a.src, sizeof(a.src), "198.18.0.3");
		snprintf(a.dst, sizeof(a.dst), "198.18.0.1");
		snprintf(a.evidence, sizeof(a.evidence),
			 i == 3 ? "</script><img src=x onerror=alert(1)>" : "SYN rate %zu/s",
			 3000 + i);
		dashstate_on_alert(d, &a);
	}
	snprintf(r[0].prefix, sizeof(r[0].prefix), "198.18.0.3/32");
	snprintf(r[1].prefix, sizeof(r[1].prefix), "2001:db8::/32");
	dashstate_set_rules(d, r, 2);
	dashstate_set_kernel(d, &k);
	dashstate_tick(d, 121 * S);
}

static bool have_chromium(void)
{
	return system("command -v chromium >/dev/null 2>&1") == 0;
}

/* Runs headless chromium on url: --dump-dom into a malloc'd string, and a screenshot. */
static char *chromium(const char *url, const char *shot)
{
	char profile[] = "/tmp/nadxdp-chromium-XXXXXX", cmd[2048], *dom;
	const char *flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
			    "--disable-background-networking --disable-component-update "
			    "--disable-sync --virtual-time-budget=4000 --window-size=1400,1700";
	size_t cap = 1 << 20, n = 0;
	FILE *p;

	cr_assert_not_null(mkdtemp(profile));
	if (shot) {
		snprintf(cmd, sizeof(cmd),
			 "timeout 90 chromium %s --user-data-dir=%s --screenshot=%s '%s' "
			 ">/dev/null 2>&1", flags, profile, shot, url);
		cr_assert_eq(system(cmd), 0, "chromium --screenshot failed");
	}
	snprintf(cmd, sizeof(cmd),
		 "timeout 90 chromium %s --user-data-dir=%s --dump-dom '%s' 2>/dev/null; "
		 "rm -rf %s", flags, profile, url, profile);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	dom = malloc(cap + 1);
	cr_assert_not_null(dom);
	for (size_t r; (r = fread(dom + n, 1, cap - n, p)) > 0;) {
		n += r;
		if (n == cap) {
			cap *= 2;
			dom = realloc(dom, cap + 1);
			cr_assert_not_null(dom);
		}
	}
	dom[n] = '\0';
	pclose(p);
	cr_assert_gt(n, 1000, "chromium dumped no DOM");
	return dom;
}

/* Views rendered, charts drew shapes, and network text stayed text. */
static void check_views(const char *dom)
{
	domcheck_views_rendered(dom);
	/* charts drew shapes */
	cr_assert_not_null(strstr(dom, "class=\"marker\""), "no anomaly marker on the rate");
	cr_assert_not_null(strstr(dom, "class=\"bar-critical\""), "no timeline bar");
	/* network text stayed text */
	cr_assert_null(strstr(dom, "<img"), "alert evidence was injected as HTML");
	cr_assert_not_null(strstr(dom, "&lt;/script&gt;&lt;img src=x"));
}

static void artifact(char *out, size_t size, const char *name)
{
	const char *root = getenv("NADXDP_ROOT");

	snprintf(out, size, "%s/tests/artifacts", root ? root : ".");
	mkdir(out, 0755);
	snprintf(out, size, "%s/tests/artifacts/%s", root ? root : ".", name);
}

Test(browser, served_page_renders_every_view_and_matches_the_api, .timeout = 240)
{
	struct dashstate *ds;
	struct httpd *srv;
	struct httpd_opts o = { .listen = "127.0.0.1:0" };
	struct httpc_resp r;
	struct json_object *state;
	char url[64], shot[512], *dom;
	unsigned n;

	if (!have_chromium())
		cr_skip_test("chromium not installed (apt-get install chromium)");
	ds = dashstate_new(NULL);
	cr_assert_not_null(ds);
	fill(ds);
	srv = httpd_start(ds, &o);
	cr_assert_not_null(srv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", httpd_port(srv));
	artifact(shot, sizeof(shot), "dashboard-live.png");
	dom = chromium(url, shot);

	cr_assert_eq(httpc_get(httpd_port(srv), "GET", "/api/state", 5000, &r), 0);
	state = json_tokener_parse(r.body);
	cr_assert_not_null(state);
	cr_assert_not_null(strstr(dom, "data-rendered=\""), "the page never rendered");
	cr_assert_not_null(strstr(dom, "id=\"status\">live "), "the page could not poll /api/state: "
			   "%.120s", strstr(dom, "id=\"status\""));
	check_views(dom);
	n = domcheck_compare(dom, state, 1e-9);
	cr_assert_gt(n, 40, "only %u numbers compared", n);
	fprintf(stderr, "browser live: %u DOM values equal /api/state; screenshot %s\n", n, shot);
	json_object_put(state);
	httpc_resp_free(&r);
	free(dom);
	httpd_free(srv);
	dashstate_free(ds);
}

Test(browser, offline_report_renders_every_view_from_the_embedded_state, .timeout = 240)
{
	struct dashstate *ds;
	struct dashstate_snap *s;
	struct json_object *state;
	char path[] = "/tmp/nadxdp-report-XXXXXX", html[64], url[96], shot[512], *dom;
	unsigned n;

	if (!have_chromium())
		cr_skip_test("chromium not installed (apt-get install chromium)");
	cr_assert_not_null(mkdtemp(path));
	snprintf(html, sizeof(html), "%s/report.html", path);
	ds = dashstate_new(NULL);
	fill(ds);
	dashstate_set_info(ds, "capture.pcap", "offline", NULL);
	cr_assert_eq(report_write(ds, html), 0);
	s = dashstate_snap_new(ds);
	cr_assert_eq(dashstate_snapshot(ds, s), 0);
	state = dashstate_snap_to_json(s);

	snprintf(url, sizeof(url), "file://%s", html);
	artifact(shot, sizeof(shot), "dashboard-report.png");
	dom = chromium(url, shot);
	cr_assert_not_null(strstr(dom, ">report<"), "the report did not use the embedded state");
	check_views(dom);
	n = domcheck_compare(dom, state, 1e-9);
	cr_assert_gt(n, 40, "only %u numbers compared", n);
	fprintf(stderr, "browser report: %u DOM values equal the embedded state; screenshot %s\n", n,
		shot);
	json_object_put(state);
	dashstate_snap_free(s);
	dashstate_free(ds);
	free(dom);
	unlink(html);
	rmdir(path);
}
