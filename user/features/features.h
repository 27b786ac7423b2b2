/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/features.h - records to feature vectors.
 *
 * The twelve features of the original design, in this order, under these
 * names (the CSV header and the model files use them):
 *   src_ip_hash, dst_ip_hash, packet_size, protocol, src_port, dst_port,
 *   interval, tcp_flags, udp_length, payload_size, header_ratio,
 *   transport_layer_hash
 * A struct features holds the little state the vector needs (the previous
 * packet's time, for `interval`); live and offline use the same code.
 *
 * Exact definitions ("IP frame" = rec->flags has NAD_F_IPV4 or NAD_F_IPV6):
 *
 *   src_ip_hash, dst_ip_hash
 *       32-bit FNV-1a of the 16 address bytes of rec->saddr / rec->daddr (IPv4
 *       as the IPv4-mapped ::ffff:a.b.c.d, network order), top 24 bits scaled
 *       to [0, 1): (h >> 8) / 2^24, exact in a float. Stable across runs and
 *       machines. 0 for a frame that is not an IP frame.
 *   packet_size
 *       rec->wire_bytes: bytes on the wire (a capture's original length, not
 *       its snapshot length; all segments of a GSO packet).
 *   protocol
 *       IP frame: the IP protocol number (IPv6: the last next-header, i.e.
 *       the transport), 0..255. Any other frame: its EtherType (rec->eth_proto,
 *       >= 0x0600 = 1536, so it never collides with an IP protocol number);
 *       802.3 length-field frames (eth_proto < 0x0600) give 256.
 *   src_port, dst_port
 *       rec->sport / rec->dport: TCP/UDP ports; for ICMP/ICMPv6 the record's
 *       type << 8 | code and echo identifier; 0 when no L4 header was parsed.
 *   interval
 *       seconds since the previous record given to this extractor (rec->ts_ns
 *       difference / 1e9); 0 for the first record and when time goes backwards.
 *   tcp_flags
 *       the TCP flag byte as on the wire (FIN 0x01 ... CWR 0x80); 0 if not TCP.
 *   udp_length
 *       the UDP header's length field (header + payload bytes); 0 if not UDP.
 *   payload_size
 *       rec->payload_bytes: L4 payload bytes per the headers.
 *   header_ratio
 *       rec->hdr_bytes / rec->wire_bytes (L2 + L3 + L4 header bytes over wire
 *       bytes), 0 if wire_bytes is 0.
 *   transport_layer_hash
 *       a small code for the transport: 0 not an IP frame, 1 TCP, 2 UDP,
 *       3 ICMP, 4 ICMPv6, 5 any other IP protocol.
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

/* transport_layer_hash values */
enum feat_transport {
	FEAT_TL_NONE = 0,
	FEAT_TL_TCP = 1,
	FEAT_TL_UDP = 2,
	FEAT_TL_ICMP = 3,
	FEAT_TL_ICMPV6 = 4,
	FEAT_TL_OTHER = 5,
};

/* protocol value of an 802.3 length-field (non-EtherType) frame */
#define FEAT_PROTO_8023 256

extern const char *const features_names[FEAT_N_BASE];

struct features;

/* Returns NULL and sets errno on failure. */
struct features *features_new(void);
void features_free(struct features *f);

/* Computes the twelve features of rec into out[FEAT_N_BASE] and advances the state. */
void features_extract(struct features *f, const struct nad_rec *rec, float out[FEAT_N_BASE]);

/*
 * The scaler's log unit (scaler.h) for each of d model features named names[d], into
 * out[d]: 1 for the counts of bytes and the numbers (packet_size, protocol, src_port,
 * dst_port, udp_length, payload_size: log1p of the value), 1e6 for interval (log1p of
 * microseconds), 0 (linear) for every other name: the hashes, flags, ratios, codes and
 * the engine's context features, which are logged already.
 */
void features_log_units(const char *const *names, size_t d, float *out);

/*
 * The model feature whose values group the training rows for the forest's samples
 * (iforest_opts.group_feature, ml/iforest.h): the index of `protocol` among names[d], -1
 * when there is none. A protocol's share of the traffic is a property of the site.
 */
int features_sample_group(const char *const *names, size_t d);

/* The address hash behind src_ip_hash/dst_ip_hash: FNV-1a 32 of the 16 bytes. */
uint32_t features_addr_hash(const uint8_t addr[16]);

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
/* The same for n columns of other names (`nadxdp features --vector`: the model vector). */
int features_write_csv_header_n(FILE *f, const char *const *names, size_t n);
int features_write_csv_row_n(FILE *f, uint64_t ts_ns, unsigned int dir, const float *v, size_t n);

#endif /* NAD_FEATURES_H */
