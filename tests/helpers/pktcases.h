/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pktcases.h - the crafted packets of the parser and parity tests: one per
 * protocol path and one (at least) per malformed reason.
 */
#ifndef NAD_PKTCASES_H
#define NAD_PKTCASES_H

#include <stddef.h>
#include <stdint.h>

#include "helpers/pktbuild.h"

struct pkt_case {
	const char *name;
	void (*build)(struct pktb *b);
	uint8_t malformed; /* expected enum nad_malformed */
	uint32_t caplen;   /* 0: whole frame; else a capture cut to this many bytes */
};

extern const struct pkt_case pkt_cases[];
extern const size_t n_pkt_cases;

/* Looks a case up by name; NULL if there is none. */
const struct pkt_case *pkt_case_find(const char *name);

/* Source and destination used by the crafted packets. */
#define PKTC_SRC4 PKTB_IP4(198, 18, 0, 1)
#define PKTC_DST4 PKTB_IP4(198, 18, 0, 2)
extern const uint8_t pktc_src6[16];
extern const uint8_t pktc_dst6[16];

#endif /* NAD_PKTCASES_H */
