/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/context.h - what the traffic so far says about a record's source, the peer it
 * talks to and their login dialogue: the per-source context behind the detection rules
 * and the model vector's context features.
 *
 * context_track() takes every record in order (its clock is rec->ts_ns, which must not
 * run backwards) and returns the figures of struct context_figures for it, weighted by
 * rec->weight, so live and offline agree. No allocation per record: every tracker is a
 * fixed-size set-associative table that evicts the least recently seen entry.
 *
 *   sources       4096 sets x 4 ways: rates, shares, distinct ports and hosts, probes,
 *                 the last 100 destination ports and intervals, interval and size
 *                 EWMAs, up to 4 destinations and 4 destination ports (pairs) each
 *   destinations  2048 sets x 4 ways: rate, flood share, distinct sources, new sources
 *                 sending payload to one port
 *   logins        1024 sets x 4 ways: connections to login services (see below)
 *   trusted       1024 sets x 4 ways: sources a TCP or UDP exchange answered, and when
 *                 (a source entry made again after an eviction takes its answered time)
 *   baseline      a 65536-bit Bloom filter (2 hashes) of the dst:port pairs of the warm-up
 *
 * Windowed figures ("[1 s]", "[60 s]") are exponentially decayed counts with that time
 * constant (features/sketch.h). Distinct counts are 512-bit (ports, sources) and 256-bit
 * (hosts) hashed sets per 10-s epoch, estimated by linear counting over the current and
 * the previous epoch ("distinct [10 s]", really the last 10-20 s).
 *
 * Login failures, from sizes alone: a service that lets a client try again on the same
 * connection (ports_is_login: SSH, FTP, telnet, POP3, IMAP, SMTP submission) answers
 * every refused attempt with the same reply (SSH's USERAUTH_FAILURE is one size under
 * any cipher, FTP's "530 Login incorrect" one length). A server reply that answers a
 * client request and has the length of one of the server's two previous replies on that
 * connection counts as a failure against the client's (client, server, port) pair. Only
 * the first 12 server replies of a connection count: the key exchange and the login fit
 * in them, a shell's keystroke echoes come after. Connections are tracked from their SYN.
 *
 * IoT: a source is IoT once it uses an IoT port (ports_is_iot: MQTT, CoAP, SSDP, mDNS),
 * or after 20 packets sends small packets (mean < 300 B) to <= 3 peers at regular
 * intervals (sd of log10 interval < 0.3).
 *
 * Warm-up: until context_end_warmup() the baseline learns every dst:port; after it,
 * dstport_in_baseline says whether the record's pair was seen then, and sources first
 * seen after the time given there count as new (dst_new_payload_srcs).
 *
 * To add a figure: a field here, its tracking in one of context.c's count_* steps, its
 * value in one of the fill_* steps; features/vector.h if the models should see it.
 */
#ifndef NAD_CONTEXT_H
#define NAD_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "common/limits.h"
#include "features/baseline.h"
#include "features/flow.h"
#include "features/homenet.h"
#include "nad_abi.h"

/* Source entries: context_figures.src_slot is below this. */
#define CONTEXT_SRC_SLOTS (4096 * 4)
#define CONTEXT_TALKERS_MAX 8

/* What the trackers know when a record arrives, the record counted in. */
struct context_figures {
	/* the record's source */
	double src_pps, src_bps; /* packets/s [1 s], bytes/s [5 s] */
	/* of what it initiates [1 s] (packets minus its answers): SYN-only, UDP, ICMP non-answers */
	double src_syn_share, src_udp_share, src_icmp_share;
	double src_top_dst_share; /* share of its packets [1 s] to this record's destination */
	unsigned src_dst_ports, src_dst_hosts; /* distinct [10 s] */
	unsigned src_recent_ports; /* distinct destination ports of its last 100 packets
				    * (counted when src_dst_ports >= 10 or a SYN-only; else 0) */
	double src_probe_share; /* probes among its last 100 packets (since a 5-s pause):
				 * SYN-only, NULL/FIN/XMAS, UDP <= 64 B from a port >= 1024, echo
				 * requests, ARP who-has */
	double src_stealth_probes; /* NULL/FIN/XMAS [10 s] */
	double src_pkts10; /* its packets [10 s] */
	double src_answer_share; /* SYN-ACK, RST, bare ACK, echo reply, solicited ICMP error [1 s] */
	double src_rsts; /* RSTs received [60 s] */
	double src_malformed; /* malformed and non-conforming packets [60 s] */
	double src_dns_query_bytes, src_dns_queries; /* DNS query payload bytes, queries [60 s] */
	bool src_new; /* first seen in the last 10 s */
	bool src_iot; /* see IoT above */
	/* the source and this record's destination port (TCP/UDP; a pair starts with a SYN) */
	double src_pair_conns; /* new TCP connections to this dst:port [60 s] */
	double src_pair_auth_fails; /* login failures this dst:port answered it [60 s] */
	double src_pair_payload_mean; /* mean payload of its packets with payload to it */
	double src_pair_acked; /* packets with ACK to this dst:port [60 s]: handshakes done */
	double src_pair_fins; /* connections to this dst:port it closed (FIN) [60 s] */
	double src_pair_bytes_per_conn; /* payload bytes per new connection to it [60 s] */
	/* the source and this record's destination host */
	double src_pair_sent, src_pair_recv; /* payload bytes to / from it [60 s] */
	double src_pair_dns_queries, src_pair_dns_mean; /* DNS queries to it [60 s], mean B */
	double src_pair_echo, src_pair_echo_mean, src_pair_echo_sd; /* ICMP echo requests [60 s] */
	/* the record itself */
	bool callback; /* a host that received payload on a sensitive or web service from a
			* peer SYNs back to it within 60 s, or the peer SYNs to it on a new
			* port >= 1024 (not web) after payload to a sensitive service */
	const char *violation; /* why this well-formed packet breaks its protocol's rules:
				* an unassigned ICMP type/code (features/icmp.h), or a stream of
				* tiny IP fragments; NULL if it does not */
	double interval_z; /* log10 interval against the source's EWMA mean/sd (0 before 10) */
	double size_z; /* wire size against the source's EWMA mean/sd (0 before 10 packets) */
	/*
	 * dos_pattern's inputs: the share of the last 100 intervals of the source (or the
	 * destination) under 1 ms, measured when this record came < 1 ms after the source's
	 * (destination's) previous one and 100 intervals are known; -1 otherwise.
	 */
	double src_fast_share, dst_fast_share;
	/*
	 * Roles (features/flow.h). A request is a packet its sender sends as a flow's client
	 * while the flow is unanswered; it counts in src_unans_pps until the server answers
	 * (TCP: until the client completes the handshake, so SYN-ACKs to a flood of SYNs do
	 * not answer it) and is then taken back with its decay. ICMP echo requests are never
	 * taken back: an echo reply is the victim's kernel paying for the flood, not a
	 * conversation. On a UDP or TCP flow, client packets beyond 8 times the server's
	 * count as unanswered too (unbalanced). Failures: requests refused (RST to a SYN, an
	 * ICMP error) or unanswered after the flow table's timeout (1 s).
	 */
	struct flow_obs flow; /* the record's flow */
	bool src_home, dst_home; /* inside the home net (features/homenet.h) */
	double src_client_pps; /* packets it sent as a client [1 s] */
	double src_unans_pps; /* of those, requests not answered (yet) [1 s] */
	uint64_t src_answered_ns; /* the last time a TCP or UDP request of it was answered
				  * (a session; not ARP or echo); 0: never */
	/* of src_client_pps and src_unans_pps, what went to this record's destination host */
	double src_pair_client_pps, src_pair_unans_pps;
	unsigned src_fail_ports, src_fail_hosts; /* distinct ports, hosts it failed on [10 s] */
	double src_fails; /* its refused or unanswered requests [10 s] */
	double src_pair_held; /* its connections to this dst:port held open now, server silent */
	double src_pair_upload; /* payload bytes it sent this destination on flows it opened
				 * (or, ftp-data, asked for) [60 s] */
	/* the record's destination */
	double dst_unans_pps; /* requests it received not answered (yet) [1 s] */
	double dst_unsol_pps; /* responses nobody asked for that reached it [1 s] */
	double dst_pps; /* [1 s] */
	unsigned dst_srcs; /* distinct sources [10 s] */
	double dst_new_payload_srcs; /* new sources with payload to this port [10 s] */
	bool dstport_in_baseline; /* dst:port seen during the warm-up */
	/* the addresses' sketch_addr_hash (features/sketch.h): keys for per-host state */
	uint32_t src_hash, dst_hash;
	/* the source's entry */
	uint32_t src_n; /* its records so far, this one included */
	uint32_t src_slot; /* its table slot (< CONTEXT_SRC_SLOTS), stable while it lives */
	bool src_slot_new; /* the slot was (re)made for this record: per-slot state restarts */
};

/* A source's traffic since the last context_take_talkers(). */
struct context_talker {
	__u8 addr[16];
	uint64_t pkts, bytes;
};

struct context;

struct context_opts {
	const struct homenet *home; /* not owned; NULL: the private ranges are home */
	struct baseline *baseline; /* not owned; NULL: no baseline is kept */
	struct flow_opts flow;
	/* May the source's traffic feed the baseline now (sources under alert may not)?
	 * NULL: always. */
	bool (*learn)(void *ctx, const __u8 addr[16]);
	void *learn_ctx;
};

void context_opts_default(struct context_opts *o);

/* o NULL: context_opts_default's. NULL + errno. */
struct context *context_new(const struct context_opts *o);
void context_free(struct context *c);

/* Counts rec in (time: rec->ts_ns, not before the previous record's) and fills *out. */
void context_track(struct context *c, const struct nad_rec *rec, struct context_figures *out);

/*
 * Ends the warm-up: the baseline stops learning, sources first seen after
 * new_sources_after_ns count as new. Once; later calls change nothing.
 */
void context_end_warmup(struct context *c, uint64_t new_sources_after_ns);

/*
 * Was a source inside p answered (src_answered_ns: a TCP or UDP exchange) at or after
 * since_ns? A scan of the sources table, for rare questions (may a drop rule grow to a
 * prefix?); a source evicted since is not seen.
 */
struct addr_prefix;
bool context_answered_in(const struct context *c, const struct addr_prefix *p,
			 uint64_t since_ns);

/* Would tracking a record from saddr evict another source's entry? */
bool context_would_evict(const struct context *c, const __u8 saddr[16]);

/*
 * The n (<= CONTEXT_TALKERS_MAX) sources that sent the most packets since the last call
 * into top[], most first (the first found wins a tie); returns how many. Restarts the
 * count.
 */
size_t context_take_talkers(struct context *c, struct context_talker *top, size_t n);

/* Time passes without records (idle links): the flow table's timeouts, the baseline's windows. */
void context_tick(struct context *c, uint64_t now_ns);

/*
 * Probes that failed by timeout (unanswered after the flow table's deadline) since the
 * last call, one per sender (its latest), at most n (<= CONTEXT_LATE_MAX) into probes[]:
 * the request each failed on, as a record at the time it timed out. A sender whose
 * probes time out after its last packet (a UDP scan that the target's ICMP rate limit
 * leaves mostly unanswered is over before its probes time out) has no packet left to be
 * judged on; the engine judges it on these. Returns how many; restarts the list.
 */
#define CONTEXT_LATE_MAX 16
size_t context_take_late(struct context *c, struct nad_rec *probes, size_t n);

/*
 * The figures of rec as context_track would give them, without counting rec in (read
 * only, but for bringing decayed counts to rec->ts_ns). Sources not tracked: all zero
 * but the home flags and hashes.
 */
void context_peek(struct context *c, const struct nad_rec *rec, struct context_figures *out);

/* The flow table's counters (features/flow.h). */
void context_flow_stats(const struct context *c, struct flow_stats *out);
/* The trackers' tables (sources, destinations, login connections): cap, entries, evictions
 * (a new entry takes the set's least recently seen one), memory. */
struct context_stats {
	struct limit_table src, dst, auth, trust;
};
void context_get_stats(const struct context *c, struct context_stats *out);
/* The baseline it feeds (context_opts.baseline), or NULL. */
struct baseline *context_baseline(const struct context *c);

#endif /* NAD_CONTEXT_H */
