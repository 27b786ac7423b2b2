/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features.h - records to feature vectors.
 *
 * The twelve features of the original design, in this order, under these
 * names (the CSV header and the model files use them):
 *   src_ip_hash, dst_ip_hash, packet_size, protocol, src_port, dst_port,
 *   interval, tcp_flags, udp_length, payload_size, header_ratio,
 *   transport_layer_hash
 * A struct features holds the little state the vector needs (the previous
 * packet's time, for `interval`); live and offline use the same code.
 */
#ifndef NAD_FEATURES_H
#define NAD_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "nad_abi.h"

#define FEAT_N_BASE 12

enum feat_index {
	FEAT_SRC_IP_HASH = 0,
	FEAT_DST_IP_HASH,
	FEAT_PACKET_SIZE,
	FEAT_PROTOCOL,
	FEAT_SRC_PORT,
	FEAT_DST_PORT,
	FEAT_INTERVAL,
	FEAT_TCP_FLAGS,
	FEAT_UDP_LENGTH,
	FEAT_PAYLOAD_SIZE,
	FEAT_HEADER_RATIO,
	FEAT_TRANSPORT_LAYER_HASH,
};

extern const char *const features_names[FEAT_N_BASE];

struct features;

/* Returns NULL and sets errno on failure. */
struct features *features_new(void);
void features_free(struct features *f);

/* Computes the twelve features of rec into out[FEAT_N_BASE] and advances the state. */
void features_extract(struct features *f, const struct nad_rec *rec, float out[FEAT_N_BASE]);

/*
 * The features CSV, shared by `nadxdp features` and the live `--dump-features`:
 *   ts,dir,src_ip_hash,...,transport_layer_hash
 * ts is ts_ns printed as seconds with 6 decimals (capture time offline,
 * CLOCK_MONOTONIC live), dir is "in" or "out" (enum nad_dir), each feature is
 * printed with %.9g (compact, and enough digits to read the float back
 * exactly). Both return 0 or -EIO if the stream reports an error; neither
 * closes nor flushes f.
 */
int features_write_csv_header(FILE *f);
int features_write_csv_row(FILE *f, uint64_t ts_ns, unsigned int dir, const float v[FEAT_N_BASE]);

#endif /* NAD_FEATURES_H */
