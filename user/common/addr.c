// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * common/addr.c - record addresses and prefixes (contract in addr.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/addr.h"

static const __u8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool addr_is_v4(const __u8 a[16])
{
	return !memcmp(a, v4_mapped, sizeof(v4_mapped));
}

void addr_from_v4(__u8 out[16], const void *v4)
{
	memcpy(out, v4_mapped, sizeof(v4_mapped));
	memcpy(out + 12, v4, 4);
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

/* ---- prefixes ---------------------------------------------------------- */

static void mask_addr(__u8 *addr, unsigned int plen)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;

		if (bits < 8)
			addr[i] &= (__u8)(0xff00u >> bits);
	}
}

void addr_prefix_normalize(struct addr_prefix *p)
{
	mask_addr(p->addr, p->plen);
}

bool addr_prefix_is_v4(const struct addr_prefix *p)
{
	return p->plen >= 96 && addr_is_v4(p->addr);
}

void addr_prefix_host(struct addr_prefix *out, const __u8 addr[16])
{
	memcpy(out->addr, addr, 16);
	out->plen = 128;
}

bool addr_prefix_equal(const struct addr_prefix *a, const struct addr_prefix *b)
{
	return a->plen == b->plen && !memcmp(a->addr, b->addr, 16);
}

bool addr_prefix_contains(const struct addr_prefix *p, const __u8 addr[16])
{
	__u8 a[16];

	memcpy(a, addr, 16);
	mask_addr(a, p->plen);
	return !memcmp(a, p->addr, 16);
}

bool addr_prefix_overlaps(const struct addr_prefix *a, const struct addr_prefix *b)
{
	/* Two prefixes overlap iff the shorter one contains the longer. */
	const struct addr_prefix *s = a->plen <= b->plen ? a : b;
	const struct addr_prefix *l = s == a ? b : a;

	return addr_prefix_contains(s, l->addr);
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

int addr_prefix_parse(const char *s, struct addr_prefix *out)
{
	char text[INET6_ADDRSTRLEN + 1];
	const char *slash;
	struct addr_prefix p = { 0 };
	unsigned int plen, max;
	size_t alen;
	__u8 v4[4];
	int err;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(text))
		return -EINVAL;
	memcpy(text, s, alen);
	text[alen] = '\0';

	if (inet_pton(AF_INET, text, v4) == 1) {
		addr_from_v4(p.addr, v4);
		max = 32;
	} else if (strchr(text, ':') && inet_pton(AF_INET6, text, p.addr) == 1) {
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash) {
		err = parse_plen(slash + 1, max, &plen);
		if (err)
			return err;
	}
	p.plen = (__u8)(max == 32 ? 96 + plen : plen);
	*out = p;
	addr_prefix_normalize(out);
	return memcmp(out->addr, p.addr, 16) ? -EDOM : 0;
}

int addr_prefix_format(const struct addr_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (addr_prefix_is_v4(p)) {
		inet_ntop(AF_INET, p->addr + 12, a, sizeof(a));
		n = snprintf(buf, len, "%s/%u", a, p->plen - 96u);
	} else {
		inet_ntop(AF_INET6, p->addr, a, sizeof(a));
		n = snprintf(buf, len, "%s/%u", a, p->plen);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
