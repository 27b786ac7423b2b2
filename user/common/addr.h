/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/addr.h - the record's 16-byte addresses: IPv6, or IPv4-mapped ::ffff:a.b.c.d
 * (network order, as struct nad_rec carries them), and prefixes in the same space.
 *
 * Prefixes (struct addr_prefix): rules, allowlists and `nadxdp rules` arguments. An IPv4
 * prefix a.b.c.d/n is held as ::ffff:a.b.c.d/(96 + n), so one type and one containment
 * test serve both families.
 *
 * Parsing is strict. Accepted: "a.b.c.d/len" (len 0..32), "ipv6/len" (len 0..128), or a
 * bare address, which means the single host (/32, /128). Dotted quads are strict (four
 * decimal parts, no leading zeros); IPv6 is what inet_pton() accepts (no zone ids). The
 * prefix length is decimal without sign, spaces or leading zeros. An IPv4-mapped IPv6
 * prefix (::ffff:a.b.c.d/96..128) is the IPv4 prefix it names.
 *
 * Host bits: a prefix with bits set below its length (10.0.0.1/24) is refused with -EDOM
 * rather than silently widened or narrowed, since a rule covering more or fewer hosts than
 * the operator typed is worse than an error; the normalised network (10.0.0.0/24) is still
 * stored in *out so the caller can suggest it.
 */
#ifndef NAD_COMMON_ADDR_H
#define NAD_COMMON_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Longest text addr_str() writes, with its NUL (an IPv6 address). */
#define ADDR_STRLEN 46
/* Longest text addr_prefix_format() writes, with its NUL. */
#define ADDR_PREFIX_STRLEN (ADDR_STRLEN + 4)

/* Is a an IPv4-mapped address? */
bool addr_is_v4(const __u8 a[16]);
/* The IPv4-mapped address ::ffff:a.b.c.d of the 4 bytes v4 (network order). */
void addr_from_v4(__u8 out[16], const void *v4);
/* Dotted quad for an IPv4-mapped address, IPv6 text otherwise; "?" if len is too short. */
void addr_str(const __u8 a[16], char *buf, size_t len);
/* Private (RFC 1918, CGNAT, ULA), loopback, link-local or unspecified. */
bool addr_is_private(const __u8 a[16]);

struct addr_prefix {
	__u8 addr[16]; /* network order, bits below plen clear */
	__u8 plen; /* 0..128; an IPv4 /n is 96 + n */
};

/*
 * Parses s into *out. Returns 0; -EINVAL for bad syntax, -ERANGE for a prefix length
 * beyond the family's, -EDOM for host bits set (out holds the normalised prefix).
 */
int addr_prefix_parse(const char *s, struct addr_prefix *out);
/* "198.18.0.3/32", "2001:db8::/64". Returns 0 or -ENOSPC. */
int addr_prefix_format(const struct addr_prefix *p, char *buf, size_t len);
/* An IPv4 prefix (inside ::ffff:0:0/96)? */
bool addr_prefix_is_v4(const struct addr_prefix *p);
/* The host prefix (/128) of a 16-byte address. */
void addr_prefix_host(struct addr_prefix *out, const __u8 addr[16]);
/* Clears the bits below p->plen. */
void addr_prefix_normalize(struct addr_prefix *p);
/* Same prefix? */
bool addr_prefix_equal(const struct addr_prefix *a, const struct addr_prefix *b);
/* Does p contain addr? */
bool addr_prefix_contains(const struct addr_prefix *p, const __u8 addr[16]);
/* Do a and b share any address? */
bool addr_prefix_overlaps(const struct addr_prefix *a, const struct addr_prefix *b);

#endif /* NAD_COMMON_ADDR_H */
