/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/homenet.h - the home network: which addresses are ours (Suricata's HOME_NET).
 *
 * A list of prefixes (at most HOMENET_MAX). Live, the caller fills it from --home-net or
 * from the monitored interface's own subnets; offline, from --home-net or by inference
 * over the capture's records (homenet_infer_*):
 *   1. every private range (RFC 1918, CGNAT 100.64/10, loopback, ULA fc00::/7, link-local)
 *      that an address of the capture falls in, as that whole range;
 *   2. if no address was private: the /24 (IPv4) or /64 (IPv6) of the source that sent
 *      the most packets with an initial TTL (64, 128 or 255: no router between it and
 *      the capture point, so it sits on the captured link), else of the busiest source.
 * Spoofed floods do not distort (2) much: their sources are many, each with few packets.
 */
#ifndef NAD_FEATURES_HOMENET_H
#define NAD_FEATURES_HOMENET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "common/addr.h"
#include "nad_abi.h"

#define HOMENET_MAX 64

struct homenet {
	struct addr_prefix p[HOMENET_MAX];
	unsigned n;
	bool inferred; /* from traffic, not given */
};

/* Adds p (host bits cleared) unless it is there already. 0, or -ENOSPC when full. */
int homenet_add(struct homenet *h, const struct addr_prefix *p);
/* Is a inside one of the prefixes? An empty home net contains the private ranges. */
bool homenet_contains(const struct homenet *h, const __u8 a[16]);
/* "198.18.0.0/24, 2001:db8::/64" into buf (truncated with "..." if short). */
void homenet_format(const struct homenet *h, char *buf, size_t len);

/* Inference from records (offline): feed every record, then conclude. */
struct homenet_infer;
struct homenet_infer *homenet_infer_new(void); /* NULL + errno */
void homenet_infer_free(struct homenet_infer *x);
void homenet_infer_add(struct homenet_infer *x, const struct nad_rec *rec);
/* Fills h (h->inferred set). Returns the number of prefixes (0 if no IP packet was seen). */
unsigned homenet_infer_done(const struct homenet_infer *x, struct homenet *h);

#endif /* NAD_FEATURES_HOMENET_H */
