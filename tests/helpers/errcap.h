/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * errcap.h - test helper: what the code under test logs to stderr, through a pipe
 * (not a file, which a test's RLIMIT_FSIZE would cut short). Header-only (static).
 * For a few lines: the pipe holds 64 KB, more would block the writer.
 */
#ifndef NAD_TEST_ERRCAP_H
#define NAD_TEST_ERRCAP_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sends stderr into a pipe; returns its read end (non-blocking), or -1. */
static inline int errcap_start(void)
{
	int p[2];

	fflush(stderr);
	if (pipe(p))
		return -1;
	if (dup2(p[1], STDERR_FILENO) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

/* What was logged since the last call (malloc'd, NUL-terminated; NULL on ENOMEM). */
static inline char *errcap_take(int fd)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	fflush(stderr);
	while (buf && (r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* Occurrences of what in s. */
static inline size_t errcap_count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

#endif /* NAD_TEST_ERRCAP_H */
