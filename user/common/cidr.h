/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/cidr.h - strict parsing and formatting of IPv4/IPv6 prefixes for rules.
 *
 * Accepted: "a.b.c.d/len" (len 0..32), "ipv6/len" (len 0..128), or a bare
 * address, which means the single host (/32, /128). Dotted quads are strict
 * (four decimal parts, no leading zeros); IPv6 is what inet_pton() accepts
 * (no zone ids). The prefix length is decimal without sign, spaces or
 * leading zeros. An IPv4-mapped IPv6 prefix (::ffff:a.b.c.d/96..128) is
 * taken as the IPv4 prefix it names (/0../32), because IPv4 packets are
 * matched against IPv4 rules.
 *
 * Host bits: a prefix with bits set below its length (10.0.0.1/24) is
 * refused with -EDOM rather than silently widened or narrowed, since a rule
 * covering more or fewer hosts than the operator typed is worse than an
 * error; the normalised network (10.0.0.0/24) is still stored in *out so
 * the caller can suggest it.
 */
#ifndef NAD_CIDR_H
#define NAD_CIDR_H

#include <stddef.h>
#include <stdint.h>

/* Longest text cidr_format() writes, NUL included. */
#define CIDR_STRLEN (46 + 4)

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned int plen; /* prefix length */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3], the rest zero */
};

/*
 * Parses s into *out. Returns 0; -EINVAL for bad syntax, -ERANGE for a prefix
 * length beyond the family's, -EDOM for host bits set (out holds the
 * normalised prefix).
 */
int cidr_parse(const char *s, struct cidr *out);

/* Writes "addr/plen" into buf. Returns 0 or -ENOSPC / -EAFNOSUPPORT. */
int cidr_format(const struct cidr *c, char *buf, size_t len);

/* Clears the bits below c->plen. */
void cidr_normalize(struct cidr *c);

#endif /* NAD_CIDR_H */
