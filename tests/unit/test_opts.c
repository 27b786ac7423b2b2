// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_opts.c - option tables: getopt from the rows, typed values, "name=value", help text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "cli/config.h"
#include "cli/features.h"
#include "cli/rules.h"
#include "cli/run.h"
#include "cli/status.h"
#include "cli/top.h"
#include "cli/train.h"
#include "common/addr.h"
#include "common/opts.h"
#include "detect/classify.h"

struct demo {
	bool json;
	int verbosity;
	const char *out;
	unsigned top;
	uint64_t big;
	double secs;
	float frac;
	int mode;
	struct addr_prefix allow[2];
	unsigned n_allow;
};

static void demo_defaults(void *p)
{
	struct demo *d = p;

	memset(d, 0, sizeof(*d));
	d->top = 10;
	d->secs = 30;
	d->frac = 0.1f;
	d->mode = 2;
}

static const struct opts_name modes[] = {
	{ "auto", 0 }, { "native", 1 }, { "drv", 1, true }, { "skb", 2 }, { NULL },
};

enum { LIVE = 1, OFFLINE = 2 };

static const struct opts_entry demo_rows[] = {
	{ "json", 'j', OPTS_FLAG, .help = "JSON output", OPTS_FIELD(struct demo, json),
	  .flags = OPTS_CONFIG },
	{ "verbose", 'v', OPTS_SET, .help = "debug output", OPTS_FIELD(struct demo, verbosity),
	  .set = 1 },
	{ "quiet", 'q', OPTS_SET, .help = "warnings only", OPTS_FIELD(struct demo, verbosity),
	  .set = -1 },
	{ "out", 'o', OPTS_STRING, "FILE", "write here", OPTS_FIELD(struct demo, out),
	  .flags = OPTS_CONFIG, .scope = OFFLINE },
	{ "top", 't', OPTS_UINT, .help = "sources listed", OPTS_FIELD(struct demo, top), .umin = 0,
	  .umax = 1000, .section = 1 },
	{ "big", 0, OPTS_UINT, .help = "a seed", OPTS_FIELD(struct demo, big), .umax = ~0ull,
	  .section = 1 },
	{ "secs", 0, OPTS_SECONDS, .help = "a period", OPTS_FIELD(struct demo, secs), .dmin = 0,
	  .dmax = 1e9, .open_min = true, .section = 1, .flags = OPTS_CONFIG },
	{ "frac", 0, OPTS_NUMBER, .help = "a share", OPTS_FIELD(struct demo, frac), .dmin = 0,
	  .dmax = 0.9, .section = 1 },
	{ "mode", 0, OPTS_ENUM, .help = "the hook", OPTS_FIELD(struct demo, mode), .names = modes,
	  .scope = LIVE, .flags = OPTS_CONFIG },
	{ "allow", 0, OPTS_PREFIX, .help = "never block", OPTS_FIELD(struct demo, allow),
	  .count_off = offsetof(struct demo, n_allow), .max_count = 2, .scope = LIVE },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

static const char *const demo_sections[] = { "Output", "Numbers", NULL };
static const char *const demo_scopes[] = { "live", "offline", NULL };

static const struct opts_cmd demo_cmd = {
	.name = "demo",
	.synopsis = "nadxdp demo [options] [WORD]\nnadxdp demo --help",
	.description = "A table for the tests.\n",
	.sections = demo_sections,
	.scopes = demo_scopes,
	.entries = demo_rows,
	.footer = "The end.\n",
	.max_args = 1,
	.size = sizeof(struct demo),
	.defaults = demo_defaults,
};

/* argv for the words of ap up to NULL, after the command name; returns argc. */
static int collect(char **argv, int max, va_list ap)
{
	int argc = 1;

	argv[0] = "demo";
	while (argc < max - 1 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	argv[argc] = NULL;
	return argc;
}

/* Parses the NULL-terminated words after the command name; returns opts_parse's result. */
static int parse(struct demo *d, struct opts_result *r, ...)
{
	char *argv[32];
	int argc;
	va_list ap;

	va_start(ap, r);
	argc = collect(argv, 32, ap);
	va_end(ap);
	demo_defaults(d);
	return opts_parse(&demo_cmd, argc, argv, d, r);
}

Test(opts, the_test_table_passes_its_check)
{
	char err[256] = "";

	cr_expect_eq(opts_check_table(&demo_cmd, err, sizeof(err)), 0, "%s", err);
}

Test(opts, every_kind_stores_its_value_in_its_field)
{
	struct opts_result r;
	struct demo d;
	char buf[64];

	cr_assert_eq(parse(&d, &r, "-j", "--out", "x.csv", "--top=5", "--big",
			   "18446744073709551615", "--secs", "0.5", "--frac", "0.25", "--mode",
			   "drv", "--allow", "10.0.0.0/8", "--allow", "2001:db8::/32", NULL),
		     0, "%s", r.err);
	cr_expect(d.json);
	cr_expect_str_eq(d.out, "x.csv");
	cr_expect_eq(d.top, 5);
	cr_expect_eq(d.big, UINT64_MAX);
	cr_expect_float_eq(d.secs, 0.5, 1e-12);
	cr_expect_float_eq(d.frac, 0.25f, 1e-6);
	cr_expect_eq(d.mode, 1);
	cr_assert_eq(d.n_allow, 2);
	cr_expect_not(addr_prefix_is_v4(&d.allow[1]));
	cr_expect(addr_prefix_is_v4(&d.allow[0]));
	cr_expect_eq(opts_format(opts_find(&demo_cmd, "allow"), &d, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "10.0.0.0/8,2001:db8::/32");
	cr_expect_eq(opts_format(opts_find(&demo_cmd, "mode"), &d, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "native", "an alias prints as its listed name");
	cr_expect_eq(opts_seen(&demo_cmd, &r, "allow"), 2);
	cr_expect_eq(opts_seen(&demo_cmd, &r, "quiet"), 0);
}

Test(opts, the_last_of_two_settings_of_one_field_wins)
{
	struct opts_result r;
	struct demo d;

	cr_assert_eq(parse(&d, &r, "-v", "-q", NULL), 0);
	cr_expect_eq(d.verbosity, -1);
	cr_assert_eq(parse(&d, &r, "-q", "-v", NULL), 0);
	cr_expect_eq(d.verbosity, 1);
	cr_assert_eq(parse(&d, &r, "-qv", NULL), 0, "short letters cluster");
	cr_expect_eq(d.verbosity, 1);
}

Test(opts, positional_words_mix_with_options_and_follow_a_double_dash)
{
	struct opts_result r;
	struct demo d;

	cr_assert_eq(parse(&d, &r, "-j", "eth0", "--top", "3", NULL), 0, "%s", r.err);
	cr_assert_eq(r.n_args, 1);
	cr_expect_str_eq(r.args[0], "eth0");
	cr_expect_eq(d.top, 3);
	cr_assert_eq(parse(&d, &r, "--", "-j", NULL), 0, "%s", r.err);
	cr_assert_eq(r.n_args, 1);
	cr_expect_str_eq(r.args[0], "-j");
	cr_expect_not(d.json);
	cr_expect_eq(parse(&d, &r, "a", "b", NULL), -EINVAL);
	cr_expect_not_null(strstr(r.err, "unexpected argument 'b'"), "%s", r.err);
}

Test(opts, help_stops_parsing_and_is_reported)
{
	struct opts_result r;
	struct demo d;

	cr_assert_eq(parse(&d, &r, "--top", "4", "-h", "--bogus", NULL), 0);
	cr_expect(r.help);
	cr_expect_eq(parse(&d, &r, "--bogus", "-h", NULL), -EINVAL, "an error before it wins");
	cr_expect_not(r.help);
}

static void expect_refused(const char *want, ...)
{
	char *argv[8];
	struct opts_result r;
	struct demo d;
	int argc;
	va_list ap;

	va_start(ap, want);
	argc = collect(argv, 8, ap);
	va_end(ap);
	demo_defaults(&d);
	cr_expect_eq(opts_parse(&demo_cmd, argc, argv, &d, &r), -EINVAL, "%s", argv[1]);
	cr_expect_not_null(strstr(r.err, want), "'%s' in '%s'", want, r.err);
	cr_expect_null(strchr(r.err, '\n'), "one line: %s", r.err);
}

Test(opts, refusals_name_the_option_and_the_rule_in_one_line)
{
	expect_refused("unknown option '--bogus' (see nadxdp demo --help)", "--bogus", NULL);
	expect_refused("unknown option '-x'", "-x", NULL);
	expect_refused("option '--top' needs an argument", "--top", NULL);
	expect_refused("option '--top' needs an argument", "-t", NULL);
	expect_refused("option '--json' takes no value", "--json=1", NULL);
	expect_refused("--top: 'x' is not a whole number from 0 to 1000", "--top", "x", NULL);
	expect_refused("--top: '-1' is not a whole number", "--top", "-1", NULL);
	expect_refused("--top: '1001' is not", "--top", "1001", NULL);
	expect_refused("--top: '1.5' is not", "--top", "1.5", NULL);
	expect_refused("--secs: '0' is not a number of seconds above 0 and at most 1000000000",
		       "--secs", "0", NULL);
	expect_refused("--secs: 'nan' is not", "--secs", "nan", NULL);
	expect_refused("--secs: 'inf' is not", "--secs", "inf", NULL);
	expect_refused("--frac: '0.95' is not a number from 0 to 0.9", "--frac", "0.95", NULL);
	expect_refused("--mode: 'foo' is not auto, native or skb", "--mode", "foo", NULL);
	expect_refused("did you mean 10.0.0.0/8?", "--allow", "10.0.0.1/8", NULL);
	expect_refused("is not an address or prefix", "--allow", "foo", NULL);
	expect_refused("prefix length out of range", "--allow", "10.0.0.0/33", NULL);
	expect_refused("--allow: at most 2", "--allow", "10.0.0.0/8", "--allow", "10.0.0.0/9",
		       "--allow", "10.0.0.0/10", NULL);
}

Test(opts, whole_numbers_may_be_written_as_floats)
{
	struct opts_result r;
	struct demo d;

	cr_assert_eq(parse(&d, &r, "--top", "2e2", NULL), 0, "%s", r.err);
	cr_expect_eq(d.top, 200);
	cr_assert_eq(parse(&d, &r, "--top", "20.0", NULL), 0, "%s", r.err);
	cr_expect_eq(d.top, 20);
}

Test(opts, apply_sets_by_name_through_the_same_parsers)
{
	struct opts_result r = { 0 };
	struct demo d;
	char buf[32];

	demo_defaults(&d);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "json", "yes", OPTS_CONFIG, &r), 0, "%s", r.err);
	cr_expect(d.json);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "json", "off", OPTS_CONFIG, &r), 0, "%s", r.err);
	cr_expect_not(d.json);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "json", "maybe", OPTS_CONFIG, &r), -EINVAL);
	cr_expect_str_eq(r.err, "json: 'maybe' is not yes or no");
	cr_expect_eq(opts_apply(&demo_cmd, &d, "secs", "-1", OPTS_CONFIG, &r), -EINVAL);
	cr_expect_eq(strncmp(r.err, "secs: '-1'", 10), 0, "%s", r.err);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "mode", "skb", OPTS_CONFIG, &r), 0);
	cr_expect_eq(d.mode, 2);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "top", "7", OPTS_CONFIG, &r), -ENOENT,
		     "not a configuration setting");
	cr_expect_eq(opts_apply(&demo_cmd, &d, "top", "7", 0, &r), 0);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "nope", "7", 0, &r), -ENOENT);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "help", "yes", 0, &r), -ENOENT);
	cr_expect_eq(opts_apply(&demo_cmd, &d, "quiet", "yes", 0, &r), 0);
	cr_expect_eq(d.verbosity, -1);
	cr_expect_eq(opts_format(opts_find(&demo_cmd, "quiet"), &d, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "yes");
	cr_expect_eq(opts_apply(&demo_cmd, &d, "quiet", "no", 0, &r), 0);
	cr_expect_eq(d.verbosity, 0);
	cr_expect_eq(opts_seen(&demo_cmd, &r, "json"), 3);
}

Test(opts, every_value_formats_to_text_apply_takes_back)
{
	const struct opts_entry *e;
	struct opts_result r;
	struct demo d, back;

	cr_assert_eq(parse(&d, &r, "-j", "-o", "f", "--big", "12345678901", "--secs", "2.5",
			   "--frac", "0.5", "--allow", "198.18.0.0/15", NULL),
		     0, "%s", r.err);
	demo_defaults(&back);
	for (e = demo_cmd.entries; e->name; e++) {
		static char bufs[OPTS_MAX_ENTRIES][128]; /* strings point into the text given */
		char *buf = bufs[e - demo_cmd.entries];

		if (e->kind == OPTS_HELP || e->kind == OPTS_PREFIX)
			continue;
		cr_assert_eq(opts_format(e, &d, buf, sizeof(bufs[0])), 0, "%s", e->name);
		if (e->kind == OPTS_SET && strcmp(buf, "yes"))
			continue; /* "no" of one SET row would undo another's "yes" */
		cr_expect_eq(opts_apply(&demo_cmd, &back, e->name, buf, 0, &r), 0, "%s=%s: %s",
			     e->name, buf, r.err);
	}
	cr_expect_eq(back.json, d.json);
	cr_expect_str_eq(back.out, d.out);
	cr_expect_eq(back.big, d.big);
	cr_expect_float_eq(back.secs, d.secs, 1e-12);
	cr_expect_float_eq(back.frac, d.frac, 1e-7);
	cr_expect_eq(back.mode, d.mode);
}

Test(opts, outside_finds_an_option_of_another_scope)
{
	struct opts_result r;
	struct demo d;

	cr_assert_eq(parse(&d, &r, "--mode", "skb", "--out", "x", NULL), 0);
	cr_expect_str_eq(opts_outside(&demo_cmd, &r, LIVE)->name, "out");
	cr_expect_str_eq(opts_outside(&demo_cmd, &r, OFFLINE)->name, "mode");
	cr_expect_null(opts_outside(&demo_cmd, &r, LIVE | OFFLINE));
}

Test(opts, help_lists_every_option_by_section_with_its_default)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct demo d;

	demo_defaults(&d);
	cr_assert_eq(opts_help(&demo_cmd, &d, f), 0);
	fclose(f);
	cr_expect_eq(strncmp(text,
			     "Usage: nadxdp demo [options] [WORD]\n       nadxdp demo --help\n",
			     62),
		     0, "%s", text);
	cr_expect_not_null(strstr(text, "\nA table for the tests.\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\nOutput:\n  -j, --json "), "%s", text);
	cr_expect_not_null(strstr(text, "\nNumbers:\n  -t, --top N "), "%s", text);
	cr_expect_not_null(strstr(text, "      --mode auto|native|skb\n"), "%s", text);
	cr_expect_not_null(strstr(text, "the hook (default skb)"), "%s", text);
	cr_expect_not_null(strstr(text, "sources listed (default 10)"), "%s", text);
	cr_expect_not_null(strstr(text, "a share (default 0.1)"), "%s", text);
	cr_expect_not_null(strstr(text, "  -o, --out FILE "), "%s", text);
	cr_expect_null(strstr(text, "write here (default"), "no default for an unset string");
	cr_expect_not_null(strstr(text, "\nThe end.\n"), "%s", text);
	for (char *line = text; *line; line = strchr(line, '\n') + 1)
		cr_expect_leq(strcspn(line, "\n"), 80, "%.*s", (int)strcspn(line, "\n"), line);
	free(text);
}

Test(opts, table_check_catches_a_repeated_letter_and_a_field_outside_the_struct)
{
	static const struct opts_entry dup[] = {
		{ "a", 'x', OPTS_FLAG, .help = "a", OPTS_FIELD(struct demo, json) },
		{ "b", 'x', OPTS_FLAG, .help = "b", OPTS_FIELD(struct demo, json) },
		{ NULL },
	};
	static const struct opts_entry small[] = {
		{ "top", 0, OPTS_UINT, .help = "t", OPTS_FIELD(struct demo, top),
		  .umax = 1ull << 40 },
		{ NULL },
	};
	struct opts_cmd c = demo_cmd;
	char err[256];

	c.entries = dup;
	cr_expect_eq(opts_check_table(&c, err, sizeof(err)), -EINVAL);
	c.entries = small;
	cr_expect_eq(opts_check_table(&c, err, sizeof(err)), -EINVAL, "umax beyond 32 bits");
	c.entries = demo_rows;
	c.size = offsetof(struct demo, allow);
	cr_expect_eq(opts_check_table(&c, err, sizeof(err)), -EINVAL);
}

/* ---- the commands' own tables ---- */

static const struct opts_cmd *const command_tables[] = {
	&run_opts,     &features_opts, &top_opts,   &train_opts,  &score_opts,
	&cluster_opts, &status_opts,   &rules_opts, &config_opts,
};

Test(opts, every_command_table_passes_its_check_and_prints_its_help)
{
	for (size_t i = 0; i < sizeof(command_tables) / sizeof(command_tables[0]); i++) {
		const struct opts_cmd *c = command_tables[i];
		char err[256] = "", *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		void *o = calloc(1, c->size);

		cr_assert_not_null(o);
		cr_expect_eq(opts_check_table(c, err, sizeof(err)), 0, "%s", err);
		c->defaults(o);
		cr_expect_eq(opts_help(c, o, f), 0, "%s", c->name);
		fclose(f);
		for (const struct opts_entry *e = c->entries; e->name; e++) {
			char want[64];

			snprintf(want, sizeof(want), "--%s", e->name);
			cr_expect_not_null(strstr(text, want), "%s: %s in its help", c->name, want);
		}
		free(text);
		free(o);
	}
}

Test(opts, run_takes_the_profile_names_classify_knows)
{
	const struct opts_entry *e = opts_find(&run_opts, "profile");

	cr_assert_not_null(e);
	for (const struct opts_name *n = e->names; n->name; n++) {
		enum profile_id id;

		cr_expect_eq(profile_parse(n->name, &id), 0, "%s", n->name);
		cr_expect_eq((int)id, n->value, "%s", n->name);
	}
	for (int i = 0; i < PROFILE_N; i++) {
		bool listed = false;

		for (const struct opts_name *n = e->names; n->name; n++)
			listed |= n->value == i;
		cr_expect(listed, "profile %d is listed", i);
	}
}
