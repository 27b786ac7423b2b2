// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
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

Test(csv, missing_file_is_reported)
{
	struct csv_table t;
	char err[200];

	cr_expect_eq(csv_read_path("/nonexistent/x.csv", &t, err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "cannot open") != NULL);
}
