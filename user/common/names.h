/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/names.h - the one home of the names every stage prints: the twelve anomaly
 * classes and their severities, and IP protocol names (display and Suricata EVE).
 */
#ifndef NAD_COMMON_NAMES_H
#define NAD_COMMON_NAMES_H

#include <stdint.h>

/* The twelve classes, critical first (detect/classify.h decides them). */
enum classify_class {
	CLASS_NONE = 0,
	CLASS_DOS_ATTACK,
	CLASS_DATA_EXFILTRATION,
	CLASS_CREDENTIAL_STUFFING,
	CLASS_INTRUSION_ATTEMPT,
	CLASS_MASS_REGISTRATION,
	CLASS_SCANNING,
	CLASS_PROTOCOL_VIOLATION,
	CLASS_EXCESSIVE_TRAFFIC,
	CLASS_UNUSUAL_DESTINATION,
	CLASS_TIMING_ANOMALY,
	CLASS_SIZE_ANOMALY,
	CLASS_BEHAVIORAL,
	CLASS_N,
};

enum classify_severity {
	SEV_INFO = 1,
	SEV_WARNING = 2,
	SEV_CRITICAL = 3,
};

/* "dos_attack" ... ; "none" for CLASS_NONE and out of range. */
const char *names_class(enum classify_class c);
/* Parses a class identifier; CLASS_NONE if unknown. */
enum classify_class names_class_parse(const char *name);
/* 1..3; 0 for CLASS_NONE. */
enum classify_severity names_class_severity(enum classify_class c);
/* "critical", "warning", "info"; "none" otherwise. */
const char *names_severity(enum classify_severity s);
/* "TCP", "UDP", "ICMP", "ICMPv6"; "IP" for any other protocol. */
const char *names_proto(uint8_t proto);
/* Suricata EVE's name ("TCP", "UDP", "ICMP", "IPv6-ICMP", "IGMP", "GRE", "ESP", "AH", "SCTP"),
 * or NULL (EVE prints the number). */
const char *names_proto_eve(uint8_t proto);

#endif /* NAD_COMMON_NAMES_H */
