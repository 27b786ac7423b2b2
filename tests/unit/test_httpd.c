// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The web server on 127.0.0.1 (ephemeral ports): routes, methods, the page's
 * self-containment, the JSON and the metrics, and abuse that must not stall
 * a feeder or the server. promtool's check of /metrics is tests/root/test_promtool.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "helpers/dashfill.h"
#include "helpers/httpc.h"
#include "helpers/promcheck.h"
#include "views/dashstate.h"
#include "views/httpd.h"

#define S 1000000000ull

static struct dashstate *ds;
static struct httpd *srv;
static unsigned short port;

static void teardown(void);

/* (Re)starts the server with these limits on a fresh, filled state. */
static void start(unsigned per_ip, unsigned conn_limit, unsigned timeout_s)
{
	struct httpd_opts o = { .listen = "127.0.0.1:0", .per_ip_limit = per_ip,
				.conn_limit = conn_limit, .timeout_s = timeout_s };

	teardown();
	ds = dashstate_new(NULL);
	cr_assert_not_null(ds);
	dashfill_small(ds);
	srv = httpd_start(ds, &o);
	cr_assert_not_null(srv, "httpd_start: %s", strerror(errno));
	port = httpd_port(srv);
	cr_assert_gt(port, 0);
}

static void setup(void)
{
	start(0, 0, 0);
}

static void teardown(void)
{
	httpd_free(srv);
	dashstate_free(ds);
	srv = NULL;
	ds = NULL;
}

TestSuite(httpd, .init = setup, .fini = teardown);

Test(httpd, listen_address_must_be_explicit)
{
	struct sockaddr_storage ss;
	socklen_t len;

	cr_assert_eq(httpd_parse_listen("8080", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen(":8080", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen("127.0.0.1:", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen("127.0.0.1:65536", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen("127.0.0.1:-1", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen("::1:80", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen("example.org:80", &ss, &len), -EINVAL);
	cr_assert_eq(httpd_parse_listen("127.0.0.1:9100", &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET);
	cr_assert_eq(httpd_parse_listen("[::1]:9100", &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET6);
	cr_assert_eq(httpd_parse_listen("localhost:9100", &ss, &len), 0);
	cr_assert_eq(httpd_parse_listen("0.0.0.0:9100", &ss, &len), 0);
}

Test(httpd, serves_the_self_contained_page)
{
	struct httpc_resp r;
	char *ct, *csp;
	size_t len;

	cr_assert_eq(httpc_get(port, "GET", "/", 5000, &r), 0);
	cr_assert_eq(r.status, 200);
	ct = httpc_header(&r, "Content-Type");
	csp = httpc_header(&r, "Content-Security-Policy");
	cr_assert_str_eq(ct, "text/html; charset=utf-8");
	cr_assert_not_null(csp);
	cr_assert_not_null(strstr(csp, "default-src 'none'"));
	httpd_page(&len);
	cr_assert_eq(r.body_len, len);
	cr_assert_not_null(strstr(r.body, "id=\"view-rate\""));
	/* nothing from elsewhere: no external scripts, styles, fonts, images or imports */
	cr_assert_null(strstr(r.body, "<link"));
	cr_assert_null(strstr(r.body, " src="));
	cr_assert_null(strstr(r.body, "@import"));
	cr_assert_null(strstr(r.body, "url("));
	cr_assert_null(strstr(r.body, "https://"));
	free(ct);
	free(csp);
	httpc_resp_free(&r);
}

Test(httpd, api_state_is_the_snapshot_json)
{
	struct httpc_resp r;
	struct json_object *j, *v;
	char *ct;

	cr_assert_eq(httpc_get(port, "GET", "/api/state", 5000, &r), 0);
	cr_assert_eq(r.status, 200);
	ct = httpc_header(&r, "Content-Type");
	cr_assert_str_eq(ct, "application/json");
	j = json_tokener_parse(r.body);
	cr_assert_not_null(j);
	cr_assert(json_object_object_get_ex(j, "totals", &v));
	cr_assert(json_object_object_get_ex(v, "packets", &v));
	cr_assert(json_object_object_get_ex(v, "in", &v));
	cr_assert_eq(json_object_get_int64(v), 10 * 30 * 31 / 2);
	cr_assert(json_object_object_get_ex(j, "alerts", &v));
	cr_assert_eq(json_object_array_length(v), 1);
	json_object_put(j);
	free(ct);
	httpc_resp_free(&r);
}

Test(httpd, state_follows_the_feed_within_the_cache_time)
{
	struct httpc_resp r;
	struct json_object *j, *v;

	cr_assert_eq(httpc_get(port, "GET", "/api/state", 5000, &r), 0);
	httpc_resp_free(&r);
	dashstate_on_packets(ds, 31 * S, NAD_DIR_OUT, 1000, 1000 * 64, 64);
	usleep((HTTPD_CACHE_MS + 50) * 1000);
	cr_assert_eq(httpc_get(port, "GET", "/api/state", 5000, &r), 0);
	j = json_tokener_parse(r.body);
	cr_assert_not_null(j);
	cr_assert(json_object_object_get_ex(j, "totals", &v));
	cr_assert(json_object_object_get_ex(v, "packets", &v));
	cr_assert(json_object_object_get_ex(v, "out", &v));
	cr_assert_eq(json_object_get_int64(v), 1007);
	json_object_put(j);
	httpc_resp_free(&r);
}

Test(httpd, metrics_pass_the_strict_check)
{
	struct httpc_resp r;
	char err[256] = "", *ct;
	unsigned n = 0;

	cr_assert_eq(httpc_get(port, "GET", "/metrics", 5000, &r), 0);
	cr_assert_eq(r.status, 200);
	ct = httpc_header(&r, "Content-Type");
	cr_assert_not_null(ct);
	cr_assert_not_null(strstr(ct, "text/plain; version=0.0.4"));
	cr_assert_eq(promcheck(r.body, err, sizeof(err), &n), 0, "%s", err);
	cr_assert_eq(promcheck_value(r.body, "nadxdp_kernel_packets_total{direction=\"in\"}"), 5000);
	free(ct);
	httpc_resp_free(&r);
}

Test(httpd, head_answers_without_a_body)
{
	struct httpc_resp r;
	char *cl;

	cr_assert_eq(httpc_get(port, "HEAD", "/api/state", 5000, &r), 0);
	cr_assert_eq(r.status, 200);
	cl = httpc_header(&r, "Content-Length");
	cr_assert_not_null(cl);
	cr_assert_gt(atoi(cl), 100);
	cr_assert_eq(r.body_len, 0);
	free(cl);
	httpc_resp_free(&r);
}

Test(httpd, other_methods_and_paths_are_refused)
{
	static const char post[] = "POST /api/state HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
				   "Connection: close\r\n\r\nhello world";
	struct httpc_resp r;
	char *allow;

	cr_assert_eq(httpc_raw(port, post, sizeof(post) - 1, 5000, &r), 0);
	cr_assert_eq(r.status, 405);
	allow = httpc_header(&r, "Allow");
	cr_assert_str_eq(allow, "GET, HEAD");
	free(allow);
	httpc_resp_free(&r);
	cr_assert_eq(httpc_get(port, "DELETE", "/", 5000, &r), 0);
	cr_assert_eq(r.status, 405);
	httpc_resp_free(&r);
	cr_assert_eq(httpc_get(port, "GET", "/etc/passwd", 5000, &r), 0);
	cr_assert_eq(r.status, 404);
	httpc_resp_free(&r);
}

/* --- abuse ----------------------------------------------------------------- */

struct feeder {
	struct dashstate *ds;
	volatile int stop;
	__u64 iters;
	__u64 max_gap_ns;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * S + (__u64)ts.tv_nsec;
}

/* Feeds records on the real clock, as the daemon does; notes its longest pause. */
static void *feed(void *arg)
{
	struct feeder *f = arg;
	__u64 last = mono_ns(), n = 0;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		__u64 now = mono_ns();

		for (int i = 0; i < 256; i++)
			dashstate_on_packets(f->ds, now, n & 1, 1, 100, 100);
		n += 256;
		__atomic_store_n(&f->iters, n, __ATOMIC_RELAXED);
		if (now - last > f->max_gap_ns)
			f->max_gap_ns = now - last;
		last = now;
	}
	return NULL;
}

struct client {
	unsigned ok, refused;
};

static void *client(void *arg)
{
	static const char *const paths[] = { "/", "/api/state", "/metrics" };
	struct client *c = arg;

	for (int i = 0; i < 20; i++) {
		struct httpc_resp r;

		if (httpc_get(port, "GET", paths[i % 3], 10000, &r) == 0 && r.status == 200)
			c->ok++;
		else
			c->refused++;
		httpc_resp_free(&r);
	}
	return NULL;
}

static void *slowloris(void *arg)
{
	/* half a request, then silence; holds the connection until the server times it out */
	int fd = httpc_connect(port);

	if (fd >= 0) {
		const char half[] = "GET /api/state HTTP/1.1\r\nHost: x\r\nX-Slow: ";
		char buf[256];

		send(fd, half, sizeof(half) - 1, MSG_NOSIGNAL);
		(void)!recv(fd, buf, sizeof(buf), 0); /* returns when the server closes */
		close(fd);
	}
	return arg;
}

static int abusive_requests(void)
{
	struct httpc_resp r;
	char *big;
	int bad = 0;
	const size_t hsz = 1 << 20;

	/* garbage bytes */
	{
		/* the start of a TLS ClientHello, then junk */
		static const char junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
					   "garbage\r\n\r\n";

		httpc_raw(port, junk, sizeof(junk) - 1, 5000, &r);
	}
	bad += r.status == 200;
	httpc_resp_free(&r);
	/* an enormous header: refused, never a 200 */
	big = malloc(hsz + 128);
	cr_assert_not_null(big);
	memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", 32);
	memset(big + 32, 'A', hsz);
	memcpy(big + 32 + hsz, "\r\n\r\n", 4);
	httpc_raw(port, big, 32 + hsz + 4, 5000, &r);
	bad += r.status == 200;
	httpc_resp_free(&r);
	free(big);
	/* a POST with a large body */
	{
		static const char post[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";

		httpc_raw(port, post, sizeof(post) - 1, 5000, &r);
		bad += r.status != 405;
		httpc_resp_free(&r);
	}
	/* a request line without a version, and binary zeros */
	httpc_raw(port, "GET\r\n\r\n", 7, 5000, &r);
	bad += r.status == 200;
	httpc_resp_free(&r);
	httpc_raw(port, "\0\0\0\0\0\0\0\0\r\n\r\n", 12, 5000, &r);
	bad += r.status == 200;
	httpc_resp_free(&r);
	return bad;
}

Test(httpd, abuse_does_not_stall_the_feeder_and_the_server_recovers)
{
	enum { N_CLIENTS = 50, N_SLOW = 8 };
	pthread_t ft, ct[N_CLIENTS], st[N_SLOW];
	struct client cs[N_CLIENTS];
	struct feeder f = { 0 };
	struct httpc_resp r;
	__u64 before, after, t0, t1;
	unsigned ok = 0, refused = 0;
	double base_rate;
	__u64 base_gap;

	start(128, 256, 2);
	f.ds = ds;
	memset(cs, 0, sizeof(cs));
	cr_assert_eq(pthread_create(&ft, NULL, feed, &f), 0);
	usleep(100000);
	/* the feeder's pace with the server idle, for comparison */
	before = __atomic_load_n(&f.iters, __ATOMIC_RELAXED);
	t0 = mono_ns();
	usleep(500000);
	base_rate = (double)(__atomic_load_n(&f.iters, __ATOMIC_RELAXED) - before) /
		    ((double)(mono_ns() - t0) / 1e9);
	base_gap = f.max_gap_ns;
	f.max_gap_ns = 0;

	before = __atomic_load_n(&f.iters, __ATOMIC_RELAXED);
	t0 = mono_ns();
	for (int i = 0; i < N_SLOW; i++)
		cr_assert_eq(pthread_create(&st[i], NULL, slowloris, NULL), 0);
	for (int i = 0; i < N_CLIENTS; i++)
		cr_assert_eq(pthread_create(&ct[i], NULL, client, &cs[i]), 0);
	cr_assert_eq(abusive_requests(), 0, "an abusive request got a 200 (or a POST no 405)");
	for (int i = 0; i < N_CLIENTS; i++) {
		pthread_join(ct[i], NULL);
		ok += cs[i].ok;
		refused += cs[i].refused;
	}
	for (int i = 0; i < N_SLOW; i++)
		pthread_join(st[i], NULL);
	t1 = mono_ns();
	after = __atomic_load_n(&f.iters, __ATOMIC_RELAXED);

	/* the server still answers */
	cr_assert_eq(httpc_get(port, "GET", "/metrics", 5000, &r), 0);
	cr_assert_eq(r.status, 200);
	httpc_resp_free(&r);

	__atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
	pthread_join(ft, NULL);
	fprintf(stderr, "httpd abuse: %.2f s, %u/%u client requests answered 200, feeder %.1f M "
		"records (%.1f M/s; idle server: %.1f M/s), longest feeder pause %.3f ms (idle: "
		"%.3f ms)\n", (double)(t1 - t0) / 1e9, ok, ok + refused,
		(double)(after - before) / 1e6,
		(double)(after - before) / ((double)(t1 - t0) / 1e9) / 1e6, base_rate / 1e6,
		(double)f.max_gap_ns / 1e6, (double)base_gap / 1e6);
	cr_assert_gt(after, before, "the feeder made no progress during the abuse");
	cr_assert_eq(ok, N_CLIENTS * 20, "concurrent clients were refused: %u", refused);
}

Test(httpd, per_ip_limit_refuses_extra_connections_until_one_closes)
{
	int idle[4];
	struct httpc_resp r;

	start(4, 0, 0);
	for (int i = 0; i < 4; i++) {
		idle[i] = httpc_connect(port);
		cr_assert_geq(idle[i], 0);
	}
	usleep(100000); /* let the server accept them */
	cr_assert_eq(httpc_get(port, "GET", "/api/state", 3000, &r), 0);
	cr_assert_eq(r.status, 0, "a 5th connection from one address was served");
	httpc_resp_free(&r);
	for (int i = 0; i < 4; i++)
		close(idle[i]);
	usleep(100000);
	cr_assert_eq(httpc_get(port, "GET", "/api/state", 3000, &r), 0);
	cr_assert_eq(r.status, 200);
	httpc_resp_free(&r);
}

Test(httpd, connections_are_a_bounded_table)
{
	struct limit_table t;
	int idle[3];

	start(0, 5, 0);
	httpd_table(srv, &t);
	cr_assert_str_eq(t.name, "http_connections");
	cr_assert_eq(t.cap, 5);
	cr_assert_eq(t.used, 0);
	cr_assert_eq(t.bytes, 5 * 32 * 1024);
	for (int i = 0; i < 3; i++) {
		idle[i] = httpc_connect(port);
		cr_assert_geq(idle[i], 0);
	}
	usleep(100000); /* let the server accept them */
	httpd_table(srv, &t);
	cr_assert_eq(t.used, 3, "open connections: %llu", (unsigned long long)t.used);
	for (int i = 0; i < 3; i++)
		close(idle[i]);
}
