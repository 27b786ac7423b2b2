/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tmpdir.h - a test's scratch directory under /tmp, made in a suite's setup and removed
 * with everything in it in its teardown.
 */
#ifndef NAD_TMPDIR_H
#define NAD_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

/* Makes /tmp/nadxdp-NAME-XXXXXX into dir (n bytes); the test fails if it cannot. */
static inline void tmpdir_make(char *dir, size_t n, const char *name)
{
	snprintf(dir, n, "/tmp/nadxdp-%s-XXXXXX", name);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
}

/* Removes dir and what is in it; a failure is logged, not fatal. */
static inline void tmpdir_remove(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		cr_log_warn("cleanup of %s failed", dir);
}

#endif /* NAD_TMPDIR_H */
