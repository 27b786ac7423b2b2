// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Blank space around cells and at line ends. A carriage return is one wherever it
 * sits: kept as text it would make names csv_write() cannot write back. */
static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Strips the trailing "\n"; returns whether the line is blank. */
static int chomp(char *line, size_t *len)
{
	size_t n = *len;

	if (n && line[n - 1] == '\n')
		line[--n] = 0;
	*len = n;
	for (size_t i = 0; i < n; i++)
		if (!blank(line[i]))
			return 0;
	return 1;
}

static char *trim(char *s)
{
	char *e;

	while (blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && blank(e[-1]))
		*--e = 0;
	return s;
}

void csv_table_release(struct csv_table *t)
{
	if (!t)
		return;
	if (t->names)
		for (size_t j = 0; j < t->n_cols; j++)
			free(t->names[j]);
	free(t->names);
	free(t->data);
	memset(t, 0, sizeof(*t));
}

static int parse_header(char *line, struct csv_table *t, char *err, size_t errlen)
{
	size_t n = 1;
	char *p, *tok;

	for (p = line; *p; p++)
		n += *p == ',';
	t->names = calloc(n, sizeof(char *));
	if (!t->names)
		return -ENOMEM;
	t->n_cols = n;
	p = line;
	for (size_t j = 0; j < n; j++) {
		tok = strsep(&p, ",");
		tok = trim(tok);
		if (!*tok) {
			set_err(err, errlen, "line 1, column %zu: empty column name", j + 1);
			return -EINVAL;
		}
		if (strchr(tok, '"')) {
			set_err(err, errlen, "line 1, column %zu: quoted fields are not supported",
				j + 1);
			return -EINVAL;
		}
		t->names[j] = strdup(tok);
		if (!t->names[j])
			return -ENOMEM;
	}
	return 0;
}

int csv_read(FILE *f, struct csv_table *t, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0, rows_cap = 0, lineno = 0;
	ssize_t got;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (err && errlen)
		err[0] = 0;
	while ((got = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)got, j = 0;
		char *p = line, *tok;

		lineno++;
		if (strlen(line) != len) {
			set_err(err, errlen, "line %zu: NUL byte in text", lineno);
			ret = -EINVAL;
			goto out;
		}
		if (chomp(line, &len))
			continue;
		if (!t->names) {
			ret = parse_header(line, t, err, errlen);
			if (ret)
				goto out;
			continue;
		}
		if (t->n_rows == rows_cap) {
			size_t nc = rows_cap ? rows_cap * 2 : 1024;
			float *nd;

			if (nc > SIZE_MAX / sizeof(float) / t->n_cols) {
				ret = -ENOMEM;
				goto out;
			}
			nd = realloc(t->data, nc * t->n_cols * sizeof(float));
			if (!nd) {
				ret = -ENOMEM;
				goto out;
			}
			t->data = nd;
			rows_cap = nc;
		}
		for (j = 0; p; j++) {
			char *end;
			float v;

			tok = trim(strsep(&p, ","));
			if (j >= t->n_cols) {
				set_err(err, errlen, "line %zu: more than the header's %zu columns",
					lineno, t->n_cols);
				ret = -EINVAL;
				goto out;
			}
			if (!*tok) {
				set_err(err, errlen, "line %zu, column %zu (%s): empty cell",
					lineno, j + 1, t->names[j]);
				ret = -EINVAL;
				goto out;
			}
			errno = 0;
			v = strtof(tok, &end);
			if (*end || end == tok) {
				set_err(err, errlen,
					"line %zu, column %zu (%s): '%.40s' is not a number",
					lineno, j + 1, t->names[j], tok);
				ret = -EINVAL;
				goto out;
			}
			if (!isfinite(v)) {
				set_err(err, errlen,
					"line %zu, column %zu (%s): '%.40s' is not a finite float",
					lineno, j + 1, t->names[j], tok);
				ret = -EINVAL;
				goto out;
			}
			t->data[t->n_rows * t->n_cols + j] = v;
		}
		if (j != t->n_cols) {
			set_err(err, errlen, "line %zu: %zu columns, the header has %zu", lineno, j,
				t->n_cols);
			ret = -EINVAL;
			goto out;
		}
		t->n_rows++;
	}
	if (ferror(f)) {
		set_err(err, errlen, "read error: %s", strerror(errno));
		ret = -EIO;
		goto out;
	}
	if (!t->names) {
		set_err(err, errlen, "empty file: no header row");
		ret = -EINVAL;
	}
out:
	free(line);
	if (ret == -ENOMEM)
		set_err(err, errlen, "out of memory");
	if (ret)
		csv_table_release(t);
	return ret;
}

int csv_read_path(const char *path, struct csv_table *t, char *err, size_t errlen)
{
	FILE *f;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!strcmp(path, "-"))
		return csv_read(stdin, t, err, errlen);
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		set_err(err, errlen, "cannot open: %s", strerror(errno));
		return ret;
	}
	ret = csv_read(f, t, err, errlen);
	fclose(f);
	return ret;
}

int csv_write(FILE *f, const char *const *names, size_t n_cols, const float *data, size_t n_rows)
{
	for (size_t j = 0; j < n_cols; j++)
		fprintf(f, "%s%s", names[j], j + 1 < n_cols ? "," : "\n");
	for (size_t i = 0; i < n_rows; i++)
		for (size_t j = 0; j < n_cols; j++)
			fprintf(f, "%.9g%s", data[i * n_cols + j], j + 1 < n_cols ? "," : "\n");
	return ferror(f) ? -EIO : 0;
}
