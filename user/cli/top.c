// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/top.c - `nadxdp top`: the terminal dashboard of the running daemon (its state file), or
 * of synthetic traffic fed in-process (--demo), optionally served over HTTP.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/top.h"
#include "views/dashdemo.h"
#include "views/dashstate.h"
#include "views/httpd.h"
#include "views/tui.h"

static volatile sig_atomic_t stop, toggle;

static void on_stop(int sig)
{
	stop = 1;
}

static void on_usr1(int sig)
{
	toggle = 1;
}

struct top_opts {
	const char *state;
	bool once, plain;
	unsigned interval_ms;
	bool demo, flood, no_tui;
	const char *http;
};

enum { SCOPE_DEMO = 1 };

static void defaults(void *p)
{
	struct top_opts *o = p;

	*o = (struct top_opts){ .state = DASH_STATE_FILE, .interval_ms = 1000 };
}

static const struct opts_entry rows[] = {
	{ "state", 0, OPTS_STRING, "FILE", "read this state file",
	  OPTS_FIELD(struct top_opts, state) },
	{ "once", 0, OPTS_FLAG, .help = "print one plain-text frame and exit",
	  OPTS_FIELD(struct top_opts, once) },
	{ "plain", 0, OPTS_FLAG, .help = "plain-text frames instead of curses",
	  OPTS_FIELD(struct top_opts, plain) },
	{ "interval", 0, OPTS_UINT, "MS", "redraw period in milliseconds",
	  OPTS_FIELD(struct top_opts, interval_ms), .umax = 3600000 },
	{ "demo", 0, OPTS_FLAG, .help = "synthetic traffic in-process (SIGUSR1 toggles a flood)",
	  OPTS_FIELD(struct top_opts, demo), .section = 1 },
	{ "flood", 0, OPTS_FLAG, .help = "start the demo flooding",
	  OPTS_FIELD(struct top_opts, flood), .section = 1, .scope = SCOPE_DEMO },
	{ "http", 0, OPTS_STRING, "ADDR:PORT", "also serve the demo state over HTTP",
	  OPTS_FIELD(struct top_opts, http), .section = 1, .scope = SCOPE_DEMO },
	{ "no-tui", 0, OPTS_FLAG, .help = "no terminal view (with --http: serve until SIGTERM)",
	  OPTS_FIELD(struct top_opts, no_tui), .section = 1, .scope = SCOPE_DEMO },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

static const char *const sections[] = { "The running instance", "Demo", NULL };
static const char *const scopes[] = { "demo", NULL };

const struct opts_cmd top_opts = {
	.name = "top",
	.synopsis = "nadxdp top [--state FILE] [--once] [--plain] [--interval MS]\n"
		    "nadxdp top --demo [--flood] [--http ADDR:PORT] [--no-tui]",
	.description = "Shows the dashboard of the nadxdp already running, from the state file it\n"
		       "rewrites every second.\n",
	.sections = sections,
	.scopes = scopes,
	.entries = rows,
	.size = sizeof(struct top_opts),
	.defaults = defaults,
};

/* The demo without a terminal: serve until a signal, toggling the flood on SIGUSR1. */
static void wait_loop(struct dashdemo *demo)
{
	while (!stop) {
		if (toggle) {
			toggle = 0;
			dashdemo_set_flood(demo, !dashdemo_flood(demo));
		}
		usleep(50000);
	}
}

/* tui_fetch_fn for the demo: applies a pending SIGUSR1 toggle, then reads the state. */
struct demo_ctx {
	struct dashstate *ds;
	struct dashdemo *demo;
};

static struct json_object *fetch_demo(void *ctx, char *why, size_t why_len)
{
	struct demo_ctx *c = ctx;

	if (toggle) {
		toggle = 0;
		dashdemo_set_flood(c->demo, !dashdemo_flood(c->demo));
	}
	return tui_fetch_dashstate(c->ds, why, why_len);
}

int top_cmd(int argc, char **argv)
{
	struct tui_opts to = { .fetch = tui_fetch_file, .stop = &stop };
	struct dashstate *ds = NULL;
	struct dashdemo *dd = NULL;
	struct httpd *srv = NULL;
	const struct opts_entry *e;
	struct opts_result res;
	struct top_opts o;
	struct demo_ctx dc;
	struct sigaction sa = { 0 };
	int rc = EXIT_OK;

	if (!cli_options(&top_opts, argc, argv, &o, &res, &rc))
		return rc;
	e = o.demo ? NULL : opts_outside(&top_opts, &res, 0);
	if (e)
		return cli_usage_error(&top_opts, "--%s goes with --demo", e->name);
	to.ctx = (void *)o.state;
	to.once = o.once;
	to.plain = o.plain;
	to.interval_ms = o.interval_ms;
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	if (!o.demo)
		return tui_run(&to) ? EXIT_RUNTIME : EXIT_OK;

	ds = dashstate_new(NULL);
	if (!ds) {
		pr_warn("Failed to allocate the dashboard state: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	dd = dashdemo_start(ds, o.flood);
	if (!dd) {
		pr_warn("Failed to start the demo feeder: %s\n", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (o.http) {
		struct httpd_opts ho = { .listen = o.http };

		srv = httpd_start(ds, &ho);
		if (!srv) {
			rc = errno == EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
		printf("http://127.0.0.1:%u/\n", httpd_port(srv));
		fflush(stdout);
	}
	if (o.no_tui) {
		wait_loop(dd);
	} else {
		dc = (struct demo_ctx){ ds, dd };
		to.fetch = fetch_demo;
		to.ctx = &dc;
		if (tui_run(&to))
			rc = EXIT_RUNTIME;
	}
out:
	httpd_free(srv);
	dashdemo_free(dd);
	dashstate_free(ds);
	return rc;
}
