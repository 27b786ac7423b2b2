// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The terminal dashboard: plain frames from a known state, and the real
 * binary (`nadxdp top --demo`) driven in a detached tmux session on its own
 * server socket, which the suite always kills.
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
	struct dashstate_alert a = { .ts_ns = 40 * S, .cls = DASH_CL_DATA_EXFILTRATION, .sev = -1 };
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
	char buf[8192];
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

/* --- tmux ----------------------------------------------------------------------- */

static char sock[64];

static void tmux_fini(void)
{
	char cmd[128];

	if (!sock[0])
		return;
	snprintf(cmd, sizeof(cmd), "tmux -L %s kill-server 2>/dev/null", sock);
	(void)!system(cmd);
	sock[0] = '\0';
}

static bool have_tmux(void)
{
	return system("command -v tmux >/dev/null 2>&1") == 0 && getenv("NADXDP_BIN");
}

/* The pane's text, malloc'd. */
static char *capture(void)
{
	char cmd[128], *buf = malloc(65536);
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tmux -L %s capture-pane -p -t dash 2>/dev/null", sock);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, 65535, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

/* Waits up to ms for needle in the pane; returns the capture (caller frees). */
static char *wait_for(const char *needle, int ms)
{
	for (int t = 0;; t += 200) {
		char *c = capture();

		if (strstr(c, needle) || t >= ms)
			return c;
		free(c);
		usleep(200000);
	}
}

/* Inbound packets/s from the header line "in 20.1kpps". */
static double header_pps_in(const char *screen)
{
	const char *p = strstr(screen, " in ");
	char *end;
	double v;

	if (!p)
		return -1;
	v = strtod(p + 4, &end);
	if (*end == 'k')
		v *= 1e3;
	else if (*end == 'M')
		v *= 1e6;
	return v;
}

static void tmux_start(const char *cmdline)
{
	char cmd[1024];

	snprintf(sock, sizeof(sock), "nadxdp-test-%d", getpid());
	snprintf(cmd, sizeof(cmd),
		 "tmux -L %s -f /dev/null new-session -d -s dash -x 80 -y 24 "
		 "'TERM=xterm-256color LANG=C.UTF-8 %s'", sock, cmdline);
	cr_assert_eq(system(cmd), 0, "tmux new-session failed");
}

static bool session_alive(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "tmux -L %s has-session -t dash 2>/dev/null", sock);
	return system(cmd) == 0;
}

Test(tui, tmux_shows_the_views_and_reacts_to_a_flood, .fini = tmux_fini, .timeout = 60)
{
	char cmd[512], *screen, pidbuf[32] = "";
	double before, after = 0;
	FILE *p;

	if (!have_tmux())
		cr_skip_test("tmux or NADXDP_BIN missing");
	snprintf(cmd, sizeof(cmd), "%s top --demo", getenv("NADXDP_BIN"));
	tmux_start(cmd);
	/* wait for two complete seconds of demo traffic so the rate is real */
	free(wait_for("Traffic rate", 10000));
	sleep(3);
	screen = capture();
	for (size_t i = 0; i < sizeof(titles) / sizeof(*titles); i++)
		cr_assert_not_null(strstr(screen, titles[i]), "missing %s in\n%s", titles[i], screen);
	before = header_pps_in(screen);
	cr_assert_gt(before, 0, "no inbound rate before the flood:\n%s", screen);
	cr_assert_null(strstr(screen, "dos_attack"), "a DoS before the flood:\n%s", screen);
	free(screen);

	/* flood: SIGUSR1 to the demo */
	snprintf(cmd, sizeof(cmd), "tmux -L %s display -p -t dash '#{pane_pid}'", sock);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(pidbuf, sizeof(pidbuf), p));
	pclose(p);
	cr_assert_eq(kill(atoi(pidbuf), SIGUSR1), 0);
	for (int t = 0; t < 8000; t += 500) {
		usleep(500000);
		screen = capture();
		after = header_pps_in(screen);
		if (after > 5 * before && strstr(screen, "dos_attack"))
			break;
		free(screen);
		screen = NULL;
	}
	cr_assert_not_null(screen, "rate did not rise (before %.0f, last %.0f pps)", before, after);
	cr_assert_not_null(strstr(screen, "198.18.0.3/32"), "no drop rule shown:\n%s", screen);
	cr_log_info("tmux: inbound %.0f pps before the flood, %.0f pps during", before, after);
	fprintf(stderr, "tui tmux: inbound %.0f pps before the flood, %.0f pps during\n", before,
		after);
	free(screen);

	/* q quits */
	snprintf(cmd, sizeof(cmd), "tmux -L %s send-keys -t dash q", sock);
	cr_assert_eq(system(cmd), 0);
	for (int t = 0; t < 50 && session_alive(); t++)
		usleep(100000);
	cr_assert(!session_alive(), "q did not quit the dashboard");
}

Test(tui, sigterm_restores_the_terminal, .fini = tmux_fini, .timeout = 60)
{
	char cmd[512], out[] = "/tmp/nadxdp-stty-XXXXXX", buf[4096] = "";
	FILE *f;
	int fd;

	if (!have_tmux())
		cr_skip_test("tmux or NADXDP_BIN missing");
	fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	/* the shell records the tty modes after the dashboard exits */
	snprintf(cmd, sizeof(cmd), "%s top --demo; stty -a > %s; echo done >> %s; sleep 30",
		 getenv("NADXDP_BIN"), out, out);
	tmux_start(cmd);
	free(wait_for("Traffic rate", 10000));
	{
		/* the dashboard is the one child of the pane's shell */
		char pid[32] = "";
		FILE *p;

		snprintf(cmd, sizeof(cmd),
			 "pgrep -P \"$(tmux -L %s display -p -t dash '#{pane_pid}')\"", sock);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		cr_assert_not_null(fgets(pid, sizeof(pid), p), "no dashboard process");
		pclose(p);
		cr_assert_eq(kill(atoi(pid), SIGTERM), 0);
	}
	for (int t = 0; t < 50; t++) {
		f = fopen(out, "r");
		buf[0] = '\0';
		if (f) {
			buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
			fclose(f);
		}
		if (strstr(buf, "done"))
			break;
		usleep(100000);
	}
	unlink(out);
	cr_assert_not_null(strstr(buf, "done"), "the dashboard did not exit on SIGTERM");
	/* curses turns these off; a restored terminal has them back */
	cr_assert_not_null(strstr(buf, " icanon"), "icanon not restored:\n%s", buf);
	cr_assert_not_null(strstr(buf, " echo"), "echo not restored:\n%s", buf);
}
