/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmd_run.h - test helper: run a command, capture its exit code, stdout and
 * stderr. Header-only (static), so any suite can include it.
 */
#ifndef NAD_TEST_CMD_RUN_H
#define NAD_TEST_CMD_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

struct cmd_result {
	int status; /* exit code, or 128 + signal */
	char *out; /* stdout, NUL-terminated, malloc'd */
	size_t out_len;
	char *err; /* stderr */
	size_t err_len;
};

static inline char *cmd_slurp(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (!buf)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Runs argv (argv[0] a path or a name looked up in PATH). Returns 0 or -errno. */
static inline int cmd_run(char *const argv[], struct cmd_result *res)
{
	char out_t[] = "/tmp/nadxdp-cmd-out-XXXXXX", err_t[] = "/tmp/nadxdp-cmd-err-XXXXXX";
	int out_fd = mkstemp(out_t), err_fd = mkstemp(err_t), wst;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (out_fd < 0 || err_fd < 0)
		return -errno;
	unlink(out_t);
	unlink(err_t);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &wst, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	res->status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	res->out = cmd_slurp(out_fd, &res->out_len);
	res->err = cmd_slurp(err_fd, &res->err_len);
	close(out_fd);
	close(err_fd);
	return res->out && res->err ? 0 : -ENOMEM;
}

static inline void cmd_result_free(struct cmd_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

/* Runs argv; its stderr into err (len bytes at most); returns its exit code (-1: not run). */
static inline int cmd_run_err(char *const argv[], char *err, size_t len)
{
	struct cmd_result r;
	int st;

	if (cmd_run(argv, &r))
		return -1;
	snprintf(err, len, "%s", r.err);
	st = r.status;
	cmd_result_free(&r);
	return st;
}

static inline size_t cmd_count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The daemon binary under test (make test sets NADXDP_BIN). */
static inline const char *cmd_nadxdp_bin(void)
{
	const char *bin = getenv("NADXDP_BIN");

	return bin && *bin ? bin : "./nadxdp";
}

/* Path of a file under the repository root (make test sets NADXDP_ROOT). */
static inline const char *cmd_repo_path(const char *rel)
{
	static char buf[4][1024];
	static int k;
	const char *root = getenv("NADXDP_ROOT");
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", root && *root ? root : ".", rel);
	return p;
}

#endif /* NAD_TEST_CMD_RUN_H */
