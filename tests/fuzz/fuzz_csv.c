// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_csv.c - the CSV reader (common/csv.c).
 *
 * Input: the text of a CSV file. Refused: a one-line reason and an empty table. Read: the
 * table written back with csv_write() reads back as the same table (names and values
 * bit for bit), which is what `nadxdp features` output and `train --features` rely on.
 */
#include <errno.h>
#include <string.h>

#include "common/csv.h"
#include "fuzz.h"

static int read_mem(const void *buf, size_t len, struct csv_table *t, char *err, size_t errlen)
{
	/* fmemopen of 0 bytes fails; an empty file is read from a 1-byte buffer cut to 0. */
	static const char empty[1];
	FILE *f = fmemopen(len ? (void *)buf : (void *)empty, len ? len : 1, "r");
	int ret;

	if (!f)
		abort();
	if (!len)
		fgetc(f);
	ret = csv_read(f, t, err, errlen);
	fclose(f);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_table t, u;
	char err[256], err2[256];
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	ret = read_mem(data, size, &t, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM || ret == -EIO, "returned %d", ret);
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "reason '%s'", err);
		FUZZ_CHECK(!t.names && !t.data && !t.n_rows && !t.n_cols, "table not emptied");
		return 0;
	}
	FUZZ_CHECK(t.n_cols >= 1 && t.names, "%zu columns", t.n_cols);
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	FUZZ_CHECK(csv_write(f, (const char *const *)t.names, t.n_cols, t.data, t.n_rows) == 0,
		   "write failed");
	fclose(f);
	ret = read_mem(text, len, &u, err2, sizeof(err2));
	FUZZ_CHECK(ret == 0, "what was read and written back is refused: %s", err2);
	FUZZ_CHECK(u.n_cols == t.n_cols && u.n_rows == t.n_rows, "%zu x %zu read back as %zu x %zu",
		   t.n_rows, t.n_cols, u.n_rows, u.n_cols);
	for (size_t j = 0; j < t.n_cols; j++)
		FUZZ_CHECK(!strcmp(t.names[j], u.names[j]), "column %zu: '%s' read back as '%s'",
			   j + 1, t.names[j], u.names[j]);
	FUZZ_CHECK(!t.n_rows || !memcmp(t.data, u.data, t.n_rows * t.n_cols * sizeof(float)),
		   "values changed in the round trip");
	csv_table_release(&t);
	csv_table_release(&u);
	free(text);
	return 0;
}
