// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/offline.c - captures to records and feature matrices (contract in offline.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/offline.h"
#include "capture/packet.h"
#include "capture/pcapsrc.h"
#include "common/log.h"
#include "features/features.h"

int offline_walk(struct pcapsrc *src, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx)
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

struct pcapsrc *offline_open(const char *path)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *src = pcapsrc_new(path, err, sizeof(err));

	if (!src)
		pr_warn("%s\n", err);
	return src;
}

int offline_for_each(const char *path, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx)
{
	struct pcapsrc *src = offline_open(path);
	int ret;

	if (!src)
		return -errno;
	ret = offline_walk(src, cb, ctx);
	pcapsrc_free(src);
	return ret;
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
