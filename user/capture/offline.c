// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/offline.c - captures to records (contract in offline.h).
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

static int walk(struct pcapsrc *src, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx,
		bool quiet)
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
	if (ret < 0 && !quiet)
		pr_warn("%s; kept the %llu packets before it\n", pcapsrc_error(src),
			(unsigned long long)pcapsrc_n_packets(src));
	return ret;
}

int offline_walk(struct pcapsrc *src, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx)
{
	return walk(src, cb, ctx, false);
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

int offline_peek(const char *path, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *src = pcapsrc_new(path, err, sizeof(err));
	int ret;

	if (!src)
		return -errno;
	ret = walk(src, cb, ctx, true);
	pcapsrc_free(src);
	return ret;
}
