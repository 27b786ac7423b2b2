/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pktbuild.h - crafted Ethernet frames for tests and benchmarks.
 *
 * Append headers in wire order, then pktb_finish() fills the length fields
 * (IPv4 total length and checksum, IPv6 payload length, UDP length) that
 * are still zero. Tests corrupt fields afterwards through b->buf and the
 * recorded offsets.
 */
#ifndef NAD_PKTBUILD_H
#define NAD_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

#define PKTB_MAX 4096

struct pktb {
	uint8_t buf[PKTB_MAX];
	uint32_t len;
	uint32_t l3;   /* offset of the IP header, 0 if none */
	uint32_t l4;   /* offset of the L4 header, 0 if none */
	uint8_t ip_ver;
	uint8_t l4_proto;
};

void pktb_init(struct pktb *b);
/* Ethernet header; ethertype may be a VLAN TPID followed by pktb_vlan(). */
void pktb_eth(struct pktb *b, uint16_t ethertype);
/* One VLAN tag: TCI with vid, then the inner EtherType. */
void pktb_vlan(struct pktb *b, uint16_t vid, uint16_t inner_ethertype);
/* IPv4 header with opt_bytes (multiple of 4, <= 40) of NOP options. */
void pktb_ip4(struct pktb *b, uint8_t proto, uint32_t saddr, uint32_t daddr, uint32_t opt_bytes);
/* IPv4 fragment fields: offset in bytes (multiple of 8), more fragments, don't fragment. */
void pktb_ip4_frag(struct pktb *b, uint32_t offset, int more, int df);
void pktb_ip6(struct pktb *b, uint8_t nexthdr, const uint8_t saddr[16], const uint8_t daddr[16]);
/* Hop-by-hop/routing/destination options (len_bytes multiple of 8) or AH (multiple of 4). */
void pktb_ip6_ext(struct pktb *b, uint8_t type, uint8_t nexthdr, uint32_t len_bytes);
void pktb_ip6_frag(struct pktb *b, uint8_t nexthdr, uint32_t offset, int more);
void pktb_tcp(struct pktb *b, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t opt_bytes);
void pktb_udp(struct pktb *b, uint16_t sport, uint16_t dport);
void pktb_icmp(struct pktb *b, uint8_t type, uint8_t code, uint16_t id);
/* ARP for IPv4 over Ethernet (28 bytes): opcode, sender and target addresses. */
void pktb_arp(struct pktb *b, uint16_t op, uint32_t sender, uint32_t target);
void pktb_payload(struct pktb *b, uint32_t n);
void pktb_finish(struct pktb *b);

void pktb_put16(struct pktb *b, uint32_t off, uint16_t v);

#define PKTB_IP4(a, b_, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b_) << 16 | (uint32_t)(c) << 8 | (d))

#endif /* NAD_PKTBUILD_H */
