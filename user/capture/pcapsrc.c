// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/pcapsrc.c - capture files through libpcap, gzip through zlib.
 *
 * libpcap reads a FILE *; for a gzip file that FILE is a fopencookie stream
 * whose read callback is gzread(), so the capture is decompressed as libpcap
 * consumes it. zlib's own error is kept beside the stream: libpcap only sees
 * a short read, and "truncated dump file" would hide "incorrect data check".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "capture/pcapsrc.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define ETH_HLEN_ 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
/* Frames bigger than this (after conversion) are cut to it; caplen says so. */
#define CONV_BUF_BYTES (256 * 1024)

struct gzcookie {
	gzFile gz;
	char err[160]; /* zlib's message for a bad or truncated stream, "" if none */
};

struct pcapsrc {
	pcap_t *pcap;
	struct gzcookie *gzc; /* owned by the cookie FILE, which pcap_close() closes */
	int dlt;
	bool gzip;
	uint64_t n_packets;
	uint8_t *conv; /* Ethernet view of non-Ethernet frames, allocated once */
	char path[256];
	char err[PCAPSRC_ERRLEN];
};

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
	struct gzcookie *c = cookie;
	int n, zerr;

	if (size > INT_MAX)
		size = INT_MAX;
	n = gzread(c->gz, buf, (unsigned int)size);
	if (n < 0) {
		const char *msg = gzerror(c->gz, &zerr);

		snprintf(c->err, sizeof(c->err), "%s", zerr == Z_ERRNO ? strerror(errno) : msg);
		errno = EIO;
		return -1;
	}
	if ((size_t)n < size && !c->err[0]) {
		/* End of input: Z_BUF_ERROR means it ended inside a gzip stream. */
		gzerror(c->gz, &zerr);
		if (zerr == Z_BUF_ERROR)
			snprintf(c->err, sizeof(c->err),
				 "gzip stream truncated (unexpected end of file)");
	}
	return n;
}

static int gz_close(void *cookie)
{
	struct gzcookie *c = cookie;
	int ret = gzclose(c->gz) == Z_OK ? 0 : -1;

	free(c);
	return ret;
}

/* Takes fd (closes it on failure). */
static FILE *gz_fopen(int fd, struct gzcookie **out)
{
	static const cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
	struct gzcookie *c = calloc(1, sizeof(*c));
	FILE *f = NULL;

	if (!c)
		goto fail;
	c->gz = gzdopen(fd, "rb");
	if (!c->gz)
		goto fail;
	fd = -1; /* gzclose closes it from now on */
	gzbuffer(c->gz, 128 * 1024);
	f = fopencookie(c, "r", io);
	if (!f)
		goto fail;
	*out = c;
	return f;
fail:
	if (c && c->gz)
		gzclose(c->gz);
	free(c);
	if (fd >= 0)
		close(fd);
	if (!errno)
		errno = ENOMEM;
	return NULL;
}

static bool dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

static void set_gz_or_pcap_err(struct pcapsrc *s, const char *pcap_msg)
{
	if (s->gzc && s->gzc->err[0])
		snprintf(s->err, sizeof(s->err), "%s: corrupt gzip data: %s", s->path, s->gzc->err);
	else
		snprintf(s->err, sizeof(s->err), "%s: %s", s->path, pcap_msg);
}

struct pcapsrc *pcapsrc_new(const char *path, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	uint8_t magic[2];
	struct pcapsrc *s;
	FILE *f = NULL;
	ssize_t n;
	int fd = -1, saved;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		snprintf(s->err, sizeof(s->err), "cannot open %s: %s", path, strerror(saved));
		goto fail;
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0) {
		saved = errno;
		snprintf(s->err, sizeof(s->err), "cannot read %s: %s", path, strerror(saved));
		goto fail;
	}
	if (n == 0) {
		saved = EINVAL;
		snprintf(s->err, sizeof(s->err), "%s: empty file, not a capture", path);
		goto fail;
	}
	s->gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	if (s->gzip) {
		f = gz_fopen(fd, &s->gzc);
		fd = -1;
	} else {
		f = fdopen(fd, "rb");
		if (f)
			fd = -1;
	}
	if (!f) {
		saved = errno;
		snprintf(s->err, sizeof(s->err), "cannot read %s: %s", path, strerror(saved));
		goto fail;
	}

	/* On success pcap_close() closes f; on failure it is still ours. */
	s->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (s->pcap)
		f = NULL;
	if (!s->pcap) {
		saved = s->gzc && s->gzc->err[0] ? EBADMSG : EINVAL;
		if (s->gzc && s->gzc->err[0])
			set_gz_or_pcap_err(s, "");
		else if (strstr(pcap_err, "unknown file format") ||
			 strstr(pcap_err, "truncated dump file"))
			snprintf(s->err, sizeof(s->err), "%s: not a pcap or pcapng capture (%s)",
				 path, pcap_err);
		else
			snprintf(s->err, sizeof(s->err), "%s: %s", path, pcap_err);
		goto fail;
	}
	s->dlt = pcap_datalink(s->pcap);
	if (!dlt_supported(s->dlt)) {
		const char *name = pcap_datalink_val_to_name(s->dlt);

		saved = EPROTONOSUPPORT;
		snprintf(
			s->err, sizeof(s->err),
			"%s: unsupported link type %d (%s): only Ethernet, Linux cooked (SLL, SLL2) and raw IP",
			path, s->dlt, name ? name : "unknown");
		goto fail;
	}
	if (s->dlt != DLT_EN10MB) {
		s->conv = malloc(CONV_BUF_BYTES);
		if (!s->conv) {
			saved = ENOMEM;
			snprintf(s->err, sizeof(s->err), "%s: %s", path, strerror(saved));
			goto fail;
		}
	}
	return s;

fail:
	snprintf(err, errlen, "%s", s->err);
	if (f)
		fclose(f); /* frees the gzip cookie too */
	else if (fd >= 0)
		close(fd);
	if (!s->pcap)
		s->gzc = NULL;
	pcapsrc_free(s);
	errno = saved;
	return NULL;
}

void pcapsrc_free(struct pcapsrc *s)
{
	if (!s)
		return;
	if (s->pcap)
		pcap_close(s->pcap); /* closes the FILE, and with it the gzip cookie */
	free(s->conv);
	free(s);
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Writes a 14-byte Ethernet header (dst zero, src = the first six bytes of
 * lladdr when it has six, EtherType proto) and the l3 bytes after it.
 */
static uint32_t to_ether(uint8_t *out, const uint8_t *lladdr, unsigned int lladdr_len,
			 uint16_t proto, const uint8_t *l3, uint32_t l3_len)
{
	memset(out, 0, 12);
	if (lladdr && lladdr_len == 6)
		memcpy(out + 6, lladdr, 6);
	out[12] = proto >> 8;
	out[13] = proto & 0xff;
	if (l3_len > CONV_BUF_BYTES - ETH_HLEN_)
		l3_len = CONV_BUF_BYTES - ETH_HLEN_;
	memcpy(out + ETH_HLEN_, l3, l3_len);
	return ETH_HLEN_ + l3_len;
}

static uint16_t ip_ethertype(const uint8_t *l3, uint32_t len, int dlt)
{
	if (dlt == DLT_IPV4)
		return 0x0800;
	if (dlt == DLT_IPV6)
		return 0x86dd;
	/* DLT_RAW: the version nibble decides; anything else is left to the parser. */
	if (len >= 1 && (l3[0] >> 4) == 6)
		return 0x86dd;
	return 0x0800;
}

static uint32_t sub_clamp(uint32_t a, uint32_t b)
{
	return a > b ? a - b : 0;
}

/*
 * Converts the frame in place of pkt to its Ethernet view. A frame too short
 * to hold its link header becomes a bare 14-byte header with EtherType 0 and
 * nothing else, which the parser records as a frame it cannot read further.
 */
static void convert(struct pcapsrc *s, const uint8_t *data, uint32_t caplen, uint32_t len,
		    struct pcapsrc_pkt *pkt)
{
	uint32_t hl = 0;

	switch (s->dlt) {
	case DLT_LINUX_SLL:
		hl = SLL_HLEN;
		if (caplen >= SLL_HLEN) {
			unsigned int alen = get_be16(data + 4);
			pkt->caplen = to_ether(s->conv, data + 6, alen, get_be16(data + 14),
					       data + SLL_HLEN, caplen - SLL_HLEN);
		}
		break;
	case DLT_LINUX_SLL2:
		hl = SLL2_HLEN;
		if (caplen >= SLL2_HLEN)
			pkt->caplen = to_ether(s->conv, data + 12, data[11], get_be16(data),
					       data + SLL2_HLEN, caplen - SLL2_HLEN);
		break;
	default: /* raw IP */
		pkt->caplen = to_ether(s->conv, NULL, 0, ip_ethertype(data, caplen, s->dlt), data,
				       caplen);
		break;
	}
	if (caplen < hl)
		pkt->caplen = to_ether(s->conv, NULL, 0, 0, data, 0);
	pkt->data = s->conv;
	pkt->wire_bytes = sub_clamp(len, hl) + ETH_HLEN_;
	if (pkt->wire_bytes < pkt->caplen)
		pkt->wire_bytes = pkt->caplen;
}

int pcapsrc_next(struct pcapsrc *s, struct pcapsrc_pkt *pkt)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int ret;

	ret = pcap_next_ex(s->pcap, &hdr, &data);
	if (ret == PCAP_ERROR_BREAK) {
		/* End of file; a gzip stream that ended early also ends here. */
		if (s->gzc && s->gzc->err[0]) {
			set_gz_or_pcap_err(s, "");
			return -EBADMSG;
		}
		return 0;
	}
	if (ret != 1) {
		set_gz_or_pcap_err(s, pcap_geterr(s->pcap));
		return s->gzc && s->gzc->err[0] ? -EBADMSG : -EIO;
	}

	pkt->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ull + (uint64_t)hdr->ts.tv_usec;
	if (s->dlt == DLT_EN10MB) {
		pkt->data = data;
		pkt->caplen = hdr->caplen;
		/* A frame is never shorter on the wire than what was captured of it. */
		pkt->wire_bytes = hdr->len > hdr->caplen ? hdr->len : hdr->caplen;
	} else {
		convert(s, data, hdr->caplen, hdr->len, pkt);
	}
	s->n_packets++;
	return 1;
}

const char *pcapsrc_error(const struct pcapsrc *s)
{
	return s->err;
}

int pcapsrc_linktype(const struct pcapsrc *s)
{
	return s->dlt;
}

bool pcapsrc_is_gzip(const struct pcapsrc *s)
{
	return s->gzip;
}

uint64_t pcapsrc_n_packets(const struct pcapsrc *s)
{
	return s->n_packets;
}
