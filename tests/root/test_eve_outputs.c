// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_eve_outputs.c - the live daemon's EVE events through each output, in the namespace
 * test bed: a Redis list and a Redis channel (a redis-server this suite starts on a unix
 * socket in its scratch folder and stops), syslog (a datagram socket the test reads, as
 * /dev/log would be), a unix stream socket the test listens on (closed and reopened
 * mid-run: the daemon reconnects, no event is lost), the log rotated by logrotate with
 * dist/logrotate/nadxdp and reopened on SIGHUP (no event lost: both files against the
 * daemon's own count on stdout), Suricata's common fields in every event type, and the
 * alerting rules and Grafana dashboard in contrib/ against a live /metrics.
 *
 * Every output is compared with the --log file of the same run, line for line: the
 * events are the same, in the same order. Each test has its own private mount namespace
 * (bpffs, /run) and test bed; the .fini teardown stops the daemon, Redis and any helper
 * and removes the bed and the scratch folder, failure or not.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>

#include "helpers/cmd_run.h"
#include "helpers/testbed_ns.h"

#define TB_PREFIX "nxeve" NADXDP_TB_TAG
#define TB_MON_NS TB_PREFIX "-mon"
#define TB_ATK_NS TB_PREFIX "-atk"
#define TB_MON_IF TB_PREFIX "0"
#define MON_IP "198.18.0.1"
#define NSX(ns) "nsenter --net=/run/netns/" ns " -- "
#define HOST_NAME "sensor-7"
#define HTTP_PORT "8932"

static char workdir[64];
static pid_t daemon_pid = -1, redis_pid = -1, helper_pid = -1;
static bool testbed_made;

static void kill_child(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

static void teardown(void)
{
	kill_child(&helper_pid);
	tb_teardown(&daemon_pid, testbed_made, TB_PREFIX, ">/dev/null 2>&1", "");
	kill_child(&redis_pid);
	if (workdir[0])
		tb_sh("rm -rf '%s'", workdir);
}

TestSuite(eve_outputs, .fini = teardown, .timeout = 180);

static const char *wpath(const char *name)
{
	static char buf[8][256];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", workdir, name);
	return p;
}

static char *slurp(const char *path)
{
	struct cmd_result r;
	char *argv[] = { "cat", (char *)path, NULL };

	cr_assert_eq(cmd_run(argv, &r), 0);
	free(r.err);
	return r.out;
}

/* Whether the file at path says needle. */
static bool file_says(const char *path, const char *needle)
{
	char *text = slurp(path);
	bool found = strstr(text, needle) != NULL;

	free(text);
	return found;
}

/* Root, the tools, a private bpffs and /run, the test bed. */
static void bed_up(const char *const *tools)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: network namespaces, XDP, private bpffs");
	for (; tools && *tools; tools++)
		if (tb_sh("command -v %s >/dev/null 2>&1", *tools))
			cr_skip_test("needs %s (scripts/install-deps.sh)", *tools);
	snprintf(workdir, sizeof(workdir), "/tmp/nadxdp-eve-XXXXXX");
	cr_assert_not_null(mkdtemp(workdir));
	tb_private_mounts("size=8m,mode=755");
	testbed_made = true;
	cr_assert_eq(tb_sh("NADX_PREFIX=" TB_PREFIX " bash '%s' up >/dev/null",
			   cmd_repo_path("scripts/testbed.sh")),
		     0, "test bed up");
}

/*
 * nadxdp on the monitored interface: EVE lines to workdir/eve.json, a summary every
 * second, host HOST_NAME, plus extra options; stdout to workdir/stdout.json, stderr to
 * workdir/daemon.log. Returns once it monitors.
 */
static void start_daemon(const char *const *extra)
{
	char *argv[40] = {
		"nsenter", "--net=/run/netns/" TB_MON_NS, "--", (char *)cmd_nadxdp_bin(), "run",
		TB_MON_IF, "--duration", "60", "--log", (char *)wpath("eve.json"), "--models",
		workdir, "--no-train", "--summary-interval", "1", "--host", HOST_NAME,
	};
	int n = 17;

	for (; extra && *extra && n < 39; extra++)
		argv[n++] = (char *)*extra;
	argv[n] = NULL;
	daemon_pid = tb_start_daemon(argv, wpath("stdout.json"), wpath("daemon.log"), TB_MON_IF);
}

static void stop_daemon(void)
{
	tb_stop_daemon(&daemon_pid, wpath("daemon.log"));
}

/* A SYN flood from the attacker for secs seconds: an anomaly, a drop rule, summaries. */
static void flood(int secs)
{
	tb_sh(NSX(TB_ATK_NS) "timeout -s INT %d hping3 -S -p 80 --flood " MON_IP " >/dev/null 2>&1",
	      secs);
}

/* ---- events ---------------------------------------------------------------------------- */

struct lines {
	char **v;
	size_t n;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Appends the lines of text that start with '{' (JSON objects) to l. */
static void lines_add(struct lines *l, const char *text)
{
	char *copy = strdup(text), *save = NULL;

	cr_assert_not_null(copy);
	for (char *s = strtok_r(copy, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		if (*s != '{')
			continue;
		l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
		cr_assert_not_null(l->v);
		l->v[l->n++] = strdup(s);
	}
	free(copy);
}

static struct lines file_lines(const char *path)
{
	struct lines l = { 0 };
	char *t = slurp(path);

	lines_add(&l, t);
	free(t);
	return l;
}

/* got holds the same events as want, in the same order. */
static void expect_same(const struct lines *got, const struct lines *want, const char *what)
{
	cr_expect_eq(got->n, want->n, "%s: %zu events, the log %zu", what, got->n, want->n);
	for (size_t i = 0; i < got->n && i < want->n; i++)
		if (strcmp(got->v[i], want->v[i])) {
			cr_expect_fail("%s: event %zu differs:\n%s\nthe log's:\n%s", what, i,
				       got->v[i], want->v[i]);
			return;
		}
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_string(v) ?
		       json_object_get_string(v) :
		       "";
}

enum { EV_ANOMALY = 1, EV_SUMMARY = 2, EV_MITIGATION = 4 };

/*
 * Every event carries Suricata's common fields (timestamp with microseconds and offset,
 * event_type, in_iface, host); one about a flow (anomaly, mitigation) the flow's too.
 * Returns the event types seen.
 */
static unsigned check_fields(const struct lines *l)
{
	static const char *const flow[] = { "flow_id", "src_ip",    "src_port",
					    "dest_ip", "dest_port", "proto" };
	unsigned seen = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = json_tokener_parse(l->v[i]), *v;
		const char *type, *ts;
		bool has_flow;

		cr_assert_not_null(o, "EVE line does not parse: %s", l->v[i]);
		type = jstr(o, "event_type");
		ts = jstr(o, "timestamp");
		/* 2024-05-01T12:00:00.123456+0000 */
		cr_expect(strlen(ts) == 31 && ts[10] == 'T' && ts[19] == '.' && ts[26] == '+',
			  "timestamp '%s'", ts);
		cr_expect_str_eq(jstr(o, "host"), HOST_NAME, "%s", l->v[i]);
		cr_expect_str_eq(jstr(o, "in_iface"), TB_MON_IF, "%s", l->v[i]);
		has_flow = strcmp(type, "summary") != 0;
		for (size_t k = 0; k < sizeof(flow) / sizeof(*flow); k++)
			cr_expect_eq(json_object_object_get_ex(o, flow[k], NULL), has_flow,
				     "%s event and %s: %s", type, flow[k], l->v[i]);
		if (has_flow && json_object_object_get_ex(o, "flow_id", &v))
			cr_expect(json_object_is_type(v, json_type_int) &&
					  json_object_get_int64(v) > 0,
				  "flow_id: %s", l->v[i]);
		seen |= !strcmp(type, "anomaly")    ? EV_ANOMALY :
			!strcmp(type, "summary")    ? EV_SUMMARY :
			!strcmp(type, "mitigation") ? EV_MITIGATION :
						      0;
		json_object_put(o);
	}
	return seen;
}

/* ---- redis ----------------------------------------------------------------------------- */

static int redis_cli(const char *args, const char *out)
{
	return tb_sh("redis-cli -s '%s' --raw %s >'%s' 2>&1", wpath("redis.sock"), args,
		     out ? out : "/dev/null");
}

/* A redis-server of this test, on workdir/redis.sock only (no TCP port, no persistence). */
static void redis_up(void)
{
	redis_pid = fork();
	cr_assert_geq(redis_pid, 0);
	if (redis_pid == 0) {
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket",
		       wpath("redis.sock"), "--unixsocketperm", "700", "--dir", workdir, "--save",
		       "", "--appendonly", "no", "--logfile", wpath("redis.log"), NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (!redis_cli("ping", wpath("ping.out"))) {
			char *p = slurp(wpath("ping.out"));
			bool pong = !strncmp(p, "PONG", 4);

			free(p);
			if (pong)
				return;
		}
		usleep(50000);
	}
	cr_assert_fail("redis-server did not answer: %s", slurp(wpath("redis.log")));
}

Test(eve_outputs, a_redis_list_gets_every_event_and_each_type_has_suricatas_fields)
{
	static const char *const tools[] = { "hping3", "nsenter", "redis-server", "redis-cli",
					     NULL };
	static const char *const extra[] = {
		"--redis", NULL, "--redis-mode", "rpush", "--redis-key", "nadxdp-eve", NULL,
	};
	const char *opts[8];
	struct lines log, got = { 0 };
	char *text;

	bed_up(tools);
	redis_up();
	memcpy(opts, extra, sizeof(extra));
	opts[1] = wpath("redis.sock");
	start_daemon(opts);
	sleep(1);
	flood(3);
	sleep(2);
	stop_daemon(); /* the rule's removal and the episode's end come at the stop */
	cr_assert_eq(redis_cli("lrange nadxdp-eve 0 -1", wpath("list.out")), 0);
	text = slurp(wpath("list.out"));
	lines_add(&got, text);
	free(text);
	log = file_lines(wpath("eve.json"));
	cr_assert_gt(log.n, 3, "too few events: %s", slurp(wpath("daemon.log")));
	expect_same(&got, &log, "redis list");
	cr_expect_eq(check_fields(&log), EV_ANOMALY | EV_SUMMARY | EV_MITIGATION,
		     "anomaly, summary and mitigation events: %s", slurp(wpath("eve.json")));
	lines_free(&log);
	lines_free(&got);
}

/* A subscriber to a channel, in a thread: the messages it got. */
struct subscriber {
	char path[256], channel[64];
	atomic_bool stop, ready;
	struct lines got;
	pthread_t thr;
};

static void *subscribe(void *arg)
{
	struct subscriber *s = arg;
	redisContext *c = redisConnectUnix(s->path);
	redisReply *r;

	if (!c || c->err)
		goto out;
	r = redisCommand(c, "SUBSCRIBE %s", s->channel);
	freeReplyObject(r);
	atomic_store(&s->ready, r != NULL);
	while (r) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };

		if (redisGetReplyFromReader(c, (void **)&r) != REDIS_OK)
			break;
		if (r) {
			if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
			    r->element[2]->type == REDIS_REPLY_STRING)
				lines_add(&s->got, r->element[2]->str);
			freeReplyObject(r);
			continue;
		}
		r = (redisReply *)1; /* nothing buffered: wait for more */
		if (atomic_load(&s->stop))
			break;
		if (poll(&p, 1, 100) == 1 && redisBufferRead(c) != REDIS_OK)
			break;
	}
out:
	redisFree(c);
	return NULL;
}

Test(eve_outputs, a_redis_channel_publishes_every_event)
{
	static const char *const tools[] = { "hping3", "nsenter", "redis-server", NULL };
	const char *opts[] = { "--redis",   NULL, "--redis-mode", "channel", "--redis-key",
			       "nadxdp-ch", NULL };
	struct subscriber sub = { .channel = "nadxdp-ch" };
	struct lines log;

	bed_up(tools);
	redis_up();
	opts[1] = wpath("redis.sock");
	snprintf(sub.path, sizeof(sub.path), "%s", wpath("redis.sock"));
	cr_assert_eq(pthread_create(&sub.thr, NULL, subscribe, &sub), 0);
	for (int i = 0; i < 100 && !atomic_load(&sub.ready); i++)
		usleep(50000);
	cr_assert(atomic_load(&sub.ready), "could not subscribe");
	start_daemon(opts);
	sleep(1);
	flood(2);
	sleep(1);
	stop_daemon();
	usleep(500000);
	atomic_store(&sub.stop, true);
	pthread_join(sub.thr, NULL);
	log = file_lines(wpath("eve.json"));
	cr_assert_gt(log.n, 2, "too few events: %s", slurp(wpath("daemon.log")));
	expect_same(&sub.got, &log, "redis channel");
	lines_free(&log);
	lines_free(&sub.got);
}

/* ---- syslog ---------------------------------------------------------------------------- */

/* The test's syslog socket, read by a thread while the daemon runs (a unix datagram
 * socket queues only net.unix.max_dgram_qlen datagrams, 10 by default). */
struct syslog_reader {
	int fd;
	atomic_bool stop;
	struct lines got; /* the JSON after "]: " of each message */
	unsigned n_bad_pri;
	pthread_t thr;
};

static void *read_syslog(void *arg)
{
	struct syslog_reader *r = arg;
	char buf[65536];

	while (!atomic_load(&r->stop)) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t n;
		char *json;

		if (poll(&p, 1, 100) != 1)
			continue;
		n = recv(r->fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		/* local3.notice: 19 * 8 + 5 */
		r->n_bad_pri += strncmp(buf, "<157>", 5) != 0;
		json = strstr(buf, "]: {");
		if (json) {
			r->got.v = realloc(r->got.v, (r->got.n + 1) * sizeof(*r->got.v));
			r->got.v[r->got.n++] = strdup(json + 3);
		}
	}
	return NULL;
}

Test(eve_outputs, syslog_gets_one_message_per_event_with_its_facility_and_level)
{
	static const char *const tools[] = { "hping3", "nsenter", NULL };
	const char *opts[] = { "--syslog", "--syslog-socket", NULL,	"--syslog-facility",
			       "local3",   "--syslog-level",  "notice", NULL };
	struct syslog_reader r = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct lines log;

	bed_up(tools);
	opts[2] = wpath("log");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", wpath("log"));
	r.fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_geq(r.fd, 0);
	cr_assert_eq(bind(r.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(pthread_create(&r.thr, NULL, read_syslog, &r), 0);
	start_daemon(opts);
	sleep(1);
	flood(2);
	sleep(1);
	stop_daemon();
	usleep(300000);
	atomic_store(&r.stop, true);
	pthread_join(r.thr, NULL);
	close(r.fd);
	log = file_lines(wpath("eve.json"));
	cr_assert_gt(log.n, 2, "too few events: %s", slurp(wpath("daemon.log")));
	expect_same(&r.got, &log, "syslog");
	cr_expect_eq(r.n_bad_pri, 0, "messages without <157> (local3.notice)");
	lines_free(&log);
	lines_free(&r.got);
}

/* ---- unix stream socket ------------------------------------------------------------------ */

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

/* Accepts one connection (within ms) on lfd. */
static int accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	cr_assert_eq(poll(&p, 1, ms), 1, "nadxdp did not connect: %s", slurp(wpath("daemon.log")));
	return accept(lfd, NULL, NULL);
}

/*
 * Reads from fd into got until min_lines whole lines arrived and nothing else is pending
 * (min_lines 0: until the peer closes or 10 s pass). Ends on a line boundary.
 */
static void read_stream(int fd, struct lines *got, size_t min_lines)
{
	char buf[1 << 16];
	size_t n = 0, before = got->n;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, min_lines ? 5000 : 10000) != 1)
			break;
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = 0;
		if (buf[n - 1] != '\n')
			continue;
		lines_add(got, buf);
		n = 0;
		if (min_lines && got->n - before >= min_lines &&
		    poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0) == 0)
			break;
	}
	cr_assert_eq(n, 0, "a partial line: %.*s", (int)n, buf);
}

/* The EVE output of this kind in `nadxdp status --json`. */
static struct json_object *status_output(const char *kind)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(), "status", "--json", "--top", "0", NULL };
	struct json_object *o, *outs, *first = NULL;
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "nadxdp status: %s", r.err);
	o = json_tokener_parse(r.out);
	cr_assert_not_null(o, "status --json: %s", r.out);
	cr_assert(json_object_object_get_ex(o, "outputs", &outs), "no outputs: %s", r.out);
	for (size_t i = 0; i < json_object_array_length(outs); i++)
		if (!strcmp(jstr(json_object_array_get_idx(outs, i), "kind"), kind))
			first = json_object_get(json_object_array_get_idx(outs, i));
	cr_assert_not_null(first, "no %s output: %s", kind, r.out);
	json_object_put(o);
	cmd_result_free(&r);
	return first;
}

Test(eve_outputs, a_unix_socket_reader_that_goes_away_misses_no_event)
{
	static const char *const tools[] = { "nsenter", NULL };
	const char *opts[] = { "--unix-socket", NULL, NULL };
	struct lines log, got = { 0 };
	struct json_object *st, *v;
	int lfd, cfd;

	bed_up(tools);
	opts[1] = wpath("eve.sock");
	lfd = listen_unix(wpath("eve.sock"));
	/* A few packets a second: the engine's clock runs, a summary comes every second. */
	helper_pid = fork();
	cr_assert_geq(helper_pid, 0);
	if (helper_pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execlp("nsenter", "nsenter", "--net=/run/netns/" TB_ATK_NS, "--", "ping", "-q",
		       "-i", "0.2", MON_IP, (char *)NULL);
		_exit(127);
	}
	start_daemon(opts);
	cfd = accept_within(lfd, 5000);
	/* Two summaries, then the reader goes away between two (they come a second apart). */
	read_stream(cfd, &got, 2);
	close(cfd);
	close(lfd);
	unlink(wpath("eve.sock"));
	sleep(3); /* the summaries of these seconds wait in the daemon's queue */
	lfd = listen_unix(wpath("eve.sock"));
	cfd = accept_within(lfd, 10000);
	read_stream(cfd, &got, 2);
	/* status reads the state file the daemon writes every second */
	for (int i = 0; i < 30; i++) {
		st = status_output("unix");
		if (json_object_object_get_ex(st, "reconnects", &v) && json_object_get_int64(v))
			break;
		json_object_put(st);
		st = NULL;
		usleep(100000);
	}
	cr_assert_not_null(st, "status never showed the reconnect");
	cr_expect(json_object_object_get_ex(st, "up", &v) && json_object_get_boolean(v));
	cr_expect(json_object_object_get_ex(st, "reconnects", &v) && json_object_get_int64(v) == 1);
	json_object_put(st);
	stop_daemon();
	kill_child(&helper_pid);
	read_stream(cfd, &got, 0); /* the rest, up to the daemon's close */
	close(cfd);
	close(lfd);
	log = file_lines(wpath("eve.json"));
	cr_assert_gt(log.n, 4, "too few events: %s", slurp(wpath("daemon.log")));
	expect_same(&got, &log, "unix socket");
	cr_expect(file_says(wpath("daemon.log"), "connection lost"));
	lines_free(&log);
	lines_free(&got);
}

/* ---- the log file and logrotate -------------------------------------------------------- */

Test(eve_outputs, logrotate_and_sighup_move_the_log_to_a_new_file_losing_no_event)
{
	static const char *const tools[] = { "hping3", "nsenter", "logrotate", NULL };
	static const char *const opts[] = { "--json", NULL };
	struct lines all, old, cur, both = { 0 };
	char *conf;

	bed_up(tools);
	start_daemon(opts);
	/* The repository's snippet on this run's log, signalling this daemon. */
	cr_assert_eq(tb_sh("sed -e 's#/var/log/nadxdp/\\*\\.json#%s#' -e 's#systemctl kill.*$#kill "
			   "-HUP %d#' '%s' >'%s'",
			   wpath("eve.json"), (int)daemon_pid,
			   cmd_repo_path("dist/logrotate/nadxdp"), wpath("logrotate.conf")),
		     0);
	conf = slurp(wpath("logrotate.conf"));
	cr_assert_not_null(strstr(conf, "kill -HUP"), "%s", conf);
	free(conf);
	tb_sh("(sleep 1; " NSX(TB_ATK_NS) "timeout -s INT 3 hping3 -S -p 80 --flood " MON_IP
					  ") >/dev/null 2>&1 &");
	sleep(2); /* mid-flood */
	cr_assert_eq(tb_sh("logrotate -f -s '%s' '%s' >'%s' 2>&1", wpath("logrotate.state"),
			   wpath("logrotate.conf"), wpath("logrotate.out")),
		     0, "logrotate: %s", slurp(wpath("logrotate.out")));
	sleep(4);
	stop_daemon();
	all = file_lines(wpath("stdout.json")); /* the daemon's own count: every event */
	old = file_lines(wpath("eve.json.1"));
	cur = file_lines(wpath("eve.json"));
	cr_expect_gt(old.n, 0, "nothing before the rotation");
	cr_expect_gt(cur.n, 0, "nothing after the rotation");
	for (int i = 0; i < 2; i++) {
		char *text = slurp(wpath(i ? "eve.json" : "eve.json.1"));

		lines_add(&both, text);
		free(text);
	}
	expect_same(&both, &all, "the rotated and the new file");
	cr_expect(file_says(wpath("daemon.log"), "Reopened"));
	lines_free(&all);
	lines_free(&old);
	lines_free(&cur);
	lines_free(&both);
}

/* ---- contrib: alerting rules and dashboard ------------------------------------------- */

/* Every nadxdp_* name in text is a sample name in the exposition metrics. */
static void names_in_metrics(const char *text, const char *metrics, const char *what)
{
	unsigned n = 0;

	for (const char *p = strstr(text, "nadxdp_"); p; p = strstr(p + 1, "nadxdp_")) {
		char name[128], a[140], b[140];
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");

		if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
			continue;
		cr_assert_lt(len, sizeof(name));
		memcpy(name, p, len);
		name[len] = 0;
		snprintf(a, sizeof(a), "\n%s{", name);
		snprintf(b, sizeof(b), "\n%s ", name);
		cr_expect(strstr(metrics, a) || strstr(metrics, b), "%s uses %s, not in /metrics",
			  what, name);
		n++;
	}
	cr_expect_gt(n, 5, "%s names few nadxdp metrics", what);
}

Test(eve_outputs, the_alerting_rules_and_the_dashboard_use_the_metrics_a_daemon_serves)
{
	static const char *const tools[] = { "hping3", "nsenter", "curl", "promtool", NULL };
	const char *opts[] = { "--http", "127.0.0.1:" HTTP_PORT, "--unix-socket", NULL, NULL };
	const char *rules = cmd_repo_path("contrib/prometheus/nadxdp-alerts.yml");
	const char *dash = cmd_repo_path("contrib/grafana/nadxdp.json");
	struct json_object *d, *panels;
	char *metrics, *text;
	size_t n_panels = 0;

	bed_up(tools);
	opts[3] = wpath("nobody.sock"); /* an output that is down: its families are there */
	start_daemon(opts);
	sleep(1);
	flood(2);
	sleep(2);
	cr_assert_eq(tb_sh(NSX(TB_MON_NS) "curl -sf -m 5 -o '%s' http://127.0.0.1:" HTTP_PORT
					  "/metrics",
			   wpath("metrics.txt")),
		     0);
	stop_daemon();
	metrics = slurp(wpath("metrics.txt"));
	cr_assert_eq(tb_sh("promtool check rules '%s' >'%s' 2>&1", rules, wpath("promtool.out")), 0,
		     "promtool check rules: %s", slurp(wpath("promtool.out")));
	text = slurp(rules);
	names_in_metrics(text, metrics, "the alerting rules");
	free(text);

	d = json_object_from_file(dash);
	cr_assert_not_null(d, "%s does not parse", dash);
	cr_assert(json_object_object_get_ex(d, "panels", &panels));
	for (size_t i = 0; i < json_object_array_length(panels); i++) {
		struct json_object *p = json_object_array_get_idx(panels, i), *t, *e;

		if (!strcmp(jstr(p, "type"), "row"))
			continue;
		n_panels++;
		cr_expect(json_object_object_get_ex(p, "gridPos", NULL), "%s", jstr(p, "title"));
		cr_assert(json_object_object_get_ex(p, "targets", &t) &&
				  json_object_array_length(t) > 0,
			  "panel '%s' has no query", jstr(p, "title"));
		for (size_t k = 0; k < json_object_array_length(t); k++)
			cr_expect(json_object_object_get_ex(json_object_array_get_idx(t, k), "expr",
							    &e) &&
					  strstr(json_object_get_string(e), "nadxdp_"),
				  "panel '%s' query %zu", jstr(p, "title"), k);
	}
	cr_expect_gt(n_panels, 10);
	json_object_put(d);
	text = slurp(dash);
	names_in_metrics(text, metrics, "the dashboard");
	free(text);
	free(metrics);
}
