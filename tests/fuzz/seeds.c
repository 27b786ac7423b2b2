// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * seeds.c - writes the crafted inputs of the fuzz targets (`make fuzz-seeds`):
 * tests/fuzz/corpus/TARGET/seed-* (starting points) and regress-* (the inputs of issue 15's
 * findings, rebuilt from their description). Run from the repository's top directory; it
 * reads the captures in tests/data. Everything it writes is small (the largest file is
 * 8 KB) and the same on every run. Inputs the fuzzer found are kept in the same folders
 * as found-* and never touched here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "capture/packet.h"
#include "common/rng.h"
#include "common/ser.h"
#include "fuzz/fuzzrec.h"
#include "ml/modelset.h"
#include "helpers/modelimg.h"
#include "helpers/pktbuild.h"

static const char *root;
static int n_written;

static void die(const char *what)
{
	fprintf(stderr, "fuzz-seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(const char *target, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s%s", root, target,
		 strncmp(name, "regress-", 8) ? "seed-" : "", name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die(path);
	n_written++;
}

static void *slurp(const char *path, size_t *len)
{
	gzFile g = gzopen(path, "rb"); /* reads plain files as they are */
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	int k;

	if (!g || !buf)
		die(path);
	while ((k = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)k;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("realloc");
		}
	}
	gzclose(g);
	*len = n;
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void w32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- Captures ---------------------------------------------------------------------------- */

/* The first k packets of a little-endian microsecond pcap image (all of tests/data's). */
static size_t pcap_head(const uint8_t *img, size_t len, unsigned k)
{
	size_t off = 24;

	while (k-- && off + 16 <= len) {
		size_t cap = le32(img + off + 8);

		if (off + 16 + cap > len)
			break;
		off += 16 + cap;
	}
	return off;
}

static void put_gz(const char *target, const char *name, const void *buf, size_t len)
{
	uLongf zlen = compressBound(len) + 32;
	uint8_t *z = malloc(zlen);
	z_stream st = { 0 };

	if (!z || deflateInit2(&st, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY))
		die("deflate");
	st.next_in = (Bytef *)buf;
	st.avail_in = (uInt)len;
	st.next_out = z;
	st.avail_out = (uInt)zlen;
	if (deflate(&st, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	put(target, name, z, st.total_out);
	deflateEnd(&st);
	free(z);
}

/* The same packets as pcapng: a section header, one interface, enhanced packet blocks. */
static size_t to_pcapng(const uint8_t *img, size_t len, uint8_t *out)
{
	static const uint8_t shb[28] = { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0,    0,    0x4d, 0x3c,
					 0x2b, 0x1a, 1,	   0,	 0,  0, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 28, 0, 0,    0 };
	size_t o = 0, off = 24;

	memcpy(out, shb, sizeof(shb));
	o += sizeof(shb);
	w32(out + o, 1); /* interface description block */
	w32(out + o + 4, 20);
	w32(out + o + 8, le32(img + 20) & 0xffff); /* link type, reserved 0 */
	w32(out + o + 12, 65535);
	w32(out + o + 16, 20);
	o += 20;
	while (off + 16 <= len) {
		uint32_t cap = le32(img + off + 8), pad = (4 - cap % 4) % 4;
		uint64_t us = (uint64_t)le32(img + off) * 1000000 + le32(img + off + 4);

		w32(out + o, 6);
		w32(out + o + 4, 32 + cap + pad);
		w32(out + o + 8, 0);
		w32(out + o + 12, (uint32_t)(us >> 32));
		w32(out + o + 16, (uint32_t)us);
		w32(out + o + 20, cap);
		w32(out + o + 24, le32(img + off + 12));
		memcpy(out + o + 28, img + off + 16, cap);
		memset(out + o + 28 + cap, 0, pad);
		w32(out + o + 28 + cap + pad, 32 + cap + pad);
		o += 32 + cap + pad;
		off += 16 + cap;
	}
	return o;
}

static const char *const captures[] = {
	"bruteforce_ssh_zeek_sshguess.pcap",
	"intrusion_log4shell_SLL.pcap",
	"malformed_icmp_decoder_anomalies.pcap",
	"benign_dns_over_tls_android.pcap.gz",
	"benign_iot_nest.pcap.gz",
	"benign_web_ipv6_reddit.pcap.gz",
};

/* A frame for the packet target: extra wire bytes and the cut, then the frame. */
static void put_frame(const char *name, const uint8_t *frame, uint32_t len, uint16_t extra,
		      uint16_t cut)
{
	uint8_t buf[4 + 2000];

	if (len > 2000)
		len = 2000;
	buf[0] = (uint8_t)extra;
	buf[1] = (uint8_t)(extra >> 8);
	buf[2] = (uint8_t)cut;
	buf[3] = (uint8_t)(cut >> 8);
	memcpy(buf + 4, frame, len);
	put("packet", name, buf, 4 + len);
}

/* Frames of a capture whose records differ in shape (EtherType, protocol, flags, reason). */
static void frames_of(const char *file, const uint8_t *img, size_t len, unsigned max)
{
	uint32_t seen[64];
	unsigned n_seen = 0;
	size_t off = 24;

	while (off + 16 <= len && n_seen < max) {
		uint32_t cap = le32(img + off + 8), sig;
		struct nad_rec rec;
		unsigned i;

		if (off + 16 + cap > len || le32(img + 20) != 1)
			break; /* Ethernet captures only: the parser sees Ethernet frames */
		packet_parse(img + off + 16, cap, cap, &rec);
		sig = (uint32_t)rec.eth_proto << 16 ^ (uint32_t)rec.ip_proto << 8 ^ rec.malformed ^
		      (uint32_t)(rec.flags & 0x1ff) << 20;
		for (i = 0; i < n_seen && seen[i] != sig; i++)
			;
		if (i == n_seen) {
			char name[128];

			seen[n_seen++] = sig;
			snprintf(name, sizeof(name), "%.*s-%u", (int)(strchr(file, '.') - file),
				 file, n_seen);
			put_frame(name, img + off + 16, cap, 0, 0xffff);
		}
		off += 16 + cap;
	}
}

static void seed_captures(const char *data_dir)
{
	static uint8_t ng[1 << 16];

	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		char path[512], name[128];
		size_t len, head;
		uint8_t *img;
		int stem = (int)(strchr(captures[i], '.') - captures[i]);

		snprintf(path, sizeof(path), "%s/%s", data_dir, captures[i]);
		img = slurp(path, &len);
		frames_of(captures[i], img, len, 8);
		head = pcap_head(img, len, 4);
		snprintf(name, sizeof(name), "%.*s.pcap", stem, captures[i]);
		put("pcap", name, img, head);
		if (i % 2 == 0) {
			snprintf(name, sizeof(name), "%.*s.pcap.gz", stem, captures[i]);
			put_gz("pcap", name, img, head);
		}
		if (i % 3 == 0 && to_pcapng(img, head, ng) < sizeof(ng) / 2) {
			size_t n = to_pcapng(img, head, ng);

			snprintf(name, sizeof(name), "%.*s.pcapng", stem, captures[i]);
			put("pcap", name, ng, n);
			snprintf(name, sizeof(name), "%.*s.pcapng.gz", stem, captures[i]);
			put_gz("pcap", name, ng, n);
		}
		free(img);
	}
}

/* A pcap of crafted frames with a given link type (their Ethernet header cut off for raw
 * IP, replaced by a cooked header for SLL2); nanosecond magic for variety. */
static void seed_linktypes(void)
{
	static const uint32_t dlts[] = { 101, 228, 229, 276 };
	uint8_t img[4096];

	for (size_t k = 0; k < sizeof(dlts) / sizeof(dlts[0]); k++) {
		size_t o = 24;
		char name[64];

		memset(img, 0, 24);
		w32(img, 0xa1b23c4d);
		img[4] = 2;
		img[6] = 4;
		w32(img + 16, 65535);
		w32(img + 20, dlts[k]);
		for (int i = 0; i < 3; i++) {
			struct pktb b;
			uint32_t hl = dlts[k] == 276 ? 20 : 0, l3;

			pktb_init(&b);
			pktb_eth(&b, dlts[k] == 229 ? 0x86dd : 0x0800);
			if (dlts[k] == 229) {
				uint8_t a[16] = { 0x20, 1, 0xd, 0xb8 }, z[16] = { 0xfd };

				a[15] = (uint8_t)i;
				pktb_ip6(&b, 17, a, z);
				pktb_udp(&b, 5353, 5353);
			} else {
				pktb_ip4(&b, 6, PKTB_IP4(10, 0, 0, i), PKTB_IP4(10, 0, 0, 9), 0);
				pktb_tcp(&b, (uint16_t)(40000 + i), 80, 0x02, 0);
			}
			pktb_payload(&b, 16u * (uint32_t)i);
			pktb_finish(&b);
			l3 = b.len - 14;
			w32(img + o, 1700000000u + (uint32_t)i);
			w32(img + o + 4, 1000u * (uint32_t)i);
			w32(img + o + 8, hl + l3);
			w32(img + o + 12, hl + l3 + (i == 2 ? 100 : 0));
			memset(img + o + 16, 0, hl);
			if (hl) {
				img[o + 16] = 0x08; /* SLL2: protocol 0x0800, address length 6 */
				img[o + 16 + 11] = 6;
			}
			memcpy(img + o + 16 + hl, b.buf + 14, l3);
			o += 16 + hl + l3;
		}
		snprintf(name, sizeof(name), "linktype-%u-ns.pcap", dlts[k]);
		put("pcap", name, img, o);
	}
}

static void seed_frames(void)
{
	static const uint8_t a6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 1 };
	static const uint8_t b6[16] = { 0xfd, [15] = 2 };
	struct pktb b;

	pktb_init(&b); /* QinQ: two tags, TCP with options */
	pktb_eth(&b, 0x88a8);
	pktb_vlan(&b, 10, 0x8100);
	pktb_vlan(&b, 20, 0x0800);
	pktb_ip4(&b, 6, PKTB_IP4(192, 168, 1, 2), PKTB_IP4(192, 168, 1, 3), 8);
	pktb_tcp(&b, 1234, 443, 0x18, 12);
	pktb_payload(&b, 40);
	pktb_finish(&b);
	put_frame("qinq-tcp-options", b.buf, b.len, 0, 0xffff);
	put_frame("qinq-tcp-options-cut", b.buf, b.len, 0, 30);

	pktb_init(&b); /* IPv6 with every extension header kind, then UDP */
	pktb_eth(&b, 0x86dd);
	pktb_ip6(&b, 0, a6, b6);
	pktb_ip6_ext(&b, 0, 43, 8);
	pktb_ip6_ext(&b, 43, 60, 16);
	pktb_ip6_ext(&b, 60, 51, 8);
	pktb_ip6_ext(&b, 51, 44, 12);
	pktb_ip6_frag(&b, 17, 0, 0);
	pktb_udp(&b, 53, 5353);
	pktb_payload(&b, 20);
	pktb_finish(&b);
	put_frame("ipv6-extension-chain", b.buf, b.len, 0, 0xffff);

	pktb_init(&b); /* IPv4 first and later fragment */
	pktb_eth(&b, 0x0800);
	pktb_ip4(&b, 17, PKTB_IP4(203, 0, 113, 5), PKTB_IP4(192, 168, 1, 9), 0);
	pktb_ip4_frag(&b, 0, 1, 0);
	pktb_udp(&b, 4444, 53);
	pktb_payload(&b, 64);
	pktb_finish(&b);
	put_frame("ipv4-first-fragment", b.buf, b.len, 1000, 0xffff);
	pktb_ip4_frag(&b, 1480, 0, 0);
	put_frame("ipv4-later-fragment", b.buf, b.len, 0, 0xffff);

	pktb_init(&b);
	pktb_eth(&b, 0x86dd);
	pktb_ip6(&b, 58, a6, b6);
	pktb_icmp(&b, 128, 0, 77);
	pktb_finish(&b);
	put_frame("icmpv6-echo", b.buf, b.len, 0, 0xffff);

	pktb_init(&b);
	pktb_eth(&b, 0x0806);
	pktb_arp(&b, 1, PKTB_IP4(192, 168, 1, 1), PKTB_IP4(192, 168, 1, 77));
	put_frame("arp-who-has", b.buf, b.len, 18, 0xffff);

	pktb_init(&b); /* UDP whose length disagrees with the datagram */
	pktb_eth(&b, 0x0800);
	pktb_ip4(&b, 17, PKTB_IP4(10, 1, 1, 1), PKTB_IP4(10, 1, 1, 2), 0);
	pktb_udp(&b, 1, 9);
	pktb_payload(&b, 10);
	pktb_put16(&b, b.l4 + 4, 200);
	pktb_finish(&b);
	put_frame("udp-length-mismatch", b.buf, b.len, 0, 0xffff);
	put_frame("empty", b.buf, 0, 60, 0);
}

/* ---- Models ------------------------------------------------------------------------------ */

static void seed_models(void)
{
	static const char *const names[3] = { "packet_size", "dst_port", "interval" };
	float X[200 * 3];
	struct modelset_opts o;
	struct modelset *m;
	struct rng r;
	uLongf plen;
	size_t len;
	void *img;
	uint8_t *payload;

	rng_seed(&r, 1);
	for (size_t i = 0; i < 200 * 3; i++)
		X[i] = (float)rng_below(&r, 1500) + rng_float(&r);
	modelset_opts_default(&o);
	o.ae.n_hidden = 2;
	o.ae.hidden[0] = 4;
	o.ae.hidden[1] = 2;
	o.ae.epochs = 2;
	o.forest.n_trees = 3;
	o.forest.max_samples = 8;
	o.trained_unix_s = 1700000000;
	m = modelset_train(X, 200, 3, names, &o, NULL, NULL);
	if (!m || modelset_save_mem(m, &img, &len))
		die("tiny model");
	put("model", "tiny.model", img, len);
	plen = le32((uint8_t *)img + 16);
	payload = malloc(plen);
	if (!payload || uncompress(payload, &plen, (uint8_t *)img + 40, (uLong)(len - 40)) != Z_OK)
		die("uncompress");
	put("model_payload", "tiny.payload", payload, plen);
	free(payload);
	free(img);
	modelset_free(m);
}

/* Issue 15: the payload up to an autoencoder of one feature and 16 hidden layers of 1024,
 * whose weights are missing (~126 MB were allocated before that was noticed). */
static void seed_model_regressions(void)
{
	static const char zeros[64];
	struct ser_writer w;
	size_t len;
	void *img;

	ser_writer_init(&w);
	ser_put_u32(&w, 1);
	ser_put_str(&w, "x");
	for (int i = 0; i < 4; i++)
		ser_put_u64(&w, 1);
	for (int i = 0; i < 2; i++)
		ser_put_u32(&w, 1);
	for (int i = 0; i < 6; i++)
		ser_put_f32(&w, 1);
	ser_put_f64(&w, 1);
	ser_put_u32(&w, 1);
	ser_put_u32(&w, 1);
	ser_put_f32(&w, 0);
	ser_put_f32(&w, 1);
	ser_put_f32(&w, 0);
	ser_put_u32(&w, 1);
	ser_put_u32(&w, 16);
	for (int i = 0; i < 16; i++)
		ser_put_u32(&w, 1024);
	if (w.err || modelimg_wrap(w.buf, w.len, w.len, 9, &img, &len))
		die("regression payload");
	put("model_payload", "regress-autoenc-widths", w.buf, w.len);
	put("model", "regress-autoenc-widths", img, len);
	free(img);
	ser_writer_release(&w);
	/* A header claiming 1 GiB of payload for 64 compressed zeros (checksums right). */
	if (modelimg_wrap(zeros, sizeof(zeros), (uint64_t)1 << 30, 9, &img, &len))
		die("regression image");
	put("model", "regress-payload-1gib", img, len);
	free(img);
}

/* ---- CSV --------------------------------------------------------------------------------- */

static void put_text(const char *target, const char *name, const char *text)
{
	put(target, name, text, strlen(text));
}

static void seed_csv(void)
{
	put_text("csv", "basic.csv", "packet_size,dst_port,interval\n60,443,0.001\n1514,80,2.5\n");
	put_text("csv", "crlf-blank-lines.csv", "a, b ,c\r\n1,2.5,-3e2\r\n\r\n 4 ,0x10,6\r\n");
	put_text("csv", "hex-denormal-negative-zero.csv", "x,y\n0x1p-149,-0\n1e-45,3.4e38\n");
	put_text("csv", "nan.csv", "x,y\n1,nan\n");
	put_text("csv", "quoted.csv", "\"x\",y\n1,2\n");
	put_text("csv", "ragged.csv", "x,y\n1,2,3\n4\n");
	put_text("csv", "header-only.csv", "only\n");
	/* Issue 15: a header of one column named "\r", which csv_write could not write back. */
	put_text("csv", "regress-cr-header", "\r\r\n");
	put_text("csv", "regress-cr-cells", "\ra\r,b\r\r\n1\r,\r2\r\r\n");
}

/* Tables to train on: at least MODELSET_MIN_ROWS rows. */
static void seed_train(void)
{
	static char text[8192];
	struct rng r;
	size_t o;

	rng_seed(&r, 2);
	o = (size_t)snprintf(text, sizeof(text), "packet_size,dst_port,interval,protocol\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%u,%u,%.4f,%u\n",
				      (unsigned)(60 + rng_below(&r, 1400)),
				      rng_below(&r, 2) ? 443 : 53, rng_float(&r),
				      rng_below(&r, 2) ? 6 : 17);
	put_text("train", "four-columns.csv", text);
	o = (size_t)snprintf(text, sizeof(text), "a,b\n");
	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%d,7\n", i % 3);
	put_text("train", "constant-column.csv", text);
	o = (size_t)snprintf(text, sizeof(text), "a,b,c\n");
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%d,%s,%d\n", i % 4,
				      i % 5 ? "1" : "1e19", i);
	put_text("train", "values-near-1e19.csv", text);
	/* Issue 15: finite values near FLT_MAX gave a model made of uninitialised memory. */
	o = (size_t)snprintf(text, sizeof(text), "a,b,c\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%d,%s,%d\n", i % 4,
				      i % 7 ? "1" : (i % 2 ? "3e38" : "-3e38"), i % 3);
	put_text("train", "regress-values-near-3e38.csv", text);
}

/* ---- Record streams ---------------------------------------------------------------------- */

struct stream {
	uint8_t buf[16384];
	size_t n;
};

static void pkt(struct stream *s, uint8_t dt, uint16_t src, uint16_t dst, uint8_t shape,
		uint16_t sport, uint16_t dport, uint8_t flags, uint8_t size)
{
	struct fuzzrec_pkt p = { dt, src, dst, shape, sport, dport, flags, size, 0 };

	if (s->n + FUZZREC_PKT_BYTES <= sizeof(s->buf))
		s->n += fuzzrec_put_pkt(s->buf + s->n, &p);
}

static void tick(struct stream *s, uint8_t secs)
{
	if (s->n + 2 <= sizeof(s->buf)) {
		s->buf[s->n++] = 0xf1;
		s->buf[s->n++] = secs;
	}
}

#define LAN(n) ((uint16_t)(0x0000 | (n)))
#define WAN(n) ((uint16_t)(0x4000 | (n)))
#define V6(n) ((uint16_t)(0x8000 | (n)))

/* Benign: web, DNS and a periodic IoT sensor, with replies, over about 20 s. */
static void benign(struct stream *s, struct rng *r, int n)
{
	for (int i = 0; i < n; i++) {
		uint16_t host = LAN(2 + rng_below(r, 5)), port = (uint16_t)(40000 + i % 200);

		switch (rng_below(r, 4)) {
		case 0:
			pkt(s, 0xa0 | 20, host, WAN(10), 0x08, port, 443, 0x18, 20);
			pkt(s, 0x80 | 5, WAN(10), host, 0x08, 443, port, 0x10, 150);
			break;
		case 1:
			pkt(s, 0xa0 | 10, host, LAN(1), 1, port, 53, 0, 4);
			pkt(s, 0x60 | 2, LAN(1), host, 1, 53, port, 0, 12);
			break;
		case 2:
			pkt(s, 0xc0 | 3, LAN(40), WAN(20), 0, 50000, 1883, 0x18, 2);
			break;
		default:
			pkt(s, 0xa0 | 8, V6(3), V6(4), 0x10, port, 443, 0x18, 30);
			break;
		}
	}
}

static void seed_engine(void)
{
	struct stream s;
	struct rng r;

	rng_seed(&r, 3);
	s.n = 0;
	s.buf[s.n++] = 0; /* options: inferred profile, no summaries */
	benign(&s, &r, 300);
	put("engine", "benign", s.buf, s.n);

	s.n = 0;
	s.buf[s.n++] = 9; /* summaries */
	benign(&s, &r, 100);
	for (int i = 0; i < 600; i++) /* SYN flood, 10 us apart */
		pkt(&s, 10, WAN(99), LAN(10), 0, (uint16_t)(1024 + i), 80, 0x02, 0);
	tick(&s, 40);
	benign(&s, &r, 50);
	put("engine", "syn-flood", s.buf, s.n);

	s.n = 0;
	s.buf[s.n++] = 2; /* home profile */
	benign(&s, &r, 80);
	for (int i = 0; i < 400; i++) /* port scan, then a sweep of hosts */
		pkt(&s, 0x20 | 4, WAN(66), i < 300 ? LAN(10) : LAN(i - 290), 0, 55555,
		    (uint16_t)(i < 300 ? 1 + i : 22), 0x02, 0);
	put("engine", "port-scan-and-sweep", s.buf, s.n);

	s.n = 0;
	s.buf[s.n++] = 6; /* enterprise */
	for (int i = 0; i < 600; i++) /* random sources: UDP flood on one destination */
		pkt(&s, 20, WAN((uint16_t)rng_below(&r, 0x3fff)), LAN(10), 1,
		    (uint16_t)rng_below(&r, 65536), 53, 0, 8);
	tick(&s, 15);
	for (int i = 0; i < 200; i++) /* ICMP echo flood */
		pkt(&s, 30, WAN(7), LAN(11), 2, 0x0800, (uint16_t)i, 8, 7);
	put("engine", "random-source-flood", s.buf, s.n);

	s.n = 0;
	s.buf[s.n++] = 4; /* small office */
	benign(&s, &r, 60);
	for (int c = 0; c < 12; c++) { /* SSH guessing: a connection every 2 s */
		uint16_t port = (uint16_t)(50000 + c);

		pkt(&s, 0xe0 | 1, WAN(50), LAN(22), 0, port, 22, 0x02, 0);
		pkt(&s, 0x80 | 1, LAN(22), WAN(50), 0, 22, port, 0x12, 0);
		for (int k = 0; k < 6; k++) {
			pkt(&s, 0x80 | 30, WAN(50), LAN(22), 0x08, port, 22, 0x18, 10);
			pkt(&s, 0x80 | 30, LAN(22), WAN(50), 0x08, 22, port, 0x18, 6);
		}
		pkt(&s, 0x80 | 5, LAN(22), WAN(50), 0, 22, port, 0x11, 0);
	}
	for (int i = 0; i < 40; i++) /* ARP sweep and odd shapes */
		pkt(&s, 0x40 | 1, LAN(5), LAN(100 + i), (uint8_t)(4 + (i % 4)), 1, 0, 47, 3);
	put("engine", "ssh-guessing-arp-sweep-fragments", s.buf, s.n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds CORPUS_DIR (run from the repository)\n");
		return 2;
	}
	root = argv[1];
	seed_captures("tests/data");
	seed_linktypes();
	seed_frames();
	seed_models();
	seed_model_regressions();
	seed_csv();
	seed_train();
	seed_engine();
	printf("fuzz-seeds: %d files in %s\n", n_written, root);
	return 0;
}
