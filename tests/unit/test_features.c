// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_features.c - each of the twelve features from hand-made records.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "features/features.h"

static struct features *fx;

static void setup(void)
{
	fx = features_new();
	cr_assert_not_null(fx);
}

static void teardown(void)
{
	features_free(fx);
	fx = NULL;
}

TestSuite(features, .init = setup, .fini = teardown);

static void set_v4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[10] = 0xff;
	a[11] = 0xff;
	a[12] = b0;
	a[13] = b1;
	a[14] = b2;
	a[15] = b3;
}

/* An IPv4 TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80, 74 bytes on the wire. */
static struct nad_rec tcp_syn(uint64_t ts_ns)
{
	struct nad_rec r = { 0 };

	r.ts_ns = ts_ns;
	r.wire_bytes = 74;
	r.weight = 1;
	set_v4(r.saddr, 10, 0, 0, 1);
	set_v4(r.daddr, 10, 0, 0, 2);
	r.eth_proto = 0x0800;
	r.flags = NAD_F_IPV4 | NAD_F_L4;
	r.sport = 40000;
	r.dport = 80;
	r.l3_off = 14;
	r.hdr_bytes = 14 + 20 + 40;
	r.payload_bytes = 0;
	r.ip_proto = IPPROTO_TCP;
	r.tcp_flags = 0x02;
	r.ttl = 64;
	return r;
}

Test(features, names_are_the_twelve_in_order)
{
	static const char *const want[FEAT_N_BASE] = {
		"src_ip_hash", "dst_ip_hash",  "packet_size",  "protocol",
		"src_port",    "dst_port",     "interval",     "tcp_flags",
		"udp_length",  "payload_size", "header_ratio", "transport_layer_hash",
	};

	for (int i = 0; i < FEAT_N_BASE; i++)
		cr_expect_str_eq(features_names[i], want[i], "feature %d", i);
}

Test(features, counts_sizes_and_the_interval_get_log_units)
{
	static const char *const names[] = { "packet_size",  "interval", "src_ip_hash", "tcp_flags",
					     "src_pkt_rate", "dst_port", "unknown",	NULL };
	static const float want[] = { 1, 1e6f, 0, 0, 0, 1, 0, 0 };
	float out[8], base[FEAT_N_BASE];

	features_log_units(names, 8, out);
	for (size_t j = 0; j < 8; j++)
		cr_expect_float_eq(out[j], want[j], 0, "%s", names[j] ? names[j] : "NULL");
	features_log_units(features_names, FEAT_N_BASE, base);
	cr_expect_float_eq(base[FEAT_UDP_LENGTH], 1.0f, 0);
	cr_expect_float_eq(base[FEAT_HEADER_RATIO], 0.0f, 0);
}

Test(features, the_protocol_groups_the_forests_samples)
{
	static const char *const names[] = { "packet_size", NULL, "protocol", "dst_port" };

	cr_expect_eq(features_sample_group(names, 4), 2);
	cr_expect_eq(features_sample_group(names, 2), -1, "protocol is not among the first two");
	cr_expect_eq(features_sample_group(features_names, FEAT_N_BASE), FEAT_PROTOCOL);
	cr_expect_eq(features_sample_group(NULL, 4), -1);
}

Test(features, tcp_syn_gives_sizes_ports_flags_and_tcp_code)
{
	struct nad_rec r = tcp_syn(1000);
	float v[FEAT_N_BASE];

	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_PACKET_SIZE], 74.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_PROTOCOL], 6.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_SRC_PORT], 40000.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_DST_PORT], 80.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_TCP_FLAGS], 2.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_UDP_LENGTH], 0.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_PAYLOAD_SIZE], 0.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_TRANSPORT_LAYER_HASH], (float)FEAT_TL_TCP, 1e-6);
	cr_expect_float_eq(v[FEAT_HEADER_RATIO], 1.0f, 1e-6, "all 74 bytes are headers");
}

Test(features, packet_size_is_wire_bytes_not_header_sum)
{
	struct nad_rec r = tcp_syn(0);
	float v[FEAT_N_BASE];

	r.wire_bytes = 1514;
	r.hdr_bytes = 54;
	r.payload_bytes = 1460;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_PACKET_SIZE], 1514.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_PAYLOAD_SIZE], 1460.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_HEADER_RATIO], 54.0f / 1514.0f, 1e-6);
}

Test(features, header_ratio_is_zero_for_zero_wire_bytes)
{
	struct nad_rec r = tcp_syn(0);
	float v[FEAT_N_BASE];

	r.wire_bytes = 0;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_HEADER_RATIO], 0.0f, 1e-9);
	cr_expect(isfinite(v[FEAT_HEADER_RATIO]));
}

Test(features, interval_is_seconds_since_previous_record_and_zero_first)
{
	struct nad_rec r;
	float v[FEAT_N_BASE];

	r = tcp_syn(5000000000ull);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 0.0f, 1e-9, "first record");

	r = tcp_syn(5250000000ull);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 0.25f, 1e-7);

	r = tcp_syn(5250001000ull);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 1e-6f, 1e-10, "one microsecond");

	r = tcp_syn(7250001000ull);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 2.0f, 1e-7);
}

Test(features, interval_is_zero_when_time_goes_backwards)
{
	struct nad_rec r;
	float v[FEAT_N_BASE];

	r = tcp_syn(9000000000ull);
	features_extract(fx, &r, v);
	r = tcp_syn(8000000000ull);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 0.0f, 1e-9);
	/* and the next interval is measured from the last record seen */
	r = tcp_syn(8500000000ull);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 0.5f, 1e-7);
}

Test(features, each_extractor_keeps_its_own_interval_state)
{
	struct features *other = features_new();
	struct nad_rec r;
	float v[FEAT_N_BASE];

	cr_assert_not_null(other);
	r = tcp_syn(1000000000ull);
	features_extract(fx, &r, v);
	r = tcp_syn(3000000000ull);
	features_extract(other, &r, v);
	cr_expect_float_eq(v[FEAT_INTERVAL], 0.0f, 1e-9, "first record of the other extractor");
	features_free(other);
}

Test(features, ip_hashes_are_stable_distinct_and_in_unit_interval)
{
	struct nad_rec a = tcp_syn(0), b = tcp_syn(0);
	float va[FEAT_N_BASE], vb[FEAT_N_BASE], va2[FEAT_N_BASE];

	set_v4(b.saddr, 10, 0, 0, 3);
	features_extract(fx, &a, va);
	features_extract(fx, &b, vb);
	features_extract(fx, &a, va2);
	cr_expect_float_eq(va[FEAT_SRC_IP_HASH], va2[FEAT_SRC_IP_HASH], 0.0, "stable");
	cr_expect_neq(va[FEAT_SRC_IP_HASH], vb[FEAT_SRC_IP_HASH], "10.0.0.1 and 10.0.0.3 differ");
	cr_expect_neq(va[FEAT_SRC_IP_HASH], va[FEAT_DST_IP_HASH], "src and dst addresses differ");
	cr_expect_float_eq(va[FEAT_DST_IP_HASH], vb[FEAT_DST_IP_HASH], 0.0, "same dst, same hash");
	for (int i = 0; i < 2; i++) {
		cr_expect(va[i] >= 0.0f && va[i] < 1.0f);
		cr_expect(vb[i] >= 0.0f && vb[i] < 1.0f);
	}
}

Test(features, ip_hash_is_fnv1a_of_the_sixteen_bytes)
{
	/* Reference values computed independently (Python) from the FNV-1a definition. */
	uint8_t zero[16] = { 0 };
	uint8_t v4[16];
	struct nad_rec r = tcp_syn(0);
	float v[FEAT_N_BASE];

	set_v4(v4, 10, 0, 0, 1);
	cr_expect_eq(features_addr_hash(zero), 0x69691905u);
	cr_expect_eq(features_addr_hash(v4), 0x000ff8feu);
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_SRC_IP_HASH], (float)(0x000ff8feu >> 8) / 16777216.0f, 0.0);
}

Test(features, ip_hash_never_reaches_one)
{
	/* The largest 24-bit value scales below 1, and so do 100,000 real hashes. */
	float top = (float)(0xffffffu) * (1.0f / 16777216.0f);

	cr_expect(top < 1.0f);
	for (uint32_t i = 0; i < 100000; i++) {
		struct nad_rec r = tcp_syn(0);
		float v[FEAT_N_BASE];

		memcpy(&r.saddr[12], &i, 4);
		features_extract(fx, &r, v);
		cr_assert(v[FEAT_SRC_IP_HASH] >= 0.0f && v[FEAT_SRC_IP_HASH] < 1.0f, "addr %u", i);
	}
}

Test(features, ipv6_addresses_hash_and_icmpv6_gets_code_4)
{
	struct nad_rec r = { 0 };
	float v[FEAT_N_BASE];

	r.wire_bytes = 118;
	r.eth_proto = 0x86dd;
	r.flags = NAD_F_IPV6 | NAD_F_L4;
	r.saddr[0] = 0x20;
	r.saddr[1] = 0x01;
	r.saddr[15] = 1;
	r.daddr[0] = 0x20;
	r.daddr[1] = 0x01;
	r.daddr[15] = 2;
	r.ip_proto = IPPROTO_ICMPV6;
	r.sport = 128 << 8; /* echo request, code 0 */
	r.dport = 0x1234;
	r.hdr_bytes = 14 + 40 + 8;
	r.payload_bytes = 56;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_PROTOCOL], 58.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_TRANSPORT_LAYER_HASH], (float)FEAT_TL_ICMPV6, 1e-6);
	cr_expect_float_eq(v[FEAT_SRC_PORT], (float)(128 << 8), 1e-6);
	cr_expect_float_eq(v[FEAT_DST_PORT], (float)0x1234, 1e-6);
	cr_expect_gt(v[FEAT_SRC_IP_HASH], 0.0f);
	cr_expect_neq(v[FEAT_SRC_IP_HASH], v[FEAT_DST_IP_HASH]);
}

Test(features, udp_length_is_the_udp_length_field)
{
	struct nad_rec r = tcp_syn(0);
	float v[FEAT_N_BASE];

	r.ip_proto = IPPROTO_UDP;
	r.tcp_flags = 0;
	r.sport = 5353;
	r.dport = 53;
	r.udp_len = 8 + 33;
	r.wire_bytes = 14 + 20 + 8 + 33;
	r.hdr_bytes = 14 + 20 + 8;
	r.payload_bytes = 33;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_UDP_LENGTH], 41.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_PAYLOAD_SIZE], 33.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_PROTOCOL], 17.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_TRANSPORT_LAYER_HASH], (float)FEAT_TL_UDP, 1e-6);
	cr_expect_float_eq(v[FEAT_TCP_FLAGS], 0.0f, 1e-6);
}

Test(features, icmp_and_other_ip_protocols_get_codes_3_and_5)
{
	struct nad_rec r = tcp_syn(0);
	float v[FEAT_N_BASE];

	r.tcp_flags = 0;
	r.ip_proto = IPPROTO_ICMP;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_TRANSPORT_LAYER_HASH], (float)FEAT_TL_ICMP, 1e-6);
	r.ip_proto = IPPROTO_GRE;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_TRANSPORT_LAYER_HASH], (float)FEAT_TL_OTHER, 1e-6);
	cr_expect_float_eq(v[FEAT_PROTOCOL], 47.0f, 1e-6);
}

Test(features, non_ip_frame_protocol_is_its_ethertype)
{
	struct nad_rec r = { 0 };
	float v[FEAT_N_BASE];

	r.wire_bytes = 60;
	r.eth_proto = 0x0806; /* ARP */
	r.hdr_bytes = 14;
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_PROTOCOL], 2054.0f, 1e-6);
	cr_expect_float_eq(v[FEAT_TRANSPORT_LAYER_HASH], (float)FEAT_TL_NONE, 1e-6);
	cr_expect_float_eq(v[FEAT_SRC_IP_HASH], 0.0f, 1e-9);
	cr_expect_float_eq(v[FEAT_DST_IP_HASH], 0.0f, 1e-9);
	cr_expect_float_eq(v[FEAT_SRC_PORT], 0.0f, 1e-9);

	r.eth_proto = 0x0026; /* 802.3 length field */
	features_extract(fx, &r, v);
	cr_expect_float_eq(v[FEAT_PROTOCOL], (float)FEAT_PROTO_8023, 1e-6);
}

Test(features, csv_header_and_row_have_the_shared_format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	float v[FEAT_N_BASE] = { 0.5f, 0.25f, 1514, 6, 40000, 80, 0.001f, 2, 0, 1460, 0.125f, 1 };

	cr_assert_not_null(f);
	cr_assert_eq(features_write_csv_header(f), 0);
	cr_assert_eq(features_write_csv_row(f, 1234567890123456789ull, NAD_DIR_IN, v), 0);
	cr_assert_eq(features_write_csv_row(f, 999, NAD_DIR_OUT, v), 0);
	fclose(f);
	cr_expect_str_eq(buf, "ts,dir,src_ip_hash,dst_ip_hash,packet_size,protocol,src_port,"
			      "dst_port,interval,tcp_flags,udp_length,payload_size,header_ratio,"
			      "transport_layer_hash\n"
			      "1234567890.123457,in,0.5,0.25,1514,6,40000,80,0.00100000005,2,0,"
			      "1460,0.125,1\n"
			      "0.000001,out,0.5,0.25,1514,6,40000,80,0.00100000005,2,0,1460,0.125,"
			      "1\n");
	free(buf);
}

Test(features, csv_row_reports_a_stream_error)
{
	FILE *f = fopen("/dev/full", "w");
	float v[FEAT_N_BASE] = { 0 };
	int err = 0;

	cr_assert_not_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	err = features_write_csv_row(f, 0, NAD_DIR_IN, v);
	fclose(f);
	cr_expect_eq(err, -EIO);
}
