/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nad_parse.h - the one packet parser, compiled into the BPF programs and into
 * userspace, so a packet gives the same record live and offline.
 *
 * PLACEHOLDER: only the contract is final; the parser lands with the pipeline.
 *
 * Contract:
 *   nad_parse(data, data_end, wire_bytes, rec)
 *   [data, data_end) holds the first bytes of a frame of wire_bytes bytes on
 *   the wire (equal in XDP/TC; a capture's snapshot length may cut it short
 *   offline, which is not a malformation). Fills every field of rec that
 *   comes from the headers; the caller sets ts_ns, weight, dir and, for GSO,
 *   wire_bytes/gso_segs. Never fails: malformed packets get rec->malformed and
 *   NAD_F_MALFORMED, with what was parsed up to the fault.
 */
#ifndef NAD_PARSE_H
#define NAD_PARSE_H

#include "nad_abi.h"

#ifndef __bpf__
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

static __always_inline void nad_parse(const void *data, const void *data_end, __u32 wire_bytes,
				      struct nad_rec *rec)
{
	rec->wire_bytes = wire_bytes;
	rec->gso_segs = 1;
}

#endif /* NAD_PARSE_H */
