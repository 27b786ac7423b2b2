/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * testbed_ns.h - helpers shared by the suites that run nadxdp on the
 * namespace test bed (test_e2e.c, test_live.c): a shell runner, their .fini
 * teardown and the private mount namespace.
 */
#ifndef NAD_TESTBED_NS_H
#define NAD_TESTBED_NS_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Appended to the test beds' namespace prefixes ("nxe2e", "nxlive"): two checkouts
 * can run their suites at once with `make test TB_TAG=a` and `TB_TAG=b` (at most 2
 * lowercase letters or digits: a prefix has at most 8 characters).
 */
#ifndef NADXDP_TB_TAG
#define NADXDP_TB_TAG ""
#endif

/* Runs a printf-formatted shell command; returns its exit code, or 128 if it did not exit. */
int tb_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The .fini teardown of a test-bed suite, failure or not: stops *daemon_pid
 * when > 0 (SIGINT, up to 5 s to exit, then SIGKILL; reaped, set to -1),
 * takes the test bed of prefix down when testbed_made (down_redir, e.g. ""
 * or ">/dev/null 2>&1", is appended to that command) and removes workdir
 * when it is set.
 */
void tb_teardown(pid_t *daemon_pid, bool testbed_made, const char *prefix, const char *down_redir,
		 const char *workdir);

/*
 * Starts the daemon: argv (argv[0] looked up in PATH) with stdout written to out_path and
 * stderr to log_path (the same path: one file), and waits up to 30 s for its "monitoring
 * IFNAME" line in log_path (removed first: an earlier start's log must not answer). Fails
 * the test (showing the log) if it exits or does not get there. Returns its pid.
 */
pid_t tb_start_daemon(char *const argv[], const char *out_path, const char *log_path,
		      const char *ifname);

/*
 * Stops the daemon a test started: SIGINT, reaped, *daemon_pid set to -1;
 * expects a clean exit 0, else shows the daemon's log (log_path).
 */
void tb_stop_daemon(pid_t *daemon_pid, const char *log_path);

/*
 * Moves the calling test process into a private mount namespace with its own
 * bpffs on /sys/fs/bpf and a tmpfs on /run mounted with run_opts (e.g.
 * "size=4m,mode=755"), so pins, instance files and netns handles never meet a
 * real instance. Fails the test (Criterion assert) on error.
 */
void tb_private_mounts(const char *run_opts);

/*
 * Issue 11: mitigation never blocks a real client. Expects (Criterion expect) that the
 * EVE log at eve_path has no drop rule installed (or, dry run, that would be) whose
 * prefix covers ip, a source that had answered sessions during the run; returns how
 * many there were.
 */
int tb_expect_never_dropped(const char *eve_path, const char *ip);

#endif /* NAD_TESTBED_NS_H */
