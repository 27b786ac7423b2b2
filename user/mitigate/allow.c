// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * mitigate/allow.c - the host's own addresses and default gateways (contract in allow.h).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "common/addr.h"
#include "mitigate/allow.h"

static int allow_addr(struct mitigate *m, const __u8 addr[16], const char *origin)
{
	struct addr_prefix p;

	addr_prefix_host(&p, addr);
	return mitigate_allow_add(m, &p, origin);
}

/* Parses one hex word of /proc/net/ipv6_route (32 hex digits) into 16 bytes. */
static int hex16(const char *s, __u8 out[16])
{
	for (int i = 0; i < 16; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (__u8)v;
	}
	return 0;
}

int mitigate_allow_gateways(struct mitigate *m, const char *route4, const char *route6)
{
	char line[512];
	int err = 0;
	FILE *f;

	if (route4 && (f = fopen(route4, "re"))) {
		/* Iface Destination Gateway Flags ...: hex, in network order as read. */
		while (fgets(line, sizeof(line), f)) {
			unsigned dest, gw, flags;
			char ifname[64];
			__u8 a[16];

			if (sscanf(line, "%63s %x %x %x", ifname, &dest, &gw, &flags) != 4)
				continue;
			if (dest != 0 || gw == 0 || !(flags & 0x2 /* RTF_GATEWAY */))
				continue;
			addr_from_v4(a, &gw);
			err = allow_addr(m, a, "gateway");
			if (err)
				break;
		}
		fclose(f);
	}
	if (!err && route6 && (f = fopen(route6, "re"))) {
		/* dest plen src plen nexthop metric refcnt use flags iface */
		while (fgets(line, sizeof(line), f)) {
			char dest[33], src[33], hop[33];
			unsigned dplen, splen;
			__u8 a[16];
			static const __u8 zero[16];

			if (sscanf(line, "%32s %x %32s %x %32s", dest, &dplen, src, &splen, hop) !=
			    5)
				continue;
			if (dplen != 0 || hex16(hop, a) || !memcmp(a, zero, 16))
				continue;
			err = allow_addr(m, a, "gateway");
			if (err)
				break;
		}
		fclose(f);
	}
	return err;
}

int mitigate_allow_system(struct mitigate *m)
{
	struct ifaddrs *ifa, *it;
	int err = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (it = ifa; it && !err; it = it->ifa_next) {
		__u8 a[16];

		if (!it->ifa_addr)
			continue;
		if (it->ifa_addr->sa_family == AF_INET) {
			addr_from_v4(a, &((struct sockaddr_in *)it->ifa_addr)->sin_addr);
		} else if (it->ifa_addr->sa_family == AF_INET6) {
			memcpy(a, &((struct sockaddr_in6 *)it->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		err = allow_addr(m, a, "own address");
	}
	freeifaddrs(ifa);
	if (!err)
		err = mitigate_allow_gateways(m, "/proc/net/route", "/proc/net/ipv6_route");
	return err;
}
