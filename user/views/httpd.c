// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views/httpd.c - libmicrohttpd in its internal polling thread (one thread, non-
 * blocking I/O): every handler call happens on that thread, so the response
 * cache needs no lock of its own; MHD reference-counts responses, so one
 * cached response is queued on many connections without copying.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "common/log.h"
#include "views/dashstate.h"
#include "views/httpd.h"
#include "views/metrics.h"

/* The page, embedded by the assembler (.incbin) with a terminating NUL. */
__asm__(".section .rodata\n"
	".global nad_dash_page\n"
	".type nad_dash_page, @object\n"
	".balign 16\n"
	"nad_dash_page:\n"
	".incbin \"user/views/dashboard.html\"\n"
	".byte 0\n"
	".global nad_dash_page_end\n"
	"nad_dash_page_end:\n"
	".previous\n");
extern const char nad_dash_page[];
extern const char nad_dash_page_end[];

const char *httpd_page(size_t *len)
{
	if (len)
		*len = (size_t)(nad_dash_page_end - nad_dash_page) - 1;
	return nad_dash_page;
}

/* No request may make the page load anything from elsewhere. */
#define PAGE_CSP                                                                                   \
	"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "           \
	"img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "              \
	"frame-ancestors 'none'"

struct cached {
	struct MHD_Response *resp;
	__u64 at_ms;
};

struct httpd {
	struct MHD_Daemon *mhd;
	struct dashstate *ds;
	struct dashstate_snap *snap;
	unsigned short port;
	unsigned conn_limit, mem_limit; /* as given to libmicrohttpd */
	struct cached state, metrics;
	struct MHD_Response *page, *not_found, *bad_method;
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

int httpd_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon, *port_s;
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		port_s = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || strchr(s, ':') != colon)
			return -EINVAL; /* bare port, ":port", or unbracketed IPv6 */
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
		port_s = colon + 1;
	}
	if (!*port_s)
		return -EINVAL;
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || *end || port > 65535 || *port_s == '-' || *port_s == '+')
		return -EINVAL;
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");

	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*in6);
	}
	return 0;
}

static void common_headers(struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static struct MHD_Response *static_response(const char *body, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								  MHD_RESPMEM_PERSISTENT);

	if (r)
		common_headers(r, type);
	return r;
}

/* A fresh response for the state or the metrics, or the cached one if recent. */
static struct MHD_Response *dynamic(struct httpd *h, struct cached *c, bool json)
{
	__u64 now = now_ms();
	struct MHD_Response *r;
	char *body = NULL;
	size_t len = 0;

	if (c->resp && now - c->at_ms < HTTPD_CACHE_MS)
		return c->resp;
	if (dashstate_snapshot(h->ds, h->snap))
		return c->resp;
	if (json) {
		struct json_object *j = dashstate_snap_to_json(h->snap);
		const char *txt = j ? json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN,
									 &len) : NULL;

		body = txt ? malloc(len) : NULL;
		if (body)
			memcpy(body, txt, len);
		json_object_put(j);
	} else {
		body = metrics_render(h->snap, &len);
	}
	if (!body)
		return c->resp; /* out of memory: serve the older one if any */
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return c->resp;
	}
	common_headers(r, json ? "application/json" : METRICS_CONTENT_TYPE);
	if (c->resp)
		MHD_destroy_response(c->resp); /* drops our reference; queued copies live on */
	c->resp = r;
	c->at_ms = now;
	return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct httpd *h = cls;
	struct MHD_Response *r;
	unsigned status = MHD_HTTP_OK;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		/* answered at once; MHD closes the connection rather than read the body */
		*upload_data_size = 0;
		return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, h->bad_method);
	}
	if (!strcmp(url, "/") || !strcmp(url, "/index.html")) {
		r = h->page;
	} else if (!strcmp(url, "/api/state")) {
		r = dynamic(h, &h->state, true);
	} else if (!strcmp(url, "/metrics")) {
		r = dynamic(h, &h->metrics, false);
	} else {
		r = h->not_found;
		status = MHD_HTTP_NOT_FOUND;
	}
	if (!r)
		return MHD_NO; /* closes the connection */
	return MHD_queue_response(conn, status, r);
}

unsigned short httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_table(const struct httpd *h, struct limit_table *out)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	*out = (struct limit_table){
		.name = "http_connections",
		.cap = h->conn_limit,
		.used = info ? info->num_connections : 0,
		.bytes = (uint64_t)h->conn_limit * h->mem_limit,
	};
}

static int listen_socket(const char *spec, unsigned short *port)
{
	struct sockaddr_storage ss, bound;
	socklen_t len = 0, blen = sizeof(bound);
	int fd, one = 1, err;

	err = httpd_parse_listen(spec, &ss, &len);
	if (err) {
		pr_warn("--http %s: expected ADDR:PORT with an explicit address "
			"(127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080 for every interface)\n", spec);
		return err;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen)) {
		err = -errno;
		pr_warn("Failed to listen on %s: %s\n", spec, strerror(errno));
		close(fd);
		return err;
	}
	*port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port :
						     ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

struct httpd *httpd_start(struct dashstate *ds, const struct httpd_opts *o)
{
	struct httpd *h = calloc(1, sizeof(*h));
	size_t page_len;
	int fd = -1, err = ENOMEM;

	if (!h)
		return NULL;
	h->ds = ds;
	h->snap = dashstate_snap_new(ds);
	httpd_page(&page_len);
	h->page = MHD_create_response_from_buffer(page_len, (void *)httpd_page(NULL),
						  MHD_RESPMEM_PERSISTENT);
	h->not_found = static_response("not found\n", "text/plain; charset=utf-8");
	h->bad_method = static_response("only GET and HEAD\n", "text/plain; charset=utf-8");
	if (!h->snap || !h->page || !h->not_found || !h->bad_method)
		goto fail;
	common_headers(h->page, "text/html; charset=utf-8");
	MHD_add_response_header(h->page, "Content-Security-Policy", PAGE_CSP);
	MHD_add_response_header(h->bad_method, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_add_response_header(h->bad_method, MHD_HTTP_HEADER_CONNECTION, "close");

	fd = listen_socket(o->listen, &h->port);
	if (fd < 0) {
		err = -fd;
		fd = -1;
		goto fail;
	}
	h->conn_limit = o->conn_limit ? o->conn_limit : 64;
	h->mem_limit = o->mem_limit ? o->mem_limit : 32 * 1024;
	h->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, handle, h,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, h->conn_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)(o->per_ip_limit ? o->per_ip_limit : 16),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s ? o->timeout_s : 10),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)h->mem_limit,
		MHD_OPTION_END);
	if (!h->mhd) {
		err = EIO;
		pr_warn("Failed to start the HTTP server on %s\n", o->listen);
		goto fail;
	}
	{
		const char *colon = strrchr(o->listen, ':');

		pr_info("dashboard on http://%.*s:%u/ (JSON /api/state, Prometheus /metrics)\n",
			(int)(colon - o->listen), o->listen, h->port);
	}
	return h;

fail:
	if (fd >= 0)
		close(fd);
	httpd_free(h);
	errno = err;
	return NULL;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	/* MHD closes the listen socket it was given when it stops */
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->state.resp)
		MHD_destroy_response(h->state.resp);
	if (h->metrics.resp)
		MHD_destroy_response(h->metrics.resp);
	if (h->page)
		MHD_destroy_response(h->page);
	if (h->not_found)
		MHD_destroy_response(h->not_found);
	if (h->bad_method)
		MHD_destroy_response(h->bad_method);
	dashstate_snap_free(h->snap);
	free(h);
}
