/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/flood.h - what the engine knows of a flood, in the terms the mitigation decides on:
 * its signature (the packets a rate rule can hold back), how much of it goes unanswered,
 * since when it holds, when its source was last answered, and the threshold it passed.
 *
 * The engine (detect/engine.c) fills a struct flood_facts for each anomalous packet, the
 * episodes (detect/alert.h) carry it in their events, the policy (mitigate/policy.h) decides
 * on it and the mitigation events (report/eve.c) show it. Times are on the record clock
 * (nad_rec.ts_ns: CLOCK_MONOTONIC live, the capture's clock offline).
 */
#ifndef NAD_COMMON_FLOOD_H
#define NAD_COMMON_FLOOD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* The packets of a flood a rate rule limits (bpf/nad_rate.bpf.h: its subject packets). */
enum flood_kind {
	FLOOD_NONE = 0, /* none a rate rule can limit (TCP beyond a bare SYN, other ICMP, ...) */
	FLOOD_SYN, /* TCP SYNs without ACK: connection attempts */
	FLOOD_UDP, /* UDP datagrams to the port */
	FLOOD_ECHO, /* ICMP or ICMPv6 echo requests */
};

/*
 * flood_since_ns of an engine that does not follow the flood condition itself: the
 * episodes (detect/alert.c) put their start there instead.
 */
#define FLOOD_SINCE_EPISODE UINT64_MAX

struct flood_facts {
	/* the flood's signature: protocol (IPPROTO_TCP, _UDP, _ICMP, _ICMPV6) ... */
	uint8_t proto;
	/* ... destination port (host order; 0 for ICMP) ... */
	uint16_t dport;
	/* ... and which of its packets: what a signature rate rule would limit */
	enum flood_kind kind;
	/* the source's packets/s on requests not answered, toward this destination */
	double unanswered_pps;
	/* the share of the source's requests (toward this destination) that were answered, 0..1 */
	double answered_share;
	/* since when the flood condition has held without a break; 0 if it does not hold now */
	uint64_t flood_since_ns;
	/*
	 * the last time a request of the source was answered (a completed TCP handshake, a
	 * UDP or echo response), toward any destination; 0 if never
	 */
	uint64_t answered_last_ns;
	/* the packet rate the flood condition compared with ... */
	double threshold_pps;
	/* ... and where it came from: a learned baseline (true) or the profile's floor */
	bool threshold_learned;
};

/* "syn", "udp", "echo_request"; "none" for FLOOD_NONE and anything else. */
static inline const char *flood_kind_name(enum flood_kind k)
{
	switch (k) {
	case FLOOD_SYN:
		return "syn";
	case FLOOD_UDP:
		return "udp";
	case FLOOD_ECHO:
		return "echo_request";
	default:
		return "none";
	}
}

/*
 * The kind of one packet as the rate rules see it, from its protocol, its TCP flags and,
 * for ICMP, its type (nad_rec.sport >> 8).
 */
static inline enum flood_kind flood_kind_of(uint8_t proto, uint8_t tcp_flags, uint8_t icmp_type)
{
	switch (proto) {
	case IPPROTO_TCP: /* SYN without ACK */
		return (tcp_flags & 0x12) == 0x02 ? FLOOD_SYN : FLOOD_NONE;
	case IPPROTO_UDP:
		return FLOOD_UDP;
	case IPPROTO_ICMP:
		return icmp_type == 8 ? FLOOD_ECHO : FLOOD_NONE;
	case IPPROTO_ICMPV6:
		return icmp_type == 128 ? FLOOD_ECHO : FLOOD_NONE;
	default:
		return FLOOD_NONE;
	}
}

#endif /* NAD_COMMON_FLOOD_H */
