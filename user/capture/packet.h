/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/packet.h - the shared parser (bpf/nad_parse.h) for userspace callers.
 *
 * The offline reader and the tests call packet_parse(); the BPF programs
 * include nad_parse.h directly. Both run the same code.
 */
#ifndef NAD_PACKET_H
#define NAD_PACKET_H

#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

/*
 * Parses the first caplen bytes of a frame of wire_bytes bytes on the wire
 * (caplen < wire_bytes when a capture's snapshot length cut it; that alone is
 * not malformed) into rec. Zeroes rec first, then fills every field that
 * comes from the headers, and sets weight = 1, gso_segs = 1, dir = NAD_DIR_IN;
 * the caller sets ts_ns and, if it knows better, dir. Never fails: malformed
 * packets get rec->malformed != 0 and NAD_F_MALFORMED. buf may be NULL when
 * caplen is 0.
 */
void packet_parse(const uint8_t *buf, uint32_t caplen, uint32_t wire_bytes, struct nad_rec *rec);

#endif /* NAD_PACKET_H */
