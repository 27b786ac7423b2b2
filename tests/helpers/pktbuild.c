// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>

#include "helpers/pktbuild.h"

static uint8_t *put(struct pktb *b, uint32_t n)
{
	uint8_t *p = b->buf + b->len;

	if (b->len + n > PKTB_MAX)
		__builtin_trap(); /* a test bug, not a condition to handle */
	memset(p, 0, n);
	b->len += n;
	return p;
}

void pktb_put16(struct pktb *b, uint32_t off, uint16_t v)
{
	b->buf[off] = v >> 8;
	b->buf[off + 1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void pktb_init(struct pktb *b)
{
	memset(b, 0, sizeof(*b));
}

void pktb_eth(struct pktb *b, uint16_t ethertype)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *p = put(b, 14);

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	pktb_put16(b, b->len - 2, ethertype);
}

void pktb_vlan(struct pktb *b, uint16_t vid, uint16_t inner_ethertype)
{
	put(b, 4);
	pktb_put16(b, b->len - 4, vid & 0x0fff);
	pktb_put16(b, b->len - 2, inner_ethertype);
}

void pktb_ip4(struct pktb *b, uint8_t proto, uint32_t saddr, uint32_t daddr, uint32_t opt_bytes)
{
	uint8_t *p;

	b->l3 = b->len;
	b->ip_ver = 4;
	b->l4_proto = proto;
	p = put(b, 20 + opt_bytes);
	p[0] = 0x40 | (uint8_t)((20 + opt_bytes) / 4);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, saddr);
	put32(p + 16, daddr);
	memset(p + 20, 1, opt_bytes); /* NOP options */
}

void pktb_ip4_frag(struct pktb *b, uint32_t offset, int more, int df)
{
	pktb_put16(b, b->l3 + 6, (uint16_t)((offset / 8) | (more ? 0x2000 : 0) | (df ? 0x4000 : 0)));
}

void pktb_ip6(struct pktb *b, uint8_t nexthdr, const uint8_t saddr[16], const uint8_t daddr[16])
{
	uint8_t *p;

	b->l3 = b->len;
	b->ip_ver = 6;
	b->l4_proto = nexthdr;
	p = put(b, 40);
	p[0] = 0x60;
	p[6] = nexthdr;
	p[7] = 64;
	memcpy(p + 8, saddr, 16);
	memcpy(p + 24, daddr, 16);
}

void pktb_ip6_ext(struct pktb *b, uint8_t type, uint8_t nexthdr, uint32_t len_bytes)
{
	uint8_t *p = put(b, len_bytes);

	p[0] = nexthdr;
	p[1] = type == 51 ? (uint8_t)(len_bytes / 4 - 2) : (uint8_t)(len_bytes / 8 - 1);
	if (type != 51 && len_bytes > 2) {
		p[2] = 1; /* PadN covering the rest */
		p[3] = (uint8_t)(len_bytes - 4);
	}
	b->l4_proto = nexthdr;
}

void pktb_ip6_frag(struct pktb *b, uint8_t nexthdr, uint32_t offset, int more)
{
	uint8_t *p = put(b, 8);

	p[0] = nexthdr;
	pktb_put16(b, b->len - 6, (uint16_t)((offset & 0xfff8) | (more ? 1 : 0)));
	put32(p + 4, 0x12345678);
	b->l4_proto = nexthdr;
}

void pktb_tcp(struct pktb *b, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t opt_bytes)
{
	uint8_t *p;

	b->l4 = b->len;
	p = put(b, 20 + opt_bytes);
	pktb_put16(b, b->l4, sport);
	pktb_put16(b, b->l4 + 2, dport);
	put32(p + 4, 1000);
	p[12] = (uint8_t)(((20 + opt_bytes) / 4) << 4);
	p[13] = flags;
	pktb_put16(b, b->l4 + 14, 65535);
	memset(p + 20, 1, opt_bytes);
}

void pktb_udp(struct pktb *b, uint16_t sport, uint16_t dport)
{
	b->l4 = b->len;
	put(b, 8);
	pktb_put16(b, b->l4, sport);
	pktb_put16(b, b->l4 + 2, dport);
}

void pktb_icmp(struct pktb *b, uint8_t type, uint8_t code, uint16_t id)
{
	uint8_t *p;

	b->l4 = b->len;
	p = put(b, 8);
	p[0] = type;
	p[1] = code;
	pktb_put16(b, b->l4 + 4, id);
	pktb_put16(b, b->l4 + 6, 1);
}

void pktb_arp(struct pktb *b, uint16_t op, uint32_t sender, uint32_t target)
{
	uint32_t at = b->len;
	uint8_t *p = put(b, 28);

	memset(p, 0, 28);
	pktb_put16(b, at, 1); /* Ethernet */
	pktb_put16(b, at + 2, 0x0800);
	p = b->buf + at;
	p[4] = 6;
	p[5] = 4;
	pktb_put16(b, at + 6, op);
	memset(p + 8, 0x02, 6); /* sender MAC */
	put32(p + 14, sender);
	put32(p + 24, target);
}

void pktb_payload(struct pktb *b, uint32_t n)
{
	uint8_t *p = put(b, n);

	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void pktb_finish(struct pktb *b)
{
	if (b->ip_ver == 4) {
		uint8_t *ip = b->buf + b->l3;
		uint32_t sum = 0;

		if (!get16(ip + 2))
			pktb_put16(b, b->l3 + 2, (uint16_t)(b->len - b->l3));
		for (uint32_t i = 0; i < (uint32_t)(ip[0] & 0xf) * 4; i += 2)
			sum += get16(ip + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		pktb_put16(b, b->l3 + 10, (uint16_t)~sum);
	} else if (b->ip_ver == 6) {
		if (!get16(b->buf + b->l3 + 4))
			pktb_put16(b, b->l3 + 4, (uint16_t)(b->len - b->l3 - 40));
	}
	if (b->l4 && b->l4_proto == 17 && !get16(b->buf + b->l4 + 4))
		pktb_put16(b, b->l4 + 4, (uint16_t)(b->len - b->l4));
}
