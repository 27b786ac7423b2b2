/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzzrec.h - record streams decoded from fuzz input, for the stateful targets.
 *
 * The input is a sequence of operations. Records are never taken as raw bytes: each is
 * the parser's record of a frame, built from a compact description or given whole, so a
 * stream holds only what an attacker's packets can produce (plus the ring's weight, GSO
 * and direction fields, which the kernel sets). The clock starts at FUZZREC_T0 and only
 * moves forward, except where an operation says records arrive late.
 *
 * Operations (first byte o):
 *   o < 0xf0  a packet, FUZZREC_PKT_BYTES bytes with o:
 *             o       time step: (o & 31) << (3 * (o >> 5)) us, 0 .. 31 s
 *             src u16, dst u16 (little-endian) an address: bits 15-14 the kind (0 private
 *                     IPv4 192.168.x.y, 1 public IPv4 203.0.x.y, 2 public IPv6
 *                     2001:db8::n, 3 private IPv6 fd00::n), bits 13-0 the host n
 *             shape   bits 0-2: 0 TCP, 1 UDP, 2 ICMP/ICMPv6, 3 another IP protocol
 *                     (the flags byte is its number), 4 ARP (sport's low bits the
 *                     opcode), 5 TCP with 12 option bytes behind a VLAN tag (dport's
 *                     low bits the VLAN id), 6 a first fragment (UDP), 7 a later fragment
 *                     (offset from flags); bits 3-7: payload, 64-byte units
 *             sport u16, dport u16 (little-endian)
 *             flags   TCP flags, ICMP type, or IP protocol number
 *             size    payload bytes += size * 8 (the payload at most 3,000)
 *             meta    bit 0 egress (NAD_DIR_OUT), bits 1-3 weight 1 << n, bit 4 GSO
 *                     (gso_segs 2 + (meta >> 5), wire_bytes multiplied)
 *   0xf0      a raw frame: u16 length (little-endian, at most 2,000), meta, the frame
 *             (cut to what is left of the input)
 *   0xf1      time passes without records: one byte of seconds (1-256), then an engine tick
 *   0xf2      the next records arrive late: u16 milliseconds the clock steps back
 *   0xf3-0xff a packet, as o & 0xdf (so every byte starts some operation)
 * A truncated last operation is dropped.
 */
#ifndef NAD_FUZZREC_H
#define NAD_FUZZREC_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

#define FUZZREC_T0 1700000000000000000ull
#define FUZZREC_PKT_BYTES 13

enum fuzzrec_kind {
	FUZZREC_RECORD,
	FUZZREC_TICK,
};

struct fuzzrec_op {
	enum fuzzrec_kind kind;
	struct nad_rec rec; /* FUZZREC_RECORD */
	uint64_t now_ns; /* FUZZREC_TICK */
};

struct fuzzrec_reader {
	const uint8_t *p, *end;
	uint64_t now_ns;
};

void fuzzrec_init(struct fuzzrec_reader *r, const uint8_t *data, size_t size);
/* Decodes the next operation into op. Returns 1, or 0 at the end of the input. */
int fuzzrec_next(struct fuzzrec_reader *r, struct fuzzrec_op *op);

/* For seed files: writes one packet operation (FUZZREC_PKT_BYTES bytes) to out. */
struct fuzzrec_pkt {
	uint8_t dt; /* the time step byte, < 0xf0 */
	uint16_t src, dst;
	uint8_t shape;
	uint16_t sport, dport;
	uint8_t flags, size, meta;
};
size_t fuzzrec_put_pkt(uint8_t *out, const struct fuzzrec_pkt *p);

#endif /* NAD_FUZZREC_H */
