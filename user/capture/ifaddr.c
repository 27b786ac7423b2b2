// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/ifaddr.c - an interface's subnets (contract in ifaddr.h).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>

#include "capture/ifaddr.h"

/* Leading one bits of a netmask of len bytes. */
static unsigned mask_len(const unsigned char *m, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len && m[i] == 0xff; i++)
		n += 8;
	if (n < len * 8)
		for (unsigned char b = m[n / 8]; b & 0x80; b <<= 1)
			n++;
	return n;
}

/* The subnet of one interface address, or false for another family. */
static bool subnet_of(const struct ifaddrs *x, struct addr_prefix *p)
{
	if (x->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)x->ifa_addr;
		const struct sockaddr_in *m = (const void *)x->ifa_netmask;

		addr_from_v4(p->addr, &a->sin_addr);
		p->plen = 96 + (m ? mask_len((const void *)&m->sin_addr, 4) : 32);
	} else if (x->ifa_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)x->ifa_addr;
		const struct sockaddr_in6 *m = (const void *)x->ifa_netmask;

		memcpy(p->addr, &a->sin6_addr, 16);
		p->plen = m ? mask_len((const void *)&m->sin6_addr, 16) : 128;
	} else {
		return false;
	}
	addr_prefix_normalize(p);
	return true;
}

int capture_if_subnets(const char *ifname, struct addr_prefix *out, unsigned max)
{
	struct ifaddrs *all, *x;
	unsigned n = 0;

	if (!if_nametoindex(ifname))
		return -ENODEV;
	if (getifaddrs(&all))
		return -errno;
	for (x = all; x; x = x->ifa_next) {
		struct addr_prefix p;
		bool dup = false;

		if (!x->ifa_addr || strcmp(x->ifa_name, ifname) || !subnet_of(x, &p))
			continue;
		for (unsigned i = 0; i < n; i++)
			dup |= addr_prefix_equal(&out[i], &p);
		if (!dup && n < max)
			out[n++] = p;
	}
	freeifaddrs(all);
	return (int)n;
}
