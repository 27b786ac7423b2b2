/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * livebed.h - nadxdp running live on a test bed of its own, for the suites that
 * start the daemon and look at what it did (test_live.c, test_faults.c): the bed
 * in a private mount namespace, the daemon started and stopped, its EVE lines,
 * `nadxdp status` and `rules list`, and its web server.
 *
 * One struct livebed per suite, set up by lb_init() with the suite's namespace
 * prefix (at most 8 characters with NADXDP_TB_TAG). Criterion runs each test in
 * its own process, so the mount namespace lb_up() enters ends with the test; the
 * suite's .fini calls lb_teardown(), failure or not.
 */
#ifndef NAD_TEST_LIVEBED_H
#define NAD_TEST_LIVEBED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

struct livebed {
	char prefix[16];
	char mon_ns[24], cli_ns[24], atk_ns[24], mon_if[16]; /* prefix-mon, ..., prefix0 */
	char workdir[64]; /* /tmp/nadxdp-PREFIX-XXXXXX, removed by lb_teardown() */
	pid_t daemon_pid; /* -1 when none runs */
	bool made; /* the test bed is (or may be) up */
};

void lb_init(struct livebed *b, const char *prefix);

/*
 * Skips the test without root or one of tools (NULL-terminated, may be NULL);
 * makes the work folder, enters a private mount namespace (own bpffs and /run)
 * and builds the test bed (scripts/testbed.sh). Asserts on failure.
 */
void lb_up(struct livebed *b, const char *const *tools);

/* The .fini: kills the daemon if it runs, takes the bed down, removes the work folder. */
void lb_teardown(struct livebed *b);

/* workdir/name (four results live at once). */
const char *lb_path(const struct livebed *b, const char *name);

/*
 * Starts `nadxdp run MON_IF` + args (NULL-terminated) in the monitored namespace,
 * stdout and stderr to workdir/daemon.log; waits until it says it monitors, and
 * fails the test if it exits first or takes over 30 s.
 */
void lb_start(struct livebed *b, const char *const *args);
/* SIGINT, reaped; expects exit 0, else shows the daemon's log. */
void lb_stop(struct livebed *b);

/* The whole file (malloc'd; "" if it cannot be read). */
char *lb_slurp(const char *path);
/* The EVE lines of workdir/name as an array of objects (every line must parse). */
struct json_object *lb_eve(const struct livebed *b, const char *name);
/* o.a (or o.a.b) as a string, "" if absent. */
const char *lb_jstr(struct json_object *o, const char *a, const char *b);
/* The first mitigation event with this action (and rule, if given), or NULL. */
struct json_object *lb_mitigation(struct json_object *eve, const char *action, const char *rule);
/* A start of an anomaly episode of class cls from src (any source when NULL). */
bool lb_has_alert(struct json_object *eve, const char *cls, const char *src);

/* One counter of `nadxdp status --json`. */
uint64_t lb_status_u64(const char *key);
/* `nadxdp rules list --json` as an object. */
struct json_object *lb_rules(void);
/* Drop rules in a rules list; the hits of cidr into *hits when both are given. */
int lb_drop_rules(struct json_object *list, const char *cidr, uint64_t *hits);
/* Whether /sys/fs/bpf/nadxdp exists. */
bool lb_pinned(void);

/* GET http://127.0.0.1:port path from inside the monitored namespace, as a string. */
char *lb_http_get(const struct livebed *b, const char *port, const char *path);

#endif /* NAD_TEST_LIVEBED_H */
