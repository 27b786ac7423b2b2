// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/config.c - the configuration file (contract in config.h).
 *
 * libinih splits the lines (comments, " ; " after a value, whitespace, a BOM); the
 * values go through opts_apply, the parsers the flags use. Debian's libinih is built
 * without line numbers in its handler, so the file is fed to it through a reader that
 * counts lines: the handler runs for the line the reader has just returned.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "cli/run.h"

struct reader {
	const struct opts_cmd *c;
	void *o;
	struct config *cfg;
	FILE *f;
	const char *path;
	unsigned lineno;
	unsigned err_line; /* the first refused line, 0: none */
	char *err;
	size_t err_len;
	char *buf; /* getline's */
	size_t buf_len;
};

/* Keeps the first refusal: "PATH:LINE: why". */
static void refuse(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(struct reader *r, const char *fmt, ...)
{
	char why[OPTS_ERRLEN + 64];
	va_list ap;

	if (r->err_line)
		return;
	r->err_line = r->lineno;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->err_len, "%s:%u: %s", r->path, r->lineno, why);
}

/* libinih's ini_reader: one line per call, counted; a line too long is refused here. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	ssize_t n = getline(&r->buf, &r->buf_len, r->f);

	if (n < 0)
		return NULL;
	r->lineno++;
	if (n >= num) {
		refuse(r, "line longer than %d characters", num - 2);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, r->buf, (size_t)n + 1);
	return str;
}

/* A copy of value the options may point into until config_free(). */
static char *keep(struct config *cfg, const char *value)
{
	char *s;

	if (cfg->n_values == cfg->cap_values) {
		size_t cap = cfg->cap_values ? 2 * cfg->cap_values : 16;
		char **v = realloc(cfg->values, cap * sizeof(*v));

		if (!v)
			return NULL;
		cfg->values = v;
		cfg->cap_values = cap;
	}
	s = strdup(value);
	if (s)
		cfg->values[cfg->n_values++] = s;
	return s;
}

/* Applies one value (for a repeatable option, each of a comma-separated list). */
static int apply(struct reader *r, const struct opts_entry *e, char *value)
{
	struct opts_result res = { 0 };
	char *save = NULL;

	char *v = e->kind == OPTS_PREFIX ? strtok_r(value, ", \t", &save) : value;

	for (; v; v = e->kind == OPTS_PREFIX ? strtok_r(NULL, ", \t", &save) : NULL) {
		if (opts_apply(r->c, r->o, e->name, v, OPTS_CONFIG, &res)) {
			refuse(r, "%s", res.err);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Whether the line just read is an indented one that libinih took as another value of the
 * setting before it (its multi-line values): indented, and not itself "name =" or "name:".
 */
static bool continues(const struct reader *r, const char *name)
{
	const char *t = r->buf + strspn(r->buf, " \t");
	size_t n = strlen(name);
	char c;

	if (t == r->buf)
		return false;
	c = strncmp(t, name, n) ? 0 : t[n + strspn(t + n, " \t")];
	return c != '=' && c != ':';
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	const struct opts_entry *e = opts_find(r->c, name);
	char *v;

	if (section && *section) {
		refuse(r, "no sections here ([%s]): one 'key = value' per line", section);
		return 0;
	}
	if (continues(r, name)) {
		refuse(r, "an indented line continues the value of '%s': unindent it", name);
		return 0;
	}
	if (!e || !(e->flags & OPTS_CONFIG)) {
		refuse(r, "unknown key '%s' (nadxdp config example lists them)", name);
		return 0;
	}
	if (!*value) {
		refuse(r, "%s: no value (comment the line out for the default)", name);
		return 0;
	}
	v = keep(r->cfg, value);
	if (!v) {
		refuse(r, "%s", strerror(ENOMEM));
		return 0;
	}
	if (apply(r, e, v))
		return 0;
	r->cfg->line[e - r->c->entries] = r->lineno;
	return 1;
}

int config_read(const struct opts_cmd *c, void *o, const char *path, struct config *cfg, char *err,
		size_t len)
{
	struct reader r = { .c = c, .o = o, .cfg = cfg, .path = path, .err = err, .err_len = len };
	int ret;

	err[0] = '\0';
	r.f = fopen(path, "re");
	if (!r.f) {
		ret = -errno;
		snprintf(err, len, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	cfg->path = path;
	ret = ini_parse_stream(read_line, &r, on_setting, &r);
	if (ret > 0 && (!r.err_line || (unsigned)ret < r.err_line)) {
		r.err_line = 0;
		r.lineno = (unsigned)ret;
		refuse(&r, "expected 'key = value'");
	}
	if (ret == -2)
		snprintf(err, len, "%s: %s", path, strerror(ENOMEM));
	if (!ret && ferror(r.f))
		snprintf(err, len, "cannot read %s: %s", path, strerror(EIO));
	free(r.buf);
	fclose(r.f);
	return err[0] ? -EINVAL : 0;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_values; i++)
		free(cfg->values[i]);
	free(cfg->values);
	cfg->values = NULL;
	cfg->n_values = cfg->cap_values = 0;
}

/* --config FILE from the flags, else the default file; reads it into o. */
static int read_file(const struct opts_cmd *c, void *o, const void *flags,
		     const char *(*default_path)(const void *flags), struct config *cfg)
{
	const struct opts_entry *row = opts_find(c, CONFIG_ROW);
	const char *path = row ? *(const char *const *)((const char *)flags + row->off) : NULL;
	bool must_exist = path != NULL;
	char err[OPTS_ERRLEN + 64];
	int ret;

	if (!path && default_path)
		path = default_path(flags);
	if (!path)
		return 0;
	ret = config_read(c, o, path, cfg, err, sizeof(err));
	if (ret == -ENOENT && !must_exist) {
		cfg->path = NULL;
		return 0;
	}
	if (ret)
		pr_warn("%s: %s\n", c->name, err);
	return ret;
}

bool config_options(const struct opts_cmd *c, int argc, char **argv, void *o,
		    struct opts_result *res, struct config *cfg,
		    const char *(*default_path)(const void *flags), int *exit_code)
{
	void *flags = malloc(c->size);
	bool go_on = false;

	memset(cfg, 0, sizeof(*cfg));
	*exit_code = EXIT_USAGE;
	if (!flags) {
		pr_warn("%s: %s\n", c->name, strerror(ENOMEM));
		*exit_code = EXIT_RUNTIME;
		return false;
	}
	/* The flags alone first: --help, a usage error and --config FILE come from them. */
	if (!cli_options(c, argc, argv, flags, res, exit_code))
		goto out;
	c->defaults(o);
	if (read_file(c, o, flags, default_path, cfg)) {
		*exit_code = EXIT_USAGE;
		goto out;
	}
	/* A repeatable option given as a flag replaces the file's list. */
	for (size_t i = 0; i < OPTS_MAX_ENTRIES && c->entries[i].name; i++)
		if (res->seen[i] && c->entries[i].kind == OPTS_PREFIX)
			*(unsigned *)((char *)o + c->entries[i].count_off) = 0;
	if (opts_parse(c, argc, argv, o, res)) { /* it passed once: cannot fail */
		pr_warn("%s: %s\n", c->name, res->err);
		goto out;
	}
	go_on = true;
	*exit_code = EXIT_OK;
out:
	free(flags);
	if (!go_on)
		config_free(cfg);
	return go_on;
}

/* ---- the settings in force -------------------------------------------------------- */

/* The longest line the reader takes: libinih's INI_MAX_LINE (200) less the newline and NUL. */
#define CONFIG_LINE_MAX 198

/*
 * One setting as "key = value ; from", the value column padded to 40 where that fits. A list
 * (split at its commas) too long for one line is printed as several lines of the key, which
 * read back as one list; a long from keeps its end. A value too long for the comment beside
 * it gets the comment on the line before it, and "key=value" where " = " does not fit
 * either: a value read from a file then reads back; one given as a flag may be longer than
 * any line, and reading it back names the line.
 */
static void print_setting(FILE *f, const char *key, const char *val, bool split, const char *from)
{
	size_t from_len = strlen(from);

	if (from_len > CONFIG_LINE_MAX / 2) {
		from += from_len - CONFIG_LINE_MAX / 2;
		from_len = CONFIG_LINE_MAX / 2;
	}
	do {
		/* after "#key = ", as many whole values as fit (at least one) */
		size_t room = CONFIG_LINE_MAX - 3 - from_len - strlen(key) - 4;
		size_t n = strcspn(val, split ? "," : ""), len;

		while (split && val[n] && n + 1 + strcspn(val + n + 1, ",") <= room)
			n += 1 + strcspn(val + n + 1, ",");
		len = strlen(key) + 3 + n + !*val;
		if (len + 3 + from_len <= CONFIG_LINE_MAX) {
			int pad = 40 - (int)len;

			if (pad < 0 || 40 + 3 + from_len > CONFIG_LINE_MAX)
				pad = 0;
			fprintf(f, "%s%s = %.*s%*s ; %s\n", *val ? "" : "#", key, (int)n, val, pad,
				"", from);
		} else {
			fprintf(f, "; %s: %s\n%s%s%s%.*s\n", key, from, *val ? "" : "#", key,
				len <= CONFIG_LINE_MAX ? " = " : "=", (int)n, val);
		}
		val += n + (val[n] == ',');
	} while (*val);
}

int config_print(const struct opts_cmd *c, const void *o, const struct config *cfg,
		 const struct opts_result *res, FILE *f)
{
	fprintf(f, "# nadxdp %s: the defaults, then %s, then the flags\n", c->name,
		cfg->path ? cfg->path : "no configuration file");
	for (size_t i = 0; i < OPTS_MAX_ENTRIES && c->entries[i].name; i++) {
		const struct opts_entry *e = &c->entries[i];
		char val[1024], from[600];

		if (!(e->flags & OPTS_CONFIG))
			continue;
		if (opts_format(e, o, val, sizeof(val)))
			snprintf(val, sizeof(val), "?");
		if (res->seen[i])
			snprintf(from, sizeof(from), "flag");
		else if (cfg->line[i])
			snprintf(from, sizeof(from), "%s:%u", cfg->path, cfg->line[i]);
		else
			snprintf(from, sizeof(from), "default");
		/* A setting without a value (no file, no list) is shown commented out. */
		print_setting(f, e->name, val, e->kind == OPTS_PREFIX, from);
	}
	return ferror(f) ? -EIO : 0;
}

/* Writes text as '#' comment lines of at most 78 columns. */
static void comment(FILE *f, const char *text)
{
	int at = 0;

	while (*text) {
		size_t w = strcspn(text, " ");

		if (at && at + 1 + (int)w > 78) {
			fputc('\n', f);
			at = 0;
		}
		at += fprintf(f, "%s%.*s", at ? " " : "# ", (int)w, text);
		text += w;
		while (*text == ' ')
			text++;
	}
	if (at)
		fputc('\n', f);
}

int config_write_example(const struct opts_cmd *c, FILE *f)
{
	void *defaults = malloc(c->size);
	size_t n_sec = 0;

	if (!defaults)
		return -ENOMEM;
	c->defaults(defaults);
	while (c->sections && c->sections[n_sec])
		n_sec++;
	fprintf(f,
		"# /etc/nadxdp/nadxdp.conf: settings of `nadxdp run`, one 'key = value' per\n"
		"# line; each key is the long option of the same name (nadxdp.conf(5),\n"
		"# nadxdp run --help), and a flag overrides the file. Lines starting with\n"
		"# '#' or ';' are comments. Every key is shown at its default, commented out.\n"
		"# `nadxdp config check` shows the settings in force and where each comes from.\n");
	for (size_t s = 0; s < (n_sec ? n_sec : 1); s++) {
		bool any = false;

		for (const struct opts_entry *e = c->entries; e->name; e++) {
			char mv[256], def[256], text[1024];
			const char *value;

			if (e->section != s || !(e->flags & OPTS_CONFIG))
				continue;
			if (!any && n_sec)
				fprintf(f, "\n# ---- %s\n", c->sections[s]);
			any = true;
			opts_default_text(e, defaults, def, sizeof(def));
			snprintf(text, sizeof(text), "%s%s%s%s%s", e->help,
				 e->kind == OPTS_PREFIX ? "; repeat the key or list values "
							  "separated by commas" :
							  "",
				 *def ? " (default " : "", def, *def ? ")" : "");
			fputc('\n', f);
			comment(f, text);
			/* The default value where there is one the file takes, else a placeholder. */
			if (e->kind == OPTS_FLAG || e->kind == OPTS_SET)
				value = "no";
			else if (!opts_format(e, defaults, mv, sizeof(mv)) && *mv)
				value = mv;
			else
				value = opts_metavar(e, mv, sizeof(mv));
			fprintf(f, "#%s = %s\n", e->name, value);
		}
	}
	free(defaults);
	return ferror(f) ? -EIO : 0;
}

/* ---- the command ------------------------------------------------------------------ */

static const struct opts_entry config_rows[] = {
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

static void config_defaults(void *o)
{
	(void)o;
}

const struct opts_cmd config_opts = {
	.name = "config",
	.synopsis = "nadxdp config check [FILE] [RUN OPTIONS]\n"
		    "nadxdp config example",
	.description =
		"check: read FILE (default " CONFIG_DEFAULT_PATH ", which may be missing) as\n"
		"`nadxdp run` would, with the run options given after it, and print every\n"
		"setting with its value and where it came from (default, FILE:LINE, flag).\n"
		"An unknown key or a bad value is one line naming the file and line (exit 2).\n"
		"example: write a configuration file with every key at its default, commented\n"
		"out (the file installed as " CONFIG_DEFAULT_PATH ").\n",
	.entries = config_rows,
	.size = 1,
	.defaults = config_defaults,
};

static const char *check_default(const void *flags)
{
	(void)flags;
	return CONFIG_DEFAULT_PATH;
}

/* `config check [FILE] [RUN OPTIONS]`: argv[0] is "check". */
static int check(int argc, char **argv)
{
	char *args[OPTS_MAX_ARGS + 3 * OPTS_MAX_ENTRIES];
	struct opts_result res;
	struct config cfg;
	int n = 0, ret;
	void *o;

	if (argc + 2 > (int)(sizeof(args) / sizeof(args[0])))
		return cli_usage_error(&config_opts, "too many arguments");
	args[n++] = "run";
	if (argc > 1 && argv[1][0] != '-') {
		args[n++] = "--" CONFIG_ROW;
		args[n++] = argv[1];
		argv++;
		argc--;
	}
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	o = malloc(run_opts.size);
	if (!o)
		return EXIT_RUNTIME;
	if (config_options(&run_opts, n, args, o, &res, &cfg, check_default, &ret)) {
		/* run's positional IFNAME overrides the file's interface. */
		if (res.n_args)
			opts_apply(&run_opts, o, "interface", res.args[0], 0, &res);
		ret = config_print(&run_opts, o, &cfg, &res, stdout) ? EXIT_RUNTIME : EXIT_OK;
		config_free(&cfg);
	}
	free(o);
	return ret;
}

int config_cmd(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(&config_opts,
				       "check or example? (see nadxdp config --help)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		opts_help(&config_opts, NULL, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "example")) {
		if (argc > 2)
			return cli_usage_error(&config_opts, "example takes no arguments");
		return config_write_example(&run_opts, stdout) ? EXIT_RUNTIME : EXIT_OK;
	}
	return cli_usage_error(&config_opts, "unknown subcommand '%s' (check or example)", argv[1]);
}
