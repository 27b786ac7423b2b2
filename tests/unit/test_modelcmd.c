// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `nadxdp train`, `score` and `cluster` end to end, through the built binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/rng.h"
#include "helpers/tmpdir.h"

static char dir[64];
static char out[1 << 16], err[4096];

static void setup(void)
{
	tmpdir_make(dir, sizeof(dir), "cmd");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

/* Runs `nadxdp ARGS` (ARGS may use $D for the temp dir); returns its exit code. */
static int nadxdp(const char *args)
{
	const char *bin = getenv("NADXDP_BIN");
	char cmd[1024], path[128];
	FILE *f;
	size_t k;
	int st;

	if (!bin)
		cr_skip_test("NADXDP_BIN is not set (run through `make test`)");
	snprintf(cmd, sizeof(cmd), "D='%s'; '%s' %s >\"$D/out\" 2>\"$D/err\"", dir, bin, args);
	st = system(cmd);
	cr_assert(WIFEXITED(st));
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "r");
	k = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	out[k] = 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/err", dir);
	f = fopen(path, "r");
	k = f ? fread(err, 1, sizeof(err) - 1, f) : 0;
	err[k] = 0;
	if (f)
		fclose(f);
	return WEXITSTATUS(st);
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void write_rows(const char *name, size_t n, const char *header)
{
	char path[128];
	struct rng r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", header);
	rng_seed(&r, 3);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%g,%g,%g\n", 1500 * rng_float(&r), (double)rng_below(&r, 1024),
			rng_float(&r) * 0.2);
	fclose(f);
}

TestSuite(modelcmd, .init = setup, .fini = teardown);

Test(modelcmd, train_score_cluster_round_trip)
{
	write_rows("x.csv", 300, "packet_size,dst_port,interval");
	cr_assert_eq(nadxdp("train --features \"$D/x.csv\" --models \"$D\" --epochs 2 --trees 20"),
		     0, "stderr: %s", err);
	cr_expect(strstr(out, "trained on 300 rows x 3 features") != NULL, "stdout: %s", out);
	cr_expect_eq(lines(out), 1);
	cr_assert_eq(access(strcat(strcpy(err, dir), "/nadxdp.model"), R_OK), 0);

	cr_assert_eq(nadxdp("score --models \"$D\" --features \"$D/x.csv\""), 0, "stderr: %s", err);
	cr_expect(!strncmp(out, "ae_mae,iforest_score\n", 21), "stdout starts: %.40s", out);
	cr_expect_eq(lines(out), 301);
	cr_assert_eq(nadxdp("score --models \"$D\" --features \"$D/x.csv\" --out \"$D/s.csv\""), 0);
	cr_expect_eq(out[0], 0);

	cr_assert_eq(nadxdp("cluster --features \"$D/x.csv\" --eps 100 --min-samples 3"), 0,
		     "stderr: %s", err);
	cr_expect(!strncmp(out, "label\n", 6));
	cr_expect_eq(lines(out), 301);
}

/* As the live run does with its state directory: a missing models directory is made, 0700. */
Test(modelcmd, train_creates_a_missing_models_directory_private)
{
	char path[128];
	struct stat st;

	write_rows("x.csv", 300, "packet_size,dst_port,interval");
	cr_assert_eq(nadxdp("train --features \"$D/x.csv\" --models \"$D/new\" --epochs 2 -q"), 0,
		     "stderr: %s", err);
	snprintf(path, sizeof(path), "%s/new", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "mode %o", st.st_mode);
	snprintf(path, sizeof(path), "%s/new/nadxdp.model", dir);
	cr_expect_eq(access(path, R_OK), 0, "the model written into it");
}

/*
 * Trains on 2,000 rows, 5 % of them protocol 17 and the rest 6, packet sizes alike, under
 * header HEADER, and returns the share of the protocol-17 rows the forest flags.
 */
static double rare_protocol_flagged(const char *header)
{
	double thr, flagged = 0;
	char path[128], *p;
	struct rng r;
	FILE *f;
	int k = 0;

	snprintf(path, sizeof(path), "%s/p.csv", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s\n", header);
	rng_seed(&r, 5);
	for (int i = 0; i < 2000; i++)
		fprintf(f, "%d,%g\n", i % 20 ? 6 : 17, 60 + 1400 * rng_float(&r));
	fclose(f);
	cr_assert_eq(nadxdp("train --features \"$D/p.csv\" --models \"$D\" --epochs 2 -q"), 0,
		     "stderr: %s", err);
	p = strstr(out, "iforest_score < ");
	cr_assert_not_null(p, "stdout: %s", out);
	thr = strtod(p + 16, NULL);
	cr_assert_eq(nadxdp("score --models \"$D\" --features \"$D/p.csv\""), 0, "stderr: %s", err);
	p = strchr(out, '\n');
	for (int i = 0; p && i < 2000; i++, p = strchr(p + 1, '\n')) {
		char *comma = strchr(p + 1, ',');

		cr_assert_not_null(comma);
		if (i % 20 == 0) {
			flagged += strtod(comma + 1, NULL) < thr;
			k++;
		}
	}
	cr_assert_eq(k, 100);
	return flagged / k;
}

/* A column named protocol groups the forest's rows (ml/iforest.h): a protocol that is rare in
 * training is judged by its own rows, not flagged for its rarity (here 0.93 of its rows
 * flagged under another column name, 0.42 grouped). */
Test(modelcmd, train_groups_the_forests_rows_by_protocol)
{
	double grouped = rare_protocol_flagged("protocol,packet_size");
	double uniform = rare_protocol_flagged("proto,packet_size");

	cr_expect_gt(uniform, 0.5, "uniform rows: %.2f of the rare protocol flagged", uniform);
	cr_expect_lt(grouped, uniform - 0.3, "grouped %.2f, uniform %.2f", grouped, uniform);
}

Test(modelcmd, bad_flags_exit_2_with_one_line)
{
	cr_expect_eq(nadxdp("train --bogus"), 2);
	cr_expect_eq(lines(err), 1, "stderr: %s", err);
	cr_expect_eq(nadxdp("train --features x.csv"), 2); /* no --models */
	cr_expect_eq(nadxdp("train --features x.csv --pcap y --models ."), 2);
	cr_expect_eq(nadxdp("train --features x.csv --models . --epochs 0"), 2);
	cr_expect_eq(lines(err), 1, "stderr: %s", err);
	cr_expect_eq(nadxdp("score --models ."), 2);
	cr_expect_eq(nadxdp("cluster --features x.csv --eps -1"), 2);
	cr_expect_eq(nadxdp("cluster --features x.csv --min-samples abc"), 2);
	cr_expect_eq(nadxdp("cluster --help"), 0);
	cr_expect(strstr(out, "--min-samples") != NULL);
	cr_expect_eq(nadxdp("score --help"), 0);
	cr_expect(strstr(out, "score_samples") != NULL);
	cr_expect_eq(nadxdp("train --help"), 0);
}

Test(modelcmd, bad_input_exits_1_naming_the_cause)
{
	write_rows("x.csv", 300, "a,b,c");
	cr_expect_eq(nadxdp("train --features \"$D/x.csv\" --models \"$D/nonexistent/m\""), 1);
	cr_expect(strstr(err, "nonexistent") && lines(err) == 1, "stderr: %s", err);
	write_file("file", "x\n");
	cr_expect_eq(nadxdp("train --features \"$D/x.csv\" --models \"$D/file\""), 1);
	cr_expect(strstr(err, "not a directory") && lines(err) == 1, "stderr: %s", err);

	write_file("ragged.csv", "a,b\n1,2\n3\n");
	cr_expect_eq(nadxdp("train --features \"$D/ragged.csv\" --models \"$D\""), 1);
	cr_expect(strstr(err, "line 3") && lines(err) == 1, "stderr: %s", err);

	write_file("nan.csv", "a,b\n1,2\nnan,3\n");
	cr_expect_eq(nadxdp("cluster --features \"$D/nan.csv\""), 1);
	cr_expect(strstr(err, "line 3, column 1 (a)") && lines(err) == 1, "stderr: %s", err);

	write_file("few.csv", "a,b\n1,2\n3,4\n");
	cr_expect_eq(nadxdp("train --features \"$D/few.csv\" --models \"$D\""), 1);
	cr_expect(strstr(err, "2 rows") && lines(err) == 1, "stderr: %s", err);

	cr_expect_eq(nadxdp("score --models \"$D\" --features \"$D/few.csv\""), 1);
	cr_expect(strstr(err, "nadxdp.model") && lines(err) == 1, "stderr: %s", err);

	/* Values near FLT_MAX: a one-line refusal, no model written (issue 15). */
	{
		char text[4096] = "a,b,c\n", path[128];

		for (int i = 0; i < 40; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%d,%s,%d\n",
				 i % 4, i % 7 ? "1" : (i % 2 ? "3e38" : "-3e38"), i % 3);
		write_file("huge.csv", text);
		cr_expect_eq(nadxdp("train --features \"$D/huge.csv\" --models \"$D\" --epochs 3"),
			     1);
		cr_expect(strstr(err, "too large") && lines(err) == 1, "stderr: %s", err);
		snprintf(path, sizeof(path), "%s/nadxdp.model", dir);
		cr_expect_neq(access(path, F_OK), 0, "a model was written");
	}

	/* A model of columns a,b,c does not score columns a,b,x. */
	cr_assert_eq(
		nadxdp("train -q --features \"$D/x.csv\" --models \"$D\" --epochs 1 --trees 5"), 0);
	write_rows("y.csv", 10, "a,b,x");
	cr_expect_eq(nadxdp("score --models \"$D\" --features \"$D/y.csv\""), 1);
	cr_expect(strstr(err, "column 3 is 'x'") && lines(err) == 1, "stderr: %s", err);
}
