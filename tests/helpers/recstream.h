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

/* xorshift32: the next pseudo-random number of the state *st (not 0). */
uint32_t rs_xorshift(uint32_t *st);

/* Benign web/DNS traffic of n_clients clients to a few servers for secs seconds. */
void rs_benign(struct recstream *s, unsigned n_clients, double secs, uint32_t seed);

/*
 * Attacks that cross batch boundaries, appended from s->t_ns: a SYN scan of 20 closed ports
 * of 192.168.1.10 (each reset) by 203.0.113.66, then payload to its port 445 (an intrusion after a scan)
 * and 5 s later a bare ACK to port 80; a spoofed SYN flood from 20,000 sources to
 * 192.168.1.11:25565 (overflows the engine's source table); 20 large DNS queries from
 * 192.168.1.12 (a tunnel).
 */
void rs_attacks(struct recstream *s);
/* The first of rs_attacks' alerts whose evidence text is not in log, or NULL if all are. */
const char *rs_attacks_missing(const char *log);

#endif
