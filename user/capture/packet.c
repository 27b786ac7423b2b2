// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/packet.c - compiles the one parser (bpf/nad_parse.h) into userspace.
 */
#include <string.h>

#include "capture/packet.h"
#include "nad_parse.h"

void packet_parse(const uint8_t *buf, uint32_t caplen, uint32_t wire_bytes, struct nad_rec *rec)
{
	static const uint8_t empty[1];
	const uint8_t *p = buf ? buf : empty;

	memset(rec, 0, sizeof(*rec));
	if (!buf)
		caplen = 0;
	nad_parse(p, p + caplen, wire_bytes, rec);
	rec->weight = 1;
	rec->dir = NAD_DIR_IN;
}
