// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/features.c - `nadxdp features`: one CSV row of features (or, --vector, of the model
 * vector) per packet of a capture.
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
#include "cli/pipeline.h"
#include "features/features.h"
#include "features/vector.h"

struct features_cmd_opts {
	const char *pcap;
	const char *out;
	bool vector;
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
	{ "vector", 0, OPTS_FLAG,
	  .help = "the full model vector, as the detector computes it (the home net inferred, "
		  "per-source context), instead of the twelve features",
	  OPTS_FIELD(struct features_cmd_opts, vector) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd features_opts = {
	.name = "features",
	.synopsis = "nadxdp features --pcap FILE [--vector] [--out FILE.csv]",
	.description =
		"One CSV row of the twelve features (--vector: of the model vector) per packet\n"
		"of a capture (pcap, pcapng, optionally gzip-compressed). Writes to stdout\n"
		"unless --out is given.\n",
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

static void vector_row(void *ctx, const struct nad_rec *rec, const float *v)
{
	struct csv_ctx *c = ctx;

	if (!c->write_errno &&
	    features_write_csv_row_n(c->out, rec->ts_ns, rec->dir, v, VECTOR_DIM))
		c->write_errno = errno ? errno : EIO;
}

/*
 * The header and a row per packet: 0, 1 after a write error (c->write_errno), or -errno.
 * --vector: the rows come from the detector's pipeline (cli/pipeline.h).
 */
static int write_csv(struct csv_ctx *c, struct pcapsrc *src, const char *pcap, bool vector)
{
	int ret;

	errno = 0;
	if (vector ? features_write_csv_header_n(c->out, vector_names, VECTOR_DIM) :
		     features_write_csv_header(c->out)) {
		c->write_errno = errno ? errno : EIO;
		return 1;
	}
	if (vector) {
		ret = analyze_vectors(pcap, vector_row, c, NULL);
		if (c->write_errno)
			return 1;
	} else {
		ret = offline_walk(src, csv_row, c);
	}
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
	ret = write_csv(&c, src, o.pcap, o.vector);
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
