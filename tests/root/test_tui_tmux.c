// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The terminal dashboard as the operator sees it: the real binary
 * (`nadxdp top --demo`) driven in a detached tmux session on its own server
 * socket, which the suite always kills. Needs tmux (scripts/install-deps.sh
 * dashboard); the plain frames are tests/unit/test_tui.c.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const titles[] = { "Traffic rate", "Anomaly frequency", "Severity",
				      "Packet sizes", "Top anomaly types", "Drop rules",
				      "Kernel counters" };

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

Test(tui_tmux, tmux_shows_the_views_and_reacts_to_a_flood, .fini = tmux_fini, .timeout = 60)
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

Test(tui_tmux, sigterm_restores_the_terminal, .fini = tmux_fini, .timeout = 60)
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
