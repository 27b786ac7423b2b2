/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/classify.h - the twelve anomaly classes, decided by explicit evidence.
 *
 * The engine (engine.h) fills a struct classify_evidence for each packet from the
 * trackers (features/context.h) and the criteria; classify_decide() turns it into at
 * most one class with an evidence sentence (the numbers that decided it) and a
 * recommended response.
 * A model score alone never decides a critical or warning class: only the
 * info classes (timing_anomaly, size_anomaly, behavioral) need the weighted
 * score to have passed the threshold, and they are what the models flag.
 *
 * Rules, checked in this order (first match wins); "window" figures are
 * exponentially decayed counts (time constant in brackets), thresholds are
 * the profile's (detect/profile.h):
 *
 *   scanning (vertical)   the source reached >= scan_ports distinct destination
 *                         ports [10 s] and at least half its last 100 packets
 *                         (since its last pause of 5 s) were probes (SYN-only, FIN, NULL, XMAS, empty UDP),
 *                         and its last 100 packets went to >= 10 ports -
 *                         checked before DoS so a fast SYN scan is a scan, and
 *                         a flood after a scan (or a scan after a flood) is
 *                         told by what the source does now
 *   scanning (horizontal) >= scan_hosts distinct destination hosts [10 s] with
 *                         probes, the same port(s), at most 20 packets per host
 *   scanning (stealth)    >= 5 NULL / FIN-only / XMAS probes [10 s]
 *   dos_attack (source)   the source sends >= dos_pps packets/s [1 s] to one
 *                         destination with >= 80 % SYN-only (SYN flood), UDP
 *                         (UDP flood) or ICMP (ICMP flood) packets
 *   dos_attack (distributed) the destination receives >= dos_dist_pps packets/s
 *                         [1 s] from >= 20 distinct sources [10 s] with >= 80 %
 *                         SYN-only / SYN-ACK / RST / UDP / ICMP: spoofed or
 *                         reflected flood; the episode is keyed on the victim
 *   dos_attack (slow)     one source opened >= slow_conns connections [60 s]
 *                         to one web port, sent >= slow_conns packets with ACK
 *                         there (handshakes were completed: a SYN flood alone is
 *                         not slow, and the SYNs of a past flood do not hide a
 *                         Slowloris), and holds them: it closed (FIN) at most a
 *                         quarter, and sent < 1 KB per connection (Slowloris
 *                         dribbles header lines; a client closes or reuses its
 *                         connections)
 *   credential_stuffing   >= cred_conns new TCP connections [60 s] from the
 *                         source to one authentication service port (on SSH,
 *                         with at least one failure among them), or
 *                         >= cred_fails login failures [60 s] answered by one
 *                         multi-attempt login service (SSH, FTP, telnet, POP3,
 *                         IMAP, SMTP submission): a server reply to a client
 *                         request, among the first 12 replies of the connection,
 *                         that repeats the length of one of the two before it
 *                         (a refusal is the same message every time)
 *   intrusion_attempt     a source with a history (it scanned, or its attempts
 *                         were refused with >= 3 RSTs [60 s]) sends TCP payload to
 *                         a sensitive service (a UDP scan's own probes to 135/137
 *                         are part of the scan) (135, 139, 445, 3389, 23, 5985,
 *                         5986); or a callback: a host that received payload on
 *                         a sensitive/web service from S opens a connection to
 *                         S, or S opens one to it on a new high port, within 60 s
 *   data_exfiltration     the source sent >= exfil_bytes [60 s] outbound to one
 *                         destination (outbound: dir == NAD_DIR_OUT, or a
 *                         private/link-local source to a public destination);
 *                         (payload bytes throughout: headers are not data);
 *                         or a one-way upload: >= upload_bytes [60 s] to one
 *                         destination on a non-web port, at least 8 times what
 *                         came back, and not public -> private (a download seen
 *                         from the server); or a DNS tunnel: >= dns_tunnel_queries
 *                         queries [60 s] to one server with a mean query payload
 *                         >= 64 B (ordinary names average 30-45 B; tunnels pack
 *                         data into long labels), or >= 64 KB of DNS query
 *                         payload [60 s]; or an ICMP tunnel: >= 10 echo requests
 *                         [60 s] to one destination with a mean payload >= 64 B
 *                         that varies (sd >= 8 B; ping pads to a fixed size)
 *   mass_registration     >= mass_reg_srcs sources first seen [10 s] sent
 *                         payload to one destination port; keyed on the service
 *   protocol_violation    >= 2 malformed packets from the source [60 s]
 *                         (the parser's reason code, illegal flag combinations;
 *                         an answer to port 0 is the asker's violation), or
 *                         non-conforming ones: unassigned ICMP/ICMPv6 type or
 *                         code, a stream of tiny IP fragments (features/context.c violation())
 *   excessive_traffic     source rate >= excess_pps or >= excess_bps [5 s]
 *                         without a DoS signature, from a source that mostly
 *                         initiates (answers < 50 %: a victim's SYN-ACKs, echo
 *                         replies, port-unreachables and bare ACKs are not its own
 *                         traffic; the ICMP flood share leaves echo replies and
 *                         solicited ICMP errors out for the same reason)
 *   unusual_destination   a connection to a suspicious port (Tor 9001, 9030,
 *                         9050, 9150; IRC 6667; 4444, 31337), baseline or not
 *                         (a Tor relay seen since the start is still Tor), from a
 *                         client port (>= 1024, no SYN-ACK or RST: not an answer)
 *   timing_anomaly        score passed and |interval z| > 3
 *   size_anomaly          score passed and |size z| > 3
 *   behavioral            score passed, nothing above explains it
 * The three info classes also need both models to agree: an autoencoder criterion
 * and an Isolation Forest criterion (normal or extreme) among the fired ones, and
 * one of the two at its extreme level.
 */
#ifndef NAD_CLASSIFY_H
#define NAD_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "common/addr.h"
#include "common/names.h"
#include "detect/criteria.h"
#include "detect/profile.h"
#include "features/context.h"
#include "nad_abi.h"

/*
 * A threshold in force: the profile's floor, or mult x a learned baseline level when
 * that is higher (then learned is set and base is the level).
 */
struct classify_limit {
	double value, base;
	bool learned;
};

/* The thresholds of one record's classes (classify_limits). */
struct classify_limits {
	struct classify_limit dos; /* a source's unanswered packets/s: floor dos_pps; base the
				    * source's unanswered_out and the destination's
				    * unanswered_in levels */
	struct classify_limit dos_dist; /* unanswered and unsolicited packets/s to a victim:
					 * floor dos_dist_pps; base its unanswered_in */
	struct classify_limit fail_ports, fail_hosts; /* failed probes [10 s]: floors scan_ports,
						       * scan_hosts; base unanswered_out x 10 s */
	struct classify_limit excess_pps, excess_bps; /* floors excess_pps/bps; base pkts_out,
						       * bytes_out */
	double excess_far; /* an answered client's packets/s: 10 x k_rate x pkts_out; 0
			    * without a baseline (then answered traffic is never excessive) */
	struct classify_limit exfil, upload; /* bytes on opened flows to outside [60 s]:
					      * floors exfil_bytes, upload_bytes; base upload
					      * x 60 s */
};

/* What a class decision reads (filled by the engine). */
struct classify_evidence {
	const struct nad_rec *rec;
	struct context_figures ctx; /* what the trackers know (features/context.h) */
	const struct baseline *baseline; /* the learned levels (may be NULL: floors only) */
	struct classify_limits lim; /* filled by classify_decide (classify_limits) */
	bool src_scanned; /* the source was classified scanning in the last 5 min */
	unsigned criteria; /* mask of fired criteria */
	double score, threshold; /* weighted score and the threshold it had to reach */
};

#define CLASSIFY_TEXT 320

struct classify_result {
	enum classify_class cls;
	bool by_destination; /* the episode is keyed on the destination (distributed attack) */
	char evidence[CLASSIFY_TEXT];
	char response[CLASSIFY_TEXT];
};

/*
 * Decides the class of a packet from its evidence under profile p. Returns the class
 * (CLASS_NONE when no rule matches and the score did not pass the threshold), also in
 * out->cls with out->by_destination (false for CLASS_NONE), and writes the evidence and
 * response sentences into *out when it is not CLASS_NONE (else they are empty).
 */
enum classify_class classify_decide(const struct classify_evidence *ev, const struct profile *p,
				    struct classify_result *out);
/*
 * The same decision (class, by_destination) without the sentences: out->evidence and
 * out->response are left empty. Formatting them costs more than deciding, and most
 * anomalous packets join an episode whose sentences were written at its start, so the
 * engine decides with this and asks classify_decide() for the text of a new episode only.
 */
enum classify_class classify_decide_quiet(const struct classify_evidence *ev,
					  const struct profile *p, struct classify_result *out);

/*
 * The thresholds of a record with figures f under profile p: floors, raised to a multiple
 * of the learned level of its home source or destination in b (may be NULL).
 */
void classify_limits(struct classify_limits *l, const struct profile *p, const struct baseline *b,
		     const struct nad_rec *rec, const struct context_figures *f);

#endif /* NAD_CLASSIFY_H */
