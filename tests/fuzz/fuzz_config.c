// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_config.c - the configuration file (cli/config.c over libinih), as `nadxdp run`
 * reads /etc/nadxdp/nadxdp.conf.
 *
 * Input: the file's text. Refused: -EINVAL with one line "PATH:LINE: why" naming a line
 * the file has. Read: the settings printed by config_print() ("lines the file takes
 * back") read back without a refusal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cli/config.h"
#include "cli/run.h"
#include "common/log.h"
#include "common/opts.h"
#include "fuzz.h"

/* A file holding len bytes of buf, named by path (/proc/self/fd/N); its descriptor. */
static int file_of(const void *buf, size_t len, char *path, size_t plen)
{
	int fd = memfd_create("nadxdp.conf", MFD_CLOEXEC);

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	snprintf(path, plen, "/proc/self/fd/%d", fd);
	return fd;
}

/* Reads the file at path over run's defaults; its settings printed into *text. */
static int read_print(const char *path, char *err, size_t elen, char **text, size_t *tlen)
{
	struct opts_result res = { 0 };
	struct config cfg = { 0 };
	void *o = malloc(run_opts.size);
	FILE *f;
	int ret;

	if (!o)
		abort();
	run_opts.defaults(o);
	ret = config_read(&run_opts, o, path, &cfg, err, elen);
	if (!ret) {
		f = open_memstream(text, tlen);
		if (!f)
			abort();
		FUZZ_CHECK(!config_print(&run_opts, o, &cfg, &res, f), "print failed");
		fclose(f);
	}
	config_free(&cfg);
	free(o);
	return ret;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_WARN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], path2[64], err[512], err2[512], *a = NULL, *b = NULL, *colon;
	size_t alen = 0, blen = 0;
	int fd, fd2, ret;

	fd = file_of(data, size, path, sizeof(path));
	err[0] = 0;
	ret = read_print(path, err, sizeof(err), &a, &alen);
	close(fd);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM, "returned %d", ret);
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "reason '%s'", err);
		colon = strncmp(err, path, strlen(path)) ? NULL : err + strlen(path);
		FUZZ_CHECK(colon && *colon == ':' && colon[1] >= '1' && colon[1] <= '9',
			   "reason '%s' names no line of %s", err, path);
		return 0;
	}
	/* what was printed is a file that reads back to the same settings */
	fd2 = file_of(a, alen, path2, sizeof(path2));
	err2[0] = 0;
	ret = read_print(path2, err2, sizeof(err2), &b, &blen);
	close(fd2);
	FUZZ_CHECK(!ret, "the printed settings were refused: %s\n%.*s", err2, (int)alen, a);
	free(a);
	free(b);
	return 0;
}
