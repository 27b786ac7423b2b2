// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * common/addr.c - record addresses (contract in addr.h).
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/addr.h"

bool addr_is_v4(const __u8 a[16])
{
	static const __u8 pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, pfx, 12);
}

void addr_str(const __u8 a[16], char *buf, size_t len)
{
	bool v4 = addr_is_v4(a);

	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a + 12 : a, buf, (socklen_t)len) && len)
		snprintf(buf, len, "?");
}

bool addr_is_private(const __u8 a[16])
{
	if (addr_is_v4(a)) {
		const __u8 *b = a + 12;

		return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] == 0;
	}
	/* ULA fc00::/7, link-local fe80::/10, loopback, unspecified */
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return true;
	for (int i = 0; i < 15; i++) {
		if (a[i])
			return false;
	}
	return a[15] <= 1;
}
