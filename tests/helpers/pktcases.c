// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>
#include <linux/types.h>

#include "helpers/pktcases.h"
#include "nad_abi.h"

/* 2001:db8::/32 is the documentation prefix: never routed. */
const uint8_t pktc_src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
const uint8_t pktc_dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

#define ETH_IP 0x0800
#define ETH_IP6 0x86dd
#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04

static void ip4_tcp_syn(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 40000, 80, SYN, 20);
	pktb_finish(b);
}

static void ip4_tcp_data(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 40000, 443, ACK | 0x08, 12);
	pktb_payload(b, 300);
	pktb_finish(b);
}

static void ip4_udp(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_udp(b, 5353, 53);
	pktb_payload(b, 40);
	pktb_finish(b);
}

static void ip4_icmp_echo(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 1, PKTC_SRC4, PKTC_DST4, 0);
	pktb_icmp(b, 8, 0, 0x1234);
	pktb_payload(b, 56);
	pktb_finish(b);
}

static void ip4_icmp_unreach(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 1, PKTC_SRC4, PKTC_DST4, 0);
	pktb_icmp(b, 3, 3, 0x4321);
	pktb_payload(b, 28);
	pktb_finish(b);
}

static void ip4_options(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 12);
	pktb_tcp(b, 40000, 22, ACK, 0);
	pktb_payload(b, 10);
	pktb_finish(b);
}

/* 4042 bytes: longer than a page minus XDP headroom and tailroom, so
 * test_run hands the program a multi-buffer frame. */
static void ip4_udp_multibuf(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_udp(b, 5353, 5354);
	pktb_payload(b, 4000);
	pktb_finish(b);
}

static void ip4_frag_first(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_ip4_frag(b, 0, 1, 0);
	pktb_udp(b, 5000, 6000);
	pktb_payload(b, 1472);
	pktb_finish(b);
	pktb_put16(b, b->l4 + 4, 3000); /* the whole datagram, longer than this fragment */
}

static void ip4_frag_later(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_ip4_frag(b, 1480, 0, 0);
	pktb_payload(b, 1520);
	pktb_finish(b);
}

static void vlan1_ip4_udp(struct pktb *b)
{
	pktb_eth(b, 0x8100);
	pktb_vlan(b, 100, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_udp(b, 1234, 514);
	pktb_payload(b, 20);
	pktb_finish(b);
}

static void vlan2_ip4_tcp(struct pktb *b)
{
	pktb_eth(b, 0x88a8);
	pktb_vlan(b, 10, 0x8100);
	pktb_vlan(b, 20, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 1234, 25, SYN | ACK, 0);
	pktb_finish(b);
}

static void ip6_tcp(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 6, pktc_src6, pktc_dst6);
	pktb_tcp(b, 50000, 443, SYN, 20);
	pktb_finish(b);
}

static void ip6_udp(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 17, pktc_src6, pktc_dst6);
	pktb_udp(b, 546, 547);
	pktb_payload(b, 64);
	pktb_finish(b);
}

static void ip6_icmp6_echo(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 58, pktc_src6, pktc_dst6);
	pktb_icmp(b, 128, 0, 0x0bad);
	pktb_payload(b, 56);
	pktb_finish(b);
}

static void ip6_hbh_frag_udp(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 0, pktc_src6, pktc_dst6);
	pktb_ip6_ext(b, 0, 44, 8);
	pktb_ip6_frag(b, 17, 0, 1);
	pktb_udp(b, 7000, 7001);
	pktb_payload(b, 100);
	pktb_finish(b);
	pktb_put16(b, b->l4 + 4, 2000);
}

static void ip6_frag_later(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 44, pktc_src6, pktc_dst6);
	pktb_ip6_frag(b, 17, 1448, 0);
	pktb_payload(b, 200);
	pktb_finish(b);
}

static void ip6_ah_rt_dst_tcp(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 51, pktc_src6, pktc_dst6);
	pktb_ip6_ext(b, 51, 43, 24);
	pktb_ip6_ext(b, 43, 60, 24);
	pktb_ip6_ext(b, 60, 6, 16);
	pktb_tcp(b, 50001, 8080, ACK, 0);
	pktb_payload(b, 33);
	pktb_finish(b);
}

static void arp(struct pktb *b)
{
	pktb_eth(b, 0x0806);
	pktb_payload(b, 28);
	pktb_payload(b, 18); /* Ethernet padding to 60 bytes */
}

static void arp_request(struct pktb *b)
{
	pktb_eth(b, 0x0806);
	pktb_arp(b, 1, PKTC_SRC4, PKTC_DST4);
	pktb_payload(b, 18); /* Ethernet padding to 60 bytes */
}

static void arp_reply(struct pktb *b)
{
	pktb_eth(b, 0x0806);
	pktb_arp(b, 2, PKTC_DST4, PKTC_SRC4);
	pktb_payload(b, 18);
}

static void ip4_gre(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 47, PKTC_SRC4, PKTC_DST4, 0);
	pktb_payload(b, 64);
	pktb_finish(b);
}

static void ip4_tcp_padded(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 40000, 80, ACK, 0);
	pktb_finish(b);
	pktb_payload(b, 6); /* 54 -> 60 bytes: padding, not payload */
}

/* --- malformed --- */

static void mal_l2_trunc(struct pktb *b)
{
	pktb_payload(b, 10);
}

static void mal_arp_trunc(struct pktb *b)
{
	pktb_eth(b, 0x0806);
	pktb_payload(b, 20); /* an ARP header is 28 bytes; no padding: the frame ends here */
}

static void mal_vlan_trunc(struct pktb *b)
{
	pktb_eth(b, 0x8100);
	pktb_payload(b, 2);
}

static void mal_vlan_depth(struct pktb *b)
{
	pktb_eth(b, 0x88a8);
	pktb_vlan(b, 1, 0x8100);
	pktb_vlan(b, 2, 0x8100);
	pktb_vlan(b, 3, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_udp(b, 1, 2);
	pktb_finish(b);
}

static void mal_ip4_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_payload(b, 12);
}

static void mal_ip4_version(struct pktb *b)
{
	ip4_udp(b);
	b->buf[b->l3] = 0x55;
}

static void mal_ip4_ihl(struct pktb *b)
{
	ip4_udp(b);
	b->buf[b->l3] = 0x44;
}

static void mal_ip4_totlen_long(struct pktb *b)
{
	ip4_udp(b);
	pktb_put16(b, b->l3 + 2, (uint16_t)(b->len - b->l3 + 1));
}

static void mal_ip4_totlen_short(struct pktb *b)
{
	ip4_udp(b);
	pktb_put16(b, b->l3 + 2, 16);
}

static void mal_ip4_frag_df_mf(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_ip4_frag(b, 0, 1, 1);
	pktb_udp(b, 5000, 6000);
	pktb_payload(b, 100);
	pktb_finish(b);
}

static void mal_ip4_frag_oversize(struct pktb *b)
{
	/* Ping of death: offset + length beyond 65535. */
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 1, PKTC_SRC4, PKTC_DST4, 0);
	pktb_ip4_frag(b, 65528, 0, 0);
	pktb_payload(b, 100);
	pktb_finish(b);
}

static void mal_ip6_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_payload(b, 30);
}

static void mal_ip6_version(struct pktb *b)
{
	ip6_udp(b);
	b->buf[b->l3] = 0x40;
}

static void mal_ip6_paylen(struct pktb *b)
{
	ip6_udp(b);
	pktb_put16(b, b->l3 + 4, (uint16_t)(b->len - b->l3 - 40 + 8));
}

static void mal_ip6_ext_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 0, pktc_src6, pktc_dst6);
	pktb_ip6_ext(b, 0, 17, 8);
	b->buf[b->len - 7] = 3; /* claims 32 bytes, the datagram has 8 */
	pktb_finish(b);
}

static void mal_ip6_ext_depth(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 60, pktc_src6, pktc_dst6);
	for (int i = 0; i < 9; i++)
		pktb_ip6_ext(b, 60, i == 8 ? 17 : 60, 8);
	pktb_udp(b, 1, 2);
	pktb_finish(b);
}

static void mal_tcp_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_payload(b, 12);
	pktb_finish(b);
	pktb_payload(b, 14); /* padding: the frame has room, the datagram not */
}

static void mal_tcp_doff_small(struct pktb *b)
{
	ip4_tcp_syn(b);
	b->buf[b->l4 + 12] = 0x40;
}

static void mal_tcp_doff_beyond(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 40000, 80, ACK, 0);
	pktb_payload(b, 20);
	pktb_finish(b);
	b->buf[b->l4 + 12] = 0xf0; /* 60 bytes of header, 40 in the segment */
}

static void mal_tcp_syn_fin(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 40000, 80, SYN | FIN, 0);
	pktb_finish(b);
}

static void mal_tcp_syn_rst(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 6, pktc_src6, pktc_dst6);
	pktb_tcp(b, 40000, 80, SYN | RST, 0);
	pktb_finish(b);
}

static void mal_tcp_null(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 40000, 80, 0, 0);
	pktb_finish(b);
}

static void mal_udp_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_payload(b, 4);
	pktb_finish(b);
}

static void mal_udp_len(struct pktb *b)
{
	ip4_udp(b);
	pktb_put16(b, b->l4 + 4, 20);
}

static void mal_udp_len_ip6(struct pktb *b)
{
	ip6_udp(b);
	pktb_put16(b, b->l4 + 4, 4);
}

static void mal_icmp_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 1, PKTC_SRC4, PKTC_DST4, 0);
	pktb_payload(b, 4);
	pktb_finish(b);
}

static void mal_icmp6_trunc(struct pktb *b)
{
	pktb_eth(b, ETH_IP6);
	pktb_ip6(b, 58, pktc_src6, pktc_dst6);
	pktb_payload(b, 6);
	pktb_finish(b);
}

static void mal_tcp_port_zero(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 6, PKTC_SRC4, PKTC_DST4, 0);
	pktb_tcp(b, 0, 80, SYN, 0);
	pktb_finish(b);
}

static void mal_udp_dport_zero(struct pktb *b)
{
	pktb_eth(b, ETH_IP);
	pktb_ip4(b, 17, PKTC_SRC4, PKTC_DST4, 0);
	pktb_udp(b, 1234, 0);
	pktb_payload(b, 8);
	pktb_finish(b);
}

const struct pkt_case pkt_cases[] = {
	{ "ip4_tcp_syn", ip4_tcp_syn, NAD_MAL_NONE, 0 },
	{ "ip4_tcp_data", ip4_tcp_data, NAD_MAL_NONE, 0 },
	{ "ip4_udp", ip4_udp, NAD_MAL_NONE, 0 },
	{ "ip4_udp_multibuf", ip4_udp_multibuf, NAD_MAL_NONE, 0 },
	{ "ip4_icmp_echo", ip4_icmp_echo, NAD_MAL_NONE, 0 },
	{ "ip4_icmp_unreach", ip4_icmp_unreach, NAD_MAL_NONE, 0 },
	{ "ip4_options", ip4_options, NAD_MAL_NONE, 0 },
	{ "ip4_frag_first", ip4_frag_first, NAD_MAL_NONE, 0 },
	{ "ip4_frag_later", ip4_frag_later, NAD_MAL_NONE, 0 },
	{ "vlan1_ip4_udp", vlan1_ip4_udp, NAD_MAL_NONE, 0 },
	{ "vlan2_ip4_tcp", vlan2_ip4_tcp, NAD_MAL_NONE, 0 },
	{ "ip6_tcp", ip6_tcp, NAD_MAL_NONE, 0 },
	{ "ip6_udp", ip6_udp, NAD_MAL_NONE, 0 },
	{ "ip6_icmp6_echo", ip6_icmp6_echo, NAD_MAL_NONE, 0 },
	{ "ip6_hbh_frag_udp", ip6_hbh_frag_udp, NAD_MAL_NONE, 0 },
	{ "ip6_frag_later", ip6_frag_later, NAD_MAL_NONE, 0 },
	{ "ip6_ah_rt_dst_tcp", ip6_ah_rt_dst_tcp, NAD_MAL_NONE, 0 },
	{ "arp", arp, NAD_MAL_NONE, 0 },
	{ "arp_request", arp_request, NAD_MAL_NONE, 0 },
	{ "arp_reply", arp_reply, NAD_MAL_NONE, 0 },
	{ "ip4_gre", ip4_gre, NAD_MAL_NONE, 0 },
	{ "ip4_tcp_padded", ip4_tcp_padded, NAD_MAL_NONE, 0 },
	/* Snapshot-length cuts: short captures of good packets are not malformed. */
	{ "snap_ip4_tcp_data_96", ip4_tcp_data, NAD_MAL_NONE, 96 },
	{ "snap_ip4_tcp_syn_40", ip4_tcp_syn, NAD_MAL_NONE, 40 },
	{ "snap_ip6_ah_rt_dst_tcp_70", ip6_ah_rt_dst_tcp, NAD_MAL_NONE, 70 },
	{ "snap_vlan2_10", vlan2_ip4_tcp, NAD_MAL_NONE, 10 },
	{ "mal_l2_trunc", mal_l2_trunc, NAD_MAL_L2_TRUNC, 0 },
	{ "mal_vlan_trunc", mal_vlan_trunc, NAD_MAL_VLAN_TRUNC, 0 },
	{ "mal_arp_trunc", mal_arp_trunc, NAD_MAL_ARP_TRUNC, 0 },
	{ "mal_vlan_depth", mal_vlan_depth, NAD_MAL_VLAN_DEPTH, 0 },
	{ "mal_ip4_trunc", mal_ip4_trunc, NAD_MAL_IP4_TRUNC, 0 },
	{ "mal_ip4_version", mal_ip4_version, NAD_MAL_IP4_VERSION, 0 },
	{ "mal_ip4_ihl", mal_ip4_ihl, NAD_MAL_IP4_IHL, 0 },
	{ "mal_ip4_totlen_long", mal_ip4_totlen_long, NAD_MAL_IP4_TOTLEN, 0 },
	{ "mal_ip4_totlen_short", mal_ip4_totlen_short, NAD_MAL_IP4_TOTLEN, 0 },
	{ "mal_ip4_frag_df_mf", mal_ip4_frag_df_mf, NAD_MAL_IP4_FRAG, 0 },
	{ "mal_ip4_frag_oversize", mal_ip4_frag_oversize, NAD_MAL_IP4_FRAG, 0 },
	{ "mal_ip6_trunc", mal_ip6_trunc, NAD_MAL_IP6_TRUNC, 0 },
	{ "mal_ip6_version", mal_ip6_version, NAD_MAL_IP6_VERSION, 0 },
	{ "mal_ip6_paylen", mal_ip6_paylen, NAD_MAL_IP6_PAYLEN, 0 },
	{ "mal_ip6_ext_trunc", mal_ip6_ext_trunc, NAD_MAL_IP6_EXT_TRUNC, 0 },
	{ "mal_ip6_ext_depth", mal_ip6_ext_depth, NAD_MAL_IP6_EXT_DEPTH, 0 },
	{ "mal_tcp_trunc", mal_tcp_trunc, NAD_MAL_TCP_TRUNC, 0 },
	{ "mal_tcp_doff_small", mal_tcp_doff_small, NAD_MAL_TCP_DOFF, 0 },
	{ "mal_tcp_doff_beyond", mal_tcp_doff_beyond, NAD_MAL_TCP_DOFF, 0 },
	{ "mal_tcp_syn_fin", mal_tcp_syn_fin, NAD_MAL_TCP_FLAGS, 0 },
	{ "mal_tcp_syn_rst", mal_tcp_syn_rst, NAD_MAL_TCP_FLAGS, 0 },
	{ "mal_tcp_null", mal_tcp_null, NAD_MAL_TCP_FLAGS, 0 },
	{ "mal_udp_trunc", mal_udp_trunc, NAD_MAL_UDP_TRUNC, 0 },
	{ "mal_udp_len", mal_udp_len, NAD_MAL_UDP_LEN, 0 },
	{ "mal_udp_len_ip6", mal_udp_len_ip6, NAD_MAL_UDP_LEN, 0 },
	{ "mal_icmp_trunc", mal_icmp_trunc, NAD_MAL_ICMP_TRUNC, 0 },
	{ "mal_icmp6_trunc", mal_icmp6_trunc, NAD_MAL_ICMP_TRUNC, 0 },
	{ "mal_tcp_port_zero", mal_tcp_port_zero, NAD_MAL_L4_PORT_ZERO, 0 },
	{ "mal_udp_dport_zero", mal_udp_dport_zero, NAD_MAL_L4_PORT_ZERO, 0 },
};

const size_t n_pkt_cases = sizeof(pkt_cases) / sizeof(pkt_cases[0]);

const struct pkt_case *pkt_case_find(const char *name)
{
	for (size_t i = 0; i < n_pkt_cases; i++)
		if (!strcmp(pkt_cases[i].name, name))
			return &pkt_cases[i];
	return NULL;
}
