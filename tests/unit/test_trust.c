// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_trust.c - classes decided from connection roles, benign and attack side by side:
 * a server's downloads and a client's upload, an answered fast client and an unanswered
 * flood, failed and successful connection bursts, reflection, held connections, and a
 * learned baseline that raises a threshold.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "common/log.h"
#include "common/names.h"
#include "detect/engine.h"
#include "features/baseline.h"
#include "features/context.h"
#include "features/homenet.h"
#include "helpers/recstream.h"
#include "mitigate/mem.h"
#include "mitigate/policy.h"

#define T0 1700000000000000000ull
#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

#define SYN 0x02
#define RST 0x04
#define ACK 0x10
#define FIN 0x01

struct tally {
	unsigned starts[CLASS_N];
	unsigned warn_or_crit;
	char evidence[CLASS_N][CLASSIFY_TEXT];
	__u8 src[CLASS_N][16];
};

static void observe(void *ctx, const struct alert_event *ev)
{
	struct tally *t = ctx;

	if (strcmp(ev->event_type, "anomaly") || ev->closing)
		return;
	if (!t->starts[ev->cls]++) {
		snprintf(t->evidence[ev->cls], CLASSIFY_TEXT, "%s", ev->evidence);
		memcpy(t->src[ev->cls], ev->saddr, 16);
	}
	if (names_class_severity(ev->cls) >= SEV_WARNING) {
		t->warn_or_crit++;
		cr_log_info("%s: %s", names_class(ev->cls), ev->evidence);
	}
}

/* The engine run_with() is running, for the mitigation's questions (answered_in). */
static const struct engine *running;

/* A model-less engine with home net 192.168.1.0/24, baseline b (may be NULL), observer fn. */
static void run_with(const struct recstream *rs, struct baseline *b, alert_event_fn fn, void *ctx)
{
	struct homenet home = { 0 };
	struct addr_prefix p;
	struct engine_opts o;
	struct engine *e;

	cr_assert_eq(addr_prefix_parse("192.168.1.0/24", &p), 0);
	homenet_add(&home, &p);
	engine_opts_default(&o);
	o.profile = PROFILE_HOME;
	o.summary_interval_s = -1;
	o.home = &home;
	o.baseline = b;
	e = engine_new(&o, NULL, NULL);
	cr_assert_not_null(e);
	engine_set_observer(e, fn, ctx);
	running = e;
	for (size_t i = 0; i < rs->n; i++)
		engine_process(e, &rs->recs[i]);
	engine_finish(e);
	running = NULL;
	engine_free(e);
}

/* run_with() into a tally. */
static void run(const struct recstream *rs, struct baseline *b, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	run_with(rs, b, observe, t);
}

static void addr_of(const char *ip, __u8 out[16])
{
	struct recstream s;

	rs_init(&s, 0);
	rs_add(&s, 0, ip, ip, IPPROTO_UDP, 1, 1, 0, 0);
	memcpy(out, s.recs[0].saddr, 16);
	rs_free(&s);
}

static bool from(const struct tally *t, enum classify_class c, const char *ip)
{
	__u8 a[16];

	addr_of(ip, a);
	return !memcmp(a, t->src[c], 16);
}

/*
 * A TCP session: handshake, `up` bytes from the client and `down` bytes from the server
 * in 1400-byte segments (every second one acknowledged), FINs. gap between packets.
 */
static void session(struct recstream *s, uint64_t gap, const char *cli, uint16_t cp,
		    const char *srv, uint16_t sp, uint64_t up, uint64_t down)
{
	unsigned k = 0;

	rs_add(s, gap, cli, srv, IPPROTO_TCP, cp, sp, SYN, 0);
	rs_add(s, gap, srv, cli, IPPROTO_TCP, sp, cp, SYN | ACK, 0);
	rs_add(s, gap, cli, srv, IPPROTO_TCP, cp, sp, ACK, 0);
	for (uint64_t b = 0; b < up; b += 1400, k++) {
		rs_add(s, gap, cli, srv, IPPROTO_TCP, cp, sp, ACK, 1400);
		if (k % 2)
			rs_add(s, gap, srv, cli, IPPROTO_TCP, sp, cp, ACK, 0);
	}
	for (uint64_t b = 0; b < down; b += 1400, k++) {
		rs_add(s, gap, srv, cli, IPPROTO_TCP, sp, cp, ACK, 1400);
		if (k % 2)
			rs_add(s, gap, cli, srv, IPPROTO_TCP, cp, sp, ACK, 0);
	}
	rs_add(s, gap, cli, srv, IPPROTO_TCP, cp, sp, FIN | ACK, 0);
	rs_add(s, gap, srv, cli, IPPROTO_TCP, sp, cp, FIN | ACK, 0);
}

Test(trust, a_server_serving_downloads_is_not_exfiltrating_a_client_uploading_out_is)
{
	struct recstream s;
	struct tally t;

	/* an outside client downloads 50 MB from the home web server */
	rs_init(&s, T0);
	session(&s, 20 * US, "198.51.100.7", 50000, "192.168.1.10", 443, 400, 50000000);
	run(&s, NULL, &t);
	cr_expect_eq(t.warn_or_crit, 0, "%s", t.evidence[CLASS_DATA_EXFILTRATION]);
	rs_free(&s);

	/* a home client backs up 50 MB to a home server */
	rs_init(&s, T0);
	session(&s, 20 * US, "192.168.1.20", 50001, "192.168.1.30", 873, 50000000, 400);
	run(&s, NULL, &t);
	cr_expect_eq(t.warn_or_crit, 0, "%s", t.evidence[CLASS_DATA_EXFILTRATION]);
	rs_free(&s);

	/* the same client uploads 50 MB to an outside server it connected to */
	rs_init(&s, T0);
	session(&s, 20 * US, "192.168.1.20", 50002, "198.51.100.9", 443, 50000000, 400);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DATA_EXFILTRATION], 1);
	cr_expect(from(&t, CLASS_DATA_EXFILTRATION, "192.168.1.20"));
	cr_expect(strstr(t.evidence[CLASS_DATA_EXFILTRATION], "connections it opened"), "%s",
		  t.evidence[CLASS_DATA_EXFILTRATION]);
	rs_free(&s);
}

Test(trust, an_answered_fast_client_is_not_a_flood_an_unanswered_one_is)
{
	struct recstream s;
	struct tally t;

	/* 7,000 DNS lookups a second for 2 s, each answered within 0.2 ms */
	rs_init(&s, T0);
	for (unsigned i = 0; i < 14000; i++) {
		uint16_t port = (uint16_t)(20000 + i % 40000);

		rs_add(&s, 140 * US, "192.168.1.20", "192.168.1.1", IPPROTO_UDP, port, 53, 0, 32);
		rs_add(&s, 0, "192.168.1.1", "192.168.1.20", IPPROTO_UDP, 53, port, 0, 90)->ts_ns +=
			200 * US;
	}
	run(&s, NULL, &t);
	cr_expect_eq(t.warn_or_crit, 0, "%s", t.evidence[CLASS_DOS_ATTACK]);
	rs_free(&s);

	/* the same rate to a port nobody answers on */
	rs_init(&s, T0);
	for (unsigned i = 0; i < 14000; i++)
		rs_add(&s, 140 * US, "192.168.1.20", "192.168.1.1", IPPROTO_UDP,
		       (uint16_t)(20000 + i % 40000), 7000, 0, 32);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DOS_ATTACK], 1);
	cr_expect(from(&t, CLASS_DOS_ATTACK, "192.168.1.20"));
	cr_expect(strstr(t.evidence[CLASS_DOS_ATTACK], "unanswered"), "%s",
		  t.evidence[CLASS_DOS_ATTACK]);
	rs_free(&s);

	/* an HTTP load test: 2,000 short sessions a second, every one served */
	rs_init(&s, T0);
	for (unsigned i = 0; i < 4000; i++)
		session(&s, 20 * US, "192.168.1.20", (uint16_t)(20000 + i), "192.168.1.10", 80, 120,
			1400);
	run(&s, NULL, &t);
	cr_expect_eq(t.warn_or_crit, 0, "%s / %s", t.evidence[CLASS_DOS_ATTACK],
		     t.evidence[CLASS_EXCESSIVE_TRAFFIC]);
	rs_free(&s);
}

Test(trust, failed_connection_bursts_are_scans_successful_ones_are_not)
{
	struct recstream s;
	struct tally t;

	/* 200 ports, every connection completed and used */
	rs_init(&s, T0);
	for (unsigned p = 1; p <= 200; p++)
		session(&s, 100 * US, "192.168.1.20", 40000, "192.168.1.10", (uint16_t)(1000 + p),
			100, 100);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_SCANNING], 0, "%s", t.evidence[CLASS_SCANNING]);
	rs_free(&s);

	/* 200 ports, every SYN reset */
	rs_init(&s, T0);
	for (unsigned p = 1; p <= 200; p++) {
		rs_add(&s, 500 * US, "192.168.1.66", "192.168.1.10", IPPROTO_TCP, 40000,
		       (uint16_t)p, SYN, 0);
		rs_add(&s, 50 * US, "192.168.1.10", "192.168.1.66", IPPROTO_TCP, (uint16_t)p, 40000,
		       RST | ACK, 0);
	}
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_SCANNING], 1);
	cr_expect(strstr(t.evidence[CLASS_SCANNING], "refused it or never answered"), "%s",
		  t.evidence[CLASS_SCANNING]);
	rs_free(&s);

	/* UDP ports nobody answers, 200 a second for 3 s: the timeouts make it a scan */
	rs_init(&s, T0);
	for (unsigned p = 1; p <= 600; p++)
		rs_add(&s, 5 * MS, "192.168.1.66", "192.168.1.10", IPPROTO_UDP, 40000, (uint16_t)p,
		       0, 0);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_SCANNING], 1);
	rs_free(&s);
}

Test(trust, responses_nobody_asked_for_are_a_flood_on_their_victim)
{
	struct recstream s;
	struct tally t;
	char src[32];

	rs_init(&s, T0);
	for (unsigned i = 0; i < 4000; i++) {
		snprintf(src, sizeof(src), "203.0.%u.%u", 1 + i % 200, 1 + (i / 200) % 250);
		rs_add(&s, 200 * US, src, "192.168.1.10", IPPROTO_UDP, 161,
		       (uint16_t)(1024 + i * 7 % 60000), 0, 1200);
	}
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DOS_ATTACK], 1);
	cr_expect(strstr(t.evidence[CLASS_DOS_ATTACK], "never asked for"), "%s",
		  t.evidence[CLASS_DOS_ATTACK]);
	rs_free(&s);
}

static uint64_t syn_flood(struct recstream *s, const char *src, const char *dst, double secs);

Test(trust, a_udp_scan_over_before_its_probes_time_out_is_still_a_scan)
{
	struct recstream s;
	struct tally t;

	/*
	 * 200 empty UDP probes in 0.4 s; the target's ICMP rate limit answers none. The
	 * scanner is silent once its probes time out: only the timeouts tell.
	 */
	rs_init(&s, T0);
	for (unsigned p = 1; p <= 200; p++)
		rs_add(&s, 2 * MS, "192.168.1.66", "192.168.1.10", IPPROTO_UDP, 45000,
		       (uint16_t)p, 0, 0);
	for (unsigned i = 0; i < 5; i++) /* other traffic moves the clock on */
		rs_add(&s, i ? SEC : 2 * SEC, "192.168.1.20", "192.168.1.10", IPPROTO_UDP, 5353,
		       5353, 0, 60);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_SCANNING], 1);
	cr_expect(from(&t, CLASS_SCANNING, "192.168.1.66"));
	cr_expect(strstr(t.evidence[CLASS_SCANNING], "never answered"), "%s",
		  t.evidence[CLASS_SCANNING]);
	rs_free(&s);

	/* the same scanner in another class's episode first (a flood): still a scan */
	rs_init(&s, T0);
	syn_flood(&s, "192.168.1.66", "192.168.1.10", 0.5);
	for (unsigned p = 1; p <= 200; p++)
		rs_add(&s, 2 * MS, "192.168.1.66", "192.168.1.10", IPPROTO_UDP, 45000,
		       (uint16_t)p, 0, 0);
	for (unsigned i = 0; i < 5; i++)
		rs_add(&s, i ? SEC : 2 * SEC, "192.168.1.20", "192.168.1.10", IPPROTO_UDP, 5353,
		       5353, 0, 60);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DOS_ATTACK], 1);
	cr_expect_eq(t.starts[CLASS_SCANNING], 1, "the scan after the flood");
	rs_free(&s);

	/* the same probes, each answered (a client talking to 200 services): no scan */
	rs_init(&s, T0);
	for (unsigned p = 1; p <= 200; p++) {
		rs_add(&s, 2 * MS, "192.168.1.66", "192.168.1.10", IPPROTO_UDP, 45000,
		       (uint16_t)p, 0, 20);
		rs_add(&s, 100 * US, "192.168.1.10", "192.168.1.66", IPPROTO_UDP, (uint16_t)p,
		       45000, 0, 40);
	}
	for (unsigned i = 0; i < 5; i++)
		rs_add(&s, i ? SEC : 2 * SEC, "192.168.1.20", "192.168.1.10", IPPROTO_UDP, 5353,
		       5353, 0, 60);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_SCANNING], 0);
	rs_free(&s);
}

Test(trust, a_client_whose_ephemeral_port_is_a_service_port_makes_no_callback)
{
	struct recstream s;
	struct tally t;

	/*
	 * Behind a NAT a client's source port can be anything, 3389 too: the server's
	 * responses to it are not payload to a sensitive service, and the client's next
	 * connection to the server is no callback.
	 */
	rs_init(&s, T0);
	session(&s, 100 * US, "192.168.1.5", 3389, "192.168.1.10", 80, 300, 14000);
	session(&s, 100 * US, "192.168.1.5", 40001, "192.168.1.10", 80, 300, 14000);
	run(&s, NULL, &t);
	cr_expect_eq(t.warn_or_crit, 0, "%s", t.evidence[CLASS_INTRUSION_ATTEMPT]);
	rs_free(&s);
}

Test(trust, connections_held_open_are_slow_dos_answered_ones_are_not)
{
	struct recstream s;
	struct tally t;

	/* 100 connections, a partial request each, the server never answers */
	rs_init(&s, T0);
	for (unsigned c = 0; c < 100; c++) {
		uint16_t p = (uint16_t)(30000 + c);

		rs_add(&s, 10 * MS, "192.168.1.66", "192.168.1.10", IPPROTO_TCP, p, 80, SYN, 0);
		rs_add(&s, 100 * US, "192.168.1.10", "192.168.1.66", IPPROTO_TCP, 80, p, SYN | ACK,
		       0);
		rs_add(&s, 100 * US, "192.168.1.66", "192.168.1.10", IPPROTO_TCP, p, 80, ACK, 0);
		rs_add(&s, 100 * US, "192.168.1.66", "192.168.1.10", IPPROTO_TCP, p, 80, ACK, 200);
	}
	/* a header line each, 3 s later and then every 15 s, as Slowloris writes: one alert */
	for (unsigned burst = 0; burst < 5; burst++) {
		uint64_t gap = burst ? 15 * SEC : 3 * SEC;

		for (unsigned c = 0; c < 100; c++)
			rs_add(&s, c ? MS : gap, "192.168.1.66", "192.168.1.10", IPPROTO_TCP,
			       (uint16_t)(30000 + c), 80, ACK, 12);
	}
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DOS_ATTACK], 1, "one slow DoS, not one per burst: %u",
		     t.starts[CLASS_DOS_ATTACK]);
	cr_expect(strstr(t.evidence[CLASS_DOS_ATTACK], "slow DoS"), "%s",
		  t.evidence[CLASS_DOS_ATTACK]);
	/*
	 * The attacker closes them; 65 s later (its episode over: a slow DoS's is held 60 s)
	 * its next, answered requests to the port start no slow DoS: it holds nothing open now.
	 */
	for (unsigned c = 0; c < 100; c++)
		rs_add(&s, c ? MS : SEC, "192.168.1.66", "192.168.1.10", IPPROTO_TCP,
		       (uint16_t)(30000 + c), 80, RST, 0);
	s.t_ns += 65 * SEC;
	for (unsigned c = 0; c < 3; c++)
		session(&s, 100 * US, "192.168.1.66", (uint16_t)(31000 + c), "192.168.1.10", 80,
			200, 1400);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DOS_ATTACK], 1, "a released Slowloris is not held: %u",
		     t.starts[CLASS_DOS_ATTACK]);
	rs_free(&s);

	/* 100 keep-alive connections whose requests are answered at once */
	rs_init(&s, T0);
	for (unsigned c = 0; c < 100; c++)
		session(&s, 100 * US, "192.168.1.20", (uint16_t)(30000 + c), "192.168.1.10", 80,
			200, 1400);
	run(&s, NULL, &t);
	cr_expect_eq(t.warn_or_crit, 0);
	rs_free(&s);
}

/* Host a's baseline after n windows of `upload` bytes/s on connections it opened out. */
static struct baseline *learned_upload(const char *a, unsigned n, double upload)
{
	struct baseline_opts o;
	struct baseline *b;
	struct recstream s;

	baseline_opts_default(&o);
	b = baseline_new(&o);
	cr_assert_not_null(b);
	rs_init(&s, 0);
	rs_add(&s, 0, a, a, IPPROTO_UDP, 1, 1, 0, 0);
	for (unsigned w = 0; w < n; w++) {
		struct baseline_host *h =
			baseline_host(b, s.recs[0].saddr, T0 - (n - w) * 10 * SEC);

		baseline_host_add(h, BL_UPLOAD, upload * 10);
	}
	rs_free(&s);
	return b;
}

Test(trust, a_learned_baseline_raises_the_exfiltration_threshold_and_the_evidence_says_so)
{
	struct baseline *b = learned_upload("192.168.1.20", 60, 250e3);
	struct recstream s;
	struct tally t;

	/* 30 MB out in a few seconds: over the 10 MB floor, under 3 x 250 KB/s x 60 s */
	rs_init(&s, T0);
	session(&s, 20 * US, "192.168.1.20", 50002, "198.51.100.9", 443, 30000000, 400);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DATA_EXFILTRATION], 1, "no baseline: the floor");
	cr_expect(strstr(t.evidence[CLASS_DATA_EXFILTRATION], "the profile's floor"));
	run(&s, b, &t);
	cr_expect_eq(t.starts[CLASS_DATA_EXFILTRATION], 0, "%s",
		     t.evidence[CLASS_DATA_EXFILTRATION]);
	rs_free(&s);

	/* 80 MB: over 3 x the learned level too, and the sentence names it */
	rs_init(&s, T0);
	session(&s, 20 * US, "192.168.1.20", 50002, "198.51.100.9", 443, 80000000, 400);
	run(&s, b, &t);
	cr_expect_eq(t.starts[CLASS_DATA_EXFILTRATION], 1);
	cr_expect(strstr(t.evidence[CLASS_DATA_EXFILTRATION], "x the learned level of"), "%s",
		  t.evidence[CLASS_DATA_EXFILTRATION]);
	rs_free(&s);
	baseline_free(b);
}

/* ---- the flood's facts, and what the mitigation makes of them ---------------------- */

/* The dos_attack events (start, updates) of one source, and the flood facts they carry. */
struct facts_log {
	__u8 src[16];
	unsigned n;
	struct flood_facts first, last;
	uint64_t first_ns, last_ns; /* the events' latest packets */
	unsigned since_changes; /* how often flood_since_ns changed between events */
	unsigned other_signatures; /* events whose signature was not the first's */
	uint64_t since_max;
};

static void observe_facts(void *ctx, const struct alert_event *ev)
{
	struct facts_log *l = ctx;

	if (ev->cls != CLASS_DOS_ATTACK || ev->closing || memcmp(ev->saddr, l->src, 16) ||
	    (strcmp(ev->event_type, "anomaly") && !ev->update))
		return;
	if (!l->n++) {
		l->first = ev->flood;
		l->first_ns = ev->last_ns;
	} else if (ev->flood.flood_since_ns != l->last.flood_since_ns) {
		l->since_changes++;
	}
	if (l->n > 1 && (ev->flood.kind != l->first.kind || ev->flood.dport != l->first.dport ||
			 ev->flood.proto != l->first.proto))
		l->other_signatures++;
	l->last = ev->flood;
	l->last_ns = ev->last_ns;
	if (ev->flood.flood_since_ns > l->since_max)
		l->since_max = ev->flood.flood_since_ns;
}

/* n DNS lookups of cli to 192.168.1.1, each answered 200 us later; the last answer's time. */
static uint64_t lookups(struct recstream *s, const char *cli, unsigned n, uint64_t gap)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(30000 + i);

		rs_add(s, gap, cli, "192.168.1.1", IPPROTO_UDP, port, 53, 0, 32);
		t = rs_add(s, 200 * US, "192.168.1.1", cli, IPPROTO_UDP, 53, port, 0, 90)->ts_ns;
	}
	return t;
}

/* secs of SYNs from src to dst:80 at 5,000/s, nobody answering; the first one's time. */
static uint64_t syn_flood(struct recstream *s, const char *src, const char *dst, double secs)
{
	uint64_t t = s->t_ns + 200 * US;

	for (unsigned i = 0; i < (unsigned)(secs * 5000); i++)
		rs_add(s, 200 * US, src, dst, IPPROTO_TCP, (uint16_t)(1024 + i % 60000), 80, SYN,
		       0);
	return t;
}

Test(trust, a_flood_carries_its_signature_unanswered_share_hold_and_last_answer)
{
	struct facts_log l = { 0 };
	struct recstream s;
	uint64_t answered, start;

	/*
	 * A client with answered lookups, then a SYN flood; its kernel resets every SYN-ACK
	 * and it asks the victim's port 81 every 20 ms meanwhile: neither is the flood.
	 */
	rs_init(&s, T0);
	answered = lookups(&s, "192.168.1.20", 20, 10 * MS);
	start = s.t_ns + 100 * US;
	for (unsigned i = 0; i < 5000; i++) {
		uint16_t port = (uint16_t)(1024 + i);

		rs_add(&s, 100 * US, "192.168.1.20", "192.168.1.10", IPPROTO_TCP, port, 80, SYN, 0);
		rs_add(&s, 50 * US, "192.168.1.20", "192.168.1.10", IPPROTO_TCP, port, 80, RST, 0);
		if (i % 100 == 50)
			rs_add(&s, 10 * US, "192.168.1.20", "192.168.1.10", IPPROTO_TCP, port, 81,
			       SYN, 0);
		s.t_ns += 50 * US;
	}
	addr_of("192.168.1.20", l.src);
	run_with(&s, NULL, observe_facts, &l);
	cr_assert_gt(l.n, 10, "a start and its updates (%u)", l.n);
	cr_expect_eq(l.last.proto, IPPROTO_TCP);
	cr_expect_eq(l.last.dport, 80);
	cr_expect_eq(l.last.kind, FLOOD_SYN);
	cr_expect_eq(l.other_signatures, 0, "the flood's signature in every event");
	cr_expect_eq(l.first.answered_last_ns, answered, "its last answer");
	cr_expect_lt(l.last.answered_share, 0.2, "the flood is not answered: %.2f",
		     l.last.answered_share);
	cr_expect_geq(l.last.unanswered_pps, l.last.threshold_pps, "%.0f >= %.0f",
		      l.last.unanswered_pps, l.last.threshold_pps);
	cr_expect_eq(l.last.threshold_pps, 1000, "the home profile's floor");
	cr_expect(!l.last.threshold_learned);
	/* held without a break from its start to its end */
	cr_expect_eq(l.since_changes, 0);
	/* from its last answered request: its requests have gone unanswered since */
	cr_expect_geq(l.first.flood_since_ns, answered);
	cr_expect_leq(l.first.flood_since_ns, start);
	cr_expect_leq(l.first.flood_since_ns, l.first_ns);
	cr_expect_geq(l.last_ns - l.last.flood_since_ns, 500 * MS);
	rs_free(&s);
}

Test(trust, a_flood_that_stops_holds_again_only_from_its_restart)
{
	struct facts_log l = { 0 };
	struct recstream s;
	uint64_t again;

	rs_init(&s, T0);
	syn_flood(&s, "203.0.113.5", "192.168.1.10", 0.5);
	s.t_ns += 4 * SEC; /* a pause: the condition breaks */
	rs_add(&s, 0, "203.0.113.5", "192.168.1.10", IPPROTO_TCP, 999, 80, SYN, 0);
	again = syn_flood(&s, "203.0.113.5", "192.168.1.10", 0.5);
	addr_of("203.0.113.5", l.src);
	run_with(&s, NULL, observe_facts, &l);
	cr_assert_gt(l.n, 10);
	cr_expect_eq(l.last.answered_last_ns, 0, "never answered");
	cr_expect_eq(l.since_changes, 1, "once: at the restart");
	/* since the restart's run of SYNs (the lone SYN just before it is its first) */
	cr_expect_geq(l.last.flood_since_ns, again - 200 * US, "held since the restart");
	rs_free(&s);
}

/* The engine's alerts into a mitigation on the in-memory backend, on the record clock. */
struct mitigated {
	struct mitigate *m;
	struct mitigate_mem *mem; /* its backend */
	unsigned n_drop_installs;
	char drops[16][ADDR_PREFIX_STRLEN];
	uint64_t first_drop_ns;
};

static void on_mitigation(void *ctx, const struct mitigate_event *ev)
{
	struct mitigated *x = ctx;

	if (ev->action != MITIGATE_ACT_INSTALL || ev->kind != MITIGATE_RULE_DROP)
		return;
	if (x->n_drop_installs < 16)
		addr_prefix_format(&ev->prefix, x->drops[x->n_drop_installs], ADDR_PREFIX_STRLEN);
	if (!x->n_drop_installs++)
		x->first_drop_ns = ev->ts_ns;
}

/* x's mitigation with options o on a fresh in-memory backend, its events counted in x. */
static void mitigated_start(struct mitigated *x, struct mitigate_opts *o)
{
	log_set_level(LOG_WARN);
	x->mem = mitigate_mem_new(4096);
	cr_assert_not_null(x->mem);
	o->on_event = on_mitigation;
	o->event_ctx = x;
	x->m = mitigate_new(o, &mitigate_mem_ops, x->mem);
	cr_assert_not_null(x->m);
}

static void mitigated_end(struct mitigated *x)
{
	mitigate_free(x->m);
	mitigate_mem_free(x->mem);
}

static void to_mitigation(void *ctx, const struct alert_event *ev)
{
	struct mitigated *x = ctx;
	struct mitigate_alert a;

	if (mitigate_alert_of(ev, ev->last_ns, &a))
		cr_assert_eq(mitigate_on_alert(x->m, &a), 0);
}

/* Is there a TCP rate rule of src (NULL: any source, an aggregate rule) to dst:port? */
static bool rate_rule_on(const struct mitigated *x, const char *src, const char *dst,
			 uint16_t port)
{
	struct nad_rate_key k = { .proto = IPPROTO_TCP, .dport = port };
	struct nad_rate rate;

	if (src)
		addr_of(src, k.saddr);
	addr_of(dst, k.daddr);
	return mitigate_mem_rate(x->mem, &k, &rate);
}

/* Fails the test if a drop rule was installed that covers ip (a source with answered sessions). */
static void expect_never_dropped(const struct mitigated *x, const char *ip)
{
	__u8 a[16];

	addr_of(ip, a);
	for (unsigned i = 0; i < x->n_drop_installs && i < 16; i++) {
		struct addr_prefix p;

		cr_assert_eq(addr_prefix_parse(x->drops[i], &p), 0);
		cr_expect(!addr_prefix_contains(&p, a), "a drop rule %s against %s, answered",
			  x->drops[i], ip);
	}
	cr_expect(!mitigate_mem_packet(x->mem, a, 60, T0 + 20 * SEC), "%s's packets are not dropped",
		  ip);
}

Test(trust, the_engine_and_policy_drop_only_unanswered_sustained_floods)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigated x = { 0 };
	struct recstream s, b;
	uint64_t atk;
	char src[32];

	mitigated_start(&x, &o);

	rs_init(&s, T0);
	/* an answered client floods 192.168.1.10:80, then an unknown source does */
	lookups(&s, "192.168.1.20", 20, 10 * MS);
	syn_flood(&s, "192.168.1.20", "192.168.1.10", 1);
	s.t_ns += 2 * SEC;
	atk = syn_flood(&s, "203.0.113.5", "192.168.1.10", 1);
	s.t_ns += 2 * SEC;
	/* a spoofed SYN flood on 192.168.1.11:25565 */
	for (unsigned i = 0; i < 4000; i++) {
		snprintf(src, sizeof(src), "198.51.%u.%u", 1 + i % 200, 1 + (i / 200) % 250);
		rs_add(&s, 200 * US, src, "192.168.1.11", IPPROTO_TCP, (uint16_t)(1024 + i), 25565,
		       SYN, 0);
	}
	/* all along, another client's lookups, every one answered */
	rs_init(&b, T0);
	lookups(&b, "192.168.1.21", 800, 10 * MS);
	rs_merge(&s, &b);
	run_with(&s, NULL, to_mitigation, &x);

	/* the answered client: its flood's signature alone is limited */
	cr_expect(rate_rule_on(&x, "192.168.1.20", "192.168.1.10", 80),
		  "a signature rule on its SYNs to :80");
	expect_never_dropped(&x, "192.168.1.20");
	expect_never_dropped(&x, "192.168.1.21");
	/* the unknown source: dropped, once its flood held for the hold */
	cr_expect_eq(x.n_drop_installs, 1, "one drop rule (%s)", x.drops[0]);
	cr_expect_str_eq(x.drops[0], "203.0.113.5/32");
	cr_expect_geq(x.first_drop_ns, atk + o.hold_ns);
	/* the spoofed flood: the victim's aggregate rule */
	cr_expect(rate_rule_on(&x, NULL, "192.168.1.11", 25565),
		  "an aggregate rule on 192.168.1.11:25565");
	mitigated_end(&x);
	rs_free(&s);
	rs_free(&b);
}

static bool answered_in(void *ctx, const struct addr_prefix *p, __u64 since_ns)
{
	(void)ctx;
	return running && context_answered_in(engine_context(running), p, since_ns);
}

/*
 * Eight sources of 203.0.113.0/24 flood 192.168.1.10 one after another, each dropped; with
 * client, 203.0.113.77 has answered DNS lookups first. Returns the policy's aggregations
 * declined for an answered source; *agg: a /24 rule was installed.
 */
static __u64 neighbours_flood(bool client, bool *agg)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigated x = { 0 };
	struct mitigate_stats st;
	struct recstream s;
	char src[32];
	__u64 declined;

	o.answered_in = answered_in;
	mitigated_start(&x, &o);
	rs_init(&s, T0);
	if (client)
		lookups(&s, "203.0.113.77", 20, 10 * MS);
	for (unsigned i = 1; i <= 8; i++) {
		snprintf(src, sizeof(src), "203.0.113.%u", i);
		syn_flood(&s, src, "192.168.1.10", 0.5);
		s.t_ns += SEC;
	}
	run_with(&s, NULL, to_mitigation, &x);
	*agg = false;
	for (unsigned i = 0; i < x.n_drop_installs && i < 16; i++)
		*agg |= !strcmp(x.drops[i], "203.0.113.0/24");
	cr_expect_geq(x.n_drop_installs, 7, "the flooders are dropped (%u rules)",
		      x.n_drop_installs);
	if (client)
		expect_never_dropped(&x, "203.0.113.77");
	mitigate_get_stats(x.m, &st);
	declined = st.n_agg_answered;
	mitigated_end(&x);
	rs_free(&s);
	return declined;
}

Test(trust, a_prefix_rule_never_covers_an_answered_client_of_the_prefix)
{
	bool agg;

	cr_expect_eq(neighbours_flood(false, &agg), 0);
	cr_expect(agg, "alone, the eight flooders' host rules become one /24 rule");
	cr_expect_geq(neighbours_flood(true, &agg), 1, "declined for the answered client");
	cr_expect_not(agg, "no /24 rule over the answered client");
}

/*
 * A random-source flood evicts every entry of the sources table within a second; an answered
 * client whose entry went with them is still trusted when it next floods (features/context:
 * trusted sources are kept apart).
 */
Test(trust, an_answered_client_stays_trusted_after_a_random_source_flood_evicts_it)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigated x = { 0 };
	struct recstream s;
	uint32_t st = 7;
	char src[32];

	mitigated_start(&x, &o);
	rs_init(&s, T0);
	lookups(&s, "203.0.113.20", 20, 10 * MS);
	/* 60,000 sources, 3.7 times the sources table */
	for (unsigned i = 0; i < 60000; i++) {
		uint32_t r = rs_xorshift(&st);

		snprintf(src, sizeof(src), "%u.%u.%u.%u", 11 + r % 200, (r >> 8) & 255,
			 (r >> 16) & 255, 1 + (r >> 24) % 254);
		rs_add(&s, 20 * US, src, "192.168.1.11", IPPROTO_TCP, (uint16_t)(1024 + i % 60000),
		       25565, SYN, 0);
	}
	s.t_ns += 2 * SEC;
	syn_flood(&s, "203.0.113.20", "192.168.1.10", 1);
	run_with(&s, NULL, to_mitigation, &x);
	expect_never_dropped(&x, "203.0.113.20");
	cr_expect(rate_rule_on(&x, "203.0.113.20", "192.168.1.10", 80),
		  "a signature rule on its SYNs to :80");
	mitigated_end(&x);
	rs_free(&s);
}

/* n SYNs from src to dst:80, gap apart; returns the first one's time. */
static uint64_t syn_burst(struct recstream *s, const char *src, const char *dst, unsigned n,
			  uint64_t gap)
{
	uint64_t t = s->t_ns + gap;

	for (unsigned i = 0; i < n; i++)
		rs_add(s, gap, src, dst, IPPROTO_TCP, (uint16_t)(1024 + i % 60000), 80, SYN, 0);
	return t;
}

Test(trust, the_hold_counts_from_the_floods_start_a_shorter_burst_is_not_dropped)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigated x = { 0 };
	struct recstream s;
	uint64_t atk;

	mitigated_start(&x, &o);
	rs_init(&s, T0);
	/*
	 * The attacker resolves the victim's MAC (nmap does, even with -Pn) and pings it: an
	 * ARP or echo reply is no session, it earns no trust
	 */
	for (unsigned i = 0; i < 3; i++) {
		struct nad_rec *r = rs_add(&s, 100 * MS, "203.0.113.5", "192.168.1.10", 0, 1, 0, 0,
					   18);

		r->eth_proto = 0x0806;
		r->flags = NAD_F_ARP;
		r = rs_add(&s, MS, "192.168.1.10", "203.0.113.5", 0, 2, 0, 0, 18);
		r->eth_proto = 0x0806;
		r->flags = NAD_F_ARP;
		rs_add(&s, 100 * MS, "203.0.113.5", "192.168.1.10", IPPROTO_ICMP, 8 << 8, 77, 0, 56);
		rs_add(&s, MS, "192.168.1.10", "203.0.113.5", IPPROTO_ICMP, 0 << 8, 77, 0, 56);
	}
	/* 2,000 SYNs in 40 ms from one source: alerted, but shorter than the hold */
	syn_burst(&s, "203.0.113.6", "192.168.1.10", 2000, 20 * US);
	s.t_ns += 5 * SEC;
	/*
	 * 20,000 SYNs/s from another: the 1-s unanswered rate passes 1,000/s some 50 ms in;
	 * by then the flood has lasted the hold, and the rule follows at once
	 */
	atk = syn_burst(&s, "203.0.113.5", "192.168.1.10", 10000, 50 * US);
	run_with(&s, NULL, to_mitigation, &x);
	cr_expect_eq(x.n_drop_installs, 1, "one drop rule (%s)", x.drops[0]);
	cr_expect_str_eq(x.drops[0], "203.0.113.5/32");
	cr_expect_geq(x.first_drop_ns, atk + o.hold_ns);
	cr_expect_leq(x.first_drop_ns, atk + 70 * MS, "drop %.1f ms after the flood began",
		      (double)(x.first_drop_ns - atk) / 1e6);
	mitigated_end(&x);
	rs_free(&s);
}
