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

#include "common/names.h"
#include "detect/engine.h"
#include "features/baseline.h"
#include "features/homenet.h"
#include "helpers/recstream.h"

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

/* A model-less engine with home net 192.168.1.0/24 and baseline b (may be NULL). */
static void run(const struct recstream *rs, struct baseline *b, struct tally *t)
{
	struct homenet home = { 0 };
	struct addr_prefix p;
	struct engine_opts o;
	struct engine *e;

	memset(t, 0, sizeof(*t));
	cr_assert_eq(addr_prefix_parse("192.168.1.0/24", &p), 0);
	homenet_add(&home, &p);
	engine_opts_default(&o);
	o.profile = PROFILE_HOME;
	o.summary_interval_s = -1;
	o.home = &home;
	o.baseline = b;
	e = engine_new(&o, NULL, NULL);
	cr_assert_not_null(e);
	engine_set_observer(e, observe, t);
	for (size_t i = 0; i < rs->n; i++)
		engine_process(e, &rs->recs[i]);
	engine_finish(e);
	engine_free(e);
}

static bool from(const struct tally *t, enum classify_class c, const char *ip)
{
	struct recstream s;
	bool same;

	rs_init(&s, 0);
	rs_add(&s, 0, ip, ip, IPPROTO_UDP, 1, 1, 0, 0);
	same = !memcmp(s.recs[0].saddr, t->src[c], 16);
	rs_free(&s);
	return same;
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
	for (unsigned c = 0; c < 100; c++) /* a header line each, 3 s later */
		rs_add(&s, c ? MS : 3 * SEC, "192.168.1.66", "192.168.1.10", IPPROTO_TCP,
		       (uint16_t)(30000 + c), 80, ACK, 12);
	run(&s, NULL, &t);
	cr_expect_eq(t.starts[CLASS_DOS_ATTACK], 1);
	cr_expect(strstr(t.evidence[CLASS_DOS_ATTACK], "slow DoS"), "%s",
		  t.evidence[CLASS_DOS_ATTACK]);
	/*
	 * The attacker closes them; 15 s later (its episode over) its next, answered
	 * requests to the port start no slow DoS: it holds nothing open now.
	 */
	for (unsigned c = 0; c < 100; c++)
		rs_add(&s, c ? MS : SEC, "192.168.1.66", "192.168.1.10", IPPROTO_TCP,
		       (uint16_t)(30000 + c), 80, RST, 0);
	s.t_ns += 15 * SEC;
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
