// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/offline.c - `nadxdp features` and the capture-to-features helpers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/offline.h"
#include "capture/packet.h"
#include "capture/pcapsrc.h"
#include "common/log.h"
#include "features/features.h"

/* Walks an open capture; see offline_for_each(). */
static int walk(struct pcapsrc *src, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx)
{
	struct pcapsrc_pkt pkt;
	struct nad_rec rec;
	int ret;

	while ((ret = pcapsrc_next(src, &pkt)) == 1) {
		packet_parse(pkt.data, pkt.caplen, pkt.wire_bytes, &rec);
		rec.ts_ns = pkt.ts_ns;
		rec.dir = NAD_DIR_IN;
		ret = cb(&rec, ctx);
		if (ret)
			return ret;
	}
	if (ret < 0)
		pr_warn("%s; kept the %llu packets before it\n", pcapsrc_error(src),
			(unsigned long long)pcapsrc_n_packets(src));
	return ret;
}

static struct pcapsrc *open_capture(const char *path)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *src = pcapsrc_new(path, err, sizeof(err));

	if (!src)
		pr_warn("%s\n", err);
	return src;
}

int offline_for_each(const char *path, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx)
{
	struct pcapsrc *src = open_capture(path);
	int ret;

	if (!src)
		return -errno;
	ret = walk(src, cb, ctx);
	pcapsrc_free(src);
	return ret;
}

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

static void features_usage(FILE *f)
{
	fprintf(f, "Usage: nadxdp features --pcap FILE [--out FILE.csv]\n"
		   "  One CSV row of the twelve features per packet of a capture (pcap, pcapng,\n"
		   "  optionally gzip-compressed). Writes to stdout unless --out is given.\n"
		   "  -p, --pcap FILE   the capture to read\n"
		   "  -o, --out FILE    write the CSV here instead of stdout\n"
		   "  -h, --help        this text\n");
}

int offline_features_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *pcap_path = NULL, *out_path = NULL;
	struct csv_ctx c = { 0 };
	struct pcapsrc *src = NULL;
	int opt, ret, exit_code = EXIT_RUNTIME;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":p:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pcap_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			features_usage(stdout);
			return EXIT_OK;
		case ':':
			pr_warn("features: option %s needs an argument\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			pr_warn("features: unknown option %s (see nadxdp features --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_warn("features: unexpected argument %s (see nadxdp features --help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!pcap_path) {
		pr_warn("features: --pcap FILE is required (see nadxdp features --help)\n");
		return EXIT_USAGE;
	}

	c.feat = features_new();
	if (!c.feat) {
		pr_warn("features: %s\n", strerror(errno));
		goto cleanup;
	}
	/* Open the capture first: a refused file leaves no output file behind. */
	src = open_capture(pcap_path);
	if (!src)
		goto cleanup;
	if (out_path) {
		c.out = fopen(out_path, "w");
		if (!c.out) {
			pr_warn("cannot write %s: %s\n", out_path, strerror(errno));
			goto cleanup;
		}
	} else {
		c.out = stdout;
	}

	errno = 0;
	if (features_write_csv_header(c.out)) {
		c.write_errno = errno ? errno : EIO;
		ret = 1;
	} else {
		ret = walk(src, csv_row, &c);
	}
	if (!ret && fflush(c.out)) {
		c.write_errno = errno;
		ret = 1;
	}
	if (ret > 0)
		pr_warn("cannot write %s: %s\n", out_path ? out_path : "stdout",
			strerror(c.write_errno));
	else if (!ret)
		exit_code = EXIT_OK;
cleanup:
	if (c.out && c.out != stdout && fclose(c.out) && exit_code == EXIT_OK) {
		pr_warn("cannot write %s: %s\n", out_path, strerror(errno));
		exit_code = EXIT_RUNTIME;
	}
	pcapsrc_free(src);
	features_free(c.feat);
	return exit_code;
}

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

int offline_feature_matrix(const char *path, float **X, size_t *n_rows)
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
