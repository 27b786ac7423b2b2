// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_flow.c - the flow table's connection roles on crafted record streams: handshake,
 * half-open, reset, UDP request/response, ICMP echo, reflection, timeouts, eviction.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "features/flow.h"
#include "nad_parse.h"
#include "helpers/recstream.h"

#define MS 1000000ull
#define SYN NAD_TCP_SYN
#define ACK NAD_TCP_ACK
#define RST NAD_TCP_RST
#define FIN NAD_TCP_FIN

static struct flow_table *table(size_t n)
{
	struct flow_opts o;
	struct flow_table *t;

	flow_opts_default(&o);
	o.n_entries = n;
	t = flow_new(&o);
	cr_assert_not_null(t);
	return t;
}

/* Observes the last record appended to s. */
static struct flow_obs see(struct flow_table *t, struct recstream *s)
{
	struct flow_obs o;

	flow_observe(t, &s->recs[s->n - 1], &o);
	return o;
}

struct events {
	int unanswered, held, idle, gone;
	struct flow_event last;
};

/* 10.0.0.3 opens a connection from port to 10.0.0.1:80, its ACK with payload bytes; each seen. */
static void open_conn(struct flow_table *t, struct recstream *s, uint16_t port, uint16_t payload)
{
	rs_add(s, MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, port, 80, SYN, 0);
	see(t, s);
	rs_add(s, MS, "10.0.0.1", "10.0.0.3", IPPROTO_TCP, 80, port, SYN | ACK, 0);
	see(t, s);
	rs_add(s, MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, port, 80, ACK, payload);
	see(t, s);
}

static void on_event(void *ctx, const struct flow_event *ev)
{
	struct events *e = ctx;

	if (ev->kind == FLOW_EV_UNANSWERED)
		e->unanswered++;
	else if (ev->kind == FLOW_EV_HELD)
		e->held++;
	else if (ev->kind == FLOW_EV_IDLE)
		e->idle++;
	else
		e->gone++;
	e->last = *ev;
}

Test(flow, handshake_names_the_client_and_completes)
{
	struct flow_table *t = table(1024);
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	rs_add(&s, 0, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, 40000, 80, SYN, 0);
	o = see(t, &s);
	cr_assert(o.first && o.from_client && o.request && o.state == FLOW_REQ);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80, 40000, SYN | ACK, 0);
	o = see(t, &s);
	cr_assert(!o.from_client && o.answer && o.state == FLOW_ANSWERED);
	rs_add(&s, MS, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, 40000, 80, ACK, 0);
	o = see(t, &s);
	cr_assert(o.from_client && o.completes && o.state == FLOW_EST);
	cr_assert_float_eq(o.pend_pkts, 1.0, 1e-9, "the SYN was the one pending packet");
	rs_add(&s, MS, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, 40000, 80, ACK, 300);
	o = see(t, &s);
	cr_assert(o.from_client && !o.request && !o.completes);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80, 40000, ACK, 1400);
	o = see(t, &s);
	cr_assert(!o.from_client && !o.request, "%d %d", o.from_client, o.request);
	cr_assert(o.bytes_c == 300 && o.bytes_s == 1400, "%lu %lu", o.bytes_c, o.bytes_s);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80, 40000, FIN | ACK, 0);
	o = see(t, &s);
	cr_assert(!o.ends && (o.flags & FLOW_F_FIN_S));
	rs_add(&s, MS, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, 40000, 80, FIN | ACK, 0);
	o = see(t, &s);
	cr_assert(o.ends && o.state == FLOW_CLOSED);
	rs_free(&s);
	flow_free(t);
}

Test(flow, syn_flood_never_completes_and_times_out_unanswered)
{
	struct flow_table *t = table(4096);
	struct events ev = { 0 };
	struct recstream s;
	struct flow_obs o;
	char src[32];

	rs_init(&s, 1000 * MS);
	/* 100 SYNs; the victim answers half of them, the flooder's kernel resets those */
	for (int i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", 1 + i % 200);
		rs_add(&s, MS / 10, src, "10.0.0.1", IPPROTO_TCP, 1024 + i, 80, SYN, 0);
		o = see(t, &s);
		cr_assert(o.request && !o.completes);
		if (i % 2)
			continue;
		rs_add(&s, MS / 10, "10.0.0.1", src, IPPROTO_TCP, 80, 1024 + i, SYN | ACK, 0);
		o = see(t, &s);
		cr_assert(o.answer);
		rs_add(&s, MS / 10, src, "10.0.0.1", IPPROTO_TCP, 1024 + i, 80, RST, 0);
		o = see(t, &s);
		cr_assert(o.ends && !o.completes && o.state == FLOW_CLOSED);
	}
	flow_sweep(t, s.t_ns + 500 * MS, on_event, &ev);
	cr_assert_eq(ev.unanswered, 0, "not before the answer timeout");
	flow_sweep(t, s.t_ns + 1100 * MS, on_event, &ev);
	cr_assert_eq(ev.unanswered, 50, "the 50 SYNs nobody answered, once each");
	cr_assert_eq(ev.last.server_port, 80);
	flow_sweep(t, s.t_ns + 5000 * MS, on_event, &ev);
	cr_assert_eq(ev.unanswered, 50);
	rs_free(&s);
	flow_free(t);
}

Test(flow, closed_port_refuses_with_rst)
{
	struct flow_table *t = table(1024);
	struct events ev = { 0 };
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	rs_add(&s, 0, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, 50000, 23, SYN, 0);
	see(t, &s);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.3", IPPROTO_TCP, 23, 50000, RST | ACK, 0);
	o = see(t, &s);
	cr_assert(o.refused && o.ends && o.state == FLOW_REFUSED);
	flow_sweep(t, s.t_ns + 2000 * MS, on_event, &ev);
	cr_assert_eq(ev.unanswered, 0, "a refusal is an answer, not a timeout");
	/* a SYN with RST on the same ports starts nothing (the engine fuzz target's finding:
	 * the finished flow's way was taken for a flow tcp_new did not start) */
	rs_add(&s, 2500 * MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, 50000, 23, SYN | RST, 0);
	o = see(t, &s);
	cr_assert(o.unsolicited && !o.first && o.kind == FLOW_K_NONE);
	/* the same ports again: a new flow, not the refused one */
	rs_add(&s, 3000 * MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, 50000, 23, SYN, 0);
	o = see(t, &s);
	cr_assert(o.first && o.state == FLOW_REQ);
	rs_free(&s);
	flow_free(t);
}

Test(flow, udp_request_and_response_pair_by_ports)
{
	struct flow_table *t = table(1024);
	struct events ev = { 0 };
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	rs_add(&s, 0, "10.0.0.2", "10.0.0.1", IPPROTO_UDP, 33000, 53, 0, 30);
	o = see(t, &s);
	cr_assert(o.first && o.from_client && o.request && o.kind == FLOW_K_UDP);
	rs_add(&s, MS / 2, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 53, 33000, 0, 90);
	o = see(t, &s);
	cr_assert(o.answer && !o.from_client && o.state == FLOW_ANSWERED);
	cr_assert_float_eq(o.pend_pkts, 1.0, 1e-9);
	/* a query nobody answers */
	rs_add(&s, MS, "10.0.0.2", "10.0.0.1", IPPROTO_UDP, 33001, 7000, 0, 0);
	see(t, &s);
	flow_sweep(t, s.t_ns + 1001 * MS, on_event, &ev);
	cr_assert_eq(ev.unanswered, 1);
	cr_assert_eq(ev.last.server_port, 7000);
	rs_free(&s);
	flow_free(t);
}

Test(flow, icmp_echo_pairs_by_identifier)
{
	struct flow_table *t = table(1024);
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	rs_add(&s, 0, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 8 << 8, 77, 0, 56);
	o = see(t, &s);
	cr_assert(o.first && o.from_client && o.kind == FLOW_K_ECHO);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0 << 8, 78, 0, 56);
	o = see(t, &s);
	cr_assert(o.unsolicited && !o.answer, "another identifier answers nothing");
	rs_add(&s, MS, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0 << 8, 77, 0, 56);
	o = see(t, &s);
	cr_assert(o.answer && !o.from_client);
	/* port unreachable: no flow of its own, a failure for the receiver */
	rs_add(&s, MS, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 3 << 8 | 3, 0, 0, 36);
	o = see(t, &s);
	cr_assert(o.icmp_error && o.kind == FLOW_K_NONE);
	rs_free(&s);
	flow_free(t);
}

Test(flow, responses_nobody_asked_for_are_unsolicited_and_start_no_flow)
{
	struct flow_table *t = table(1024);
	struct flow_stats st;
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	rs_add(&s, 0, "198.51.100.7", "10.0.0.1", IPPROTO_UDP, 161, 44000, 0, 1200); /* SNMP */
	o = see(t, &s);
	cr_assert(o.unsolicited && !o.first);
	rs_add(&s, MS, "198.51.100.8", "10.0.0.1", IPPROTO_TCP, 80, 44000, SYN | ACK, 0);
	o = see(t, &s);
	cr_assert(o.unsolicited && !o.first);
	rs_add(&s, MS, "198.51.100.9", "10.0.0.1", IPPROTO_TCP, 80, 44001, RST | ACK, 0);
	o = see(t, &s);
	cr_assert(o.unsolicited);
	/* two NTP peers on 123 <-> 123: the first sender asks */
	rs_add(&s, MS, "10.0.0.5", "10.0.0.1", IPPROTO_UDP, 123, 123, 0, 48);
	o = see(t, &s);
	cr_assert(o.first && o.from_client && !o.unsolicited);
	flow_get_stats(t, &st);
	cr_assert_eq(st.created, 1);
	rs_free(&s);
	flow_free(t);
}

Test(flow, midstream_flow_takes_the_ephemeral_side_as_client)
{
	struct flow_table *t = table(1024);
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	rs_add(&s, 0, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 443, 51000, ACK, 1400);
	o = see(t, &s);
	cr_assert(o.first && !o.from_client && o.state == FLOW_EST);
	cr_assert(o.flags & FLOW_F_MIDSTREAM);
	cr_assert_eq(o.bytes_s, 1400);
	rs_free(&s);
	flow_free(t);
}

Test(flow, held_connection_is_reported_once_silent_servers_only)
{
	struct flow_table *t = table(1024);
	struct events ev = { 0 };
	struct recstream s;

	rs_init(&s, 1000 * MS);
	for (int i = 0; i < 2; i++) {
		uint16_t p = 40000 + i;

		open_conn(t, &s, p, 0);
		rs_add(&s, MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, p, 80, ACK, 40); /* partial */
		see(t, &s);
	}
	/* the server answers the second connection, not the first */
	rs_add(&s, MS, "10.0.0.1", "10.0.0.3", IPPROTO_TCP, 80, 40001, ACK, 500);
	see(t, &s);
	flow_sweep(t, s.t_ns + 2000 * MS, on_event, &ev);
	cr_assert_eq(ev.held, 1);
	cr_assert_eq(ev.last.client_port, 40000);
	cr_assert_eq(ev.unanswered, 0);
	rs_free(&s);
	flow_free(t);
}

Test(flow, a_held_connection_is_released_by_the_servers_payload_or_its_end)
{
	struct flow_table *t = table(1024);
	struct events ev = { 0 };
	struct recstream s;
	struct flow_obs o;

	rs_init(&s, 1000 * MS);
	for (int i = 0; i < 2; i++) {
		uint16_t p = 40000 + i;

		open_conn(t, &s, p, 40);
	}
	flow_sweep(t, s.t_ns + 2000 * MS, on_event, &ev);
	cr_assert_eq(ev.held, 2);
	s.t_ns += 2000 * MS;
	/* the first: the server answers at last (an ACK without payload releases nothing) */
	rs_add(&s, MS, "10.0.0.1", "10.0.0.3", IPPROTO_TCP, 80, 40000, ACK, 0);
	o = see(t, &s);
	cr_assert(!o.released);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.3", IPPROTO_TCP, 80, 40000, ACK, 300);
	o = see(t, &s);
	cr_assert(o.released);
	rs_add(&s, MS, "10.0.0.1", "10.0.0.3", IPPROTO_TCP, 80, 40000, ACK, 300);
	o = see(t, &s);
	cr_assert(!o.released, "released once");
	/* the second: the client gives up and resets it */
	rs_add(&s, MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, 40001, 80, RST, 0);
	o = see(t, &s);
	cr_assert(o.released && o.ends);
	rs_free(&s);
	flow_free(t);
}

Test(flow, a_held_connection_whose_client_goes_silent_is_released_one_kept_alive_is_not)
{
	struct flow_table *t = table(1024);
	struct events ev = { 0 };
	struct recstream s;

	rs_init(&s, 1000 * MS);
	for (int i = 0; i < 2; i++) {
		uint16_t p = 40000 + i;

		open_conn(t, &s, p, 40);
	}
	/* 40001 dribbles a header line every 5 s, 40000 says nothing more; 30 s pass */
	for (int k = 0; k < 6; k++) {
		rs_add(&s, 5000 * MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, 40001, 80, ACK, 12);
		see(t, &s);
		flow_sweep(t, s.t_ns, on_event, &ev);
	}
	cr_assert_eq(ev.held, 2);
	cr_assert_eq(ev.idle, 1);
	cr_assert_eq(ev.last.client_port, 40000);
	/* the silent one speaks again, still unanswered: held again */
	rs_add(&s, MS, "10.0.0.3", "10.0.0.1", IPPROTO_TCP, 40000, 80, ACK, 12);
	see(t, &s);
	flow_sweep(t, s.t_ns + 2000 * MS, on_event, &ev);
	cr_assert_eq(ev.held, 3);
	rs_free(&s);
	flow_free(t);
}

/*
 * A held flow evicted to make room is reported gone at the next sweep (its endpoints kept),
 * so a count of held connections goes back down: one release for every held report.
 */
Test(flow, a_held_flow_evicted_from_the_table_is_reported_gone)
{
	struct flow_table *t = table(64);
	struct events ev = { 0 };
	struct flow_stats st;
	struct recstream s;
	char src[32];

	rs_init(&s, 1000 * MS);
	open_conn(t, &s, 40000, 40);
	flow_sweep(t, s.t_ns + 2000 * MS, on_event, &ev);
	cr_assert_eq(ev.held, 1);
	s.t_ns += 2000 * MS;
	/* 1,000 newer flows through a table of 64: the held one is the oldest of its set */
	for (int i = 0; i < 1000 && !ev.gone; i++) {
		snprintf(src, sizeof(src), "10.1.%d.%d", i / 250, i % 250 + 1);
		rs_add(&s, MS, src, "10.0.0.1", IPPROTO_UDP, 5000, 53, 0, 30);
		see(t, &s);
		flow_sweep(t, s.t_ns, on_event, &ev);
	}
	cr_assert_eq(ev.gone, 1, "the held flow's eviction reported");
	cr_expect_eq(ev.last.kind, FLOW_EV_GONE);
	cr_expect_eq(ev.last.client_port, 40000);
	cr_expect_eq(ev.last.server_port, 80);
	cr_expect_eq(ev.idle, 0);
	flow_get_stats(t, &st);
	cr_expect_eq(st.gone, 1);
	cr_expect_eq(st.gone_lost, 0);
	rs_free(&s);
	flow_free(t);
}

Test(flow, random_source_flood_keeps_memory_bounded_and_counts_evictions)
{
	struct flow_table *t = table(4096);
	struct flow_stats st;
	struct recstream s;
	uint32_t x = 12345;
	char src[32];

	rs_init(&s, 1000 * MS);
	for (int i = 0; i < 100000; i++) {
		uint32_t r = rs_xorshift(&x);

		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (r >> 24) % 223, (r >> 16) & 255,
			 (r >> 8) & 255, 1 + (r & 127));
		rs_add(&s, 1000, src, "10.0.0.1", IPPROTO_TCP, 1024 + (r % 60000), 80, SYN, 0);
		see(t, &s);
		s.n = 0; /* keep the stream short: only the table's memory matters here */
	}
	flow_get_stats(t, &st);
	cr_assert_eq(st.n_entries, 4096);
	cr_assert_leq(st.n_used, 4096);
	cr_assert_eq(st.created, 100000);
	cr_assert_geq(st.evicted, 100000 - 4096, "every flow beyond the capacity evicts one");
	cr_assert_lt(st.memory_bytes, 4096 * 128 + 3 * 65536 * 16 + 4096);
	rs_free(&s);
	flow_free(t);
}

Test(flow, bad_options_are_refused)
{
	struct flow_opts o;

	flow_opts_default(&o);
	o.n_entries = 10;
	cr_assert_null(flow_new(&o));
	flow_opts_default(&o);
	o.answer_timeout_s = 0;
	cr_assert_null(flow_new(&o));
	flow_free(NULL);
}
