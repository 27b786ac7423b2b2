/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/icmp.h - the ICMP and ICMPv6 type and code pairs IANA has assigned.
 *
 * A packet with a pair no one has assigned is non-conforming (fuzzers and OS
 * fingerprinters send them; Suricata calls them icmpv4.unknown_type/unknown_code).
 * The registries, as tables in icmp.c: ICMP (RFC 792 and successors), ICMPv6 (RFC 4443
 * and successors); types reserved for experimentation or deprecated count as assigned.
 */
#ifndef NAD_ICMP_H
#define NAD_ICMP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Whether IANA assigned code under type for ip_proto (IPPROTO_ICMP or IPPROTO_ICMPV6);
 * false for any other protocol.
 */
bool icmp_assigned(uint8_t ip_proto, uint8_t type, uint8_t code);

#endif /* NAD_ICMP_H */
