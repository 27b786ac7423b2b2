// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_packet.c - the shared packet parser (bpf/nad_parse.h) as userspace builds it.
 *
 * Input: u16 extra wire bytes, u16 capture cut (both little-endian), then the frame
 * (0-2,000 bytes). The frame is parsed whole with wire_bytes = its length + extra, and
 * cut to the first `cut` bytes with the same wire_bytes, as a capture's snapshot length
 * would cut it. Checked beyond the sanitizers: the record's own invariants, and that
 * cutting a frame never makes it malformed nor changes the reason it is malformed.
 */
#include <string.h>

#include "capture/packet.h"
#include "fuzz.h"

#define MAX_FRAME 2000

static void check_rec(const struct nad_rec *r, uint32_t caplen, uint32_t wire)
{
	FUZZ_CHECK(r->malformed < NAD_MAL_MAX, "reason %u", r->malformed);
	FUZZ_CHECK(!r->malformed == !(r->flags & NAD_F_MALFORMED), "reason %u flags %#x",
		   r->malformed, r->flags);
	FUZZ_CHECK(r->n_vlans <= 2, "%u tags", r->n_vlans);
	FUZZ_CHECK(r->wire_bytes == wire && r->weight == 1 && r->gso_segs == 1, "header fields");
	FUZZ_CHECK(r->hdr_bytes <= wire, "%u header bytes on a %u-byte frame", r->hdr_bytes, wire);
	FUZZ_CHECK(r->hdr_bytes + r->payload_bytes <= wire, "%u + %u bytes on a %u-byte frame",
		   r->hdr_bytes, r->payload_bytes, wire);
	FUZZ_CHECK(!(r->flags & NAD_F_IPV4) || !(r->flags & NAD_F_IPV6), "flags %#x", r->flags);
	if (r->flags & (NAD_F_IPV4 | NAD_F_IPV6))
		FUZZ_CHECK(r->l3_off == 14 + 4 * r->n_vlans && r->l3_off <= caplen,
			   "l3_off %u with %u tags, caplen %u", r->l3_off, r->n_vlans, caplen);
	if (r->flags & NAD_F_FRAG_LATER)
		FUZZ_CHECK(r->flags & NAD_F_FRAG, "flags %#x", r->flags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nad_rec whole, cut;
	uint32_t extra, k, n, wire;
	uint8_t *frame;

	if (size < 4)
		return 0;
	extra = (uint32_t)data[0] | (uint32_t)data[1] << 8;
	k = (uint32_t)data[2] | (uint32_t)data[3] << 8;
	n = (uint32_t)(size - 4 > MAX_FRAME ? MAX_FRAME : size - 4);
	if (k > n)
		k = n;
	wire = n + extra;
	/* A buffer of exactly the frame's length, so a read past it is a finding. */
	frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 4, n);
	packet_parse(n ? frame : NULL, n, wire, &whole);
	check_rec(&whole, n, wire);
	/* The cut frame, at the end of its own exact buffer. */
	memmove(frame + n - k, frame, k);
	packet_parse(k ? frame + n - k : NULL, k, wire, &cut);
	check_rec(&cut, k, wire);
	FUZZ_CHECK(!cut.malformed || cut.malformed == whole.malformed,
		   "cut at %u of %u bytes: reason %u, whole frame: %u", k, n, cut.malformed,
		   whole.malformed);
	free(frame);
	return 0;
}
