// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/csv.h"

static int parse(const char *text, struct csv_table *t, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	cr_assert_not_null(f);
	ret = csv_read(f, t, err, errlen);
	fclose(f);
	return ret;
}

Test(csv, reads_header_and_numeric_rows)
{
	struct csv_table t;
	char err[200];

	cr_assert_eq(parse("a, b ,c\r\n1,2.5,-3e2\r\n\n 4 ,0x10,6\n", &t, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(t.n_rows, 2);
	cr_expect_eq(t.n_cols, 3);
	cr_expect_str_eq(t.names[1], "b");
	cr_expect_float_eq(t.data[1], 2.5f, 0);
	cr_expect_float_eq(t.data[2], -300.0f, 0);
	cr_expect_float_eq(t.data[3], 4.0f, 0);
	cr_expect_float_eq(t.data[4], 16.0f, 0);
	csv_table_release(&t);
	csv_table_release(&t);
}

Test(csv, header_only_gives_zero_rows)
{
	struct csv_table t;

	cr_assert_eq(parse("x,y\n", &t, NULL, 0), 0);
	cr_expect_eq(t.n_rows, 0);
	cr_expect_eq(t.n_cols, 2);
	csv_table_release(&t);
}

static void expect_refused(const char *text, const char *fragment)
{
	struct csv_table t;
	char err[200];

	cr_expect_eq(parse(text, &t, err, sizeof(err)), -EINVAL, "accepted: %s", text);
	cr_expect(strstr(err, fragment) != NULL, "message '%s' lacks '%s'", err, fragment);
	cr_expect_null(t.data);
	cr_expect_eq(t.n_rows, 0);
}

Test(csv, ragged_row_is_refused_with_its_line)
{
	expect_refused("a,b\n1,2\n3\n", "line 3: 1 columns, the header has 2");
	expect_refused("a,b\n1,2,3\n", "line 2: more than the header's 2 columns");
}

Test(csv, non_numeric_cell_is_refused_with_line_and_column)
{
	expect_refused("a,b\n1,2\n3,abc\n", "line 3, column 2 (b): 'abc' is not a number");
	expect_refused("a,b\n1,2x\n", "line 2, column 2 (b)");
	expect_refused("a,b\n1,\n", "line 2, column 2 (b): empty cell");
}

Test(csv, nan_and_infinity_are_refused)
{
	expect_refused("a,b\nnan,1\n", "line 2, column 1 (a): 'nan' is not a finite float");
	expect_refused("a,b\n1,inf\n", "not a finite float");
	expect_refused("a,b\n1,1e60\n", "not a finite float");
}

Test(csv, empty_input_and_quotes_are_refused)
{
	expect_refused("", "empty file");
	expect_refused("\"a\",b\n1,2\n", "quoted");
	expect_refused("a,,b\n", "empty column name");
}

/* Issue 15: "\r\r\n" made a header of one column named "\r", which csv_write could not
 * write back. */
Test(csv, carriage_returns_are_blank_space_everywhere)
{
	struct csv_table t, u;
	char err[200], *text = NULL;
	size_t len = 0;
	FILE *f;

	expect_refused("\r\r\n", "empty file");
	expect_refused("\r\n\r\r\n \r\t\n", "empty file");
	cr_assert_eq(parse("\r\r\n\ra\r, b\r\r\n\r\n1\r,\r2\r\r\n3,4\r", &t, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(t.n_cols, 2);
	cr_expect_str_eq(t.names[0], "a");
	cr_expect_str_eq(t.names[1], "b");
	cr_assert_eq(t.n_rows, 2);
	cr_expect_float_eq(t.data[1], 2.0f, 0);
	cr_expect_float_eq(t.data[3], 4.0f, 0);
	/* What was read is written back as the same table. */
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(csv_write(f, (const char *const *)t.names, t.n_cols, t.data, t.n_rows), 0);
	fclose(f);
	cr_assert_eq(parse(text, &u, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(u.n_rows, t.n_rows);
	cr_expect_str_eq(u.names[0], "a");
	cr_expect_eq(memcmp(u.data, t.data, t.n_rows * t.n_cols * sizeof(float)), 0);
	csv_table_release(&t);
	csv_table_release(&u);
	free(text);
}

Test(csv, missing_file_is_reported)
{
	struct csv_table t;
	char err[200];

	cr_expect_eq(csv_read_path("/nonexistent/x.csv", &t, err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "cannot open") != NULL);
}
