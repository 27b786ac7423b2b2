// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/features.c - `nadxdp features`: one CSV row of features per packet of a capture; and
 * the same features as one matrix for `nadxdp train --pcap`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/offline.h"
#include "capture/pcapsrc.h"
#include "cli/cli.h"
#include "cli/features.h"
#include "features/features.h"

struct features_cmd_opts {
	const char *pcap;
	const char *out;
};

static void defaults(void *o)
{
	memset(o, 0, sizeof(struct features_cmd_opts));
}

static const struct opts_entry rows[] = {
	{ "pcap", 'p', OPTS_STRING, "FILE", "the capture to read",
	  OPTS_FIELD(struct features_cmd_opts, pcap) },
	{ "out", 'o', OPTS_STRING, "FILE", "write the CSV here instead of stdout",
	  OPTS_FIELD(struct features_cmd_opts, out) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd features_opts = {
	.name = "features",
	.synopsis = "nadxdp features --pcap FILE [--out FILE.csv]",
	.description = "One CSV row of the twelve features per packet of a capture (pcap, pcapng,\n"
		       "optionally gzip-compressed). Writes to stdout unless --out is given.\n",
	.entries = rows,
	.size = sizeof(struct features_cmd_opts),
	.defaults = defaults,
};

struct csv_ctx {
	struct features *feat;
	FILE *out;
	int write_errno;
};

static int csv_row(const struct nad_rec *rec, void *ctx)
{
	struct csv_ctx *c = ctx;
	float v[FEAT_N_BASE];

	features_extract(c->feat, rec, v);
	/* A positive value stops the walk and tells write errors from read errors. */
	if (features_write_csv_row(c->out, rec->ts_ns, rec->dir, v)) {
		c->write_errno = errno ? errno : EIO;
		return 1;
	}
	return 0;
}

/* The header and a row per packet: 0, 1 after a write error (c->write_errno), or -errno. */
static int write_csv(struct csv_ctx *c, struct pcapsrc *src)
{
	int ret;

	errno = 0;
	if (features_write_csv_header(c->out)) {
		c->write_errno = errno ? errno : EIO;
		return 1;
	}
	ret = offline_walk(src, csv_row, c);
	if (!ret && fflush(c->out)) {
		c->write_errno = errno;
		ret = 1;
	}
	return ret;
}

int features_cmd(int argc, char **argv)
{
	struct features_cmd_opts o;
	struct opts_result res;
	struct csv_ctx c = { 0 };
	struct pcapsrc *src = NULL;
	int ret, exit_code = EXIT_RUNTIME;

	if (!cli_options(&features_opts, argc, argv, &o, &res, &exit_code))
		return exit_code;
	if (!o.pcap)
		return cli_usage_error(&features_opts,
				       "--pcap FILE is required (see nadxdp features --help)");

	c.feat = features_new();
	if (!c.feat) {
		pr_warn("features: %s\n", strerror(errno));
		goto cleanup;
	}
	/* Open the capture first: a refused file leaves no output file behind. */
	src = offline_open(o.pcap);
	if (!src)
		goto cleanup;
	c.out = o.out ? fopen(o.out, "w") : stdout;
	if (!c.out) {
		pr_warn("cannot write %s: %s\n", o.out, strerror(errno));
		goto cleanup;
	}
	ret = write_csv(&c, src);
	if (ret > 0)
		pr_warn("cannot write %s: %s\n", o.out ? o.out : "stdout", strerror(c.write_errno));
	else if (!ret)
		exit_code = EXIT_OK;
cleanup:
	if (c.out && c.out != stdout && fclose(c.out) && exit_code == EXIT_OK) {
		pr_warn("cannot write %s: %s\n", o.out, strerror(errno));
		exit_code = EXIT_RUNTIME;
	}
	pcapsrc_free(src);
	features_free(c.feat);
	return exit_code;
}

/* ---- the feature matrix of a capture (for `nadxdp train --pcap`) ---------------------- */

struct matrix_ctx {
	struct features *feat;
	float *X;
	size_t n_rows, cap_rows;
};

static int matrix_row(const struct nad_rec *rec, void *ctx)
{
	struct matrix_ctx *m = ctx;

	if (m->n_rows == m->cap_rows) {
		size_t cap = m->cap_rows ? m->cap_rows * 2 : 4096;
		float *X;

		if (cap > SIZE_MAX / (FEAT_N_BASE * sizeof(float)))
			return -EOVERFLOW;
		X = realloc(m->X, cap * FEAT_N_BASE * sizeof(float));
		if (!X)
			return -ENOMEM;
		m->X = X;
		m->cap_rows = cap;
	}
	features_extract(m->feat, rec, m->X + m->n_rows * FEAT_N_BASE);
	m->n_rows++;
	return 0;
}

int features_capture_matrix(const char *path, float **X, size_t *n_rows)
{
	struct matrix_ctx m = { 0 };
	int ret;

	*X = NULL;
	*n_rows = 0;
	m.feat = features_new();
	if (!m.feat) {
		ret = -errno;
		pr_warn("%s: %s\n", path, strerror(-ret));
		return ret;
	}
	ret = offline_for_each(path, matrix_row, &m);
	if (ret == -ENOMEM || ret == -EOVERFLOW)
		pr_warn("%s: feature matrix: %s\n", path, strerror(-ret));
	if (!ret && m.n_rows == 0) {
		pr_warn("%s: the capture holds no packets\n", path);
		ret = -ENODATA;
	}
	features_free(m.feat);
	if (ret) {
		free(m.X);
		return ret;
	}
	*X = m.X;
	*n_rows = m.n_rows;
	return 0;
}
