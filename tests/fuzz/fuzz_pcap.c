// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_pcap.c - the capture reader (capture/pcapsrc.c) on pcap, pcapng and gzip input.
 *
 * Input: a capture file, as is. It is read through a memfd (pcapsrc opens a path: this
 * one is /proc/self/fd/N), every packet to the end or the first error, and each frame goes
 * through the packet parser as the offline path does. An input that is not gzip is read a
 * second time gzip-compressed, so the fuzzer's pcap and pcapng mutations also run through
 * the gzip reader. Checked: the packet contract of pcapsrc.h (caplen <= wire_bytes, data
 * present), a one-line error after a failure, and that both readings agree.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "capture/packet.h"
#include "capture/pcapsrc.h"
#include "fuzz.h"

/* Packets read per input at most: the longest useful walk, and no timeouts. */
#define MAX_PKTS 5000

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void put(const void *buf, size_t len)
{
	if (ftruncate(fd, 0) || pwrite(fd, buf, len, 0) != (ssize_t)len) {
		perror("memfd");
		abort();
	}
}

struct walk {
	int opened, end; /* end: 0 clean, < 0 error */
	uint64_t n_pkts, bytes;
};

static void walk(struct walk *w)
{
	char err[PCAPSRC_ERRLEN] = "";
	struct pcapsrc_pkt pkt;
	struct pcapsrc *s;
	int ret = 0;

	memset(w, 0, sizeof(*w));
	s = pcapsrc_new(path, err, sizeof(err));
	if (!s) {
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error '%s'", err);
		FUZZ_CHECK(errno != 0, "no errno");
		return;
	}
	w->opened = 1;
	while (w->n_pkts < MAX_PKTS && (ret = pcapsrc_next(s, &pkt)) == 1) {
		struct nad_rec rec;

		FUZZ_CHECK(pkt.caplen <= pkt.wire_bytes, "caplen %u > wire %u", pkt.caplen,
			   pkt.wire_bytes);
		FUZZ_CHECK(pkt.data || !pkt.caplen, "no data for %u bytes", pkt.caplen);
		packet_parse(pkt.data, pkt.caplen, pkt.wire_bytes, &rec);
		w->n_pkts++;
		w->bytes += pkt.caplen;
	}
	w->end = ret < 0 ? ret : 0;
	if (ret < 0) {
		const char *e = pcapsrc_error(s);

		FUZZ_CHECK(ret == -EIO || ret == -EBADMSG, "pcapsrc_next returned %d", ret);
		FUZZ_CHECK(e[0] && !strchr(e, '\n'), "error '%s'", e);
	}
	FUZZ_CHECK(pcapsrc_n_packets(s) == w->n_pkts, "%llu packets counted, %llu read",
		   (unsigned long long)pcapsrc_n_packets(s), (unsigned long long)w->n_pkts);
	pcapsrc_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk plain, gz;
	uLongf zlen;
	uint8_t *z;
	z_stream st;

	put(data, size);
	walk(&plain);
	if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
		/* The same bytes as a gzip file (deflate with a gzip wrapper). */
		memset(&st, 0, sizeof(st));
		zlen = compressBound(size) + 32;
		z = malloc(zlen);
		if (!z || deflateInit2(&st, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY)) {
			free(z);
			return 0;
		}
		st.next_in = (Bytef *)data;
		st.avail_in = (uInt)size;
		st.next_out = z;
		st.avail_out = (uInt)zlen;
		FUZZ_CHECK(deflate(&st, Z_FINISH) == Z_STREAM_END, "deflate");
		put(z, st.total_out);
		deflateEnd(&st);
		free(z);
		if (size == 0)
			return 0; /* an empty file and an empty gzip stream differ, rightly */
		walk(&gz);
		FUZZ_CHECK(plain.opened == gz.opened && plain.n_pkts == gz.n_pkts &&
				   plain.bytes == gz.bytes && !plain.end == !gz.end,
			   "plain: opened %d, %llu packets, end %d; gzip: opened %d, %llu packets, "
			   "end %d",
			   plain.opened, (unsigned long long)plain.n_pkts, plain.end, gz.opened,
			   (unsigned long long)gz.n_pkts, gz.end);
	}
	return 0;
}
