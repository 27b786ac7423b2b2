/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * httpc.h - a raw-socket HTTP/1.1 client for the tests (loopback only).
 */
#ifndef NAD_TEST_HTTPC_H
#define NAD_TEST_HTTPC_H

#include <stddef.h>

struct httpc_resp {
	int status;     /* 0 if no status line arrived */
	char *raw;      /* everything read, NUL-terminated */
	size_t raw_len;
	char *body;     /* into raw, after the blank line; NULL if none */
	size_t body_len;
};

/* Connects to 127.0.0.1:port, or -errno. */
int httpc_connect(unsigned short port);

/*
 * Sends req as is, reads until the server closes or timeout_ms passes.
 * 0, or -errno (-ETIMEDOUT). Free with httpc_resp_free().
 */
int httpc_raw(unsigned short port, const void *req, size_t len, int timeout_ms,
	      struct httpc_resp *out);

/* GET (or HEAD) path with Connection: close. */
int httpc_get(unsigned short port, const char *method, const char *path, int timeout_ms,
	      struct httpc_resp *out);

/* A header's value (first match, case-insensitive), malloc'd, or NULL. */
char *httpc_header(const struct httpc_resp *r, const char *name);

void httpc_resp_free(struct httpc_resp *r);

#endif
