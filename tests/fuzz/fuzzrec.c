// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>

#include "capture/packet.h"
#include "fuzz/fuzzrec.h"
#include "helpers/pktbuild.h"

#define MAX_RAW 2000
/* Below PKTB_MAX with the longest headers built here. */
#define MAX_PAYLOAD 3000

void fuzzrec_init(struct fuzzrec_reader *r, const uint8_t *data, size_t size)
{
	r->p = data;
	r->end = data + size;
	r->now_ns = FUZZREC_T0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The address of a 16-bit code (fuzzrec.h); returns its IP version. */
static int address(uint16_t code, uint8_t a[16])
{
	unsigned n = code & 0x3fff;

	memset(a, 0, 16);
	switch (code >> 14) {
	case 0:
	case 1:
		a[10] = a[11] = 0xff;
		a[12] = code >> 14 ? 203 : 192;
		a[13] = code >> 14 ? 0 : 168;
		a[14] = (uint8_t)(n >> 8);
		a[15] = (uint8_t)n;
		return 4;
	case 2:
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		break;
	default:
		a[0] = 0xfd;
		break;
	}
	a[14] = (uint8_t)(n >> 8);
	a[15] = (uint8_t)n;
	return 6;
}

static uint32_t v4(const uint8_t a[16])
{
	return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
}

/* The frame a packet operation describes. */
static void build(struct pktb *b, const uint8_t *q)
{
	uint8_t src[16], dst[16], shape = q[5], kind = shape & 7, flags = q[10];
	uint16_t sport = get16(q + 6), dport = get16(q + 8);
	uint32_t payload = (uint32_t)(shape >> 3) * 64 + (uint32_t)q[11] * 8;
	int ver = address(get16(q + 1), src);
	uint8_t proto;

	if (payload > MAX_PAYLOAD)
		payload = MAX_PAYLOAD;
	address(get16(q + 3), dst);
	if (ver == 4) {
		/* IPv4 needs IPv4 destinations: a v6 code keeps its host number. */
		dst[10] = dst[11] = 0xff;
		if (dst[0])
			dst[12] = 10, dst[13] = 0;
	}
	pktb_init(b);
	if (kind == 4) {
		pktb_eth(b, 0x0806);
		pktb_arp(b, sport & 3 ? sport & 3 : 1, v4(src), v4(dst));
		return;
	}
	proto = kind == 0 || kind == 5 ? 6 : kind == 1 || kind >= 6 ? 17 : kind == 2 ? 1 : flags;
	if (kind == 2 && ver == 6)
		proto = 58;
	if (kind == 5) {
		pktb_eth(b, 0x8100);
		pktb_vlan(b, dport & 0xfff, ver == 4 ? 0x0800 : 0x86dd);
	} else {
		pktb_eth(b, ver == 4 ? 0x0800 : 0x86dd);
	}
	if (ver == 4) {
		pktb_ip4(b, proto, v4(src), v4(dst), 0);
		if (kind >= 6)
			pktb_ip4_frag(b, kind == 7 ? 8u * (1 + (flags & 0x3f)) : 0, 1, 0);
	} else if (kind >= 6) {
		pktb_ip6(b, 44, src, dst);
		pktb_ip6_frag(b, proto, kind == 7 ? 8u * (1 + (flags & 0x3f)) : 0, 1);
	} else {
		pktb_ip6(b, proto, src, dst);
	}
	if (kind == 7) {
		pktb_payload(b, payload);
	} else if (proto == 6) {
		pktb_tcp(b, sport, dport, flags, kind == 5 ? 12 : 0);
		pktb_payload(b, payload);
	} else if (proto == 17) {
		pktb_udp(b, sport, dport);
		pktb_payload(b, payload);
	} else if (proto == 1 || proto == 58) {
		pktb_icmp(b, flags, (uint8_t)sport, dport);
		pktb_payload(b, payload);
	} else {
		pktb_payload(b, payload);
	}
	pktb_finish(b);
}

/* The ring's fields the kernel sets: direction, weight, GSO. */
static void apply_meta(struct nad_rec *rec, uint8_t meta)
{
	rec->dir = meta & 1 ? NAD_DIR_OUT : NAD_DIR_IN;
	rec->weight = 1u << ((meta >> 1) & 7);
	if (meta & 0x10) {
		rec->gso_segs = (__u16)(2 + (meta >> 5));
		rec->flags |= NAD_F_GSO;
		rec->wire_bytes *= rec->gso_segs;
	}
}

int fuzzrec_next(struct fuzzrec_reader *r, struct fuzzrec_op *op)
{
	for (;;) {
		size_t left = (size_t)(r->end - r->p);
		uint8_t o;

		if (!left)
			return 0;
		o = r->p[0];
		if (o == 0xf0) {
			uint32_t n;

			if (left < 4)
				return 0;
			n = get16(r->p + 1);
			if (n > MAX_RAW)
				n = MAX_RAW;
			if (left - 4 < n)
				n = (uint32_t)(left - 4);
			op->kind = FUZZREC_RECORD;
			packet_parse(n ? r->p + 4 : NULL, n, n, &op->rec);
			apply_meta(&op->rec, r->p[3]);
			op->rec.ts_ns = r->now_ns;
			r->p += 4 + n;
			return 1;
		}
		if (o == 0xf1) {
			if (left < 2)
				return 0;
			r->now_ns += ((uint64_t)r->p[1] + 1) * 1000000000ull;
			op->kind = FUZZREC_TICK;
			op->now_ns = r->now_ns;
			r->p += 2;
			return 1;
		}
		if (o == 0xf2) {
			uint64_t back;

			if (left < 3)
				return 0;
			back = (uint64_t)get16(r->p + 1) * 1000000ull;
			r->now_ns = r->now_ns - FUZZREC_T0 > back ? r->now_ns - back : FUZZREC_T0;
			r->p += 3;
			continue;
		}
		if (left < FUZZREC_PKT_BYTES)
			return 0;
		{
			uint8_t q[FUZZREC_PKT_BYTES];
			struct pktb b;

			memcpy(q, r->p, sizeof(q));
			if (o > 0xf2)
				q[0] = o & 0xdf;
			r->now_ns += ((uint64_t)(q[0] & 31) << (3 * (q[0] >> 5))) * 1000;
			build(&b, q);
			op->kind = FUZZREC_RECORD;
			packet_parse(b.buf, b.len, b.len, &op->rec);
			apply_meta(&op->rec, q[12]);
			op->rec.ts_ns = r->now_ns;
			r->p += FUZZREC_PKT_BYTES;
			return 1;
		}
	}
}

size_t fuzzrec_put_pkt(uint8_t *out, const struct fuzzrec_pkt *p)
{
	out[0] = p->dt;
	out[1] = (uint8_t)p->src;
	out[2] = (uint8_t)(p->src >> 8);
	out[3] = (uint8_t)p->dst;
	out[4] = (uint8_t)(p->dst >> 8);
	out[5] = p->shape;
	out[6] = (uint8_t)p->sport;
	out[7] = (uint8_t)(p->sport >> 8);
	out[8] = (uint8_t)p->dport;
	out[9] = (uint8_t)(p->dport >> 8);
	out[10] = p->flags;
	out[11] = p->size;
	out[12] = p->meta;
	return FUZZREC_PKT_BYTES;
}
