// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_pcapsrc.c - capture files in, packets out: pcap, pcapng, gzip, link
 * types, and every kind of bad input.
 *
 * Fixtures are written by the tests into a temporary directory: pcap with
 * libpcap's own pcap_dump, pcapng block by block (libpcap cannot write it),
 * gzip with zlib.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include <zlib.h>
#include <criterion/criterion.h>

#include "capture/pcapsrc.h"

#define N_PKTS 40

static char tmpdir[64];

struct fpkt {
	uint64_t ts_ns;
	uint32_t caplen, len;
	uint8_t data[1600];
};

static struct fpkt pkts[N_PKTS];

static void make_packets(uint32_t snaplen)
{
	for (int i = 0; i < N_PKTS; i++) {
		struct fpkt *p = &pkts[i];
		uint32_t len = 60 + (uint32_t)i * 37;

		p->ts_ns = 1700000000ull * 1000000000ull + (uint64_t)i * 1234567ull + (uint64_t)i;
		p->len = len;
		p->caplen = len < snaplen ? len : snaplen;
		for (uint32_t j = 0; j < p->caplen; j++)
			p->data[j] = (uint8_t)(i * 7 + j);
		p->data[12] = 0x08; /* EtherType IPv4, not that the reader cares */
		p->data[13] = 0x00;
	}
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nadxdp-pcapsrc-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	make_packets(65535);
}

static void teardown(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pcapsrc, .init = setup, .fini = teardown);

static char *tpath(const char *name)
{
	static char buf[4][128];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

static void write_pcap(const char *path, int dlt, uint32_t snaplen, const struct fpkt *ps, int n)
{
	pcap_t *dead =
		pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;

	cr_assert_not_null(dead);
	d = pcap_dump_open(dead, path);
	cr_assert_not_null(d, "%s", pcap_geterr(dead));
	for (int i = 0; i < n; i++) {
		struct pcap_pkthdr h = { 0 };

		h.ts.tv_sec = (time_t)(ps[i].ts_ns / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(ps[i].ts_ns % 1000000000ull); /* ns: nano precision */
		h.caplen = ps[i].caplen;
		h.len = ps[i].len;
		pcap_dump((u_char *)d, &h, ps[i].data);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static void put32(FILE *f, uint32_t v)
{
	cr_assert_eq(fwrite(&v, 4, 1, f), 1);
}

static void put16(FILE *f, uint16_t v)
{
	cr_assert_eq(fwrite(&v, 2, 1, f), 1);
}

/* pcapng: SHB, one IDB (if_tsresol = 9: ns), one EPB per packet, host byte order. */
static void write_pcapng(const char *path, const struct fpkt *ps, int n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	/* Section Header Block */
	put32(f, 0x0A0D0D0A);
	put32(f, 28);
	put32(f, 0x1A2B3C4D);
	put16(f, 1);
	put16(f, 0);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);
	/* Interface Description Block with option if_tsresol (9) = 9 */
	put32(f, 1);
	put32(f, 32);
	put16(f, DLT_EN10MB);
	put16(f, 0);
	put32(f, 65535);
	put16(f, 9);
	put16(f, 1);
	put32(f, 9); /* value byte 9, then 3 bytes of padding */
	put32(f, 0); /* opt_endofopt */
	put32(f, 32);
	for (int i = 0; i < n; i++) {
		uint32_t pad = (4 - ps[i].caplen % 4) % 4;
		uint32_t total = 32 + ps[i].caplen + pad;
		static const uint8_t zero[4];

		put32(f, 6);
		put32(f, total);
		put32(f, 0);
		put32(f, (uint32_t)(ps[i].ts_ns >> 32));
		put32(f, (uint32_t)ps[i].ts_ns);
		put32(f, ps[i].caplen);
		put32(f, ps[i].len);
		cr_assert_eq(fwrite(ps[i].data, 1, ps[i].caplen, f), ps[i].caplen);
		if (pad)
			cr_assert_eq(fwrite(zero, 1, pad, f), pad);
		put32(f, total);
	}
	cr_assert_eq(fclose(f), 0);
}

static void gzip_file(const char *in, const char *out)
{
	char buf[8192];
	FILE *f = fopen(in, "rb");
	gzFile gz = gzopen(out, "wb");
	size_t n;

	cr_assert_not_null(f);
	cr_assert_not_null(gz);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		cr_assert_eq(gzwrite(gz, buf, (unsigned)n), (int)n);
	fclose(f);
	cr_assert_eq(gzclose(gz), Z_OK);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

static off_t file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

/* Reads path and checks it yields exactly pkts[0..n). */
static void expect_same_packets(const char *path, int n)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *s = pcapsrc_new(path, err, sizeof(err));
	struct pcapsrc_pkt p;
	int i = 0, ret;

	cr_assert_not_null(s, "%s", err);
	while ((ret = pcapsrc_next(s, &p)) == 1) {
		cr_assert_lt(i, n, "%s: more packets than written", path);
		cr_expect_eq(p.ts_ns, pkts[i].ts_ns, "%s #%d ts", path, i);
		cr_expect_eq(p.caplen, pkts[i].caplen, "%s #%d caplen", path, i);
		cr_expect_eq(p.wire_bytes, pkts[i].len, "%s #%d wire", path, i);
		cr_expect_eq(memcmp(p.data, pkts[i].data, p.caplen), 0, "%s #%d data", path, i);
		i++;
	}
	cr_expect_eq(ret, 0, "%s: %s", path, pcapsrc_error(s));
	cr_expect_eq(i, n, "%s: packet count", path);
	cr_expect_eq(pcapsrc_n_packets(s), (uint64_t)n);
	cr_expect_eq(pcapsrc_linktype(s), DLT_EN10MB);
	pcapsrc_free(s);
}

Test(pcapsrc, pcap_pcapng_and_gzip_of_each_give_the_same_packets)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *s;

	write_pcap(tpath("a.pcap"), DLT_EN10MB, 65535, pkts, N_PKTS);
	write_pcapng(tpath("a.pcapng"), pkts, N_PKTS);
	gzip_file(tpath("a.pcap"), tpath("a.pcap.gz"));
	gzip_file(tpath("a.pcapng"), tpath("a.pcapng.gz"));
	expect_same_packets(tpath("a.pcap"), N_PKTS);
	expect_same_packets(tpath("a.pcapng"), N_PKTS);
	expect_same_packets(tpath("a.pcap.gz"), N_PKTS);
	expect_same_packets(tpath("a.pcapng.gz"), N_PKTS);

	s = pcapsrc_new(tpath("a.pcap.gz"), err, sizeof(err));
	cr_assert_not_null(s);
	cr_expect(pcapsrc_is_gzip(s));
	pcapsrc_free(s);
	s = pcapsrc_new(tpath("a.pcap"), err, sizeof(err));
	cr_assert_not_null(s);
	cr_expect_not(pcapsrc_is_gzip(s));
	pcapsrc_free(s);
}

Test(pcapsrc, gzip_is_detected_by_content_not_name)
{
	write_pcap(tpath("a.pcap"), DLT_EN10MB, 65535, pkts, N_PKTS);
	gzip_file(tpath("a.pcap"), tpath("compressed.pcap"));
	expect_same_packets(tpath("compressed.pcap"), N_PKTS);
}

Test(pcapsrc, wire_bytes_is_the_original_length_not_the_snapshot)
{
	make_packets(64);
	write_pcap(tpath("cut.pcap"), DLT_EN10MB, 64, pkts, N_PKTS);
	write_pcapng(tpath("cut.pcapng"), pkts, N_PKTS);
	for (int i = 0; i < N_PKTS; i++)
		cr_assert_leq(pkts[i].caplen, 64);
	cr_assert_gt(pkts[N_PKTS - 1].len, 1000, "the fixture has frames longer than the snaplen");
	expect_same_packets(tpath("cut.pcap"), N_PKTS);
	expect_same_packets(tpath("cut.pcapng"), N_PKTS);
}

Test(pcapsrc, empty_capture_gives_no_packets_and_no_error)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc_pkt p;
	struct pcapsrc *s;

	write_pcap(tpath("empty.pcap"), DLT_EN10MB, 65535, pkts, 0);
	s = pcapsrc_new(tpath("empty.pcap"), err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(pcapsrc_next(s, &p), 0);
	pcapsrc_free(s);
}

/* Truncates path to size bytes. */
static void cut_file(const char *path, off_t size)
{
	cr_assert_eq(truncate(path, size), 0);
}

/* Expects n_good packets, then a negative errno and a message containing what. */
static void expect_cut(const char *path, int n_good, int want_err, const char *what)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *s = pcapsrc_new(path, err, sizeof(err));
	struct pcapsrc_pkt p;
	int i = 0, ret;

	cr_assert_not_null(s, "%s", err);
	while ((ret = pcapsrc_next(s, &p)) == 1) {
		cr_expect_eq(p.ts_ns, pkts[i].ts_ns, "#%d", i);
		cr_expect_eq(memcmp(p.data, pkts[i].data, p.caplen), 0, "#%d data", i);
		i++;
	}
	cr_expect_eq(i, n_good, "%s: packets before the cut", path);
	cr_expect_eq(ret, want_err, "%s: ret %d (%s)", path, ret, pcapsrc_error(s));
	cr_expect_not_null(strstr(pcapsrc_error(s), what), "message: %s", pcapsrc_error(s));
	cr_expect_not_null(strstr(pcapsrc_error(s), path), "message names the file: %s",
			   pcapsrc_error(s));
	cr_expect_null(strchr(pcapsrc_error(s), '\n'), "one line");
	pcapsrc_free(s);
}

/* Byte offset in a nanosecond pcap at which packet k starts. */
static off_t pcap_offset(int k)
{
	off_t off = 24;

	for (int i = 0; i < k; i++)
		off += 16 + pkts[i].caplen;
	return off;
}

Test(pcapsrc, truncated_pcap_keeps_the_packets_before_the_cut_and_reports)
{
	write_pcap(tpath("t.pcap"), DLT_EN10MB, 65535, pkts, N_PKTS);
	cr_assert_eq(file_size(tpath("t.pcap")), pcap_offset(N_PKTS));
	/* cut in the middle of packet 25's data */
	cut_file(tpath("t.pcap"), pcap_offset(25) + 16 + 10);
	expect_cut(tpath("t.pcap"), 25, -EIO, "truncated");
}

Test(pcapsrc, truncated_pcap_inside_a_record_header_also_reports)
{
	write_pcap(tpath("t.pcap"), DLT_EN10MB, 65535, pkts, N_PKTS);
	cut_file(tpath("t.pcap"), pcap_offset(7) + 5);
	expect_cut(tpath("t.pcap"), 7, -EIO, "truncated");
}

Test(pcapsrc, truncated_pcapng_keeps_the_packets_before_the_cut_and_reports)
{
	write_pcapng(tpath("t.pcapng"), pkts, N_PKTS);
	cut_file(tpath("t.pcapng"), file_size(tpath("t.pcapng")) - 20);
	expect_cut(tpath("t.pcapng"), N_PKTS - 1, -EIO, "truncated");
}

Test(pcapsrc, truncated_gzip_keeps_the_packets_before_the_cut_and_reports)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *s;
	struct pcapsrc_pkt p;
	int n = 0, ret;

	write_pcap(tpath("t.pcap"), DLT_EN10MB, 65535, pkts, N_PKTS);
	gzip_file(tpath("t.pcap"), tpath("t.pcap.gz"));
	cut_file(tpath("t.pcap.gz"), file_size(tpath("t.pcap.gz")) * 2 / 3);
	s = pcapsrc_new(tpath("t.pcap.gz"), err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	while ((ret = pcapsrc_next(s, &p)) == 1) {
		cr_expect_eq(p.ts_ns, pkts[n].ts_ns);
		cr_expect_eq(memcmp(p.data, pkts[n].data, p.caplen), 0);
		n++;
	}
	cr_expect_gt(n, 0, "some packets before the cut");
	cr_expect_lt(n, N_PKTS, "not all packets");
	cr_expect_eq(ret, -EBADMSG, "%d %s", ret, pcapsrc_error(s));
	cr_expect_not_null(strstr(pcapsrc_error(s), "gzip"), "%s", pcapsrc_error(s));
	pcapsrc_free(s);
}

Test(pcapsrc, missing_file_is_refused_with_its_name)
{
	char err[PCAPSRC_ERRLEN];

	errno = 0;
	cr_expect_null(pcapsrc_new(tpath("nope.pcap"), err, sizeof(err)));
	cr_expect_eq(errno, ENOENT);
	cr_expect_not_null(strstr(err, "nope.pcap"), "%s", err);
	cr_expect_not_null(strstr(err, "No such file"), "%s", err);
}

Test(pcapsrc, non_capture_file_is_refused)
{
	static const char text[] = "this is not a capture, just some text long enough\n";
	char err[PCAPSRC_ERRLEN];

	write_bytes(tpath("text.pcap"), text, sizeof(text) - 1);
	errno = 0;
	cr_expect_null(pcapsrc_new(tpath("text.pcap"), err, sizeof(err)));
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(err, "not a pcap or pcapng capture"), "%s", err);
	cr_expect_null(strchr(err, '\n'));
}

Test(pcapsrc, empty_and_tiny_files_are_refused)
{
	char err[PCAPSRC_ERRLEN];

	write_bytes(tpath("empty"), "", 0);
	cr_expect_null(pcapsrc_new(tpath("empty"), err, sizeof(err)));
	cr_expect_not_null(strstr(err, "empty"), "%s", err);
	write_bytes(tpath("one"), "\xd4", 1);
	cr_expect_null(pcapsrc_new(tpath("one"), err, sizeof(err)));
	cr_expect_not_null(strstr(err, "not a pcap"), "%s", err);
}

Test(pcapsrc, directory_is_refused)
{
	char err[PCAPSRC_ERRLEN];

	cr_expect_null(pcapsrc_new(tmpdir, err, sizeof(err)));
	cr_expect_not_null(strstr(err, tmpdir), "%s", err);
}

Test(pcapsrc, gzip_of_a_non_capture_is_refused)
{
	static const char text[] = "hello, this is text and not a capture at all";

	write_bytes(tpath("text"), text, sizeof(text) - 1);
	gzip_file(tpath("text"), tpath("text.gz"));
	{
		char err[PCAPSRC_ERRLEN];

		cr_expect_null(pcapsrc_new(tpath("text.gz"), err, sizeof(err)));
		cr_expect_not_null(strstr(err, "not a pcap"), "%s", err);
	}
}

Test(pcapsrc, corrupt_gzip_header_is_refused)
{
	static const uint8_t junk[] = { 0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03,
					0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
	char err[PCAPSRC_ERRLEN];

	write_bytes(tpath("junk.gz"), junk, sizeof(junk));
	errno = 0;
	cr_expect_null(pcapsrc_new(tpath("junk.gz"), err, sizeof(err)));
	cr_expect_eq(errno, EBADMSG, "%s", err);
	cr_expect_not_null(strstr(err, "corrupt gzip"), "%s", err);
}

Test(pcapsrc, corrupt_gzip_data_is_reported_not_taken_as_packets)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *s;
	struct pcapsrc_pkt p;
	uint8_t *buf;
	off_t size;
	FILE *f;
	int n = 0, ret = 0;

	write_pcap(tpath("c.pcap"), DLT_EN10MB, 65535, pkts, N_PKTS);
	gzip_file(tpath("c.pcap"), tpath("c.pcap.gz"));
	size = file_size(tpath("c.pcap.gz"));
	buf = malloc((size_t)size);
	cr_assert_not_null(buf);
	f = fopen(tpath("c.pcap.gz"), "rb");
	cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	/* Flip the stored CRC-32 (the 8-byte trailer's first 4 bytes): data intact, check fails. */
	buf[size - 8] ^= 0xff;
	write_bytes(tpath("c.pcap.gz"), buf, (size_t)size);
	free(buf);

	s = pcapsrc_new(tpath("c.pcap.gz"), err, sizeof(err));
	if (s) {
		while ((ret = pcapsrc_next(s, &p)) == 1)
			n++;
		cr_expect_eq(ret, -EBADMSG, "%d %s", ret, pcapsrc_error(s));
		cr_expect_not_null(strstr(pcapsrc_error(s), "corrupt gzip"), "%s",
				   pcapsrc_error(s));
		pcapsrc_free(s);
	} else {
		cr_expect_not_null(strstr(err, "corrupt gzip"), "%s", err);
	}
	cr_expect_leq(n, N_PKTS);
}

/* Linux cooked v1 frame: header + IPv4 bytes. */
static uint32_t sll_frame(uint8_t *out, const uint8_t *l3, uint32_t l3_len)
{
	static const uint8_t hdr[16] = { 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x42,
					 0xac, 0x10, 0xee, 0x0a, 0x00, 0x00, 0x08, 0x00 };

	memcpy(out, hdr, 16);
	memcpy(out + 16, l3, l3_len);
	return 16 + l3_len;
}

static const uint8_t ip4[28] = { 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
				 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01,
				 0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00 };

static struct pcapsrc_pkt read_one(const char *path, int want_dlt)
{
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc *s = pcapsrc_new(path, err, sizeof(err));
	static uint8_t copy[256];
	struct pcapsrc_pkt p;

	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(pcapsrc_linktype(s), want_dlt);
	cr_assert_eq(pcapsrc_next(s, &p), 1, "%s", pcapsrc_error(s));
	cr_assert_leq(p.caplen, sizeof(copy));
	memcpy(copy, p.data, p.caplen);
	p.data = copy;
	pcapsrc_free(s);
	return p;
}

Test(pcapsrc, linux_cooked_sll_becomes_an_ethernet_frame)
{
	struct fpkt f = { .ts_ns = 5000000001ull };
	struct pcapsrc_pkt p;

	f.caplen = sll_frame(f.data, ip4, sizeof(ip4));
	f.len = f.caplen + 100; /* pretend a snaplen cut 100 bytes */
	write_pcap(tpath("sll.pcap"), DLT_LINUX_SLL, 65535, &f, 1);
	p = read_one(tpath("sll.pcap"), DLT_LINUX_SLL);
	cr_expect_eq(p.caplen, 14 + sizeof(ip4));
	cr_expect_eq(p.wire_bytes, 14 + sizeof(ip4) + 100);
	cr_expect_eq(p.ts_ns, 5000000001ull);
	cr_expect_eq(p.data[12], 0x08);
	cr_expect_eq(p.data[13], 0x00);
	cr_expect_eq(memcmp(p.data + 6, f.data + 6, 6), 0, "source MAC from the SLL address");
	cr_expect_eq(memcmp(p.data + 14, ip4, sizeof(ip4)), 0);
}

Test(pcapsrc, linux_cooked_sll2_becomes_an_ethernet_frame)
{
	static const uint8_t hdr[20] = { 0x86, 0xdd, 0, 0,    0, 0, 0, 2, 0x00, 0x01,
					 0x00, 6,    2, 0x42, 1, 2, 3, 4, 0,	0 };
	struct fpkt f = { .ts_ns = 7 };
	struct pcapsrc_pkt p;

	memcpy(f.data, hdr, 20);
	memset(f.data + 20, 0x60, 40);
	f.caplen = f.len = 60;
	write_pcap(tpath("sll2.pcap"), DLT_LINUX_SLL2, 65535, &f, 1);
	p = read_one(tpath("sll2.pcap"), DLT_LINUX_SLL2);
	cr_expect_eq(p.caplen, 54);
	cr_expect_eq(p.wire_bytes, 54);
	cr_expect_eq(p.data[12], 0x86);
	cr_expect_eq(p.data[13], 0xdd);
	cr_expect_eq(memcmp(p.data + 6, hdr + 12, 6), 0);
	cr_expect_eq(p.data[14], 0x60);
}

Test(pcapsrc, raw_ip_gets_the_ethertype_of_its_version)
{
	struct fpkt f[2] = { { .ts_ns = 1 }, { .ts_ns = 2 } };
	char err[PCAPSRC_ERRLEN];
	struct pcapsrc_pkt p;
	struct pcapsrc *s;

	memcpy(f[0].data, ip4, sizeof(ip4));
	f[0].caplen = f[0].len = sizeof(ip4);
	memset(f[1].data, 0, 40);
	f[1].data[0] = 0x60;
	f[1].caplen = f[1].len = 40;
	write_pcap(tpath("raw.pcap"), DLT_RAW, 65535, f, 2);
	s = pcapsrc_new(tpath("raw.pcap"), err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(pcapsrc_next(s, &p), 1);
	cr_expect_eq(p.caplen, 14 + sizeof(ip4));
	cr_expect_eq(p.wire_bytes, 14 + sizeof(ip4));
	cr_expect_eq(p.data[12] << 8 | p.data[13], 0x0800);
	cr_expect_eq(memcmp(p.data + 14, ip4, sizeof(ip4)), 0);
	cr_assert_eq(pcapsrc_next(s, &p), 1);
	cr_expect_eq(p.data[12] << 8 | p.data[13], 0x86dd);
	cr_expect_eq(p.wire_bytes, 54);
	cr_expect_eq(pcapsrc_next(s, &p), 0);
	pcapsrc_free(s);
}

Test(pcapsrc, sll_frame_shorter_than_its_header_is_kept_not_dropped)
{
	struct fpkt f = { .ts_ns = 3 };
	struct pcapsrc_pkt p;

	memset(f.data, 0, 10);
	f.caplen = 10;
	f.len = 10;
	write_pcap(tpath("short.pcap"), DLT_LINUX_SLL, 65535, &f, 1);
	p = read_one(tpath("short.pcap"), DLT_LINUX_SLL);
	cr_expect_eq(p.caplen, 14);
	cr_expect_eq(p.data[12] << 8 | p.data[13], 0);
}

Test(pcapsrc, unsupported_link_type_is_refused_by_name)
{
	char err[PCAPSRC_ERRLEN];

	write_pcap(tpath("wifi.pcap"), DLT_IEEE802_11, 65535, pkts, 3);
	errno = 0;
	cr_expect_null(pcapsrc_new(tpath("wifi.pcap"), err, sizeof(err)));
	cr_expect_eq(errno, EPROTONOSUPPORT);
	cr_expect_not_null(strstr(err, "unsupported link type"), "%s", err);
	cr_expect_not_null(strstr(err, "IEEE802_11"), "%s", err);
}

Test(pcapsrc, bundled_sll_capture_reads_every_packet_with_its_ethertype)
{
	const char *root = getenv("NADXDP_ROOT");
	char path[512], err[PCAPSRC_ERRLEN];
	struct pcapsrc_pkt p;
	struct pcapsrc *s;
	int n = 0, n_ip4 = 0, n_arp = 0, ret;

	snprintf(path, sizeof(path), "%s/tests/data/intrusion_log4shell_SLL.pcap",
		 root ? root : ".");
	s = pcapsrc_new(path, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(pcapsrc_linktype(s), DLT_LINUX_SLL);
	while ((ret = pcapsrc_next(s, &p)) == 1) {
		n++;
		if (p.data[12] == 0x08 && p.data[13] == 0x00 && (p.data[14] >> 4) == 4)
			n_ip4++;
		if (p.data[12] == 0x08 && p.data[13] == 0x06)
			n_arp++;
		cr_expect_geq(p.wire_bytes, p.caplen);
	}
	cr_expect_eq(ret, 0, "%s", pcapsrc_error(s));
	cr_expect_eq(n, 426, "capinfos counts 426 packets");
	/* tshark -T fields -e sll.etype: 422 x 0x0800, 4 x 0x0806 */
	cr_expect_eq(n_ip4, 422);
	cr_expect_eq(n_arp, 4);
	pcapsrc_free(s);
}
