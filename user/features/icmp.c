// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/icmp.c - the assigned ICMP and ICMPv6 type/code pairs as tables (contract in
 * icmp.h).
 */
#include <stddef.h>
#include <netinet/in.h>

#include "features/icmp.h"

/* Types type_lo..type_hi, with the codes in the mask codes (bit c: code c), or any code. */
struct icmp_types {
	uint8_t type_lo, type_hi;
	uint32_t codes;
	bool any_code;
};

#define CODE(c) (1u << (c))
#define CODES_TO(c) ((uint32_t)((2ull << (c)) - 1)) /* codes 0..c */
#define ANY_CODE .any_code = true

static const struct icmp_types icmp4[] = {
	{ 0, 0, CODE(0) }, /* echo reply */
	{ 3, 3, CODES_TO(15) }, /* destination unreachable */
	{ 4, 4, CODE(0) }, /* source quench */
	{ 5, 5, CODES_TO(3) }, /* redirect */
	{ 8, 8, CODE(0) }, /* echo */
	{ 9, 9, CODE(0) | CODE(16) }, /* router advertisement */
	{ 10, 10, CODE(0) }, /* router solicitation */
	{ 11, 11, CODES_TO(1) }, /* time exceeded */
	{ 12, 12, CODES_TO(2) }, /* parameter problem */
	{ 13, 18, CODE(0) }, /* timestamp, information, address mask (request, reply) */
	{ 30, 41, ANY_CODE }, /* deprecated or experimental, but assigned */
	{ 42, 42, CODE(0) }, /* extended echo request */
	{ 43, 43, CODES_TO(4) }, /* extended echo reply */
};

static const struct icmp_types icmp6[] = {
	{ 1, 1, CODES_TO(8) }, /* destination unreachable */
	{ 2, 2, CODE(0) }, /* packet too big */
	{ 3, 3, CODES_TO(1) }, /* time exceeded */
	{ 4, 4, CODES_TO(3) }, /* parameter problem */
	{ 100, 101, ANY_CODE }, /* private experimentation */
	{ 127, 127, ANY_CODE }, /* reserved for expansion of the error messages */
	{ 128, 129, CODE(0) }, /* echo request, echo reply */
	{ 130, 161, ANY_CODE }, /* neighbour discovery, MLD, RPL and the rest */
	{ 200, 201, ANY_CODE }, /* private experimentation */
};

static bool lookup(const struct icmp_types *t, size_t n, uint8_t type, uint8_t code)
{
	for (size_t i = 0; i < n; i++) {
		if (type < t[i].type_lo || type > t[i].type_hi)
			continue;
		return t[i].any_code || (code < 32 && (t[i].codes >> code & 1));
	}
	return false;
}

bool icmp_assigned(uint8_t ip_proto, uint8_t type, uint8_t code)
{
	if (ip_proto == IPPROTO_ICMP)
		return lookup(icmp4, sizeof(icmp4) / sizeof(icmp4[0]), type, code);
	if (ip_proto == IPPROTO_ICMPV6)
		return lookup(icmp6, sizeof(icmp6) / sizeof(icmp6[0]), type, code);
	return false;
}
