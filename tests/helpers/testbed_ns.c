// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * testbed_ns.c - see testbed_ns.h. Criterion runs each test in its own
 * process, so the mount namespace made here ends with the test.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "common/addr.h"
#include "helpers/cmd_run.h"
#include "helpers/testbed_ns.h"

int tb_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void stop_daemon(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGINT);
	for (int i = 0; i < 50 && waitpid(*pid, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

/* The file at path (up to 4 KiB of it) in buf. */
static void read_head(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	buf[fread(buf, 1, len - 1, f)] = 0;
	fclose(f);
}

pid_t tb_start_daemon(char *const argv[], const char *out_path, const char *log_path,
		      const char *ifname)
{
	char want[64], log[4096];
	pid_t pid;

	snprintf(want, sizeof(want), "monitoring %s", ifname);
	/*
	 * The readiness check below reads the log: a log left by an earlier start would say
	 * "monitoring" before the new daemon is attached (the child truncates it only once it
	 * runs), and the test would send its traffic to an unwatched interface.
	 */
	cr_assert(unlink(log_path) == 0 || errno == ENOENT, "%s: %s", log_path, strerror(errno));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout))
			_exit(126);
		if (strcmp(out_path, log_path) ? !freopen(log_path, "w", stderr) :
						 dup2(fileno(stdout), 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		read_head(log_path, log, sizeof(log));
		if (strstr(log, want))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) != 0)
			cr_assert_fail("nadxdp exited early: %s", log);
		usleep(100000);
	}
	cr_assert_fail("nadxdp did not start: %s", log);
	return -1;
}

void tb_stop_daemon(pid_t *daemon_pid, const char *log_path)
{
	char log[4096];
	int wst;

	kill(*daemon_pid, SIGINT);
	cr_assert_eq(waitpid(*daemon_pid, &wst, 0), *daemon_pid);
	*daemon_pid = -1;
	if (WIFEXITED(wst) && WEXITSTATUS(wst) == 0)
		return;
	read_head(log_path, log, sizeof(log));
	cr_expect_fail("nadxdp exit %d: %s", wst, log);
}

void tb_teardown(pid_t *daemon_pid, bool testbed_made, const char *prefix, const char *down_redir,
		 const char *workdir)
{
	stop_daemon(daemon_pid);
	if (testbed_made)
		tb_sh("NADX_PREFIX=%s bash '%s' down%s%s", prefix,
		      cmd_repo_path("scripts/testbed.sh"), *down_redir ? " " : "", down_redir);
	if (workdir[0])
		tb_sh("rm -rf '%s'", workdir);
}

void tb_private_mounts(const char *run_opts)
{
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL), 0, "bpffs: %s", strerror(errno));
	cr_assert_eq(mount("tmpfs", "/run", "tmpfs", 0, run_opts), 0);
}

/* The string at o.a.b ("" if absent). */
static const char *jpath(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, a, &v) || !json_object_object_get_ex(v, b, &v))
		return "";
	return json_object_get_string(v) ? json_object_get_string(v) : "";
}

int tb_expect_never_dropped(const char *eve_path, const char *ip)
{
	FILE *f = fopen(eve_path, "r");
	struct addr_prefix host, rule;
	char line[16384];
	int n = 0;

	cr_assert_eq(addr_prefix_parse(ip, &host), 0, "bad address %s", ip);
	cr_assert_not_null(f, "%s: %s", eve_path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct json_object *o = json_tokener_parse(line), *t;
		const char *act = o ? jpath(o, "mitigation", "action") : "";

		if (o && json_object_object_get_ex(o, "event_type", &t) &&
		    !strcmp(json_object_get_string(t), "mitigation") &&
		    (!strcmp(act, "install") || !strcmp(act, "would_install")) &&
		    !strcmp(jpath(o, "mitigation", "kind"), "drop") &&
		    !addr_prefix_parse(jpath(o, "mitigation", "rule"), &rule) &&
		    addr_prefix_contains(&rule, host.addr)) {
			cr_log_error("a drop rule against %s, a source with answered sessions: %s",
				     ip, line);
			n++;
		}
		json_object_put(o);
	}
	fclose(f);
	cr_expect_eq(n, 0, "mitigation never drops %s, a real client (%d drop rules)", ip, n);
	return n;
}
