// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * common/opts.c - option tables: getopt_long, "name=value", --help and values as text,
 * all from the rows (contract in opts.h).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/opts.h"

/* getopt_long's value for row i; short letters are below it. */
#define LONG_VAL 256
#define HELP_WIDTH 80
#define HELP_COL_MAX 26

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static size_t n_rows(const struct opts_cmd *c)
{
	size_t n = 0;

	while (c->entries[n].name)
		n++;
	return n;
}

static bool takes_arg(const struct opts_entry *e)
{
	return e->kind != OPTS_HELP && e->kind != OPTS_FLAG && e->kind != OPTS_SET;
}

static void *field(const struct opts_entry *e, void *o)
{
	return (char *)o + e->off;
}

static const void *cfield(const struct opts_entry *e, const void *o)
{
	return (const char *)o + e->off;
}

/* ---- field access by size ---------------------------------------------------------- */

static void put_uint(void *p, size_t size, unsigned long long v)
{
	switch (size) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = (uint64_t)v;
		break;
	}
}

static unsigned long long get_uint(const void *p, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

/* Signed fields: the same bits as put_uint() writes, read back sign-extended. */
static long long get_int(const void *p, size_t size)
{
	unsigned shift = 64 - 8 * (unsigned)(size < 8 ? size : 8);

	return (long long)(get_uint(p, size) << shift) >> shift;
}

/* ---- the typed parsers ------------------------------------------------------------- */

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal digits, or a whole number written as a float ("2e4", as strtod reads it). */
static int parse_uint(const char *s, unsigned long long *out)
{
	unsigned long long v;
	char *end;
	double d;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*end) {
		*out = v;
		return errno ? -ERANGE : 0;
	}
	errno = 0;
	d = strtod(s, &end);
	if (errno || *end || !isfinite(d) || d != floor(d) || d > 9007199254740992.0)
		return -EINVAL;
	*out = (unsigned long long)d;
	return 0;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(d))
		return -EINVAL;
	*out = d;
	return 0;
}

static const struct opts_name *enum_by_name(const struct opts_entry *e, const char *s)
{
	for (const struct opts_name *n = e->names; n && n->name; n++)
		if (!strcmp(n->name, s))
			return n;
	return NULL;
}

static const struct opts_name *enum_by_value(const struct opts_entry *e, int v)
{
	for (const struct opts_name *n = e->names; n && n->name; n++)
		if (!n->alias && n->value == v)
			return n;
	return NULL;
}

/* "a, b or c" of an enum's listed names. */
static void enum_list(const struct opts_entry *e, const char *sep, const char *last, char *buf,
		      size_t len)
{
	size_t n = 0, k = 0, used = 0;

	for (const struct opts_name *p = e->names; p && p->name; p++)
		n += !p->alias;
	buf[0] = '\0';
	for (const struct opts_name *p = e->names; p && p->name; p++) {
		int w;

		if (p->alias)
			continue;
		w = snprintf(buf + used, len - used, "%s%s",
			     k == 0	? "" :
			     k + 1 == n ? last :
					  sep,
			     p->name);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
		k++;
	}
}

static int set_prefix(const struct opts_entry *e, void *o, const char *v, const char *shown,
		      char *err, size_t len)
{
	unsigned *count = (unsigned *)((char *)o + e->count_off);
	struct addr_prefix *arr = field(e, o), p;
	char norm[ADDR_PREFIX_STRLEN];
	int r;

	if (*count >= e->max_count) {
		set_err(err, len, "%s: at most %u", shown, e->max_count);
		return -EINVAL;
	}
	r = addr_prefix_parse(v, &p);
	if (r == -EDOM) {
		addr_prefix_format(&p, norm, sizeof(norm));
		set_err(err, len,
			"%s: '%s' has host bits set below the prefix length (did you mean %s?)",
			shown, v, norm);
		return -EINVAL;
	}
	if (r == -ERANGE) {
		set_err(err, len,
			"%s: prefix length out of range in '%s' (IPv4 0..32, IPv6 0..128)", shown,
			v);
		return -EINVAL;
	}
	if (r) {
		set_err(err, len,
			"%s: '%s' is not an address or prefix (a.b.c.d[/len], IPv6[/len])", shown,
			v);
		return -EINVAL;
	}
	arr[(*count)++] = p;
	return 0;
}

static int set_number(const struct opts_entry *e, void *o, const char *v, const char *shown,
		      char *err, size_t len)
{
	const char *what = e->kind == OPTS_SECONDS ? "a number of seconds" : "a number";
	double d;

	if (parse_number(v, &d) || d < e->dmin || (e->open_min && d == e->dmin) || d > e->dmax) {
		if (e->open_min)
			set_err(err, len, "%s: '%s' is not %s above %.15g and at most %.15g", shown,
				v, what, e->dmin, e->dmax);
		else
			set_err(err, len, "%s: '%s' is not %s from %.15g to %.15g", shown, v, what,
				e->dmin, e->dmax);
		return -EINVAL;
	}
	if (e->size == sizeof(float))
		*(float *)field(e, o) = (float)d;
	else
		*(double *)field(e, o) = d;
	return 0;
}

/* Sets e's field from v (NULL: given without a value, as a flag on the command line). */
static int set_value(const struct opts_entry *e, void *o, const char *v, const char *shown,
		     char *err, size_t len)
{
	unsigned long long u;
	const struct opts_name *n;
	char names[160];
	bool b = true;

	if (v && (e->kind == OPTS_FLAG || e->kind == OPTS_SET) && parse_bool(v, &b)) {
		set_err(err, len, "%s: '%s' is not yes or no", shown, v);
		return -EINVAL;
	}
	if (!v && takes_arg(e)) {
		set_err(err, len, "%s needs a value", shown);
		return -EINVAL;
	}
	switch (e->kind) {
	case OPTS_FLAG:
		*(bool *)field(e, o) = b;
		return 0;
	case OPTS_SET:
		put_uint(field(e, o), e->size, (unsigned long long)(b ? e->set : e->unset));
		return 0;
	case OPTS_STRING:
		*(const char **)field(e, o) = v;
		return 0;
	case OPTS_UINT:
		if (parse_uint(v, &u) || u < e->umin || u > e->umax) {
			set_err(err, len, "%s: '%s' is not a whole number from %llu to %llu", shown,
				v, e->umin, e->umax);
			return -EINVAL;
		}
		put_uint(field(e, o), e->size, u);
		return 0;
	case OPTS_NUMBER:
	case OPTS_SECONDS:
		return set_number(e, o, v, shown, err, len);
	case OPTS_ENUM:
		n = enum_by_name(e, v);
		if (!n) {
			enum_list(e, ", ", " or ", names, sizeof(names));
			set_err(err, len, "%s: '%s' is not %s", shown, v, names);
			return -EINVAL;
		}
		*(int *)field(e, o) = n->value;
		return 0;
	case OPTS_PREFIX:
		return set_prefix(e, o, v, shown, err, len);
	default:
		set_err(err, len, "%s cannot be set", shown);
		return -EINVAL;
	}
}

/* ---- parsing ----------------------------------------------------------------------- */

static void mark_seen(struct opts_result *res, size_t i)
{
	if (i < OPTS_MAX_ENTRIES && res->seen[i] < 255)
		res->seen[i]++;
}

static int add_arg(const struct opts_cmd *c, struct opts_result *res, char *arg)
{
	if (res->n_args >= c->max_args || res->n_args >= OPTS_MAX_ARGS) {
		set_err(res->err, sizeof(res->err),
			"unexpected argument '%s' (see nadxdp %s --help)", arg, c->name);
		return -EINVAL;
	}
	res->args[res->n_args++] = arg;
	return 0;
}

/* Which row getopt_long's c (a short letter or LONG_VAL + row) stands for, or -1. */
static long row_of(const struct opts_cmd *c, size_t n, int val)
{
	if (val >= LONG_VAL && (size_t)(val - LONG_VAL) < n)
		return val - LONG_VAL;
	for (size_t i = 0; val > 0 && val < LONG_VAL && i < n; i++)
		if (c->entries[i].short_name == val)
			return (long)i;
	return -1;
}

/* The getopt_long tables of c's rows. */
static void build_getopt(const struct opts_cmd *c, size_t n, struct option *lo, char *shorts)
{
	size_t k = 0;

	shorts[k++] = '-'; /* positional words come back as 1, in order */
	shorts[k++] = ':'; /* a missing argument is ':', not '?' */
	for (size_t i = 0; i < n; i++) {
		const struct opts_entry *e = &c->entries[i];

		lo[i] = (struct option){ e->name, takes_arg(e) ? required_argument : no_argument,
					 NULL, LONG_VAL + (int)i };
		if (e->short_name) {
			shorts[k++] = e->short_name;
			if (takes_arg(e))
				shorts[k++] = ':';
		}
	}
	lo[n] = (struct option){ 0 };
	shorts[k] = '\0';
}

static void refused(const struct opts_cmd *c, size_t n, char **argv, int val,
		    struct opts_result *res)
{
	long i = row_of(c, n, optopt);
	const char *typed = argv[optind - 1];

	if (val == ':' && i >= 0)
		set_err(res->err, sizeof(res->err), "option '--%s' needs an argument",
			c->entries[i].name);
	else if (i >= 0 && optopt >= LONG_VAL)
		set_err(res->err, sizeof(res->err), "option '--%s' takes no value",
			c->entries[i].name);
	else if (optopt > 0 && optopt < LONG_VAL)
		set_err(res->err, sizeof(res->err), "unknown option '-%c' (see nadxdp %s --help)",
			optopt, c->name);
	else
		set_err(res->err, sizeof(res->err), "unknown option '%s' (see nadxdp %s --help)",
			typed, c->name);
}

int opts_parse(const struct opts_cmd *c, int argc, char **argv, void *o, struct opts_result *res)
{
	struct option lo[OPTS_MAX_ENTRIES + 1];
	char shorts[3 + 2 * OPTS_MAX_ENTRIES];
	size_t n = n_rows(c);
	int val;

	memset(res, 0, sizeof(*res));
	if (n > OPTS_MAX_ENTRIES) {
		set_err(res->err, sizeof(res->err), "%s: too many options in the table", c->name);
		return -EINVAL;
	}
	build_getopt(c, n, lo, shorts);
	optind = 0; /* glibc: start afresh, whatever an earlier parse left */
	opterr = 0;
	while ((val = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct opts_entry *e;
		char shown[64];
		long i;

		if (val == 1) {
			if (add_arg(c, res, optarg))
				return -EINVAL;
			continue;
		}
		i = val == '?' || val == ':' ? -1 : row_of(c, n, val);
		if (i < 0) {
			refused(c, n, argv, val, res);
			return -EINVAL;
		}
		e = &c->entries[i];
		mark_seen(res, (size_t)i);
		if (e->kind == OPTS_HELP) {
			res->help = true;
			return 0;
		}
		snprintf(shown, sizeof(shown), "--%s", e->name);
		if (set_value(e, o, takes_arg(e) ? optarg : NULL, shown, res->err,
			      sizeof(res->err)))
			return -EINVAL;
	}
	for (; optind < argc; optind++) /* after "--" */
		if (add_arg(c, res, argv[optind]))
			return -EINVAL;
	return 0;
}

const struct opts_entry *opts_find(const struct opts_cmd *c, const char *name)
{
	for (const struct opts_entry *e = c->entries; name && e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

int opts_apply(const struct opts_cmd *c, void *o, const char *name, const char *value,
	       unsigned need, struct opts_result *res)
{
	const struct opts_entry *e = opts_find(c, name);

	if (!e || e->kind == OPTS_HELP || (e->flags & need) != need) {
		set_err(res->err, sizeof(res->err), "%s: no such %s of nadxdp %s", name,
			need & OPTS_CONFIG ? "setting" : "option", c->name);
		return -ENOENT;
	}
	mark_seen(res, (size_t)(e - c->entries));
	return set_value(e, o, value, name, res->err, sizeof(res->err));
}

unsigned opts_seen(const struct opts_cmd *c, const struct opts_result *res, const char *name)
{
	const struct opts_entry *e = opts_find(c, name);
	size_t i = e ? (size_t)(e - c->entries) : OPTS_MAX_ENTRIES;

	return i < OPTS_MAX_ENTRIES ? res->seen[i] : 0;
}

const struct opts_entry *opts_outside(const struct opts_cmd *c, const struct opts_result *res,
				      unsigned scope)
{
	for (size_t i = 0; i < OPTS_MAX_ENTRIES && c->entries[i].name; i++) {
		const struct opts_entry *e = &c->entries[i];

		if (res->seen[i] && e->scope && !(e->scope & scope))
			return e;
	}
	return NULL;
}

/* ---- values as text ---------------------------------------------------------------- */

static int format_prefixes(const struct opts_entry *e, const void *o, char *buf, size_t len)
{
	unsigned count = *(const unsigned *)((const char *)o + e->count_off);
	const struct addr_prefix *arr = cfield(e, o);
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < count; i++) {
		char one[ADDR_PREFIX_STRLEN];
		int w;

		if (addr_prefix_format(&arr[i], one, sizeof(one)))
			return -EINVAL;
		w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
		if (w < 0 || (size_t)w >= len - used)
			return -ENOSPC;
		used += (size_t)w;
	}
	return 0;
}

int opts_format(const struct opts_entry *e, const void *o, char *buf, size_t len)
{
	const void *p = cfield(e, o);
	const struct opts_name *n;
	const char *s;
	int w;

	if (!len)
		return -ENOSPC;
	switch (e->kind) {
	case OPTS_FLAG:
		w = snprintf(buf, len, "%s", *(const bool *)p ? "yes" : "no");
		break;
	case OPTS_SET:
		w = snprintf(buf, len, "%s", get_int(p, e->size) == e->set ? "yes" : "no");
		break;
	case OPTS_STRING:
		s = *(const char *const *)p;
		w = snprintf(buf, len, "%s", s ? s : "");
		break;
	case OPTS_UINT:
		w = snprintf(buf, len, "%llu", get_uint(p, e->size));
		break;
	case OPTS_NUMBER:
	case OPTS_SECONDS:
		w = snprintf(buf, len, "%g",
			     e->size == sizeof(float) ? (double)*(const float *)p :
							*(const double *)p);
		break;
	case OPTS_ENUM:
		n = enum_by_value(e, *(const int *)p);
		w = n ? snprintf(buf, len, "%s", n->name) :
			snprintf(buf, len, "%d", *(const int *)p);
		break;
	case OPTS_PREFIX:
		return format_prefixes(e, o, buf, len);
	default:
		buf[0] = '\0';
		return -EINVAL;
	}
	return w < 0 || (size_t)w >= len ? -ENOSPC : 0;
}

/* ---- help -------------------------------------------------------------------------- */

const char *opts_metavar(const struct opts_entry *e, char *buf, size_t len)
{
	if (e->metavar)
		return e->metavar;
	switch (e->kind) {
	case OPTS_UINT:
		return "N";
	case OPTS_NUMBER:
		return "X";
	case OPTS_SECONDS:
		return "S";
	case OPTS_ENUM:
		enum_list(e, "|", "|", buf, len);
		return buf;
	case OPTS_PREFIX:
		return "CIDR";
	default:
		return "VALUE";
	}
}

void opts_default_text(const struct opts_entry *e, const void *defaults, char *buf, size_t len)
{
	buf[0] = '\0';
	if (e->deftext) {
		snprintf(buf, len, "%s", e->deftext);
		return;
	}
	if (!defaults || e->kind == OPTS_HELP || e->kind == OPTS_FLAG || e->kind == OPTS_SET ||
	    e->kind == OPTS_PREFIX)
		return;
	if (e->kind == OPTS_STRING && !*(const char *const *)cfield(e, defaults))
		return;
	if (opts_format(e, defaults, buf, len))
		buf[0] = '\0';
}

/* Writes text from column col, wrapped at HELP_WIDTH, continuation lines at col too. */
static void put_wrapped(FILE *f, const char *text, int col)
{
	int at = col;

	while (*text) {
		size_t w = strcspn(text, " ");

		if (at > col && at + 1 + (int)w > HELP_WIDTH) {
			fprintf(f, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', f);
			at++;
		}
		fwrite(text, 1, w, f);
		at += (int)w;
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void left_part(const struct opts_entry *e, bool short_col, char *buf, size_t len)
{
	char mv[128];
	int w;

	if (e->short_name)
		w = snprintf(buf, len, "-%c, --%s", e->short_name, e->name);
	else
		w = snprintf(buf, len, "%s--%s", short_col ? "    " : "", e->name);
	if (w > 0 && (size_t)w < len && takes_arg(e))
		snprintf(buf + w, len - (size_t)w, " %s", opts_metavar(e, mv, sizeof(mv)));
}

static void put_row(FILE *f, const struct opts_entry *e, const void *defaults, bool short_col,
		    int col)
{
	char left[160], def[256], text[768];

	left_part(e, short_col, left, sizeof(left));
	opts_default_text(e, defaults, def, sizeof(def));
	snprintf(text, sizeof(text), "%s%s%s%s", e->help ? e->help : "", *def ? " (default " : "",
		 def, *def ? ")" : "");
	if ((int)strlen(left) + 4 > col)
		fprintf(f, "  %s\n%*s", left, col, "");
	else
		fprintf(f, "  %-*s", col - 2, left);
	put_wrapped(f, text, col);
}

int opts_help(const struct opts_cmd *c, const void *defaults, FILE *f)
{
	size_t n = n_rows(c), n_sec = 1;
	bool short_col = false;
	int col = 0;

	for (size_t i = 0; i < n; i++)
		short_col |= c->entries[i].short_name != 0;
	/* The help column: after the longest left part that fits before HELP_COL_MAX. */
	for (size_t i = 0; i < n; i++) {
		char left[160];
		int w;

		left_part(&c->entries[i], short_col, left, sizeof(left));
		w = (int)strlen(left) + 4;
		if (w > col && w <= HELP_COL_MAX)
			col = w;
	}
	col = col ? col : HELP_COL_MAX;
	for (const char *s = c->synopsis, *first = "Usage: "; s && *s; first = "       ") {
		size_t w = strcspn(s, "\n");

		fprintf(f, "%s%.*s\n", first, (int)w, s);
		s += w + (s[w] == '\n');
	}
	if (c->description)
		fprintf(f, "\n%s", c->description);
	while (c->sections && c->sections[n_sec])
		n_sec++;
	for (size_t s = 0; s < n_sec; s++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			if (c->entries[i].section != s)
				continue;
			if (!any)
				fprintf(f, "\n%s%s", c->sections ? c->sections[s] : "",
					c->sections ? ":\n" : "");
			any = true;
			put_row(f, &c->entries[i], defaults, short_col, col);
		}
	}
	if (c->footer)
		fprintf(f, "\n%s", c->footer);
	return ferror(f) ? -EIO : 0;
}

/* ---- table checks ------------------------------------------------------------------ */

static bool size_ok(const struct opts_entry *e)
{
	switch (e->kind) {
	case OPTS_HELP:
		return true;
	case OPTS_FLAG:
		return e->size == sizeof(bool);
	case OPTS_SET:
	case OPTS_UINT:
		return e->size == 1 || e->size == 2 || e->size == 4 || e->size == 8;
	case OPTS_STRING:
		return e->size == sizeof(const char *);
	case OPTS_NUMBER:
	case OPTS_SECONDS:
		return e->size == sizeof(float) || e->size == sizeof(double);
	case OPTS_ENUM:
		return e->size == sizeof(int) && e->names && e->names[0].name;
	case OPTS_PREFIX:
		return e->size == e->max_count * sizeof(struct addr_prefix) && e->max_count > 0;
	default:
		return false;
	}
}

static int check_row(const struct opts_cmd *c, size_t i, size_t n_sec, size_t n_scope, char *err,
		     size_t len)
{
	const struct opts_entry *e = &c->entries[i];
	unsigned long long umax_fit = e->size >= 8 ? ~0ull : (1ull << (8 * e->size)) - 1;

	if (!*e->name || !e->help) {
		set_err(err, len, "%s: row %zu has no name or help", c->name, i);
		return -EINVAL;
	}
	for (size_t j = 0; j < i; j++) {
		if (!strcmp(c->entries[j].name, e->name) ||
		    (e->short_name && c->entries[j].short_name == e->short_name)) {
			set_err(err, len, "%s: --%s repeats a name or letter", c->name, e->name);
			return -EINVAL;
		}
	}
	if (!size_ok(e) || (e->kind != OPTS_HELP && e->off + e->size > c->size) ||
	    (e->kind == OPTS_PREFIX && e->count_off + sizeof(unsigned) > c->size)) {
		set_err(err, len, "%s: --%s has a field its kind cannot store", c->name, e->name);
		return -EINVAL;
	}
	if ((e->kind == OPTS_UINT && (e->umin > e->umax || e->umax > umax_fit)) ||
	    ((e->kind == OPTS_NUMBER || e->kind == OPTS_SECONDS) && !(e->dmin <= e->dmax))) {
		set_err(err, len, "%s: --%s has a bad range", c->name, e->name);
		return -EINVAL;
	}
	if (e->section >= n_sec || (e->scope >> n_scope)) {
		set_err(err, len, "%s: --%s has an unnamed section or scope", c->name, e->name);
		return -EINVAL;
	}
	return 0;
}

int opts_check_table(const struct opts_cmd *c, char *err, size_t len)
{
	size_t n = n_rows(c), n_sec = 0, n_scope = 0;

	if (n > OPTS_MAX_ENTRIES || c->max_args > OPTS_MAX_ARGS || !c->defaults || !c->size) {
		set_err(err, len, "%s: too many rows or arguments, or no defaults", c->name);
		return -EINVAL;
	}
	while (c->sections && c->sections[n_sec])
		n_sec++;
	while (c->scopes && c->scopes[n_scope])
		n_scope++;
	for (size_t i = 0; i < n; i++) {
		int r = check_row(c, i, n_sec ? n_sec : 1, n_scope, err, len);

		if (r)
			return r;
	}
	return 0;
}
