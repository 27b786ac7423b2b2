/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nad_parse.h - the one packet parser, compiled into the BPF programs and into
 * userspace, so a packet gives the same record live and offline.
 *
 * Contract:
 *   nad_parse(data, data_end, wire_bytes, rec)
 *   [data, data_end) holds the first bytes of a frame of wire_bytes bytes on
 *   the wire (equal in XDP/TC; a capture's snapshot length may cut it short
 *   offline, which is not a malformation). Fills every field of rec that
 *   comes from the headers; the caller zeroes rec beforehand and sets ts_ns,
 *   weight, dir and, for GSO, wire_bytes/gso_segs. Never fails: malformed
 *   packets get rec->malformed and NAD_F_MALFORMED, with what was parsed up
 *   to the fault.
 *
 * Two limits, never mixed up:
 *   - lengths are checked against the frame on the wire (wire_bytes) and,
 *     inside an IP datagram, against the datagram's own length: a header
 *     that does not fit there is malformed (NAD_MAL_*_TRUNC and friends);
 *   - reads are checked against data_end: a header that fits on the wire
 *     but lies beyond data_end was cut by the capture, and parsing stops
 *     quietly with what it has.
 *
 * Fields (see struct nad_rec): eth_proto is the innermost EtherType; l3_off
 * the offset after the VLAN tags; hdr_bytes the headers parsed (L2 + L3 +
 * extension headers + L4, TCP options included); payload_bytes the bytes
 * that follow them up to the end of the IP datagram (up to the end of the
 * frame for non-IP), clamped to 65535. ICMP/ICMPv6: sport = type << 8 | code,
 * dport = identifier for echo request/reply, else 0. IPv4 addresses are
 * stored IPv4-mapped (::ffff:a.b.c.d).
 *
 * Multi-byte fields are read byte by byte in network order, so the code
 * needs no byte-order helpers, is alignment-safe and reads the same on
 * both sides.
 *
 * Verifier notes: every read goes through nad_hdr(), which compares a
 * packet pointer plus a constant against data_end right before the access
 * (the only proof the verifier accepts); the cursor is an offset masked
 * with NAD_OFF_MASK, so all paths through the bounded extension-header
 * loop look alike to the verifier and the packet offset stays below its
 * 64 KiB limit.
 */
#ifndef NAD_PARSE_H
#define NAD_PARSE_H

#include "nad_abi.h"

#ifndef __bpf__
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

/* Extension headers followed before giving up with NAD_MAL_IP6_EXT_DEPTH. */
#ifndef NAD_IP6_MAX_EXT
#define NAD_IP6_MAX_EXT 8
#endif
/* VLAN tags accepted before NAD_MAL_VLAN_DEPTH. */
#define NAD_MAX_VLANS 2

#define NAD_ETH_HLEN 14
#define NAD_ETH_P_IP 0x0800
#define NAD_ETH_P_IPV6 0x86DD
#define NAD_ETH_P_ARP 0x0806
#define NAD_ETH_P_8021Q 0x8100
#define NAD_ETH_P_8021AD 0x88A8
#define NAD_ETH_P_QINQ1 0x9100 /* pre-802.1ad QinQ, still seen */

#define NAD_IPPROTO_HOPOPTS 0
#define NAD_IPPROTO_ICMP 1
#define NAD_IPPROTO_TCP 6
#define NAD_IPPROTO_UDP 17
#define NAD_IPPROTO_ROUTING 43
#define NAD_IPPROTO_FRAGMENT 44
#define NAD_IPPROTO_AH 51
#define NAD_IPPROTO_ICMPV6 58
#define NAD_IPPROTO_DSTOPTS 60

#define NAD_TCP_FIN 0x01
#define NAD_TCP_SYN 0x02
#define NAD_TCP_RST 0x04
#define NAD_TCP_PSH 0x08
#define NAD_TCP_ACK 0x10
#define NAD_TCP_URG 0x20
#define NAD_TCP_ECE 0x40
#define NAD_TCP_CWR 0x80

/*
 * Header cursor, after xdp-tutorial's parsing_helpers, but holding an offset
 * rather than a pointer: see nad_hdr() for why.
 */
struct nad_cursor {
	const __u8 *data; /* start of the frame */
	const void *end;  /* end of the readable bytes (data_end) */
	__u32 off;        /* next header, offset from data */
	__u32 wire;       /* frame length on the wire */
	__u32 lim;        /* end of the current datagram, offset on the wire */
};

/*
 * Headers never reach past this offset: at most 14 + 2 * 4 + 40 +
 * NAD_IP6_MAX_EXT * 2048 + 60 = 16 506 bytes. Masking the cursor with it
 * is a no-op on real offsets but gives the verifier the same bounds for
 * every path through the extension-header loop, so it can prune them.
 */
#define NAD_OFF_MASK 0x7fff

static __always_inline __u16 nad_get16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

static __always_inline void nad_set_malformed(struct nad_rec *rec, __u8 reason)
{
	rec->malformed = reason;
	rec->flags |= NAD_F_MALFORMED;
}

/*
 * Returns a pointer to n readable bytes at the cursor, or NULL: when the
 * header does not fit in the frame or datagram (rec is then marked with
 * reason), or when it does but the capture cut it (no mark, stop quietly).
 * n must be a compile-time constant in BPF: the verifier learns the
 * readable range of p from the `p + n > end` comparison, and only on the
 * branch where it is false.
 */
static __always_inline const __u8 *nad_hdr(const struct nad_cursor *c, __u32 n,
					   struct nad_rec *rec, __u8 reason)
{
	__u32 off = c->off & NAD_OFF_MASK;
	const __u8 *p = c->data + off;

	if (off + n > c->lim) {
		nad_set_malformed(rec, reason);
		return 0;
	}
	if ((const void *)(p + n) > c->end)
		return 0;
	return p;
}

/* Advances the cursor past a header of len bytes (len <= 2048). */
static __always_inline void nad_skip(struct nad_cursor *c, __u32 len, struct nad_rec *rec)
{
	c->off = (c->off + len) & NAD_OFF_MASK;
	rec->hdr_bytes += len;
}

/* Ethernet and up to NAD_MAX_VLANS tags. Returns 1 when an L3 header follows. */
static __always_inline int nad_parse_eth(struct nad_cursor *c, struct nad_rec *rec)
{
	const __u8 *p;
	__u16 proto;
	int i;

	p = nad_hdr(c, NAD_ETH_HLEN, rec, NAD_MAL_L2_TRUNC);
	if (!p)
		return 0;
	proto = nad_get16(p + 12);
	rec->eth_proto = proto;
	nad_skip(c, NAD_ETH_HLEN, rec);
	rec->l3_off = NAD_ETH_HLEN;

	for (i = 0; i < NAD_MAX_VLANS + 1; i++) {
		if (proto != NAD_ETH_P_8021Q && proto != NAD_ETH_P_8021AD &&
		    proto != NAD_ETH_P_QINQ1)
			return 1;
		if (i == NAD_MAX_VLANS) {
			nad_set_malformed(rec, NAD_MAL_VLAN_DEPTH);
			return 0;
		}
		p = nad_hdr(c, 4, rec, NAD_MAL_VLAN_TRUNC);
		if (!p)
			return 0;
		proto = nad_get16(p + 2);
		rec->n_vlans++;
		rec->eth_proto = proto;
		nad_skip(c, 4, rec);
		rec->l3_off += 4;
	}
	return 1;
}

static __always_inline void nad_map4(__u8 *dst, const __u8 *src)
{
	dst[10] = 0xff;
	dst[11] = 0xff;
	dst[12] = src[0];
	dst[13] = src[1];
	dst[14] = src[2];
	dst[15] = src[3];
}

/* IPv4. Returns 1 when an L4 header follows (not a later fragment). */
static __always_inline int nad_parse_ip4(struct nad_cursor *c, struct nad_rec *rec)
{
	__u32 ihl_bytes, totlen, frag_off, frag_word;
	const __u8 *p;

	p = nad_hdr(c, 20, rec, NAD_MAL_IP4_TRUNC);
	if (!p)
		return 0;
	if ((p[0] >> 4) != 4) {
		nad_set_malformed(rec, NAD_MAL_IP4_VERSION);
		return 0;
	}
	/* The header says it is IPv4: its addresses are worth keeping even if
	 * the rest is wrong (the source is what drop rules match on). */
	rec->flags |= NAD_F_IPV4;
	rec->ttl = p[8];
	rec->ip_proto = p[9];
	nad_map4(rec->saddr, p + 12);
	nad_map4(rec->daddr, p + 16);

	ihl_bytes = (__u32)(p[0] & 0x0f) * 4;
	if (ihl_bytes < 20) {
		nad_set_malformed(rec, NAD_MAL_IP4_IHL);
		return 0;
	}
	totlen = nad_get16(p + 2);
	if (totlen < ihl_bytes || c->off + totlen > c->wire) {
		nad_set_malformed(rec, NAD_MAL_IP4_TOTLEN);
		return 0;
	}
	/* From here on, what lies past the datagram (Ethernet padding) is not ours. */
	c->lim = c->off + totlen;
	if (ihl_bytes > 20)
		rec->flags |= NAD_F_IP_OPTS;
	frag_word = nad_get16(p + 6);
	nad_skip(c, ihl_bytes, rec);

	frag_off = (frag_word & 0x1fff) * 8;
	if ((frag_word & 0x2000) || frag_off) {
		rec->flags |= NAD_F_FRAG;
		if (frag_off)
			rec->flags |= NAD_F_FRAG_LATER;
		if ((frag_word & 0x4000) || frag_off + (totlen - ihl_bytes) > 65535) {
			nad_set_malformed(rec, NAD_MAL_IP4_FRAG);
			return 0;
		}
		if (frag_off)
			return 0;
	}
	return 1;
}

static __always_inline void nad_copy16(__u8 *dst, const __u8 *src)
{
	int i;

	for (i = 0; i < 16; i++)
		dst[i] = src[i];
}

static __always_inline int nad_ip6_is_ext(__u8 nh)
{
	return nh == NAD_IPPROTO_HOPOPTS || nh == NAD_IPPROTO_ROUTING ||
	       nh == NAD_IPPROTO_FRAGMENT || nh == NAD_IPPROTO_DSTOPTS || nh == NAD_IPPROTO_AH;
}

/* IPv6 and its extension headers. Returns 1 when an L4 header follows. */
static __always_inline int nad_parse_ip6(struct nad_cursor *c, struct nad_rec *rec)
{
	const __u8 *p;
	__u32 paylen, len;
	__u8 nh;
	int i;

	p = nad_hdr(c, 40, rec, NAD_MAL_IP6_TRUNC);
	if (!p)
		return 0;
	if ((p[0] >> 4) != 6) {
		nad_set_malformed(rec, NAD_MAL_IP6_VERSION);
		return 0;
	}
	rec->flags |= NAD_F_IPV6;
	nh = p[6];
	rec->ip_proto = nh;
	rec->ttl = p[7];
	nad_copy16(rec->saddr, p + 8);
	nad_copy16(rec->daddr, p + 24);
	paylen = nad_get16(p + 4);
	if (c->off + 40 + paylen > c->wire) {
		nad_set_malformed(rec, NAD_MAL_IP6_PAYLEN);
		return 0;
	}
	c->lim = c->off + 40 + paylen;
	nad_skip(c, 40, rec);

	/* Bounded loop: one extension header per iteration. */
	for (i = 0; i < NAD_IP6_MAX_EXT; i++) {
		if (!nad_ip6_is_ext(nh))
			return 1;
		rec->flags |= NAD_F_IP6_EXT;
		if (nh == NAD_IPPROTO_FRAGMENT) {
			__u16 frag_word;

			p = nad_hdr(c, 8, rec, NAD_MAL_IP6_EXT_TRUNC);
			if (!p)
				return 0;
			nh = p[0];
			frag_word = nad_get16(p + 2);
			rec->ip_proto = nh;
			nad_skip(c, 8, rec);
			if (frag_word & 0xfff8) {
				rec->flags |= NAD_F_FRAG | NAD_F_FRAG_LATER;
				return 0;
			}
			/* Offset 0 and M 0 is an atomic fragment: a whole datagram. */
			if (frag_word & 1)
				rec->flags |= NAD_F_FRAG;
			continue;
		}
		p = nad_hdr(c, 2, rec, NAD_MAL_IP6_EXT_TRUNC);
		if (!p)
			return 0;
		if (nh == NAD_IPPROTO_AH)
			len = ((__u32)p[1] + 2) * 4; /* RFC 4302: 32-bit words, minus 2 */
		else
			len = ((__u32)p[1] + 1) * 8; /* RFC 8200: 8-octet units, minus 1 */
		if (c->off + len > c->lim) {
			nad_set_malformed(rec, NAD_MAL_IP6_EXT_TRUNC);
			return 0;
		}
		nh = p[0];
		rec->ip_proto = nh;
		nad_skip(c, len, rec);
	}
	if (nad_ip6_is_ext(nh)) {
		nad_set_malformed(rec, NAD_MAL_IP6_EXT_DEPTH);
		return 0;
	}
	return 1;
}

static __always_inline void nad_parse_tcp(struct nad_cursor *c, struct nad_rec *rec)
{
	__u32 doff_bytes, seg_bytes;
	const __u8 *p;

	p = nad_hdr(c, 20, rec, NAD_MAL_TCP_TRUNC);
	if (!p)
		return;
	rec->flags |= NAD_F_L4;
	rec->sport = nad_get16(p);
	rec->dport = nad_get16(p + 2);
	rec->tcp_flags = p[13];
	doff_bytes = (__u32)(p[12] >> 4) * 4;
	seg_bytes = c->lim - c->off;
	/* Options are counted, never read: no data_end check needed for them. */
	if (doff_bytes >= 20 && doff_bytes <= seg_bytes)
		rec->hdr_bytes += doff_bytes;
	else
		rec->hdr_bytes += 20;

	if (!rec->sport || !rec->dport)
		nad_set_malformed(rec, NAD_MAL_L4_PORT_ZERO);
	else if (doff_bytes < 20 || doff_bytes > seg_bytes)
		nad_set_malformed(rec, NAD_MAL_TCP_DOFF);
	else if ((rec->tcp_flags & (NAD_TCP_SYN | NAD_TCP_FIN)) == (NAD_TCP_SYN | NAD_TCP_FIN) ||
		 (rec->tcp_flags & (NAD_TCP_SYN | NAD_TCP_RST)) == (NAD_TCP_SYN | NAD_TCP_RST) ||
		 !(rec->tcp_flags & 0x3f))
		nad_set_malformed(rec, NAD_MAL_TCP_FLAGS);
}

static __always_inline void nad_parse_udp(struct nad_cursor *c, struct nad_rec *rec)
{
	__u32 dgram_bytes;
	const __u8 *p;

	p = nad_hdr(c, 8, rec, NAD_MAL_UDP_TRUNC);
	if (!p)
		return;
	rec->flags |= NAD_F_L4;
	rec->sport = nad_get16(p);
	rec->dport = nad_get16(p + 2);
	rec->udp_len = nad_get16(p + 4);
	dgram_bytes = c->lim - c->off;
	rec->hdr_bytes += 8;

	/* Source port 0 is legal in UDP ("not used"); destination port 0 is not. */
	if (!rec->dport)
		nad_set_malformed(rec, NAD_MAL_L4_PORT_ZERO);
	else if (rec->udp_len < 8 ||
		 ((rec->flags & NAD_F_FRAG) ? rec->udp_len < dgram_bytes
					    : rec->udp_len != dgram_bytes))
		/* A first fragment carries only the start of the datagram. */
		nad_set_malformed(rec, NAD_MAL_UDP_LEN);
}

static __always_inline void nad_parse_icmp(struct nad_cursor *c, struct nad_rec *rec)
{
	const __u8 *p;
	__u8 type;

	p = nad_hdr(c, 8, rec, NAD_MAL_ICMP_TRUNC);
	if (!p)
		return;
	rec->flags |= NAD_F_L4;
	type = p[0];
	rec->sport = (__u16)((__u16)type << 8 | p[1]);
	if (rec->ip_proto == NAD_IPPROTO_ICMP ? (type == 0 || type == 8) :
						(type == 128 || type == 129))
		rec->dport = nad_get16(p + 4);
	rec->hdr_bytes += 8;
}

/*
 * ARP for IPv4 over Ethernet (hardware type 1, protocol 0x0800, lengths 6 and 4):
 * the sender's and target's protocol addresses become saddr and daddr, the opcode
 * sport, so a sweep of who-has requests reads as what it is, one source probing many
 * hosts. Other ARP variants are recorded by EtherType only. No NAD_F_IPV4: drop
 * rules and per-source counters stay for IP, where the source address means more
 * than a claim.
 */
static __always_inline void nad_parse_arp(struct nad_cursor *c, struct nad_rec *rec)
{
	const __u8 *p = nad_hdr(c, 28, rec, NAD_MAL_ARP_TRUNC);

	if (!p || nad_get16(p) != 1 || nad_get16(p + 2) != NAD_ETH_P_IP || p[4] != 6 || p[5] != 4)
		return;
	nad_map4(rec->saddr, p + 14);
	nad_map4(rec->daddr, p + 24);
	rec->sport = nad_get16(p + 6);
	rec->flags |= NAD_F_ARP;
	nad_skip(c, 28, rec);
}

static __always_inline void nad_parse(const void *data, const void *data_end, __u32 wire_bytes,
				      struct nad_rec *rec)
{
	struct nad_cursor c = {
		.data = (const __u8 *)data,
		.end = data_end,
		.off = 0,
		.wire = wire_bytes,
		.lim = wire_bytes,
	};
	int l4 = 0;

	rec->wire_bytes = wire_bytes;
	rec->gso_segs = 1;

	if (nad_parse_eth(&c, rec)) {
		if (rec->eth_proto == NAD_ETH_P_IP)
			l4 = nad_parse_ip4(&c, rec);
		else if (rec->eth_proto == NAD_ETH_P_IPV6)
			l4 = nad_parse_ip6(&c, rec);
		else if (rec->eth_proto == NAD_ETH_P_ARP)
			nad_parse_arp(&c, rec);
	}
	if (l4) {
		switch (rec->ip_proto) {
		case NAD_IPPROTO_TCP:
			nad_parse_tcp(&c, rec);
			break;
		case NAD_IPPROTO_UDP:
			nad_parse_udp(&c, rec);
			break;
		case NAD_IPPROTO_ICMP:
		case NAD_IPPROTO_ICMPV6:
			nad_parse_icmp(&c, rec);
			break;
		default:
			break;
		}
	}
	if (c.lim > rec->hdr_bytes) {
		__u32 rest = c.lim - rec->hdr_bytes;

		rec->payload_bytes = rest > 0xffff ? 0xffff : (__u16)rest;
	}
}

#endif /* NAD_PARSE_H */
