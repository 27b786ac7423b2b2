// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * /metrics as Prometheus reads it: the page the in-process server sends on
 * 127.0.0.1 passes `promtool check metrics`. Needs promtool (package
 * prometheus, scripts/install-deps.sh dashboard); the format itself is
 * checked without it in tests/unit/test_httpd.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/dashfill.h"
#include "helpers/httpc.h"
#include "views/dashstate.h"
#include "views/httpd.h"

static struct dashstate *ds;
static struct httpd *srv;

static void setup(void)
{
	struct httpd_opts o = { .listen = "127.0.0.1:0" };

	ds = dashstate_new(NULL);
	cr_assert_not_null(ds);
	dashfill_small(ds);
	srv = httpd_start(ds, &o);
	cr_assert_not_null(srv, "httpd_start: %s", strerror(errno));
}

static void teardown(void)
{
	httpd_free(srv);
	dashstate_free(ds);
}

TestSuite(promtool, .init = setup, .fini = teardown);

Test(promtool, metrics_pass_promtool_check_metrics)
{
	char path[] = "/tmp/nadxdp-metrics-XXXXXX", cmd[128];
	struct httpc_resp r;
	int fd, st;

	cr_assert_eq(httpc_get(httpd_port(srv), "GET", "/metrics", 5000, &r), 0);
	cr_assert_eq(r.status, 200);
	/* scripts/install-deps.sh installs promtool (package prometheus): no silent skip. */
	cr_assert_eq(system("command -v promtool >/dev/null 2>&1"), 0,
		     "promtool is missing (scripts/install-deps.sh installs it)");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, r.body, r.body_len), (ssize_t)r.body_len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	st = system(cmd);
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "promtool check metrics failed");
	httpc_resp_free(&r);
}
