/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/addr.h - the record's 16-byte addresses: IPv6, or IPv4-mapped ::ffff:a.b.c.d
 * (network order, as struct nad_rec carries them).
 */
#ifndef NAD_COMMON_ADDR_H
#define NAD_COMMON_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Longest text addr_str() writes, with its NUL (an IPv6 address). */
#define ADDR_STRLEN 46

/* Is a an IPv4-mapped address? */
bool addr_is_v4(const __u8 a[16]);
/* Dotted quad for an IPv4-mapped address, IPv6 text otherwise; "?" if len is too short. */
void addr_str(const __u8 a[16], char *buf, size_t len);
/* Private (RFC 1918, CGNAT, ULA), loopback, link-local or unspecified. */
bool addr_is_private(const __u8 a[16]);

#endif /* NAD_COMMON_ADDR_H */
