// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_outputs.c - the EVE outputs without a daemon: a file reopened after a rename, a
 * stream, syslog datagrams to a private socket (and the syslog daemon going away and
 * coming back), a unix stream socket the test listens on (a reconnect losing no line) and
 * the bounded queue's drops. Redis is in tests/root/test_eve_outputs.c (a redis-server).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <criterion/criterion.h>

#include "common/log.h"
#include "report/outputs.h"
#include "helpers/tmpdir.h"

static char dir[64];

static void setup(void)
{
	log_set_level(LOG_WARN);
	tmpdir_make(dir, sizeof(dir), "outputs");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

TestSuite(outputs, .init = setup, .fini = teardown, .timeout = 30);

static const char *path_in(const char *name)
{
	static char buf[4][128];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void put(struct outputs *o, const char *fmt, int i)
{
	char line[64];
	int n = snprintf(line, sizeof(line), fmt, i);

	outputs_write(o, line, (size_t)n);
}

static struct output_stats stats_of(struct outputs *o, size_t i)
{
	struct output_stats st[4];

	cr_assert_gt(outputs_stats(o, st, 4), i);
	return st[i];
}

static int listen_at(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind: %s", strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

/* Waits up to ms for fd to be readable. */
static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Reads from a stream socket until want newlines arrived (or 5 s passed) into buf. */
static int read_lines(int fd, int want, char *buf, size_t len)
{
	size_t n = 0;
	int lines = 0;

	while (lines < want && n < len - 1 && readable(fd, 5000)) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			lines += buf[n + (size_t)i] == '\n';
		n += (size_t)r;
	}
	buf[n] = 0;
	return lines;
}

/* Accepts the output's connection on lfd and reads want lines from it into buf; the fd. */
static int accept_lines(int lfd, int want, char *buf, size_t len)
{
	int cfd;

	cr_assert(readable(lfd, 8000), "the output never connected");
	cfd = accept(lfd, NULL, NULL);
	cr_assert_geq(cfd, 0);
	cr_expect_eq(read_lines(cfd, want, buf, len), want);
	return cfd;
}

Test(outputs, a_file_reopened_after_a_rename_loses_no_line)
{
	struct outputs *o = outputs_new();

	cr_assert_not_null(o);
	cr_assert_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_FILE,
							   .path = path_in("eve.json") }),
		     0);
	for (int i = 0; i < 3; i++)
		put(o, "{\"n\":%d}", i);
	cr_assert_eq(rename(path_in("eve.json"), path_in("eve.json.1")), 0);
	put(o, "{\"n\":%d}", 3); /* still the renamed file's: logrotate's window before SIGHUP */
	cr_assert_eq(outputs_reopen(o), 0);
	put(o, "{\"n\":%d}", 4);
	put(o, "{\"n\":%d}", 5);
	cr_expect_eq(count_lines(path_in("eve.json.1")), 4);
	cr_expect_eq(count_lines(path_in("eve.json")), 2);
	cr_expect_eq(stats_of(o, 0).n_written, 6);
	cr_expect_eq(stats_of(o, 0).n_dropped, 0);
	cr_expect_str_eq(stats_of(o, 0).kind, "file");
	outputs_free(o);
}

Test(outputs, an_unwritable_file_is_refused_when_added)
{
	struct outputs *o = outputs_new();

	cr_expect_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_FILE,
							   .path = "/nonexistent/dir/eve.json" }),
		     -ENOENT);
	cr_expect_eq(outputs_count(o), 0);
	cr_expect_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_UNIX }), -EINVAL);
	cr_expect_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_SYSLOG, .facility = 24 }),
		     -EINVAL);
	outputs_free(o);
}

Test(outputs, several_outputs_get_every_line)
{
	struct outputs *o = outputs_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	cr_assert_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_STREAM, .stream = m }),
		     0);
	cr_assert_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_FILE,
							   .path = path_in("a.json") }),
		     0);
	put(o, "line %d", 1);
	put(o, "line %d", 2);
	cr_expect_str_eq(buf, "line 1\nline 2\n");
	cr_expect_eq(count_lines(path_in("a.json")), 2);
	cr_expect_eq(outputs_count(o), 2);
	outputs_free(o);
	fclose(m);
	free(buf);
}

Test(outputs, syslog_sends_one_datagram_per_line_and_comes_back_with_its_daemon)
{
	const char *sock = path_in("log");
	int fd = listen_at(sock, SOCK_DGRAM);
	struct outputs *o = outputs_new();
	char msg[512], want[64];
	ssize_t n;

	cr_assert_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_SYSLOG,
							   .path = sock,
							   .facility = 21,
							   .severity = 6 }),
		     0);
	put(o, "{\"event_type\":\"summary\",\"n\":%d}", 1);
	cr_assert(readable(fd, 2000));
	n = recv(fd, msg, sizeof(msg) - 1, 0);
	cr_assert_gt(n, 0);
	msg[n] = 0;
	/* local5.info = 21 * 8 + 6; then "Mmm dd hh:mm:ss nadxdp[pid]: " and the line */
	cr_expect_eq(strncmp(msg, "<174>", 5), 0, "%s", msg);
	snprintf(want, sizeof(want), " nadxdp[%d]: {\"event_type\"", (int)getpid());
	cr_expect_not_null(strstr(msg, want), "%s", msg);
	cr_expect_str_eq(msg + n - 4, "\":1}", "%s", msg);

	/* The daemon goes away: lines are dropped, never waited for. */
	close(fd);
	unlink(sock);
	put(o, "{\"n\":%d}", 2);
	cr_expect_eq(stats_of(o, 0).n_dropped, 1);
	cr_expect_not(stats_of(o, 0).up);
	/* It comes back: the next attempt (at most one a second) finds it. */
	fd = listen_at(sock, SOCK_DGRAM);
	usleep(1100000);
	put(o, "{\"n\":%d}", 3);
	cr_assert(readable(fd, 2000));
	n = recv(fd, msg, sizeof(msg) - 1, 0);
	cr_assert_gt(n, 0);
	msg[n] = 0;
	cr_expect_not_null(strstr(msg, "{\"n\":3}"), "%s", msg);
	cr_expect_eq(stats_of(o, 0).n_written, 2);
	cr_expect_eq(stats_of(o, 0).n_reconnects, 1);
	outputs_free(o);
	close(fd);
}

Test(outputs, a_unix_socket_reconnects_and_loses_no_line)
{
	const char *sock = path_in("eve.sock");
	int lfd = listen_at(sock, SOCK_STREAM), cfd;
	struct outputs *o = outputs_new();
	char buf[4096];

	cr_assert_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_UNIX, .path = sock }), 0);
	for (int i = 0; i < 3; i++)
		put(o, "{\"n\":%d}", i);
	cfd = accept_lines(lfd, 3, buf, sizeof(buf));
	cr_expect_str_eq(buf, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
	cr_assert(outputs_drain(o, 2000));

	/* The reader goes away; lines written meanwhile wait in the queue. */
	close(cfd);
	close(lfd);
	unlink(sock);
	for (int i = 3; i < 6; i++)
		put(o, "{\"n\":%d}", i);
	usleep(300000);
	cr_expect_not(stats_of(o, 0).up);
	lfd = listen_at(sock, SOCK_STREAM);
	cfd = accept_lines(lfd, 3, buf, sizeof(buf));
	cr_expect_str_eq(buf, "{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n");
	cr_assert(outputs_drain(o, 2000));
	cr_expect_eq(stats_of(o, 0).n_written, 6);
	cr_expect_eq(stats_of(o, 0).n_dropped, 0);
	cr_expect_eq(stats_of(o, 0).n_reconnects, 1);
	cr_expect(stats_of(o, 0).up);
	outputs_free(o);
	close(cfd);
	close(lfd);
}

Test(outputs, a_full_queue_drops_and_counts_without_waiting)
{
	struct outputs *o = outputs_new();
	struct output_stats st;

	cr_assert_eq(outputs_add(o, &(struct output_spec){ .kind = OUTPUT_UNIX,
							   .path = path_in("nobody"),
							   .queue_len = 4 }),
		     0);
	for (int i = 0; i < 10; i++)
		put(o, "{\"n\":%d}", i);
	st = stats_of(o, 0);
	cr_expect_eq(st.n_queued, 4);
	cr_expect_eq(st.n_dropped, 6);
	cr_expect_eq(st.n_written, 0);
	cr_expect_not(outputs_drain(o, 100));
	outputs_free(o);
}
