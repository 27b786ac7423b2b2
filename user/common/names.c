// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * common/names.c - class, severity and protocol names (contract in names.h).
 */
#include <string.h>
#include <netinet/in.h>

#include "common/names.h"

static const char *const class_names[CLASS_N] = {
	[CLASS_NONE] = "none",
	[CLASS_DOS_ATTACK] = "dos_attack",
	[CLASS_DATA_EXFILTRATION] = "data_exfiltration",
	[CLASS_CREDENTIAL_STUFFING] = "credential_stuffing",
	[CLASS_INTRUSION_ATTEMPT] = "intrusion_attempt",
	[CLASS_MASS_REGISTRATION] = "mass_registration",
	[CLASS_SCANNING] = "scanning",
	[CLASS_PROTOCOL_VIOLATION] = "protocol_violation",
	[CLASS_EXCESSIVE_TRAFFIC] = "excessive_traffic",
	[CLASS_UNUSUAL_DESTINATION] = "unusual_destination",
	[CLASS_TIMING_ANOMALY] = "timing_anomaly",
	[CLASS_SIZE_ANOMALY] = "size_anomaly",
	[CLASS_BEHAVIORAL] = "behavioral",
};

const char *names_class(enum classify_class c)
{
	return c >= 0 && c < CLASS_N ? class_names[c] : "none";
}

enum classify_class names_class_parse(const char *name)
{
	for (int i = 1; name && i < CLASS_N; i++) {
		if (!strcmp(name, class_names[i]))
			return i;
	}
	return CLASS_NONE;
}

enum classify_severity names_class_severity(enum classify_class c)
{
	if (c >= CLASS_DOS_ATTACK && c <= CLASS_MASS_REGISTRATION)
		return SEV_CRITICAL;
	if (c >= CLASS_SCANNING && c <= CLASS_UNUSUAL_DESTINATION)
		return SEV_WARNING;
	if (c >= CLASS_TIMING_ANOMALY && c < CLASS_N)
		return SEV_INFO;
	return 0;
}

const char *names_severity(enum classify_severity s)
{
	switch (s) {
	case SEV_CRITICAL:
		return "critical";
	case SEV_WARNING:
		return "warning";
	case SEV_INFO:
		return "info";
	}
	return "none";
}

const char *names_proto(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "ICMPv6";
	}
	return "IP";
}

const char *names_proto_eve(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "IPv6-ICMP";
	case IPPROTO_IGMP:
		return "IGMP";
	case IPPROTO_GRE:
		return "GRE";
	case IPPROTO_ESP:
		return "ESP";
	case IPPROTO_AH:
		return "AH";
	case IPPROTO_SCTP:
		return "SCTP";
	}
	return NULL;
}
