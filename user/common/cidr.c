// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * common/cidr.c - prefixes for drop and allow rules (contract in cidr.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/cidr.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void cidr_normalize(struct cidr *c)
{
	unsigned int bytes = c->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int lo = i * 8;

		if (c->plen >= lo + 8)
			continue;
		if (c->plen <= lo)
			c->addr[i] = 0;
		else
			c->addr[i] &= (uint8_t)(0xff << (8 - (c->plen - lo)));
	}
	if (c->family == AF_INET)
		memset(c->addr + 4, 0, 12);
}

/* Decimal 0..max, no sign, no leading zeros, nothing after. */
static int parse_plen(const char *s, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > 1000)
			return -ERANGE;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cidr_parse(const char *s, struct cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct cidr c = { 0 };
	bool has_plen = slash != NULL;
	int err;

	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';

	if (inet_pton(AF_INET, addr, c.addr) == 1) {
		c.family = AF_INET;
		c.plen = 32;
	} else if (strchr(addr, ':') && inet_pton(AF_INET6, addr, c.addr) == 1) {
		c.family = AF_INET6;
		c.plen = 128;
	} else {
		return -EINVAL;
	}
	if (has_plen) {
		err = parse_plen(slash + 1, c.plen, &c.plen);
		if (err)
			return err;
	}
	if (c.family == AF_INET6 && c.plen >= 96 && !memcmp(c.addr, v4mapped, 12)) {
		memmove(c.addr, c.addr + 12, 4);
		memset(c.addr + 4, 0, 12);
		c.family = AF_INET;
		c.plen -= 96;
	}

	*out = c;
	cidr_normalize(out);
	if (memcmp(out->addr, c.addr, 16))
		return -EDOM;
	return 0;
}

int cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (c->family != AF_INET && c->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		return -errno;
	n = snprintf(buf, len, "%s/%u", a, c->plen);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}
