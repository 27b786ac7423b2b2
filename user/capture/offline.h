/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/offline.h - captures (pcap, pcapng, gzip-compressed) to records.
 *
 * Offline packets are parsed by the same parser as live ones (packet_parse),
 * with ts_ns = capture time, dir = NAD_DIR_IN (a capture file does not say
 * which way a packet went relative to a monitored interface), weight = 1.
 *
 * Bad input: a missing file, a file that is not a capture, corrupt gzip or an
 * unsupported link type is refused before any packet. A capture that turns
 * out truncated or corrupt part-way keeps every packet read before the fault
 * (`nadxdp features` has written their rows), logs one line naming the cause
 * and the number of packets kept, and ends in failure (exit 1 / -EIO or
 * -EBADMSG), so a script cannot mistake a cut capture for a whole one.
 */
#ifndef NAD_OFFLINE_H
#define NAD_OFFLINE_H

#include <stddef.h>
#include <linux/types.h>

#include "nad_abi.h"

struct pcapsrc;

/* Opens the capture at path for offline_walk(). NULL and errno, the cause logged with pr_warn(). */
struct pcapsrc *offline_open(const char *path);

/*
 * Calls cb(rec, ctx) for every packet left in src, in file order: see offline_for_each().
 * src stays open (the caller frees it).
 */
int offline_walk(struct pcapsrc *src, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx);

/*
 * Calls cb(rec, ctx) for every packet of the capture at path, in file order.
 * A non-zero return from cb stops the walk and is returned. Otherwise returns
 * 0, or a negative errno after a fault, once cb has seen every packet before
 * it; the cause has been logged with pr_warn().
 */
int offline_for_each(const char *path, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx);

/*
 * offline_for_each() without a word: a first pass over a capture whose faults the next
 * pass will report (the home network's inference, cli/pipeline.c).
 */
int offline_peek(const char *path, int (*cb)(const struct nad_rec *rec, void *ctx), void *ctx);

#endif /* NAD_OFFLINE_H */
