// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_install.c - `make install DESTDIR=...` and what it lays out: every file with its
 * mode, an edited configuration kept by a second install and by `make uninstall`, the
 * unit accepted by `systemd-analyze verify` (its binary and man pages looked up in the
 * installed tree), the man pages rendered by groff without a warning and naming every
 * option of the tables they come from. Runs make in the checkout (NADXDP_ROOT) on the
 * build the tests run (OUTPUT): one at a time, with the root suites. Needs make, systemd
 * (systemd-analyze), groff-base and man-db; not root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <criterion/criterion.h>

#include "cli/run.h"
#include "common/opts.h"
#include "helpers/cmd_run.h"
#include "helpers/testbed_ns.h"

static char dest[64];

static void teardown(void)
{
	if (dest[0])
		tb_sh("rm -rf '%s'", dest);
}

TestSuite(install, .fini = teardown);

static const char *dpath(const char *rel)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s%s", dest, rel);
	return p;
}

/* make TARGET DESTDIR=dest in the checkout, on the tests' build; the exit code. */
static int make(const char *target)
{
	const char *out = getenv("OUTPUT");

	return tb_sh("make -s --no-print-directory -C '%s' %s DESTDIR='%s' %s%s%s >'%s/make.log' "
		     "2>&1",
		     cmd_repo_path(""), target, dest, out ? "OUTPUT='" : "", out ? out : "",
		     out ? "'" : "", dest);
}

static void need_tools(void)
{
	static const char *const tools[] = { "make", "systemd-analyze", "groff", "man" };

	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++)
		cr_assert_eq(tb_sh("command -v %s >/dev/null 2>&1", tools[i]), 0,
			     "%s is missing (scripts/install-deps.sh testbed installs it)",
			     tools[i]);
	snprintf(dest, sizeof(dest), "/tmp/nadxdp-install-XXXXXX");
	cr_assert_not_null(mkdtemp(dest));
	cr_assert_eq(make("install"), 0, "make install: see %s/make.log", dest);
}

static void expect_file(const char *rel, mode_t mode)
{
	struct stat st;

	cr_expect_eq(stat(dpath(rel), &st), 0, "%s installed", rel);
	cr_expect_eq(st.st_mode & 07777, mode, "%s mode %o, want %o", rel, st.st_mode & 07777,
		     mode);
}

Test(install, make_install_lays_out_every_file_and_uninstall_removes_them, .timeout = 300)
{
	need_tools();
	expect_file("/usr/local/sbin/nadxdp", 0755);
	expect_file("/usr/local/share/nadxdp/default.model", 0644);
	expect_file("/usr/local/share/nadxdp/nadxdp.conf.example", 0644);
	expect_file("/usr/local/share/man/man8/nadxdp.8", 0644);
	expect_file("/usr/local/share/man/man5/nadxdp.conf.5", 0644);
	expect_file("/usr/local/lib/systemd/system/nadxdp@.service", 0644);
	expect_file("/etc/nadxdp/nadxdp.conf", 0644);
	expect_file("/var/lib/nadxdp", 0700);
	if (!access(cmd_repo_path("dist/logrotate/nadxdp"), F_OK))
		expect_file("/etc/logrotate.d/nadxdp", 0644);
	cr_expect_eq(tb_sh("grep -q '^ExecStart=/usr/local/sbin/nadxdp run %%I$' '%s'",
			   dpath("/usr/local/lib/systemd/system/nadxdp@.service")),
		     0, "the unit runs the installed binary");
	cr_expect_eq(tb_sh("cmp -s '%s' '%s'", dpath("/etc/nadxdp/nadxdp.conf"),
			   dpath("/usr/local/share/nadxdp/nadxdp.conf.example")),
		     0);
	/* the installed configuration is accepted as it is */
	cr_expect_eq(tb_sh("'%s' config check '%s' >/dev/null", dpath("/usr/local/sbin/nadxdp"),
			   dpath("/etc/nadxdp/nadxdp.conf")),
		     0);

	/* an edited configuration survives a second install and the uninstall */
	cr_assert_eq(tb_sh("echo 'mode = skb' >>'%s'", dpath("/etc/nadxdp/nadxdp.conf")), 0);
	cr_assert_eq(make("install"), 0, "second make install");
	cr_expect_eq(tb_sh("grep -q '^mode = skb$' '%s'", dpath("/etc/nadxdp/nadxdp.conf")), 0,
		     "make install kept the edited configuration");
	cr_assert_eq(tb_sh("echo model >'%s'", dpath("/var/lib/nadxdp/nadxdp.model")), 0);
	cr_assert_eq(make("uninstall"), 0, "make uninstall: see %s/make.log", dest);
	cr_expect_eq(
		tb_sh("cd '%s' && test -z \"$(find . -type f ! -name make.log "
		      "! -path ./etc/nadxdp/nadxdp.conf ! -path ./var/lib/nadxdp/nadxdp.model)\"",
		      dest),
		0, "uninstall removed every file it installed");
	cr_expect_eq(access(dpath("/etc/nadxdp/nadxdp.conf"), F_OK), 0, "edited config kept");
	cr_expect_eq(access(dpath("/var/lib/nadxdp/nadxdp.model"), F_OK), 0, "models kept");
}

Test(install, systemd_analyze_verify_accepts_the_installed_unit, .timeout = 300)
{
	need_tools();
	/*
	 * The targets and the commands the unit names (ExecReload's kill), from the host; the
	 * binary and man pages installed.
	 */
	cr_assert_eq(
		tb_sh("mkdir -p '%1$s/usr/lib/systemd/system' '%1$s/bin' && "
		      "cp -L /usr/lib/systemd/system/*.target '%1$s/usr/lib/systemd/system/' && "
		      "cp -L /bin/kill '%1$s/bin/'",
		      dest),
		0);
	cr_expect_eq(tb_sh("MANPATH='%1$s/usr/local/share/man' systemd-analyze verify "
			   "--root='%1$s' nadxdp@eth0.service >'%1$s/verify.log' 2>&1 && "
			   "! test -s '%1$s/verify.log'",
			   dest),
		     0, "systemd-analyze verify: %s", dpath("/verify.log"));
	if (tb_sh("test -s '%s'", dpath("/verify.log")) == 0)
		tb_sh("cat '%s' >&2", dpath("/verify.log"));
}

/* Each row name of c (with need among its flags) is in the text (as "\-\-name" or "name"). */
static void expect_rows(const char *text, const struct opts_cmd *c, unsigned need, const char *fmt)
{
	for (const struct opts_entry *e = c->entries; e->name; e++) {
		char pat[128], esc[96], *q = esc;

		if ((e->flags & need) != need)
			continue;
		for (const char *p = e->name; *p && q < esc + sizeof(esc) - 3; p++) {
			if (*p == '-')
				*q++ = '\\';
			*q++ = *p;
		}
		*q = '\0';
		snprintf(pat, sizeof(pat), fmt, esc);
		cr_expect(strstr(text, pat) != NULL, "%s not in the page", pat);
	}
}

Test(install, man_pages_render_without_warnings_and_name_every_option, .timeout = 300)
{
	char cmd[512];
	struct cmd_result r;
	char *argv[] = { "sh", "-c", cmd, NULL };

	need_tools();
	for (int i = 0; i < 2; i++) {
		const char *page = i ? "/usr/local/share/man/man5/nadxdp.conf.5" :
				       "/usr/local/share/man/man8/nadxdp.8";

		/* -ww: every warning; the page must make none. */
		snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z '%s'",
			 dpath(page));
		cr_assert_eq(cmd_run(argv, &r), 0);
		cr_expect_eq(r.status, 0, "%s", r.err);
		cr_expect_eq(r.err_len, 0, "groff warns on %s: %s", page, r.err);
		cmd_result_free(&r);
		snprintf(cmd, sizeof(cmd), "MANWIDTH=80 man --warnings -l '%s'", dpath(page));
		cr_assert_eq(cmd_run(argv, &r), 0);
		cr_expect_eq(r.status, 0, "man -l %s: %s", page, r.err);
		cr_expect_eq(r.err_len, 0, "man -l warns on %s: %s", page, r.err);
		cr_expect(strstr(r.out, i ? "NADXDP.CONF(5)" : "NADXDP(8)") != NULL, "%s", r.out);
		cmd_result_free(&r);
	}
	/* the sources: every option of run in nadxdp(8), every setting in nadxdp.conf(5) */
	snprintf(cmd, sizeof(cmd), "cat '%s'", dpath("/usr/local/share/man/man8/nadxdp.8"));
	cr_assert_eq(cmd_run(argv, &r), 0);
	expect_rows(r.out, &run_opts, 0, "\\-\\-%s\\fR");
	cmd_result_free(&r);
	snprintf(cmd, sizeof(cmd), "cat '%s'", dpath("/usr/local/share/man/man5/nadxdp.conf.5"));
	cr_assert_eq(cmd_run(argv, &r), 0);
	expect_rows(r.out, &run_opts, OPTS_CONFIG, "\\fB%s\\fR = ");
	cmd_result_free(&r);
}
