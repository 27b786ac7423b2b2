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
 * exponentially decayed counts (time constant in brackets). Roles come from the flow
 * table (features/flow.h): who opened a connection, whether it was answered, how it
 * ended. A threshold is the profile's floor, raised to k x the learned level of the
 * host when a baseline knows it (classify_limits; k_rate, k_fail, k_exfil from the
 * profile), and every evidence sentence names it and where it came from:
 *
 *   follow-up             a source that scanned or was refused (>= 3 RSTs) sends
 *                         TCP payload to a sensitive service: intrusion_attempt
 *   scanning (vertical)   probes that failed (refused by RST or an ICMP error, or
 *                         unanswered after the flow table's timeout) to >= the
 *                         failed-ports limit [10 s], half its recent packets probes,
 *                         its last 100 packets to >= 10 ports: Zeek's way, a
 *                         client whose connections succeed is not scanning
 *   scanning (horizontal) failed probes to >= the failed-hosts limit [10 s], at
 *                         most 20 packets per host
 *   scanning (stealth)    >= 5 NULL / FIN-only / XMAS probes [10 s]
 *   dos_attack (source)   the source's requests left unanswered (SYNs whose
 *                         handshake never completes, UDP or echo requests without a
 *                         response, unsolicited ICMP errors) >= the dos limit [1 s],
 *                         >= 80 % of what it sends as a client, >= 80 % to one
 *                         destination; answered requests are taken back, so a fast
 *                         client that is served is never a flood
 *   dos_attack (distributed) the destination receives >= the dos_dist limit [1 s]
 *                         of requests it does not answer plus responses it never
 *                         asked for (reflection) from >= 20 sources [10 s], >= 80 %
 *                         of what it receives; keyed on the victim
 *   dos_attack (slow)     >= slow_conns connections of one source to one web port
 *                         held open: established, the client sent a partial request,
 *                         the server silent for 1 s [60 s]
 *   credential_stuffing   >= cred_conns new TCP connections [60 s] to one
 *                         authentication service (on SSH with a refusal among them),
 *                         or >= cred_fails refusals [60 s] seen as repeated reply
 *                         sizes among a connection's first 12 replies
 *   intrusion_attempt     a callback within 60 s to or from a host that received
 *                         payload on a sensitive service, or from outside the home net
 *   data_exfiltration     a home host sends >= the exfil limit [60 s] of payload to
 *                         one destination outside the home net on connections it
 *                         opened (ftp-data: it asked for them); or >= the upload
 *                         limit one-way (8 x what came back) to a non-web port; or a
 *                         DNS tunnel (>= dns_tunnel_queries queries [60 s] to one
 *                         server with a mean payload >= 64 B, or >= 64 KB of DNS
 *                         query payload in queries >= 64 B on average); or an ICMP
 *                         tunnel (>= 10 echo requests [60 s] with mean >= 64 B that
 *                         varies, sd >= 8 B). Responses never count: a server
 *                         serving downloads, a backup to a home server are neither.
 *   mass_registration     >= mass_reg_srcs sources first seen [10 s] sent payload
 *                         to one destination port; keyed on the service
 *   protocol_violation    >= 2 malformed or non-conforming packets from the source
 *                         [60 s] (features/context.c violation())
 *   excessive_traffic     a source's client traffic over the excess limits [5 s]
 *                         with >= 50 % of it unanswered; an answered client only far
 *                         above its learned level (10 x k_rate) and when a fifth of
 *                         its requests go unanswered (the server falls behind)
 *   unusual_destination   an answered conversation from a client port to a
 *                         suspicious port (Tor 9001, 9030, 9050, 9150; IRC 6667;
 *                         4444, 31337)
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
						       * scan_hosts; base fan-out to ports, hosts
						       * (a window) */
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
	double hold_s; /* its episode's idle timeout when longer than the default; 0: the default */
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

/*
 * Does the single-source flood condition of dos_attack hold at this record (its source's
 * unanswered requests over the threshold, mostly to this destination, mostly unanswered),
 * whatever class the record gets? *lim gets the thresholds when the source's unanswered
 * rate reaches the floor (else zeros: the condition cannot hold).
 */
bool classify_source_flood(const struct classify_evidence *ev, const struct profile *p,
			   struct classify_limits *lim);

#endif /* NAD_CLASSIFY_H */
