// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_config.c - the configuration file (cli/config.c) through the built binary:
 * `nadxdp config check` and `config example`, a flag over the file, refused lines
 * named by file and line, --config on an offline run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "helpers/cmd_run.h"
#include "helpers/tmpdir.h"

static char dir[64];

static void setup(void)
{
	tmpdir_make(dir, sizeof(dir), "config");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

TestSuite(config, .init = setup, .fini = teardown);

/* Writes text to dir/name; returns the path (static, one of four). */
static const char *write_file(const char *name, const char *text)
{
	static char paths[4][128];
	static int k;
	char *p = paths[k++ % 4];
	FILE *f;

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* nadxdp with up to six arguments (NULL-terminated). */
static struct cmd_result nadxdp(const char *a0, const char *a1, const char *a2, const char *a3,
				const char *a4, const char *a5)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(),
			 (char *)a0,
			 (char *)a1,
			 (char *)a2,
			 (char *)a3,
			 (char *)a4,
			 (char *)a5,
			 NULL };
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	return r;
}

/* The line of `config check` output for key, or NULL. */
static const char *setting(const char *out, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s = ", key);
	p = strstr(out, pat);
	return p ? p + 1 : NULL;
}

static void expect_setting(const char *out, const char *key, const char *value, const char *from)
{
	const char *l = setting(out, key);
	char line[256];

	cr_assert_not_null(l, "%s not in:\n%s", key, out);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(l, "\n"), l);
	cr_expect(strstr(line, value) && strstr(line, from), "%s: want %s from %s, got '%s'", key,
		  value, from, line);
}

Test(config, what_config_check_prints_is_a_file_that_reads_back)
{
	const char *f = write_file("b.conf", "mode = skb\nmax-rules = 77\n");
	struct cmd_result r = nadxdp("config", "check", f, "--max-rules", "5", NULL);
	struct cmd_result back;
	const char *g;

	cr_assert_eq(r.status, 0, "%s", r.err);
	g = write_file("printed.conf", r.out);
	back = nadxdp("config", "check", g, NULL, NULL, NULL);
	cr_expect_eq(back.status, 0, "the printed settings were refused: %s\n%s", back.err, r.out);
	expect_setting(back.out, "mode", "skb", "printed.conf");
	expect_setting(back.out, "max-rules", "5", "printed.conf");
	cmd_result_free(&r);
	cmd_result_free(&back);
}

/* expect_setting with the value from line of file f. */
static void expect_from_line(const char *out, const char *key, const char *value, const char *f,
			     int line)
{
	char from[160];

	snprintf(from, sizeof(from), "%s:%d", f, line);
	expect_setting(out, key, value, from);
}

/* The values of every "key = " line of out, joined by commas, into buf. */
static void list_of(const char *out, const char *key, char *buf, size_t len)
{
	const char *l = out;
	size_t at = 0;

	buf[0] = 0;
	while ((l = setting(l, key))) {
		size_t n;

		l += strlen(key) + 3;
		n = strcspn(l, " ;\n");
		at += (size_t)snprintf(buf + at, len - at, "%s%.*s", at ? "," : "", (int)n, l);
		cr_assert_lt(at, len);
		l += n - 1;
	}
}

Test(config, a_list_too_long_for_one_line_is_printed_on_several_that_read_back)
{
	/* 40 prefixes of 16-17 characters: one line of them would be over the reader's 198
	 * (found by fuzz_config) */
	char text[2048], listed[1024], again[1024];
	size_t at = 0, commas = 0;
	struct cmd_result r, back;

	for (int i = 0; i < 40; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s2001:db8:%x::/48%s",
				       i % 8 ? "" : "home-net = ", i, i % 8 == 7 ? "\n" : ",");
	r = nadxdp("config", "check", write_file("long.conf", text), NULL, NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (const char *l = r.out; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
		cr_expect_leq(strcspn(l, "\n"), 198, "a line over 198 characters: %.*s",
			      (int)strcspn(l, "\n"), l);
	list_of(r.out, "home-net", listed, sizeof(listed));
	for (const char *c = listed; (c = strchr(c, ',')); c++)
		commas++;
	cr_expect(strstr(listed, "2001:db8::/48,2001:db8:1::/48,") == listed &&
			  strstr(listed, ",2001:db8:26::/48,2001:db8:27::/48") && commas == 39,
		  "the 40 prefixes in order: %s", listed);
	back = nadxdp("config", "check", write_file("long-printed.conf", r.out), NULL, NULL, NULL);
	cr_expect_eq(back.status, 0, "the printed settings were refused: %s\n%s", back.err, r.out);
	list_of(back.out, "home-net", again, sizeof(again));
	cr_expect_str_eq(again, listed);
	cmd_result_free(&r);
	cmd_result_free(&back);
}

Test(config, file_settings_are_shown_with_their_line_and_a_flag_overrides_them)
{
	const char *f = write_file("a.conf", "# comment\n"
					     "interface = eth7\n"
					     "mode = skb ; inline comment\n"
					     "\n"
					     "max-rules = 77\n"
					     "allow = 10.0.0.0/8, 192.168.0.0/16\n"
					     "allow = 2001:db8::/32\n");
	struct cmd_result r = nadxdp("config", "check", f, "--max-rules", "5", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	expect_from_line(r.out, "interface", "eth7", f, 2);
	expect_from_line(r.out, "mode", "skb", f, 3);
	expect_setting(r.out, "max-rules", "5", "; flag");
	expect_from_line(r.out, "allow", "10.0.0.0/8,192.168.0.0/16,2001:db8::/32", f, 7);
	expect_setting(r.out, "profile", "auto", "; default");
	cmd_result_free(&r);

	/* run's positional interface and a flag's list replace the file's */
	r = nadxdp("config", "check", f, "eth9", "--allow", "198.18.0.0/15");
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect_setting(r.out, "interface", "eth9", "; flag");
	expect_setting(r.out, "allow", "= 198.18.0.0/15 ", "; flag");
	cmd_result_free(&r);
}

Test(config, refused_lines_name_the_file_and_line_and_exit_2)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "colour = red", "unknown key 'colour'" },
		{ "mode = warp", "mode: 'warp' is not native, skb, tc or auto" },
		{ "max-rules = 0", "max-rules: '0' is not a whole number" },
		{ "no-train = maybe", "not yes or no" },
		{ "allow = 10.0.0.1/8", "host bits" },
		{ "dashboard = yes", "unknown key 'dashboard'" }, /* a flag, not a setting */
		{ "config = /etc/other.conf", "unknown key 'config'" },
		{ "just words", "expected 'key = value'" },
		{ "log =", "no value" },
		{ "[run]\nmode = skb", "no sections" },
		/* libinih's multi-line value: it would make mode '/var/log/nadxdp.json' */
		{ "  /var/log/nadxdp.json", "an indented line continues the value of 'mode'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], want[160];
		const char *f;
		struct cmd_result r;

		snprintf(text, sizeof(text), "# ok\nmode = tc\n%s\nmax-rules = 9\n", bad[i].line);
		f = write_file("bad.conf", text);
		r = nadxdp("config", "check", f, NULL, NULL, NULL);
		cr_expect_eq(r.status, 2, "'%s': exit %d", bad[i].line, r.status);
		snprintf(want, sizeof(want), "%s:%d: ", f, strchr(bad[i].line, '\n') ? 4 : 3);
		cr_expect(strstr(r.err, want) && strstr(r.err, bad[i].why),
			  "'%s': want %s... %s, got: %s", bad[i].line, want, bad[i].why, r.err);
		cr_expect_eq(cmd_count_lines(r.err), 1, "one line: %s", r.err);
		cmd_result_free(&r);
		/* run refuses it the same way before doing anything */
		r = nadxdp("run", "--config", f, "lo", "--duration", "1");
		cr_expect_eq(r.status, 2);
		cr_expect(strstr(r.err, want) != NULL, "run: %s", r.err);
		cmd_result_free(&r);
	}
}

Test(config, indented_comments_and_an_indented_first_setting_are_read)
{
	/* after a setting, an indented one is refused (refused_lines_...): libinih continues */
	const char *f = write_file("indent.conf", "  max-rules = 7\nmode = skb\n\t# a comment\n");
	struct cmd_result r = nadxdp("config", "check", f, NULL, NULL, NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	expect_from_line(r.out, "max-rules", "7", f, 1);
	expect_from_line(r.out, "mode", "skb", f, 2);
	cmd_result_free(&r);
}

Test(config, a_missing_config_file_is_an_error)
{
	char path[128];
	struct cmd_result r;

	snprintf(path, sizeof(path), "%s/none.conf", dir);
	r = nadxdp("config", "check", path, NULL, NULL, NULL);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "No such file") != NULL, "%s", r.err);
	cmd_result_free(&r);
	r = nadxdp("run", "--config", path, "--pcap", cmd_repo_path("tests/data/x.pcap"), NULL);
	cr_expect_eq(r.status, 2, "%s", r.err);
	cmd_result_free(&r);
}

Test(config, the_example_lists_every_setting_and_is_accepted_uncommented)
{
	struct cmd_result ex = nadxdp("config", "example", NULL, NULL, NULL, NULL), chk;
	char *text, *save = NULL, *uncommented;
	size_t n_keys = 0, used = 0;
	const char *f;

	cr_assert_eq(ex.status, 0, "%s", ex.err);
	text = strdup(ex.out);
	uncommented = calloc(1, strlen(ex.out) + 1);
	cr_assert(text && uncommented);
	/* "#key = value": uncomment the settings whose example value is a value, not a name */
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *eq = strstr(l, " = ");

		if (l[0] != '#' || l[1] == ' ' || !eq)
			continue;
		n_keys++;
		if (eq[3] >= 'A' && eq[3] <= 'Z') /* IFNAME, FILE, DIR, CIDR...: a placeholder */
			continue;
		used += (size_t)sprintf(uncommented + used, "%s\n", l + 1);
	}
	cr_expect_geq(n_keys, 20, "every setting of run: %s", ex.out);
	f = write_file("example.conf", uncommented);
	chk = nadxdp("config", "check", f, NULL, NULL, NULL);
	cr_expect_eq(chk.status, 0, "%s\n%s", chk.err, uncommented);
	/* the check shows as many settings as the example has, each from the file or default */
	cr_expect_eq(cmd_count_lines(chk.out), n_keys + 1, "%s", chk.out);
	cr_expect(strstr(chk.out, "; flag") == NULL);
	free(text);
	free(uncommented);
	cmd_result_free(&ex);
	cmd_result_free(&chk);
}

Test(config, an_offline_run_reads_config_only_when_given)
{
	const char *f =
		write_file("json.conf", "json = yes\nsummary-interval = 0\nno-train = yes\n");
	const char *pcap = cmd_repo_path("tests/data/malformed_icmp_decoder_anomalies.pcap");
	struct cmd_result r = nadxdp("--pcap", pcap, "--config", f, "-q", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "\"event_type\"") != NULL, "json = yes wrote EVE on stdout: %s",
		  r.out);
	cmd_result_free(&r);
	/* a flag overrides the file */
	f = write_file("nojson.conf", "json = no\n");
	r = nadxdp("--pcap", pcap, "--config", f, "--json", "-q");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "\"event_type\"") != NULL, "--json over json = no: %s", r.out);
	cmd_result_free(&r);
}
