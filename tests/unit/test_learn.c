// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_learn.c - learning the site through the built binary (NADXDP_BIN): `train --pcap`
 * writes a model the detector accepts and that scores rows as the CSV path's does, the
 * baselines come with it (`nadxdp baseline`), offline learning finishes on a short
 * capture and says why not on a tiny one, a missing models directory is made 0700, and
 * old or corrupt model files are refused in one line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <pcap/pcap.h>

#include "helpers/cmd_run.h"
#include "helpers/tmpdir.h"

#define TEAMS "tests/data/benign_teams_call.pcap.gz" /* 1540 packets */
#define SSH "tests/data/bruteforce_ssh_zeek_sshguess.pcap" /* 431 packets */
#define FAST "--epochs 3 --trees 20 --seed 7 -q"

static char dir[64];
static char out[1 << 20], err[1 << 14];

static void setup(void)
{
	tmpdir_make(dir, sizeof(dir), "learn");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

TestSuite(learn, .init = setup, .fini = teardown);

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t k = f ? fread(buf, 1, len - 1, f) : 0;

	buf[k] = 0;
	if (f)
		fclose(f);
}

/* Runs `nadxdp ARGS` ($D: the temp dir, $R: the repository); returns its exit code. */
static int nadxdp(const char *fmt, ...)
{
	char args[1024], cmd[2048], path[128];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "D='%s'; R='%s'; '%s' %s >\"$D/out\" 2>\"$D/err\"", dir,
		 cmd_repo_path(""), cmd_nadxdp_bin(), args);
	st = system(cmd);
	cr_assert(WIFEXITED(st));
	snprintf(path, sizeof(path), "%s/out", dir);
	slurp(path, out, sizeof(out));
	snprintf(path, sizeof(path), "%s/err", dir);
	slurp(path, err, sizeof(err));
	return WEXITSTATUS(st);
}

static int sh(const char *fmt, ...)
{
	char args[1024], cmd[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "D='%s'; %s", dir, args);
	return system(cmd);
}

static bool exists(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

/* The lines of err that contain s. */
static int err_lines_with(const char *s)
{
	int n = 0;

	for (const char *p = err; (p = strstr(p, s)); p++)
		n++;
	return n;
}

Test(learn, train_pcap_gives_a_model_the_detector_accepts_scoring_as_the_csv_path)
{
	char a[1 << 16], b[1 << 16];

	cr_assert_eq(sh("mkdir \"$D/a\" \"$D/b\""), 0);
	cr_assert_eq(nadxdp("train --pcap \"$R/" TEAMS "\" --models \"$D/a\" " FAST), 0, "%s", err);
	cr_expect(strstr(out, "trained on 1540 rows x") && strstr(out, "baselines of"), "%s", out);
	/* the detector takes it, live or offline */
	cr_assert_eq(nadxdp("--pcap \"$R/" SSH "\" --models \"$D/a\" --no-train --quiet"), 0, "%s",
		     err);
	cr_expect(!strstr(err, "Refusing") && !strstr(err, "Failed"), "%s", err);
	cr_expect(strstr(err, "Baselines of") != NULL, "%s", err);
	/* the same rows through --vectors-out and train --features: the same scores */
	cr_assert_eq(nadxdp("--pcap \"$R/" TEAMS "\" --vectors-out \"$D/x.csv\" --quiet"), 0);
	cr_assert_eq(nadxdp("train --features \"$D/x.csv\" --models \"$D/b\" " FAST), 0, "%s", err);
	cr_assert_eq(nadxdp("score --models \"$D/a\" --features \"$D/x.csv\""), 0, "%s", err);
	strcpy(a, out);
	cr_assert_eq(nadxdp("score --models \"$D/b\" --features \"$D/x.csv\""), 0, "%s", err);
	strcpy(b, out);
	cr_expect_eq(cmd_count_lines(a), 1541);
	cr_expect_str_eq(a, b);
}

Test(learn, baseline_prints_the_hosts_and_services_learned_from_the_capture)
{
	struct json_object *j, *hosts, *h, *figs, *f;

	cr_assert_eq(nadxdp("train --pcap \"$R/" SSH "\" --models \"$D\" " FAST), 0, "%s", err);
	cr_assert_eq(nadxdp("baseline --models \"$D\""), 0, "%s", err);
	cr_expect(strstr(out, "host 192.168.") && strstr(out, "pkts_out") &&
			  strstr(out, "fanout_hosts") && strstr(out, "service "),
		  "%.2000s", out);
	cr_assert_eq(nadxdp("baseline --models \"$D\" --json"), 0, "%s", err);
	j = json_tokener_parse(out);
	cr_assert_not_null(j, "%.300s", out);
	cr_assert(json_object_object_get_ex(j, "hosts", &hosts));
	cr_assert_gt(json_object_array_length(hosts), 0);
	h = json_object_array_get_idx(hosts, 0);
	cr_assert(json_object_object_get_ex(h, "figures", &figs));
	for (const char *const *m =
		     (const char *const[]){ "pkts_out", "bytes_out", "pkts_in", "bytes_in",
					    "opened", "answered", "upload", "fanout_ports",
					    "fanout_hosts", NULL };
	     *m; m++) {
		cr_expect(json_object_object_get_ex(figs, *m, &f), "%s", *m);
		cr_expect(f && json_object_object_get_ex(f, "mean", NULL) &&
				  json_object_object_get_ex(f, "high", NULL),
			  "%s", *m);
	}
	json_object_put(j);
	/* a model trained from a CSV carries none, and says so */
	cr_assert_eq(nadxdp("--pcap \"$R/" SSH "\" --vectors-out \"$D/x.csv\" --quiet"), 0);
	cr_assert_eq(nadxdp("train --features \"$D/x.csv\" --models \"$D\" " FAST), 0);
	cr_expect_eq(nadxdp("baseline --models \"$D\""), 1);
	cr_expect(strstr(err, "no baselines") && cmd_count_lines(err) == 1, "%s", err);
	cr_expect_eq(nadxdp("baseline"), 2);
}

Test(learn, a_capture_shorter_than_train_packets_still_trains_and_saves)
{
	struct stat st;

	/* the models directory does not exist: it is made, mode 0700 */
	cr_assert_eq(nadxdp("--pcap \"$R/" TEAMS "\" --models \"$D/m\" --summary-interval 0"
			    " --quiet"),
		     0, "%s", err);
	cr_assert_eq(stat(strcat(strcpy((char[128]){ 0 }, dir), "/m"), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700);
	cr_expect(strstr(err, "Created the models directory") != NULL, "%s", err);
	cr_expect(strstr(err, "The capture ended after") && strstr(err, "of 20000 packets"), "%s",
		  err);
	cr_expect(strstr(err, "Saved ") != NULL, "%s", err);
	cr_expect(exists("m/nadxdp.model"));
	/* and the next run uses it, with its baselines */
	cr_assert_eq(nadxdp("--pcap \"$R/" TEAMS "\" --models \"$D/m\" --no-train --quiet"), 0);
	cr_expect(strstr(err, "Baselines of") && !strstr(err, "embedded"), "%s", err);
	cr_assert_eq(nadxdp("baseline --models \"$D/m\""), 0, "%s", err);
}

/* The first n packets of the capture at rel into $D/name. */
static void cut_capture(const char *rel, int n, const char *name)
{
	char ebuf[PCAP_ERRBUF_SIZE], path[256];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_dumper_t *d;
	pcap_t *p;

	p = pcap_open_offline(cmd_repo_path(rel), ebuf);
	cr_assert_not_null(p, "%s", ebuf);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = pcap_dump_open(p, path);
	cr_assert_not_null(d);
	for (int i = 0; i < n && pcap_next_ex(p, &h, &data) == 1; i++)
		pcap_dump((u_char *)d, h, data);
	pcap_dump_close(d);
	pcap_close(p);
}

Test(learn, a_tiny_capture_says_why_no_model_is_saved)
{
	cut_capture(SSH, 10, "tiny.pcap");
	cr_assert_eq(nadxdp("--pcap \"$D/tiny.pcap\" --models \"$D\" --summary-interval 0 "
			    "--quiet"),
		     0, "%s", err);
	cr_expect_eq(err_lines_with("No model saved"), 1, "%s", err);
	cr_expect(strstr(err, "10 of 20000 packets") && strstr(err, "at least 20"), "%s", err);
	cr_expect(!exists("nadxdp.model"));
	/* train --pcap says it too, in one line, and fails */
	cr_expect_eq(nadxdp("train --pcap \"$D/tiny.pcap\" --models \"$D\" -q"), 1);
	cr_expect(strstr(err, "10 rows, training needs at least 20") != NULL, "%s", err);
}

Test(learn, old_and_corrupt_model_files_are_refused_in_one_line)
{
	cr_assert_eq(nadxdp("train --pcap \"$R/" SSH "\" --models \"$D\" " FAST), 0, "%s", err);
	cr_assert_eq(sh("cp \"$D/nadxdp.model\" \"$D/good\""), 0);
	/* version 2, as every model before the baselines section */
	cr_assert_eq(sh("printf '\\002' | dd of=\"$D/nadxdp.model\" bs=1 seek=8 conv=notrunc "
			"2>/dev/null"),
		     0);
	cr_expect_eq(nadxdp("--pcap \"$R/" SSH "\" --models \"$D\" --quiet"), 1);
	cr_expect_eq(err_lines_with("model format version 2, this build reads version 3"), 1, "%s",
		     err);
	cr_expect_eq(nadxdp("baseline --models \"$D\""), 1);
	cr_expect(strstr(err, "version 2") && cmd_count_lines(err) == 1, "%s", err);
	/* a flipped byte in the payload */
	cr_assert_eq(sh("cp \"$D/good\" \"$D/nadxdp.model\" && printf 'X' | dd "
			"of=\"$D/nadxdp.model\" bs=1 seek=200 conv=notrunc 2>/dev/null"),
		     0);
	cr_expect_eq(nadxdp("--pcap \"$R/" SSH "\" --models \"$D\" --quiet"), 1);
	cr_expect_eq(err_lines_with("corrupt"), 1, "%s", err);
	cr_expect_eq(nadxdp("baseline --models \"$D\" --json"), 1);
	cr_expect(strstr(err, "corrupt") && cmd_count_lines(err) == 1, "%s", err);
}
