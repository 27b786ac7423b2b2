/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * recstream.h - builds streams of struct nad_rec for the engine tests.
 */
#ifndef NAD_RECSTREAM_H
#define NAD_RECSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

struct recstream {
	struct nad_rec *recs;
	size_t n, cap;
	uint64_t t_ns; /* time of the next record */
};

void rs_init(struct recstream *s, uint64_t t0_ns);
void rs_free(struct recstream *s);

/*
 * Appends one IPv4 record src -> dst ("a.b.c.d") gap_ns after the previous one.
 * proto 6/17/1; flags = TCP flags; payload bytes. Returns the record (to adjust).
 */
struct nad_rec *rs_add(struct recstream *s, uint64_t gap_ns, const char *src, const char *dst,
		       uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags,
		       uint16_t payload);

/* Mixes b into a by time (both sorted); result in a. */
void rs_merge(struct recstream *a, const struct recstream *b);

/* Benign web/DNS traffic of n_clients clients to a few servers for secs seconds. */
void rs_benign(struct recstream *s, unsigned n_clients, double secs, uint32_t seed);

#endif
