// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/features.c - the twelve per-packet features (definitions in features.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "features/features.h"
#include "features/sketch.h"

const char *const features_names[FEAT_N_BASE] = {
	"src_ip_hash", "dst_ip_hash",  "packet_size",  "protocol",
	"src_port",    "dst_port",     "interval",     "tcp_flags",
	"udp_length",  "payload_size", "header_ratio", "transport_layer_hash",
};

/*
 * Sizes, ports and intervals are heavy-tailed (a 60 s pause where the training IQR is
 * 15 ms, an ARP EtherType among IP protocol numbers): logged, they no longer make all of
 * the models' scores (scripts/eval-models.sh: trained on the bundled benign captures,
 * scored on the labelled ones).
 */
void features_log_units(const char *const *names, size_t d, float *out)
{
	static const struct {
		const char *name;
		float unit;
	} logged[] = {
		{ "packet_size", 1 }, { "protocol", 1 },     { "src_port", 1 },
		{ "dst_port", 1 },    { "interval", 1e6f }, /* seconds -> microseconds */
		{ "udp_length", 1 },  { "payload_size", 1 },
	};

	for (size_t j = 0; j < d; j++) {
		out[j] = 0;
		for (size_t k = 0; names && names[j] && k < sizeof(logged) / sizeof(logged[0]); k++)
			if (!strcmp(names[j], logged[k].name))
				out[j] = logged[k].unit;
	}
}

int features_sample_group(const char *const *names, size_t d)
{
	for (size_t j = 0; names && j < d && j < INT_MAX; j++)
		if (names[j] && !strcmp(names[j], features_names[FEAT_PROTOCOL]))
			return (int)j;
	return -1;
}

struct features {
	uint64_t prev_ts_ns;
	bool have_prev;
};

struct features *features_new(void)
{
	return calloc(1, sizeof(struct features));
}

void features_free(struct features *f)
{
	free(f);
}

uint32_t features_addr_hash(const uint8_t addr[16])
{
	return sketch_addr_hash(addr);
}

/*
 * Only the top 24 bits: a float holds them exactly, so the value stays
 * strictly below 1 (h / 2^32 would round up to 1.0f for h near 2^32).
 */
static float unit_hash(const uint8_t addr[16])
{
	return (float)(features_addr_hash(addr) >> 8) * (1.0f / 16777216.0f);
}

static float transport_code(uint8_t ip_proto)
{
	switch (ip_proto) {
	case IPPROTO_TCP:
		return FEAT_TL_TCP;
	case IPPROTO_UDP:
		return FEAT_TL_UDP;
	case IPPROTO_ICMP:
		return FEAT_TL_ICMP;
	case IPPROTO_ICMPV6:
		return FEAT_TL_ICMPV6;
	default:
		return FEAT_TL_OTHER;
	}
}

void features_extract(struct features *f, const struct nad_rec *rec, float out[FEAT_N_BASE])
{
	bool ip = rec->flags & (NAD_F_IPV4 | NAD_F_IPV6);
	double interval = 0.0;

	if (f->have_prev && rec->ts_ns > f->prev_ts_ns)
		interval = (double)(rec->ts_ns - f->prev_ts_ns) / 1e9;
	f->prev_ts_ns = rec->ts_ns;
	f->have_prev = true;

	out[FEAT_SRC_IP_HASH] = ip ? unit_hash(rec->saddr) : 0.0f;
	out[FEAT_DST_IP_HASH] = ip ? unit_hash(rec->daddr) : 0.0f;
	out[FEAT_PACKET_SIZE] = (float)rec->wire_bytes;
	if (ip)
		out[FEAT_PROTOCOL] = rec->ip_proto;
	else
		out[FEAT_PROTOCOL] = rec->eth_proto >= 0x0600 ? rec->eth_proto : FEAT_PROTO_8023;
	out[FEAT_SRC_PORT] = rec->sport;
	out[FEAT_DST_PORT] = rec->dport;
	out[FEAT_INTERVAL] = (float)interval;
	out[FEAT_TCP_FLAGS] = rec->tcp_flags;
	out[FEAT_UDP_LENGTH] = rec->udp_len;
	out[FEAT_PAYLOAD_SIZE] = rec->payload_bytes;
	out[FEAT_HEADER_RATIO] =
		rec->wire_bytes ? (float)((double)rec->hdr_bytes / rec->wire_bytes) : 0.0f;
	out[FEAT_TRANSPORT_LAYER_HASH] = ip ? transport_code(rec->ip_proto) : FEAT_TL_NONE;
}

int features_write_csv_header_n(FILE *f, const char *const *names, size_t n)
{
	if (fputs("ts,dir", f) < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (fprintf(f, ",%s", names[i]) < 0)
			return -EIO;
	}
	if (fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

int features_write_csv_header(FILE *f)
{
	return features_write_csv_header_n(f, features_names, FEAT_N_BASE);
}

int features_write_csv_row_n(FILE *f, uint64_t ts_ns, unsigned int dir, const float *v, size_t n)
{
	/* Integer arithmetic for ts: a double loses microseconds past 2^53 ns. */
	uint64_t us = ts_ns / 1000 + (ts_ns % 1000 >= 500);

	if (fprintf(f, "%llu.%06llu,%s", (unsigned long long)(us / 1000000),
		    (unsigned long long)(us % 1000000), dir == NAD_DIR_OUT ? "out" : "in") < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (fprintf(f, ",%.9g", (double)v[i]) < 0)
			return -EIO;
	}
	if (fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

int features_write_csv_row(FILE *f, uint64_t ts_ns, unsigned int dir, const float v[FEAT_N_BASE])
{
	return features_write_csv_row_n(f, ts_ns, dir, v, FEAT_N_BASE);
}
