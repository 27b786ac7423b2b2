/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mitigate/allow.h - the addresses mitigation must never block that the host itself
 * tells: its own addresses and its default gateways, added to a policy's allowlist
 * (mitigate_allow_add, origins "own address" and "gateway"). The configured entries
 * and loopback are the policy's own (policy.h).
 */
#ifndef NAD_MITIGATE_ALLOW_H
#define NAD_MITIGATE_ALLOW_H

#include "mitigate/policy.h"

/*
 * Adds the host's own addresses (every interface, getifaddrs) and the default
 * gateways from /proc/net/route and /proc/net/ipv6_route. Returns 0 or -errno.
 */
int mitigate_allow_system(struct mitigate *m);
/* Adds the default gateways listed in route4 / route6 (paths in the /proc formats; NULL skips). */
int mitigate_allow_gateways(struct mitigate *m, const char *route4, const char *route6);

#endif /* NAD_MITIGATE_ALLOW_H */
