/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/csv.h - a strict reader of numeric CSV: one header row of column names,
 * then rows of the same number of finite numbers, comma-separated. Blank
 * lines and a trailing newline are allowed; spaces, tabs and carriage returns
 * around a cell are blank space (so CRLF line ends are accepted); quotes are not. Anything else (a ragged row, a cell that is not a number,
 * NaN or infinity, an empty cell) is refused with its line and column.
 */
#ifndef NAD_CSV_H
#define NAD_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv_table {
	size_t n_rows, n_cols;
	float *data; /* n_rows * n_cols, row-major */
	char **names; /* n_cols header names */
};

/*
 * Reads f (name is used in messages) into t. Returns 0, or -EINVAL for malformed input
 * (with a one-line reason such as "line 17, column 3 (dst_port): 'abc' is not a number"
 * in err[errlen], no trailing newline), -EIO or -ENOMEM. On failure t is empty.
 */
int csv_read(FILE *f, struct csv_table *t, char *err, size_t errlen);
/* Opens path ("-" is stdin) and reads it; open failures give -errno and a reason. */
int csv_read_path(const char *path, struct csv_table *t, char *err, size_t errlen);
/* Frees the members; t may be NULL or already released. */
void csv_table_release(struct csv_table *t);

/* Writes n rows of the given columns with a header; returns 0 or -EIO. */
int csv_write(FILE *f, const char *const *names, size_t n_cols, const float *data, size_t n_rows);

#endif /* NAD_CSV_H */
