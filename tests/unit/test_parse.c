// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_parse.c - the shared parser (bpf/nad_parse.h) through packet_parse(),
 * on crafted packets: one per protocol path, one per malformed reason, and
 * snapshot-length cuts that must not count as malformed.
 */
#include <string.h>
#include <linux/types.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "capture/packet.h"
#include "helpers/pktcases.h"
#include "nad_abi.h"

static void parse_case(const char *name, struct pktb *b, struct nad_rec *rec)
{
	const struct pkt_case *c = pkt_case_find(name);

	cr_assert(c, "no case %s", name);
	pktb_init(b);
	c->build(b);
	packet_parse(b->buf, c->caplen ? c->caplen : b->len, b->len, rec);
}

static void expect_mapped4(const __u8 a[16], uint32_t ip)
{
	static const __u8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	cr_expect(!memcmp(a, prefix, 12), "IPv4-mapped prefix");
	cr_expect_eq((uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15], ip);
}

Test(parse, ip4_tcp_syn_fills_every_header_field)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_tcp_syn", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV4 | NAD_F_L4);
	cr_expect_eq(r.eth_proto, 0x0800);
	cr_expect_eq(r.ip_proto, 6);
	cr_expect_eq(r.sport, 40000);
	cr_expect_eq(r.dport, 80);
	cr_expect_eq(r.tcp_flags, 0x02);
	cr_expect_eq(r.ttl, 64);
	cr_expect_eq(r.l3_off, 14);
	cr_expect_eq(r.hdr_bytes, 14 + 20 + 40);
	cr_expect_eq(r.payload_bytes, 0);
	cr_expect_eq(r.wire_bytes, b.len);
	cr_expect_eq(r.weight, 1);
	cr_expect_eq(r.gso_segs, 1);
	expect_mapped4(r.saddr, PKTC_SRC4);
	expect_mapped4(r.daddr, PKTC_DST4);
}

Test(parse, ip4_tcp_payload_is_what_follows_the_options)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_tcp_data", &b, &r);
	cr_expect_eq(r.hdr_bytes, 14 + 20 + 32);
	cr_expect_eq(r.payload_bytes, 300);
	cr_expect_eq(r.tcp_flags, 0x18);
}

Test(parse, ip4_udp_records_length_and_payload)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_udp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV4 | NAD_F_L4);
	cr_expect_eq(r.ip_proto, 17);
	cr_expect_eq(r.sport, 5353);
	cr_expect_eq(r.dport, 53);
	cr_expect_eq(r.udp_len, 48);
	cr_expect_eq(r.hdr_bytes, 42);
	cr_expect_eq(r.payload_bytes, 40);
	cr_expect_eq(r.tcp_flags, 0);
}

Test(parse, ip4_icmp_echo_keeps_type_code_and_identifier)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_icmp_echo", &b, &r);
	cr_expect_eq(r.ip_proto, 1);
	cr_expect_eq(r.sport, 8 << 8);
	cr_expect_eq(r.dport, 0x1234);
	cr_expect_eq(r.payload_bytes, 56);
	parse_case("ip4_icmp_unreach", &b, &r);
	cr_expect_eq(r.sport, 3 << 8 | 3);
	cr_expect_eq(r.dport, 0, "no identifier outside echo");
}

Test(parse, ip4_options_are_flagged_and_counted_as_header)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_options", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect(r.flags & NAD_F_IP_OPTS);
	cr_expect(r.flags & NAD_F_L4);
	cr_expect_eq(r.hdr_bytes, 14 + 32 + 20);
	cr_expect_eq(r.dport, 22);
	cr_expect_eq(r.payload_bytes, 10);
}

Test(parse, ip4_first_fragment_parses_l4_with_datagram_udp_length)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_frag_first", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV4 | NAD_F_FRAG | NAD_F_L4);
	cr_expect_eq(r.udp_len, 3000);
	cr_expect_eq(r.dport, 6000);
}

Test(parse, ip4_later_fragment_has_no_l4)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_frag_later", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV4 | NAD_F_FRAG | NAD_F_FRAG_LATER);
	cr_expect_eq(r.sport, 0);
	cr_expect_eq(r.dport, 0);
	cr_expect_eq(r.ip_proto, 17);
	cr_expect_eq(r.hdr_bytes, 34);
	cr_expect_eq(r.payload_bytes, 1520);
}

Test(parse, single_vlan_tag_moves_l3)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("vlan1_ip4_udp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.n_vlans, 1);
	cr_expect_eq(r.l3_off, 18);
	cr_expect_eq(r.eth_proto, 0x0800);
	cr_expect_eq(r.dport, 514);
	cr_expect_eq(r.hdr_bytes, 18 + 28);
}

Test(parse, double_vlan_tag_qinq)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("vlan2_ip4_tcp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.n_vlans, 2);
	cr_expect_eq(r.l3_off, 22);
	cr_expect_eq(r.tcp_flags, 0x12);
	cr_expect_eq(r.dport, 25);
}

Test(parse, ip6_tcp_udp_icmp6)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip6_tcp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV6 | NAD_F_L4);
	cr_expect_eq(r.eth_proto, 0x86dd);
	cr_expect(!memcmp(r.saddr, pktc_src6, 16));
	cr_expect(!memcmp(r.daddr, pktc_dst6, 16));
	cr_expect_eq(r.hdr_bytes, 14 + 40 + 40);
	cr_expect_eq(r.ttl, 64);

	parse_case("ip6_udp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.udp_len, 72);
	cr_expect_eq(r.payload_bytes, 64);

	parse_case("ip6_icmp6_echo", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.ip_proto, 58);
	cr_expect_eq(r.sport, 128 << 8);
	cr_expect_eq(r.dport, 0x0bad);
}

Test(parse, ip6_hop_by_hop_and_first_fragment_reach_udp)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip6_hbh_frag_udp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV6 | NAD_F_IP6_EXT | NAD_F_FRAG | NAD_F_L4);
	cr_expect_eq(r.ip_proto, 17);
	cr_expect_eq(r.hdr_bytes, 14 + 40 + 8 + 8 + 8);
	cr_expect_eq(r.dport, 7001);
	cr_expect_eq(r.udp_len, 2000);
}

Test(parse, ip6_later_fragment_has_no_l4)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip6_frag_later", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV6 | NAD_F_IP6_EXT | NAD_F_FRAG | NAD_F_FRAG_LATER);
	cr_expect_eq(r.ip_proto, 17);
	cr_expect_eq(r.payload_bytes, 200);
}

Test(parse, ip6_ah_routing_dstopts_reach_tcp)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip6_ah_rt_dst_tcp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.ip_proto, 6);
	cr_expect_eq(r.hdr_bytes, 14 + 40 + 24 + 24 + 16 + 20);
	cr_expect_eq(r.payload_bytes, 33);
	cr_expect_eq(r.dport, 8080);
}

Test(parse, arp_is_recorded_by_ethertype)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("arp", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, 0);
	cr_expect_eq(r.eth_proto, 0x0806);
	cr_expect_eq(r.ip_proto, 0);
	cr_expect_eq(r.hdr_bytes, 14);
	cr_expect_eq(r.payload_bytes, 46);
}

Test(parse, arp_request_and_reply_carry_their_ipv4_addresses_and_opcode)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("arp_request", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_ARP, "ARP only: no IPv4 flag, rules stay IP-only");
	cr_expect_eq(r.eth_proto, 0x0806);
	cr_expect_eq(r.sport, 1, "who-has");
	expect_mapped4(r.saddr, PKTC_SRC4);
	expect_mapped4(r.daddr, PKTC_DST4);
	cr_expect_eq(r.hdr_bytes, 14 + 28);
	cr_expect_eq(r.payload_bytes, 18, "the padding");
	parse_case("arp_reply", &b, &r);
	cr_expect_eq(r.sport, 2, "is-at");
	expect_mapped4(r.saddr, PKTC_DST4);
	parse_case("mal_arp_trunc", &b, &r);
	cr_expect_eq(r.malformed, NAD_MAL_ARP_TRUNC);
	cr_expect_eq(r.flags & NAD_F_ARP, 0);
}

Test(parse, unknown_ip_protocol_is_recorded_without_l4)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_gre", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.flags, NAD_F_IPV4);
	cr_expect_eq(r.ip_proto, 47);
	cr_expect_eq(r.payload_bytes, 64);
}

Test(parse, ethernet_padding_is_not_payload)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("ip4_tcp_padded", &b, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.wire_bytes, 60);
	cr_expect_eq(r.payload_bytes, 0);
}

Test(parse, snaplen_cut_is_not_malformed_and_keeps_wire_length)
{
	struct pktb b;
	struct nad_rec full, cut;

	parse_case("ip4_tcp_data", &b, &full);
	parse_case("snap_ip4_tcp_data_96", &b, &cut);
	cr_expect_eq(cut.malformed, 0);
	cr_expect_eq(cut.wire_bytes, full.wire_bytes);
	cr_expect_eq(cut.hdr_bytes, full.hdr_bytes, "TCP options are counted, not read");
	cr_expect_eq(cut.payload_bytes, full.payload_bytes);
	cr_expect_eq(cut.dport, full.dport);

	parse_case("snap_ip4_tcp_syn_40", &b, &cut);
	cr_expect_eq(cut.malformed, 0);
	cr_expect_eq(cut.flags, NAD_F_IPV4, "IP parsed, TCP cut off: no L4, no fault");
	cr_expect_eq(cut.ip_proto, 6);

	parse_case("snap_vlan2_10", &b, &cut);
	cr_expect_eq(cut.malformed, 0);
	cr_expect_eq(cut.flags, 0);
	cr_expect_eq(cut.wire_bytes, b.len);
}

Test(parse, empty_capture_is_not_malformed_when_the_wire_had_a_frame)
{
	struct nad_rec r;

	packet_parse(NULL, 0, 60, &r);
	cr_expect_eq(r.malformed, 0);
	cr_expect_eq(r.wire_bytes, 60);
	packet_parse(NULL, 0, 0, &r);
	cr_expect_eq(r.malformed, NAD_MAL_L2_TRUNC);
}

Test(parse, malformed_keeps_what_was_parsed_before_the_fault)
{
	struct pktb b;
	struct nad_rec r;

	parse_case("mal_tcp_doff_small", &b, &r);
	cr_expect_eq(r.malformed, NAD_MAL_TCP_DOFF);
	cr_expect(r.flags & NAD_F_L4, "ports were read before the fault");
	cr_expect_eq(r.dport, 80);
	expect_mapped4(r.saddr, PKTC_SRC4);

	parse_case("mal_ip4_ihl", &b, &r);
	cr_expect_eq(r.flags & (NAD_F_IPV4 | NAD_F_L4), NAD_F_IPV4, "address kept, no L4");
	expect_mapped4(r.saddr, PKTC_SRC4);

	parse_case("mal_ip4_version", &b, &r);
	cr_expect_eq(r.flags & NAD_F_IPV4, 0, "not IPv4: addresses not trusted");
}

Test(parse, every_malformed_reason_has_a_case)
{
	for (int reason = 1; reason < NAD_MAL_MAX; reason++) {
		bool found = false;

		for (size_t i = 0; i < n_pkt_cases; i++)
			found |= pkt_cases[i].malformed == reason;
		cr_expect(found, "no crafted packet for malformed reason %d", reason);
	}
}

/*
 * Criterion runs each parameter in a fresh process image, where pointers
 * from this one mean nothing: the parameters are indices into pkt_cases.
 */
#define MAX_CASES 128
static size_t case_index[MAX_CASES];

ParameterizedTestParameters(parse, each_case_gets_its_expected_reason)
{
	for (size_t i = 0; i < n_pkt_cases && i < MAX_CASES; i++)
		case_index[i] = i;
	return cr_make_param_array(size_t, case_index, n_pkt_cases < MAX_CASES ? n_pkt_cases : MAX_CASES);
}

ParameterizedTest(size_t *idx, parse, each_case_gets_its_expected_reason)
{
	const struct pkt_case *c = &pkt_cases[*idx];
	struct pktb b;
	struct nad_rec r;

	pktb_init(&b);
	c->build(&b);
	packet_parse(b.buf, c->caplen ? c->caplen : b.len, b.len, &r);
	cr_expect_eq(r.malformed, c->malformed, "%s: malformed %u, expected %u", c->name,
		     r.malformed, c->malformed);
	cr_expect_eq(!!(r.flags & NAD_F_MALFORMED), !!c->malformed, "%s: flag agrees", c->name);
	cr_expect_eq(r.wire_bytes, b.len, "%s", c->name);
	cr_expect_leq(r.hdr_bytes, b.len, "%s", c->name);
}
