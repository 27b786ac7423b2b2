// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/promcheck.h"

#define MAX_FAM 128
#define MAX_SERIES 1024
#define NAME_MAX_LEN 128

struct fam {
	char name[NAME_MAX_LEN];
	char type[16];
	bool help, done;
	/* histogram bookkeeping */
	double last_le, last_bucket, inf_bucket, count;
	bool have_inf, have_sum, have_count;
};

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "line %u: ", line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool valid_name(const char *s, size_t n, bool metric)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || (metric && s[0] == ':')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (metric && s[i] == ':')))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool parse_value(const char *s, double *v)
{
	char *end;

	if (!strcmp(s, "+Inf")) {
		*v = INFINITY;
		return true;
	}
	if (!strcmp(s, "-Inf")) {
		*v = -INFINITY;
		return true;
	}
	if (!strcmp(s, "NaN")) {
		*v = NAN;
		return true;
	}
	if (!*s || isspace((unsigned char)*s))
		return false;
	*v = strtod(s, &end);
	return *end == '\0' && end != s;
}

static struct fam *find_fam(struct fam *f, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

int promcheck(const char *text, char *err, size_t errlen, unsigned *n_samples)
{
	static const char *const bad_units[] = { "_milliseconds", "_microseconds", "_nanoseconds",
		"_ms", "_ns", "_us", "_kilobytes", "_megabytes", "_bits", "_kb", "_mb", "_percent" };
	static const char *const bad_labels[] = { "addr", "address", "ip", "src", "dst", "saddr",
		"daddr", "source", "destination", "host", "prefix" };
	struct fam *fams = calloc(MAX_FAM, sizeof(*fams));
	char(*series)[512] = calloc(MAX_SERIES, sizeof(*series));
	unsigned n_fam = 0, n_series = 0, lineno = 0;
	struct fam *cur = NULL;
	const char *p = text;
	char line[4096];
	int rc = -1;

	if (n_samples)
		*n_samples = 0;
	if (!fams || !series) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!*text || text[strlen(text) - 1] != '\n') {
		fail(err, errlen, 0, "text does not end with a newline");
		goto out;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p);

		lineno++;
		if (len >= sizeof(line)) {
			fail(err, errlen, lineno, "line too long");
			goto out;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl + 1;
		if (!len) {
			fail(err, errlen, lineno, "empty line");
			goto out;
		}
		if (line[0] == '#') {
			char kw[8], name[NAME_MAX_LEN];
			int off = 0;
			struct fam *f;

			if (sscanf(line, "# %7s %127s %n", kw, name, &off) < 2 ||
			    (strcmp(kw, "HELP") && strcmp(kw, "TYPE"))) {
				fail(err, errlen, lineno, "comment is neither HELP nor TYPE: %s", line);
				goto out;
			}
			if (!valid_name(name, strlen(name), true) || strncmp(name, "nadxdp_", 7)) {
				fail(err, errlen, lineno, "bad family name %s", name);
				goto out;
			}
			f = find_fam(fams, n_fam, name);
			if (f && f->done) {
				fail(err, errlen, lineno, "family %s reopened", name);
				goto out;
			}
			if (!f) {
				if (cur)
					cur->done = true;
				if (n_fam == MAX_FAM) {
					fail(err, errlen, lineno, "too many families");
					goto out;
				}
				f = &fams[n_fam++];
				snprintf(f->name, sizeof(f->name), "%s", name);
				f->last_le = -INFINITY;
				cur = f;
			}
			if (!strcmp(kw, "HELP")) {
				if (f->help || !off || !line[off]) {
					fail(err, errlen, lineno, "HELP twice or empty for %s", name);
					goto out;
				}
				f->help = true;
			} else {
				const char *t = line + off;

				if (f->type[0]) {
					fail(err, errlen, lineno, "TYPE twice for %s", name);
					goto out;
				}
				if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") &&
				    strcmp(t, "summary") && strcmp(t, "untyped")) {
					fail(err, errlen, lineno, "unknown type '%s'", t);
					goto out;
				}
				snprintf(f->type, sizeof(f->type), "%s", t);
				if (!strcmp(t, "counter") != ends_with(name, "_total")) {
					fail(err, errlen, lineno, "%s: _total iff counter", name);
					goto out;
				}
				for (size_t u = 0; u < sizeof(bad_units) / sizeof(*bad_units); u++)
					if (strstr(name, bad_units[u])) {
						fail(err, errlen, lineno, "%s: not a base unit", name);
						goto out;
					}
			}
			continue;
		}
		{
			/* sample: name[{labels}] value [timestamp] */
			char *q = line, *val, name[NAME_MAX_LEN], key[512];
			size_t nlen = strcspn(q, "{ ");
			char lnames[16][64];
			unsigned n_l = 0;
			double v, le = NAN;
			bool has_le = false;
			struct fam *f;

			if (nlen >= sizeof(name) || !valid_name(q, nlen, true)) {
				fail(err, errlen, lineno, "bad sample name: %s", line);
				goto out;
			}
			memcpy(name, q, nlen);
			name[nlen] = '\0';
			q += nlen;
			if (*q == '{') {
				q++;
				while (*q != '}') {
					size_t ln = strcspn(q, "=");
					char lv[256];
					size_t vn = 0;

					if (!q[ln] || ln >= 64 || !valid_name(q, ln, false) ||
					    q[ln + 1] != '"' || n_l == 16) {
						fail(err, errlen, lineno, "bad label: %s", line);
						goto out;
					}
					memcpy(lnames[n_l], q, ln);
					lnames[n_l][ln] = '\0';
					for (unsigned i = 0; i < n_l; i++)
						if (!strcmp(lnames[i], lnames[n_l])) {
							fail(err, errlen, lineno, "duplicate label");
							goto out;
						}
					for (size_t b = 0; b < sizeof(bad_labels) / sizeof(*bad_labels); b++)
						if (!strcmp(lnames[n_l], bad_labels[b])) {
							fail(err, errlen, lineno, "address-like label %s",
							     lnames[n_l]);
							goto out;
						}
					q += ln + 2;
					while (*q != '"') {
						if (!*q || *q == '\n' || vn + 2 >= sizeof(lv)) {
							fail(err, errlen, lineno, "unterminated label value");
							goto out;
						}
						if (*q == '\\') {
							q++;
							if (*q != '\\' && *q != '"' && *q != 'n') {
								fail(err, errlen, lineno, "bad escape");
								goto out;
							}
						}
						lv[vn++] = *q++;
					}
					lv[vn] = '\0';
					q++;
					if (!strcmp(lnames[n_l], "le")) {
						has_le = true;
						if (!parse_value(lv, &le)) {
							fail(err, errlen, lineno, "le not a number");
							goto out;
						}
					}
					n_l++;
					if (*q == ',')
						q++;
					else if (*q != '}') {
						fail(err, errlen, lineno, "expected , or }");
						goto out;
					}
				}
				q++;
			}
			if (*q != ' ') {
				fail(err, errlen, lineno, "no space before value");
				goto out;
			}
			val = q + 1;
			{
				char *sp = strchr(val, ' ');

				if (sp) {
					char *end;

					*sp = '\0';
					strtoll(sp + 1, &end, 10);
					if (*end || end == sp + 1) {
						fail(err, errlen, lineno, "bad timestamp");
						goto out;
					}
				}
			}
			if (!parse_value(val, &v)) {
				fail(err, errlen, lineno, "bad value '%s'", val);
				goto out;
			}
			/* which family? */
			f = cur;
			if (!f || !f->help || !f->type[0]) {
				fail(err, errlen, lineno, "sample %s before its HELP and TYPE", name);
				goto out;
			}
			if (!strcmp(f->type, "histogram")) {
				size_t fl = strlen(f->name);

				if (strncmp(name, f->name, fl)) {
					fail(err, errlen, lineno, "%s outside its family", name);
					goto out;
				}
				if (!strcmp(name + fl, "_bucket")) {
					if (!has_le || le <= f->last_le || v < f->last_bucket) {
						fail(err, errlen, lineno, "bucket le/cumulative order");
						goto out;
					}
					f->last_le = le;
					f->last_bucket = v;
					if (isinf(le)) {
						f->have_inf = true;
						f->inf_bucket = v;
					}
				} else if (!strcmp(name + fl, "_sum")) {
					f->have_sum = true;
				} else if (!strcmp(name + fl, "_count")) {
					f->have_count = true;
					f->count = v;
				} else {
					fail(err, errlen, lineno, "%s is not a histogram series", name);
					goto out;
				}
			} else if (strcmp(name, f->name)) {
				fail(err, errlen, lineno, "%s outside family %s", name, f->name);
				goto out;
			}
			if (!strcmp(f->type, "counter") && (v < 0 || isnan(v))) {
				fail(err, errlen, lineno, "negative counter");
				goto out;
			}
			{
				size_t kl = strcspn(line, " ");

				if (kl >= sizeof(key)) {
					fail(err, errlen, lineno, "series too long");
					goto out;
				}
				memcpy(key, line, kl);
				key[kl] = '\0';
			}
			for (unsigned i = 0; i < n_series; i++)
				if (!strcmp(series[i], key)) {
					fail(err, errlen, lineno, "duplicate series %s", key);
					goto out;
				}
			if (n_series == MAX_SERIES) {
				fail(err, errlen, lineno, "too many series");
				goto out;
			}
			snprintf(series[n_series++], sizeof(series[0]), "%s", key);
			if (n_samples)
				(*n_samples)++;
		}
	}
	for (unsigned i = 0; i < n_fam; i++) {
		struct fam *f = &fams[i];

		if (!f->help || !f->type[0]) {
			fail(err, errlen, lineno, "family %s lacks HELP or TYPE", f->name);
			goto out;
		}
		if (!strcmp(f->type, "histogram") &&
		    (!f->have_inf || !f->have_sum || !f->have_count || f->inf_bucket != f->count)) {
			fail(err, errlen, lineno, "histogram %s incomplete or +Inf != _count", f->name);
			goto out;
		}
	}
	rc = 0;
out:
	free(fams);
	free(series);
	return rc;
}

double promcheck_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}
