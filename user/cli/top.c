// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/top.h"
#include "common/log.h"
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

static void usage(FILE *f)
{
	fprintf(f, "Usage: nadxdp top [--state FILE] [--once] [--plain] [--interval MS]\n"
		   "       nadxdp top --demo [--flood] [--http ADDR:PORT] [--no-tui]\n\n"
		   "Shows the dashboard of the nadxdp already running, from the state file it\n"
		   "rewrites every second (default " DASH_STATE_FILE ").\n"
		   "  --state FILE     read this state file instead\n"
		   "  --once           print one plain-text frame and exit\n"
		   "  --plain          plain-text frames instead of curses\n"
		   "  --interval MS    redraw period (default 1000)\n"
		   "  --demo           synthetic traffic in-process (SIGUSR1 toggles a flood)\n"
		   "  --flood          start the demo flooding\n"
		   "  --http ADDR:PORT also serve the demo state over HTTP\n"
		   "  --no-tui         no terminal view (with --demo --http: serve until SIGTERM)\n");
}

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
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' }, { "once", no_argument, NULL, '1' },
		{ "plain", no_argument, NULL, 'p' },       { "interval", required_argument, NULL, 'i' },
		{ "demo", no_argument, NULL, 'd' },        { "flood", no_argument, NULL, 'f' },
		{ "http", required_argument, NULL, 'H' },  { "no-tui", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },        { 0 },
	};
	struct tui_opts to = { .fetch = tui_fetch_file, .ctx = (void *)DASH_STATE_FILE,
			       .stop = &stop };
	bool demo = false, flood = false, no_tui = false;
	const char *http = NULL;
	struct dashstate *ds = NULL;
	struct dashdemo *dd = NULL;
	struct httpd *srv = NULL;
	struct demo_ctx dc;
	struct sigaction sa = { 0 };
	int c, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': to.ctx = optarg; break;
		case '1': to.once = true; break;
		case 'p': to.plain = true; break;
		case 'i': to.interval_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': demo = true; break;
		case 'f': flood = true; break;
		case 'H': http = optarg; break;
		case 'n': no_tui = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || ((http || flood || no_tui) && !demo)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	if (!demo)
		return tui_run(&to) ? EXIT_RUNTIME : EXIT_OK;

	ds = dashstate_new(NULL);
	if (!ds) {
		pr_warn("Failed to allocate the dashboard state: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	dd = dashdemo_start(ds, flood);
	if (!dd) {
		pr_warn("Failed to start the demo feeder: %s\n", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (http) {
		struct httpd_opts ho = { .listen = http };

		srv = httpd_start(ds, &ho);
		if (!srv) {
			rc = errno == EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
		printf("http://127.0.0.1:%u/\n", httpd_port(srv));
		fflush(stdout);
	}
	if (no_tui) {
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
