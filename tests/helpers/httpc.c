// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "helpers/httpc.h"

int httpc_connect(unsigned short port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int httpc_raw(unsigned short port, const void *req, size_t len, int timeout_ms,
	      struct httpc_resp *out)
{
	long deadline = ms_now() + timeout_ms;
	size_t cap = 65536, off = 0;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	fd = httpc_connect(port);
	if (fd < 0)
		return fd;
	while (off < len) {
		ssize_t w = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL);

		if (w < 0) {
			/* the server may answer and close before taking all of it */
			break;
		}
		off += (size_t)w;
	}
	off = 0;
	out->raw = malloc(cap + 1);
	if (!out->raw) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - ms_now();
		ssize_t r;

		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (off == cap) {
			char *n = realloc(out->raw, cap * 2 + 1);

			if (!n) {
				err = -ENOMEM;
				break;
			}
			out->raw = n;
			cap *= 2;
		}
		r = recv(fd, out->raw + off, cap - off, 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			break;
		if (r < 0) {
			err = -errno;
			break;
		}
		off += (size_t)r;
	}
	out->raw[off] = '\0';
	out->raw_len = off;
	if (off > 12 && !strncmp(out->raw, "HTTP/1.", 7))
		out->status = atoi(out->raw + 9);
	out->body = strstr(out->raw, "\r\n\r\n");
	if (out->body) {
		out->body += 4;
		out->body_len = off - (size_t)(out->body - out->raw);
	}
out:
	close(fd);
	return err;
}

int httpc_get(unsigned short port, const char *method, const char *path, int timeout_ms,
	      struct httpc_resp *out)
{
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", method,
			 path);

	return httpc_raw(port, req, (size_t)n, timeout_ms, out);
}

char *httpc_header(const struct httpc_resp *r, const char *name)
{
	size_t n = strlen(name);
	const char *p = r->raw, *end = r->body ? r->body : r->raw + r->raw_len;

	while (p && p < end) {
		const char *nl = strstr(p, "\r\n");

		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			return strndup(v, nl ? (size_t)(nl - v) : strlen(v));
		}
		p = nl ? nl + 2 : NULL;
	}
	return NULL;
}

void httpc_resp_free(struct httpc_resp *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}
