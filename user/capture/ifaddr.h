/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/ifaddr.h - what an interface says about its own network: the subnets of its
 * addresses (the live default of the home network, features/homenet.h).
 */
#ifndef NAD_CAPTURE_IFADDR_H
#define NAD_CAPTURE_IFADDR_H

#include "common/addr.h"

/*
 * The subnets of ifname's IPv4 and IPv6 addresses (address and netmask, host bits
 * cleared; a /32 or /128 stays a host) into out[max], without duplicates. Returns how
 * many (0: the interface has none), or -errno (-ENODEV: no such interface).
 */
int capture_if_subnets(const char *ifname, struct addr_prefix *out, unsigned max);

#endif /* NAD_CAPTURE_IFADDR_H */
