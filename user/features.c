// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TEMPORARY stand-in so the pipeline branch links `--dump-features`; the
 * real extractor is the offline branch's user/features.c, which replaces
 * this file at merge. Values here are placeholders, not the features.
 */
#include <errno.h>
#include <stdlib.h>

#include "features.h"

const char *const features_names[FEAT_N_BASE] = {
	"src_ip_hash", "dst_ip_hash",  "packet_size",  "protocol",
	"src_port",    "dst_port",     "interval",     "tcp_flags",
	"udp_length",  "payload_size", "header_ratio", "transport_layer_hash",
};

struct features {
	__u64 prev_ts_ns;
};

struct features *features_new(void)
{
	return calloc(1, sizeof(struct features));
}

void features_free(struct features *f)
{
	free(f);
}

void features_extract(struct features *f, const struct nad_rec *rec, float out[FEAT_N_BASE])
{
	for (int i = 0; i < FEAT_N_BASE; i++)
		out[i] = 0.0f;
	out[FEAT_PACKET_SIZE] = (float)rec->wire_bytes;
	out[FEAT_PROTOCOL] = (float)rec->ip_proto;
	out[FEAT_SRC_PORT] = (float)rec->sport;
	out[FEAT_DST_PORT] = (float)rec->dport;
	out[FEAT_INTERVAL] = f->prev_ts_ns && rec->ts_ns > f->prev_ts_ns ?
				     (float)((rec->ts_ns - f->prev_ts_ns) / 1e9) :
				     0.0f;
	out[FEAT_TCP_FLAGS] = (float)rec->tcp_flags;
	out[FEAT_UDP_LENGTH] = (float)rec->udp_len;
	out[FEAT_PAYLOAD_SIZE] = (float)rec->payload_bytes;
	f->prev_ts_ns = rec->ts_ns;
}

int features_write_csv_header(FILE *f)
{
	if (fputs("ts,dir", f) < 0)
		return -EIO;
	for (int i = 0; i < FEAT_N_BASE; i++)
		if (fprintf(f, ",%s", features_names[i]) < 0)
			return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}

int features_write_csv_row(FILE *f, uint64_t ts_ns, unsigned int dir, const float v[FEAT_N_BASE])
{
	uint64_t us = ts_ns / 1000 + (ts_ns % 1000 >= 500);

	if (fprintf(f, "%llu.%06llu,%s", (unsigned long long)(us / 1000000),
		    (unsigned long long)(us % 1000000), dir == NAD_DIR_OUT ? "out" : "in") < 0)
		return -EIO;
	for (int i = 0; i < FEAT_N_BASE; i++)
		if (fprintf(f, ",%.9g", (double)v[i]) < 0)
			return -EIO;
	return fputc('\n', f) == EOF ? -EIO : 0;
}
