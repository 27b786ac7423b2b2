// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_parity.c - one parser, one record: every crafted packet and every
 * packet of two real captures gives, field by field (all but ts_ns), the
 * same record from the loaded XDP program (bpf_prog_test_run_opts, record
 * read back from the ring buffer) as from packet_parse(). The TC ingress
 * program (TC mode's ingress hook) is checked on the same packets, the TC
 * egress program on the crafted ones.
 *
 * What test_run cannot take, and is therefore left to test_parse: frames
 * shorter than 14 bytes (the kernel refuses them), snapshot-length cuts
 * (a live frame is always whole); for TC also the short IP frames the
 * kernel's skb test_run refuses (EINVAL), and frames longer than a page.
 * Frames longer than one page reach XDP as multi-buffer frames
 * (ip4_udp_multibuf): the headers are in the first buffer, the record must
 * still be the same, wire_bytes the whole frame.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <pcap/pcap.h>
#include <criterion/criterion.h>

#include "capture/packet.h"
#include "helpers/bpfrun.h"
#include "helpers/pktcases.h"
#include "nad_abi.h"

#define XDP_PASS 2
/* What nadxdp returns for a passed packet: TC_ACT_UNSPEC (tcx: next program). */
#define TC_ACT_NEXT 0xffffffffu

static struct bpfrun run;

static void setup(void)
{
	int err;

	if (geteuid() != 0)
		cr_skip_test("needs root: loads BPF programs and runs them with bpf_prog_test_run");
	err = bpfrun_open(&run);
	cr_assert_eq(err, 0, "loading nadxdp: %s", strerror(-err));
}

static void teardown(void)
{
	bpfrun_close(&run);
}

/* Name of the first field where a and b differ, or NULL. ts_ns is not compared. */
static const char *first_diff(const struct nad_rec *a, const struct nad_rec *b)
{
#define F(f)                                                  \
	if (memcmp(&a->f, &b->f, sizeof(a->f)))               \
		return #f;
	F(wire_bytes) F(weight) F(saddr) F(daddr) F(eth_proto) F(flags) F(sport) F(dport)
	F(l3_off) F(hdr_bytes) F(payload_bytes) F(udp_len) F(gso_segs) F(dir) F(ip_proto)
	F(tcp_flags) F(malformed) F(n_vlans) F(ttl) F(pad)
#undef F
	return NULL;
}

/* Runs frame through XDP, returns the record it emitted in *out. */
static void xdp_record(const uint8_t *frame, uint32_t len, struct nad_rec *out, const char *what)
{
	uint64_t before = run.n_recs;
	uint32_t ret;
	int err;

	err = bpfrun_xdp(&run, frame, len, 1, &ret);
	cr_assert_eq(err, 0, "%s: test_run: %s", what, strerror(-err));
	cr_assert_eq(ret, XDP_PASS, "%s: verdict %u", what, ret);
	cr_assert_geq(bpfrun_consume(&run), 0);
	cr_assert_eq(run.n_recs, before + 1, "%s: one record per packet", what);
	*out = run.last;
}

static void expect_same(const struct nad_rec *kern, const struct nad_rec *user, const char *what)
{
	const char *f = first_diff(kern, user);

	cr_expect_null(f, "%s: kernel and userspace records differ in %s", what, f ? f : "");
}

TestSuite(parity, .init = setup, .fini = teardown);

Test(parity, crafted_packets_same_record_in_xdp_and_userspace)
{
	size_t n_compared = 0;

	for (size_t i = 0; i < n_pkt_cases; i++) {
		const struct pkt_case *c = &pkt_cases[i];
		struct nad_rec kern, user;
		struct pktb b;

		pktb_init(&b);
		c->build(&b);
		if (c->caplen || b.len < 14)
			continue; /* see the file comment */
		xdp_record(b.buf, b.len, &kern, c->name);
		packet_parse(b.buf, b.len, b.len, &user);
		cr_expect_eq(kern.malformed, c->malformed, "%s: kernel reason", c->name);
		expect_same(&kern, &user, c->name);
		n_compared++;
	}
	cr_expect_gt(n_compared, n_pkt_cases / 2);
}

/* Every crafted packet through a TC program (dir: which one) against packet_parse(). */
static void crafted_tc(int dir)
{
	size_t n_refused = 0, n_compared = 0;

	for (size_t i = 0; i < n_pkt_cases; i++) {
		const struct pkt_case *c = &pkt_cases[i];
		struct nad_rec user;
		uint64_t before = run.n_recs;
		struct pktb b;
		uint32_t ret;
		int err;

		pktb_init(&b);
		c->build(&b);
		if (c->caplen || b.len < 14)
			continue;
		err = bpfrun_tc(&run, dir, b.buf, b.len, &ret);
		/* The skb test_run takes one linear page at most, headroom and
		 * skb_shared_info included: the multi-buffer XDP case is too long. */
		if (err == -EINVAL && (c->malformed || b.len > 3072)) {
			n_refused++;
			continue;
		}
		cr_assert_eq(err, 0, "%s: test_run: %s", c->name, strerror(-err));
		cr_expect_eq(ret, TC_ACT_NEXT);
		cr_assert_geq(bpfrun_consume(&run), 0);
		cr_assert_eq(run.n_recs, before + 1, "%s: one record", c->name);
		packet_parse(b.buf, b.len, b.len, &user);
		user.dir = (uint8_t)dir;
		expect_same(&run.last, &user, c->name);
		n_compared++;
	}
	cr_log_info("tc %s: %zu crafted packets compared, %zu refused by test_run",
		    dir == NAD_DIR_IN ? "ingress" : "egress", n_compared, n_refused);
	cr_expect_gt(n_compared, n_pkt_cases / 2);
}

Test(parity, crafted_packets_same_record_in_tc_egress)
{
	crafted_tc(NAD_DIR_OUT);
}

Test(parity, crafted_packets_same_record_in_tc_ingress)
{
	crafted_tc(NAD_DIR_IN);
}

static void capture_parity(const char *file, size_t expect_min)
{
	char path[4096], errbuf[PCAP_ERRBUF_SIZE], what[128];
	const char *root = getenv("NADXDP_ROOT");
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n = 0, n_compared = 0, n_malformed = 0, n_tc = 0, n_tc_fit = 0;
	pcap_t *p;
	int rc;

	snprintf(path, sizeof(path), "%s/tests/data/%s", root ? root : ".", file);
	p = pcap_open_offline(path, errbuf);
	cr_assert_not_null(p, "%s: %s", path, errbuf);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		struct nad_rec kern, user;
		uint32_t ret;

		n++;
		if (h->caplen != h->len || h->len < 14 || h->len > BPFRUN_XDP_MAX_FRAME * 4)
			continue; /* see the file comment */
		snprintf(what, sizeof(what), "%s packet %zu", file, n);
		xdp_record(data, h->caplen, &kern, what);
		packet_parse(data, h->caplen, h->len, &user);
		expect_same(&kern, &user, what);
		n_compared++;
		n_malformed += user.malformed != 0;
		n_tc_fit += user.malformed == 0 && h->caplen <= 3072;

		/* The same packet through TC mode's ingress program. */
		if (bpfrun_tc(&run, NAD_DIR_IN, data, h->caplen, &ret) == 0) {
			cr_expect_eq(ret, TC_ACT_NEXT, "%s: tc verdict", what);
			cr_assert_geq(bpfrun_consume(&run), 0);
			snprintf(what + strlen(what), sizeof(what) - strlen(what), " (tc ingress)");
			expect_same(&run.last, &user, what);
			n_tc++;
		}
	}
	cr_expect_eq(rc, PCAP_ERROR_BREAK, "%s: read to the end", file);
	pcap_close(p);
	cr_expect_geq(n_compared, expect_min, "%s: %zu of %zu packets compared", file, n_compared,
		      n);
	/* test_run refuses only frames the skb path cannot take (see the file comment). */
	cr_expect_geq(n_tc, n_tc_fit, "%s: %zu through tc ingress, %zu fit", file, n_tc, n_tc_fit);
	cr_log_info("%s: %zu packets, %zu compared (%zu through tc ingress), %zu malformed", file,
		    n, n_compared, n_tc, n_malformed);
}

Test(parity, real_capture_icmp_anomalies_same_record)
{
	capture_parity("malformed_icmp_decoder_anomalies.pcap", 48);
}

Test(parity, real_capture_ssh_bruteforce_same_record)
{
	capture_parity("bruteforce_ssh_zeek_sshguess.pcap", 431);
}
