/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/pcapsrc.h - packets out of a capture file: pcap, pcapng, either one
 * gzip-compressed. The gzip stream is decompressed on the fly (zlib behind a
 * fopencookie FILE handed to libpcap): no temporary file, no whole-file buffer.
 *
 * Link types: Ethernet (DLT_EN10MB) is passed through. Linux cooked captures
 * (DLT_LINUX_SLL, DLT_LINUX_SLL2) and raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6) are
 * shown as the equivalent Ethernet frame: a synthesized 14-byte Ethernet
 * header (destination 00:00:00:00:00:00, source the SLL link-layer address
 * or zero, EtherType the SLL protocol or the IP version's) followed by the
 * network-layer bytes, and wire_bytes adjusted by the header size difference
 * (SLL: -16 + 14; SLL2: -20 + 14; raw IP: +14). Any other link type is refused
 * when the file is opened.
 */
#ifndef NAD_PCAPSRC_H
#define NAD_PCAPSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPSRC_ERRLEN 512

/* One packet, valid until the next pcapsrc_next() or pcapsrc_free(). */
struct pcapsrc_pkt {
	uint64_t ts_ns; /* capture time, ns since the epoch */
	const uint8_t *data; /* Ethernet (or Ethernet-equivalent) frame, caplen bytes */
	uint32_t caplen; /* bytes captured (a snapshot length may cut the frame) */
	uint32_t wire_bytes; /* bytes on the wire: the original length, never less than caplen */
};

struct pcapsrc;

/*
 * Opens the capture at path. Returns NULL and sets errno on failure, with a
 * one-line cause (no trailing newline) in err[errlen]: missing or unreadable
 * file, not a capture, corrupt gzip, unsupported link type.
 */
struct pcapsrc *pcapsrc_new(const char *path, char *err, size_t errlen);
void pcapsrc_free(struct pcapsrc *s);

/*
 * Reads the next packet into *pkt. Returns 1 for a packet, 0 at the end of
 * the capture, or a negative errno when the file is truncated or corrupt
 * (-EIO) or gzip data is bad (-EBADMSG); pcapsrc_error() then names the cause.
 * Packets returned before an error stay valid data: a truncated capture
 * yields every complete packet before the cut.
 */
int pcapsrc_next(struct pcapsrc *s, struct pcapsrc_pkt *pkt);

/* One-line cause of the last error ("" if none). */
const char *pcapsrc_error(const struct pcapsrc *s);

/* The capture's own link type (DLT_*), before any conversion to Ethernet. */
int pcapsrc_linktype(const struct pcapsrc *s);

/* True if the file was gzip-compressed. */
bool pcapsrc_is_gzip(const struct pcapsrc *s);

/* Packets returned so far. */
uint64_t pcapsrc_n_packets(const struct pcapsrc *s);

#endif /* NAD_PCAPSRC_H */
