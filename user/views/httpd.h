/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/httpd.h - the dashboard's web server (libmicrohttpd): `--http ADDR:PORT`.
 *
 *   GET /            the dashboard page (self-contained, polls /api/state)
 *   GET /api/state   the snapshot as JSON (dashstate_snap_to_json)
 *   GET /metrics     Prometheus text exposition (metrics.h)
 *
 * Only GET and HEAD (405 otherwise). The server runs in libmicrohttpd's own
 * polling thread with non-blocking sockets, a connection limit, a per-IP
 * limit, an idle timeout and a per-connection memory limit (which bounds a
 * request's headers), so a slow or hostile client costs at most its slot and
 * never blocks the feeders: responses are built from a snapshot, outside
 * the state's lock, at most once per HTTPD_CACHE_MS and shared by reference
 * between the connections that ask within that time.
 */
#ifndef NAD_HTTPD_H
#define NAD_HTTPD_H

#include <sys/socket.h>

#include "common/limits.h"

struct dashstate;

#define HTTPD_CACHE_MS 200

struct httpd_opts {
	const char *listen;         /* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:9100"; port 0 = any */
	unsigned conn_limit;        /* 0 = 64 */
	unsigned per_ip_limit;      /* 0 = 16 */
	unsigned timeout_s;         /* idle connection timeout; 0 = 10 */
	unsigned mem_limit;         /* per-connection buffer, bounds the headers; 0 = 32 KiB */
};

/*
 * Parses ADDR:PORT. The address is required: a bare port (`8080`, `:8080`)
 * is refused (-EINVAL) rather than taken to mean every interface; write
 * 0.0.0.0:PORT or [::]:PORT for that. "localhost" means 127.0.0.1.
 */
int httpd_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

struct httpd;

/* Binds and starts serving ds (which must outlive the server). NULL and errno on failure (logged). */
struct httpd *httpd_start(struct dashstate *ds, const struct httpd_opts *opts);

/* The bound port (useful with port 0). */
unsigned short httpd_port(const struct httpd *h);

/*
 * The server's connections as a bounded table: conn_limit, open now, and the memory their
 * buffers may take (conn_limit x mem_limit). libmicrohttpd closes a connection beyond its
 * limits before any callback, so refusals are not counted.
 */
void httpd_table(const struct httpd *h, struct limit_table *out);

/* Stops the server, waits for its thread, frees. Accepts NULL. */
void httpd_free(struct httpd *h);

/* The embedded page (user/dashboard.html), and its length without the NUL. */
const char *httpd_page(size_t *len);

#endif /* NAD_HTTPD_H */
