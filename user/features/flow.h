/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/flow.h - connection roles: who opened a flow, whether it is answered, how it
 * ended. A bounded flow table in userspace, fed with every record in clock order.
 *
 * A flow is keyed by protocol, the two addresses and the two ports (ICMP echo: the
 * echo identifier; ARP: sender and target; other IP protocols: the address pair). Its
 * client is the side that opened it:
 *   TCP   the sender of the SYN. A flow first seen mid-stream takes the side with the
 *         ephemeral port (>= 1024 and above the other) as client, else the sender, and is
 *         marked FLOW_F_MIDSTREAM. A first SYN-ACK is a response nobody asked for
 *         (reflection, backscatter): FLOW_F_UNSOLICITED, its receiver is the client.
 *   UDP   the first sender, unless it sends from a service port (< 1024, or a well-known
 *         UDP service) to an ephemeral port: then it is an unsolicited response.
 *   ICMP  the echo requester; a first echo reply is unsolicited.
 *   ARP   the who-has sender; a first reply is unsolicited (gratuitous ARP is neither).
 * RSTs, ICMP errors and later IP fragments never create an entry: they are reported in
 * struct flow_obs (refusals, failures, unsolicited) and change the flow they answer.
 *
 * States: FLOW_REQ (the client asked, no answer yet), FLOW_ANSWERED (the server answered:
 * SYN-ACK, UDP response, echo reply, ARP reply), FLOW_EST (TCP: the client completed
 * the handshake; a mid-stream flow starts here), FLOW_REFUSED (the server reset the
 * request), FLOW_CLOSED (RST after the handshake, or FIN from both sides).
 *
 * Pending requests: a new request is queued with a deadline (answer_timeout_s); when
 * the deadline passes and the flow is still FLOW_REQ, flow_sweep() reports it as
 * FLOW_EV_UNANSWERED (a probe nobody answered: Zeek's S0). An established TCP flow is
 * queued too (hold_s): if the client sent payload, the server none, and it is still
 * open at the deadline, FLOW_EV_HELD (a connection held open the way Slowloris does);
 * the record that later ends it or carries the server's payload says it is released,
 * and if its client sends nothing for idle_s (checked every idle_s / 4), FLOW_EV_IDLE
 * releases it: a connection nobody uses is not held by anyone (nor can nadxdp see the
 * client's FIN once its own drop rule blocks the client). Client payload on a released
 * flow the server still has not answered times it again. A held flow evicted to make
 * room is held no more as far as nadxdp can tell: the next flow_sweep() reports it as
 * FLOW_EV_GONE, so every FLOW_EV_HELD is followed by one release (a record's released,
 * FLOW_EV_IDLE or FLOW_EV_GONE) and a count of held connections stays exact.
 * The queues are bounded; a request that finds its queue full is not timed (counted).
 *
 * Memory: n_entries entries of 128 bytes in sets of FLOW_WAYS and three queues of
 * n_pending 16-byte entries, allocated once; a new
 * flow takes a free way, else the set's closed flow seen least recently, else the flow
 * seen least recently (an eviction, counted in flow_stats). No allocation per record.
 */
#ifndef NAD_FEATURES_FLOW_H
#define NAD_FEATURES_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

#define FLOW_WAYS 8

struct flow_opts {
	size_t n_entries; /* rounded down to a power of two of FLOW_WAYS-sets; >= 64 */
	double answer_timeout_s; /* a request unanswered this long is FLOW_EV_UNANSWERED */
	double hold_s; /* an established flow with a silent server this long is FLOW_EV_HELD */
	double idle_s; /* a held flow whose client is silent this long is FLOW_EV_IDLE */
	size_t n_pending; /* capacity of each timeout queue */
};

/* n_entries 65536 (8 MiB), answer_timeout_s 1, hold_s 1, idle_s 15, n_pending 65536. */
void flow_opts_default(struct flow_opts *o);

enum flow_state {
	FLOW_NONE = 0,
	FLOW_REQ,
	FLOW_ANSWERED,
	FLOW_EST,
	FLOW_REFUSED,
	FLOW_CLOSED,
};

enum flow_kind {
	FLOW_K_NONE = 0, /* the record has no flow (non-IP, later fragment, RST or ICMP error) */
	FLOW_K_TCP,
	FLOW_K_UDP,
	FLOW_K_ECHO, /* ICMP / ICMPv6 echo */
	FLOW_K_ARP,
	FLOW_K_OTHER, /* another IP protocol: keyed by the address pair */
};

#define FLOW_F_MIDSTREAM 0x01 /* first seen after its start (TCP without SYN) */
#define FLOW_F_UNSOLICITED 0x02 /* began with a response nobody asked for */
#define FLOW_F_FIN_C 0x04 /* the client sent FIN */
#define FLOW_F_FIN_S 0x08 /* the server sent FIN */
#define FLOW_F_RST_C 0x10 /* the client reset it */
#define FLOW_F_RST_S 0x20 /* the server reset it */
#define FLOW_F_HELD 0x40 /* reported FLOW_EV_HELD, not released since */
#define FLOW_F_TIMED 0x80 /* in the hold queue */

/* What one record tells about its flow (flow_observe). */
struct flow_obs {
	enum flow_kind kind;
	enum flow_state state; /* after this record; FLOW_NONE when kind is FLOW_K_NONE */
	uint8_t flags; /* FLOW_F_*, after this record */
	bool from_client; /* the sender opened the flow */
	bool first; /* this record created the entry */
	bool request; /* a client packet while the flow is unanswered, or its reset of a
		       * handshake it never completed (it adds to pend) */
	bool answer; /* the server's first answer to the request (SYN-ACK, response, reply) */
	bool completes; /* the client's ACK that completes the TCP handshake */
	bool refused; /* the server reset the request (RST to a SYN) */
	bool ends; /* this record closed the flow (RST, or the second side's FIN) */
	bool unsolicited; /* a response nobody asked for: a first SYN-ACK, UDP from a
			   * service port, echo or ARP reply; also a RST that matches no flow */
	bool icmp_error; /* an ICMP/ICMPv6 error: the receiver's request to the sender failed */
	bool released; /* a flow reported held is held no more: the server sent payload, or
			* the flow ended (this record) */
	/*
	 * On answer (UDP, echo, ARP, other) and completes (TCP): the client packets counted
	 * as pending requests (struct flow_obs.request) and the time of the last of them, so
	 * a decayed "unanswered" count can take them back.
	 */
	double pend_pkts;
	uint64_t pend_last_ns;
	uint64_t first_ns; /* the flow's first record */
	uint32_t pkts_c, pkts_s; /* packets so far, client and server side */
	uint64_t bytes_c, bytes_s; /* payload bytes so far */
};

enum flow_event_kind {
	FLOW_EV_UNANSWERED = 1,
	FLOW_EV_HELD,
	FLOW_EV_IDLE, /* a held flow whose client went silent: held no more */
	FLOW_EV_GONE, /* a held flow evicted from the table: held no more */
};

/* A timed-out request or held connection (flow_sweep). Addresses are the flow's. */
struct flow_event {
	enum flow_event_kind kind;
	enum flow_kind flow_kind;
	uint64_t now_ns, first_ns;
	__u8 client[16], server[16];
	uint16_t client_port, server_port; /* echo: the identifier and 0 */
	uint8_t ip_proto;
	uint32_t pkts_c;
	uint64_t bytes_c;
};

typedef void (*flow_event_fn)(void *ctx, const struct flow_event *ev);

struct flow_stats {
	uint64_t n_entries, n_used;
	uint64_t created; /* flows created */
	uint64_t evicted; /* flows dropped to make room while still open */
	uint64_t recycled; /* closed or refused flows whose way was reused */
	uint64_t pending_full; /* requests not timed because their queue was full */
	uint64_t n_pending_cap, n_pending; /* the three timeout queues: capacity, entries now */
	size_t pending_bytes; /* the queues' part of memory_bytes */
	uint64_t unanswered, held, idle, gone; /* events reported */
	uint64_t gone_lost; /* held flows evicted with the gone list full: no FLOW_EV_GONE */
	size_t memory_bytes;
};

struct flow_table;

/* NULL + errno (EINVAL for a bad option, ENOMEM). */
struct flow_table *flow_new(const struct flow_opts *o);
void flow_free(struct flow_table *t);

/*
 * Accounts rec (its clock is rec->ts_ns, never earlier than the last one seen: callers
 * clamp) to its flow and describes it in *obs. Does not run the timeout queues.
 */
void flow_observe(struct flow_table *t, const struct nad_rec *rec, struct flow_obs *obs);

/* Reports every queued request or held flow whose deadline is <= now_ns, in order. */
void flow_sweep(struct flow_table *t, uint64_t now_ns, flow_event_fn fn, void *ctx);

void flow_get_stats(const struct flow_table *t, struct flow_stats *out);

/* Is p a UDP service port whose datagrams to an ephemeral port are responses? */
bool flow_udp_service_port(uint16_t p);

#endif /* NAD_FEATURES_FLOW_H */
