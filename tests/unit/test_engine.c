// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_engine.c - criteria and class decisions on constructed record streams.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <netinet/in.h>

#include "common/names.h"
#include "detect/engine.h"
#include "helpers/recstream.h"
#include "ml/modelset.h"

#define T0 1700000000000000000ull
#define MS 1000000ull
#define SEC 1000000000ull

struct seen {
	unsigned starts[CLASS_N], ends[CLASS_N];
	unsigned crit[CRIT_N];
	uint64_t first_ns[CLASS_N]; /* start_ns of the class's first episode */
};

static void observe(void *ctx, const struct alert_event *ev)
{
	struct seen *s = ctx;

	if (strcmp(ev->event_type, "anomaly"))
		return;
	if (ev->closing) {
		s->ends[ev->cls]++;
	} else {
		if (!s->starts[ev->cls]++)
			s->first_ns[ev->cls] = ev->start_ns;
	}
}

/* Runs the stream through a model-less engine (rules and statistical criteria only). */
static void run(const struct recstream *rs, enum profile_id prof, struct seen *s)
{
	struct engine_opts o;
	struct engine *e;

	memset(s, 0, sizeof(*s));
	engine_opts_default(&o);
	o.profile = prof;
	o.summary_interval_s = -1;
	e = engine_new(&o, NULL, NULL);
	cr_assert_not_null(e);
	engine_set_observer(e, observe, s);
	for (size_t i = 0; i < rs->n; i++) {
		engine_process(e, &rs->recs[i]);
		for (int c = 0; c < CRIT_N; c++)
			s->crit[c] += !!(engine_last_criteria(e) & (1u << c));
	}
	engine_finish(e);
	engine_free(e);
}

static unsigned n_alerts(const struct seen *s, int min_level)
{
	unsigned n = 0;

	for (int c = 1; c < CLASS_N; c++)
		if ((int)names_class_severity(c) >= min_level)
			n += s->starts[c];
	return n;
}

static void with_benign(struct recstream *rs, double secs)
{
	rs_init(rs, T0);
	rs_benign(rs, 5, secs, 7);
}

/* f merged into secs of benign traffic, run under prof; frees f. */
static void run_on_benign(struct recstream *f, double secs, enum profile_id prof, struct seen *s)
{
	struct recstream rs;

	with_benign(&rs, secs);
	rs_merge(&rs, f);
	run(&rs, prof, s);
	rs_free(f);
	rs_free(&rs);
}

Test(engine, benign_stream_raises_no_alert_and_no_dos_or_scan_criterion)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 120);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(n_alerts(&s, 1), 0, "%u alerts on benign traffic", n_alerts(&s, 1));
	cr_expect_eq(s.crit[CRIT_DOS_PATTERN], 0);
	cr_expect_eq(s.crit[CRIT_SCANNING_PATTERN], 0);
	cr_expect_eq(s.crit[CRIT_RARE_PROTOCOL], 0);
	rs_free(&rs);
}

static void syn_flood(struct recstream *rs, uint64_t start, unsigned n, uint64_t gap)
{
	struct recstream f;

	rs_init(&f, start);
	for (unsigned i = 0; i < n; i++)
		rs_add(&f, gap, "203.0.113.9", "192.168.1.10", IPPROTO_TCP, 1024 + i % 60000, 80,
		       0x02, 0);
	rs_merge(rs, &f);
	rs_free(&f);
}

Test(engine, syn_flood_is_dos_with_dos_pattern_and_one_episode)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 60);
	syn_flood(&rs, T0 + 20 * SEC, 10000, 100000); /* 10 kpps for 1 s */
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1, "%u DoS alerts", s.starts[CLASS_DOS_ATTACK]);
	cr_expect_eq(s.ends[CLASS_DOS_ATTACK], 1);
	cr_expect_gt(s.crit[CRIT_DOS_PATTERN], 1000);
	cr_expect_eq(s.starts[CLASS_SCANNING], 0);
	rs_free(&rs);
}

Test(engine, second_flood_after_idle_timeout_is_a_second_episode)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 80);
	syn_flood(&rs, T0 + 10 * SEC, 10000, 100000);
	syn_flood(&rs, T0 + 50 * SEC, 5000, 100000); /* 39 s later: > idle timeout */
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 2);
	rs_free(&rs);
}

static void flood_proto(struct recstream *rs, uint8_t proto, uint16_t sport)
{
	struct recstream f;

	rs_init(&f, T0 + 20 * SEC);
	for (unsigned i = 0; i < 5000; i++)
		rs_add(&f, 50000, "203.0.113.7", "192.168.1.10", proto,
		       proto == IPPROTO_ICMP ? sport : 1024 + i, 53, 0, 64);
	rs_merge(rs, &f);
	rs_free(&f);
}

Test(engine, udp_flood_is_dos)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 40);
	flood_proto(&rs, IPPROTO_UDP, 0);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1);
	rs_free(&rs);
}

Test(engine, icmp_flood_is_dos)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 40);
	flood_proto(&rs, IPPROTO_ICMP, 8 << 8);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1);
	rs_free(&rs);
}

Test(engine, spoofed_syn_flood_is_one_distributed_dos_keyed_on_the_victim)
{
	struct recstream f;
	struct seen s;
	char src[32];

	rs_init(&f, T0 + 20 * SEC);
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 11 + i % 200, (i * 7) % 256,
			 (i * 13) % 256, 1 + i % 250);
		rs_add(&f, 1000000, src, "192.168.1.10", IPPROTO_TCP, 1024 + i, 25565, 0x02, 0);
	}
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1);
	cr_expect_eq(n_alerts(&s, 2), 1);
}

Test(engine, vertical_syn_scan_is_scanning_and_fires_scanning_pattern)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 20 * SEC);
	for (unsigned p = 1; p <= 1000; p++)
		rs_add(&f, 2 * MS, "203.0.113.5", "192.168.1.10", IPPROTO_TCP, 50000, p, 0x02, 0);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 0);
	cr_expect_gt(s.crit[CRIT_SCANNING_PATTERN], 500);
}

Test(engine, horizontal_scan_is_scanning)
{
	struct recstream f;
	struct seen s;
	char dst[32];

	rs_init(&f, T0 + 20 * SEC);
	for (unsigned h = 1; h <= 200; h++) {
		snprintf(dst, sizeof(dst), "192.168.2.%u", h);
		rs_add(&f, 10 * MS, "192.168.1.66", dst, IPPROTO_TCP, 50000, 445, 0x02, 0);
	}
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
}

static void stealth(uint8_t flags, struct seen *s)
{
	struct recstream f;

	rs_init(&f, T0 + 20 * SEC);
	for (unsigned p = 20; p < 28; p++)
		rs_add(&f, 100 * MS, "203.0.113.5", "192.168.1.10", IPPROTO_TCP, 50000, p, flags,
		       0);
	run_on_benign(&f, 40, PROFILE_HOME, s);
}

Test(engine, null_and_xmas_probes_are_scanning)
{
	struct seen s;

	stealth(0x29, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1, "XMAS");
	stealth(0x00, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1, "NULL");
}

Test(engine, repeated_rdp_connections_are_credential_stuffing)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 20; i++) {
		uint16_t sp = 41000 + i;

		rs_add(&f, 2 * SEC, "198.51.100.4", "192.168.1.10", IPPROTO_TCP, sp, 3389, 0x02, 0);
		rs_add(&f, MS, "192.168.1.10", "198.51.100.4", IPPROTO_TCP, 3389, sp, 0x12, 0);
		rs_add(&f, MS, "198.51.100.4", "192.168.1.10", IPPROTO_TCP, sp, 3389, 0x18, 300);
		rs_add(&f, MS, "192.168.1.10", "198.51.100.4", IPPROTO_TCP, 3389, sp, 0x11, 0);
	}
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_CREDENTIAL_STUFFING], 1);
}

/*
 * One SSH connection from cli:sport to srv:22 as its sizes look on the wire (taken from a
 * Hydra run and an OpenSSH login in the test bed): the key exchange, then the login
 * dialogue given as client/server payload sizes, then the server's FIN.
 */
static void ssh_conn(struct recstream *rs, uint64_t gap, const char *cli, const char *srv,
		     uint16_t sp, const uint16_t *dialogue, size_t n)
{
	static const uint16_t kex[] = { 23, 41, 904, 1088, 48, 524, 16, 0, 44, 44 };

	rs_add(rs, gap, cli, srv, IPPROTO_TCP, sp, 22, 0x02, 0);
	rs_add(rs, MS / 10, srv, cli, IPPROTO_TCP, 22, sp, 0x12, 0);
	rs_add(rs, MS / 10, cli, srv, IPPROTO_TCP, sp, 22, 0x10, 0);
	for (size_t i = 0; i < sizeof(kex) / sizeof(kex[0]); i++) {
		if (kex[i])
			rs_add(rs, MS, i % 2 ? srv : cli, i % 2 ? cli : srv, IPPROTO_TCP,
			       i % 2 ? 22 : sp, i % 2 ? sp : 22, 0x18, kex[i]);
	}
	for (size_t i = 0; i < n; i++)
		rs_add(rs, 8 * MS, i % 2 ? srv : cli, i % 2 ? cli : srv, IPPROTO_TCP,
		       i % 2 ? 22 : sp, i % 2 ? sp : 22, 0x18, dialogue[i]);
	rs_add(rs, MS, srv, cli, IPPROTO_TCP, 22, sp, 0x11, 0);
	rs_add(rs, MS, cli, srv, IPPROTO_TCP, sp, 22, 0x11, 0);
}

/* userauth "none" refused, then six refused passwords: what Hydra does per connection */
static const uint16_t ssh_refused[] = { 68, 52, 76, 52, 84, 52, 76, 52, 84, 52, 76, 52, 84, 52 };
/* OpenSSH key login running a command (sizes from the test bed) */
static const uint16_t ssh_login_ok[] = { 60, 52, 140, 100, 308, 28, 112, 256, 112, 72, 36, 124 };

Test(engine, refused_ssh_logins_are_credential_stuffing_before_the_sixth_connection)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	/* four parallel connections, as hydra -t 4: far below the connection threshold */
	for (unsigned i = 0; i < 4; i++)
		ssh_conn(&f, MS, "198.51.100.4", "192.168.1.10", 41000 + i, ssh_refused,
			 sizeof(ssh_refused) / sizeof(ssh_refused[0]));
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_CREDENTIAL_STUFFING], 1);
	/* the fifth refusal is inside the first connection's dialogue */
	cr_expect_lt(s.first_ns[CLASS_CREDENTIAL_STUFFING], T0 + 11 * SEC,
		     "alert %.3f s after the first SYN",
		     (double)(s.first_ns[CLASS_CREDENTIAL_STUFFING] - T0 - 10 * SEC) / 1e9);
}

Test(engine, successful_ssh_logins_every_two_seconds_are_not_credential_stuffing)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	/* 20 logins in 40 s: past the connection threshold, but none was refused */
	for (unsigned i = 0; i < 20; i++)
		ssh_conn(&f, 2 * SEC, "192.168.1.11", "192.168.1.10", 42000 + i, ssh_login_ok,
			 sizeof(ssh_login_ok) / sizeof(ssh_login_ok[0]));
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_CREDENTIAL_STUFFING], 0);
	cr_expect_eq(n_alerts(&s, 2), 0);
}

Test(engine, keystroke_echoes_of_an_ssh_shell_are_not_login_failures)
{
	uint16_t shell[sizeof(ssh_login_ok) / sizeof(ssh_login_ok[0]) + 200];
	struct recstream f;
	struct seen s;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ssh_login_ok) / sizeof(ssh_login_ok[0]); i++)
		shell[n++] = ssh_login_ok[i];
	while (n + 2 <= sizeof(shell) / sizeof(shell[0])) /* one key, its echo, 100 times */
		shell[n++] = 36, shell[n++] = 36;
	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 3; i++)
		ssh_conn(&f, 5 * SEC, "192.168.1.12", "192.168.1.10", 43000 + i, shell, n);
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_CREDENTIAL_STUFFING], 0);
}

Test(engine, a_few_ssh_logins_are_not_credential_stuffing)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 3; i++)
		rs_add(&f, 10 * SEC, "192.168.1.11", "192.168.1.10", IPPROTO_TCP, 41000 + i, 22,
		       0x02, 0);
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_CREDENTIAL_STUFFING], 0);
}

Test(engine, large_outbound_transfer_is_exfiltration)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 12000; i++) /* 12000 x 1454 B = 17 MB in 12 s */
		rs_add(&f, MS, "192.168.1.12", "203.0.113.80", IPPROTO_TCP, 40000, 8443, 0x10,
		       1400);
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 1);
}

/* Adds n records src -> dst every gap_ns from t0, payload from pay(i). */
static void burst(struct recstream *rs, uint64_t t0, unsigned n, uint64_t gap_ns, const char *src,
		  const char *dst, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags,
		  uint16_t pay, uint16_t pay_step)
{
	struct recstream f;

	rs_init(&f, t0);
	for (unsigned i = 0; i < n; i++)
		rs_add(&f, gap_ns, src, dst, proto, sport, dport, flags,
		       (uint16_t)(pay + (i % 5) * pay_step));
	rs_merge(rs, &f);
	rs_free(&f);
}

Test(engine, dns_tunnel_queries_are_exfiltration_and_ordinary_lookups_are_not)
{
	struct recstream rs;
	struct seen s;

	/* 15 queries of 100-180 B in 7.5 s: data packed into labels */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 15, 500 * MS, "192.168.1.12", "192.168.1.1", IPPROTO_UDP, 41000,
	      53, 0, 100, 20);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 1);
	rs_free(&rs);

	/* 40 lookups of 30-50 B in 4 s: a browser opening a page */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 40, 100 * MS, "192.168.1.12", "192.168.1.1", IPPROTO_UDP, 41000,
	      53, 0, 30, 5);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 0);
	rs_free(&rs);
}

Test(engine, icmp_echo_with_varying_large_payloads_is_a_tunnel_and_big_pings_are_not)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 20, 300 * MS, "192.168.1.12", "192.168.1.40", IPPROTO_ICMP,
	      8 << 8, 0, 0, 80, 60);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 1);
	rs_free(&rs);

	/* ping -s 1000: large but fixed size */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 20, 300 * MS, "192.168.1.12", "192.168.1.40", IPPROTO_ICMP,
	      8 << 8, 0, 0, 1000, 0);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 0);
	rs_free(&rs);
}

Test(engine, one_way_upload_to_a_non_web_port_is_exfiltration)
{
	struct recstream rs;
	struct seen s;

	/* 1500 x 1400 B = 2.1 MB in 15 s from a home host out, nothing back */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 1500, 10 * MS, "192.168.1.30", "198.51.100.1", IPPROTO_TCP, 40000,
	      9999, 0x10, 1400, 0);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 1);
	rs_free(&rs);

	/* the same upload to a web port (camera clips, photo sync) */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 1500, 10 * MS, "192.168.1.30", "198.51.100.1", IPPROTO_TCP, 40000,
	      443, 0x10, 1400, 0);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 0);
	rs_free(&rs);

	/* a download seen from the server: public -> private */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 1500, 10 * MS, "198.18.0.3", "192.168.1.12", IPPROTO_TCP, 9999,
	      40000, 0x10, 1400, 0);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 0);
	rs_free(&rs);

	/* a two-way exchange (file share, replication): as much comes back */
	with_benign(&rs, 40);
	burst(&rs, T0 + 10 * SEC, 1500, 10 * MS, "192.168.1.30", "198.51.100.1", IPPROTO_TCP, 40000,
	      9999, 0x18, 1400, 0);
	burst(&rs, T0 + 10 * SEC + 5 * MS, 1500, 10 * MS, "198.51.100.1", "192.168.1.30",
	      IPPROTO_TCP, 9999, 40000, 0x18, 1000, 0);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DATA_EXFILTRATION], 0);
	rs_free(&rs);
}

Test(engine, malformed_packets_are_a_protocol_violation)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 5; i++) {
		struct nad_rec *r = rs_add(&f, 500 * MS, "203.0.113.3", "192.168.1.10", IPPROTO_TCP,
					   1234, 80, 0x03, 0);

		r->malformed = NAD_MAL_TCP_FLAGS;
		r->flags |= NAD_F_MALFORMED;
	}
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_PROTOCOL_VIOLATION], 1);
}

/* An ARP record: op 1 who-has (sender asks for target), 2 is-at. */
static void arp_rec(struct recstream *rs, uint64_t gap, const char *sender, const char *target,
		    uint16_t op)
{
	struct nad_rec *r = rs_add(rs, gap, sender, target, 0, op, 0, 0, 18);

	r->eth_proto = 0x0806;
	r->flags = NAD_F_ARP;
	r->hdr_bytes = 14 + 28;
	r->wire_bytes = 60;
}

Test(engine, an_arp_sweep_is_a_horizontal_scan)
{
	struct recstream f;
	struct seen s;
	char target[32];

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 60; i++) {
		snprintf(target, sizeof(target), "192.168.1.%u", 100 + i);
		arp_rec(&f, 50 * MS, "192.168.1.57", target, 1);
	}
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
}

Test(engine, a_host_resolving_a_few_neighbours_is_not_a_scan)
{
	static const char *const peers[] = { "192.168.1.1", "192.168.1.10", "192.168.1.20" };
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 30; i++) { /* every second: who-has, then the answer */
		arp_rec(&f, SEC, "192.168.1.30", peers[i % 3], 1);
		arp_rec(&f, MS, peers[i % 3], "192.168.1.30", 2);
	}
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(n_alerts(&s, 2), 0);
}

Test(engine, unassigned_icmp_types_and_codes_are_a_protocol_violation)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 4; i++) /* type 77, then echo request with code 9 (nmap -O) */
		rs_add(&f, 500 * MS, "203.0.113.3", "192.168.1.10", IPPROTO_ICMP,
		       i % 2 ? 8 << 8 | 9 : 77 << 8, 7, 0, 56);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_PROTOCOL_VIOLATION], 1);
}

Test(engine, assigned_icmp_messages_are_not_a_protocol_violation)
{
	static const uint16_t tc[] = { 8 << 8, 0, 3 << 8 | 3, 11 << 8, 3 << 8 | 13, 5 << 8 | 1 };
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 30; i++)
		rs_add(&f, 500 * MS, "203.0.113.3", "192.168.1.10", IPPROTO_ICMP,
		       tc[i % (sizeof(tc) / sizeof(tc[0]))], 7, 0, 56);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_PROTOCOL_VIOLATION], 0);
}

/* A fragment of a TCP datagram: first (with the TCP header) or later (none), ip_bytes long. */
static void frag(struct recstream *rs, uint64_t gap, const char *src, bool first, uint16_t ip_bytes)
{
	struct nad_rec *r = rs_add(rs, gap, src, "192.168.1.10", IPPROTO_TCP, first ? 4000 : 0,
				   first ? 80 : 0, first ? 0x18 : 0, 0);

	r->flags |= NAD_F_FRAG;
	if (!first) {
		r->flags = (r->flags | NAD_F_FRAG_LATER) & ~NAD_F_L4;
		r->hdr_bytes = r->l3_off + 20;
	}
	r->wire_bytes = r->l3_off + ip_bytes;
	r->payload_bytes = r->wire_bytes - r->hdr_bytes;
}

Test(engine, a_stream_of_tiny_fragments_is_a_protocol_violation_not_a_null_scan)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	/* 36-byte fragments, each offset sent 4 times (overlapping garbage) */
	for (unsigned i = 0; i < 200; i++)
		frag(&f, MS, "203.0.113.5", i % 64 < 4, 36);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_PROTOCOL_VIOLATION], 1);
	cr_expect_eq(s.starts[CLASS_SCANNING], 0, "a later fragment has no TCP flags to scan with");
}

Test(engine, fragmented_datagrams_with_small_last_fragments_are_not_a_violation)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 200; i++) { /* 1528-byte datagrams: 1500 + a 48-byte tail */
		frag(&f, 20 * MS, "203.0.113.6", true, 1500);
		frag(&f, MS / 10, "203.0.113.6", false, 48);
	}
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_PROTOCOL_VIOLATION], 0);
}

Test(engine, bulk_tcp_above_the_profile_rate_is_excessive_traffic)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	/* 5000 pkt/s of established TCP to several servers: no flood signature */
	for (unsigned i = 0; i < 15000; i++)
		rs_add(&f, 200000, "192.168.1.13", i % 2 ? "192.168.1.20" : "192.168.1.21",
		       IPPROTO_TCP, 40000, 9000, 0x10, 100);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_EXCESSIVE_TRAFFIC], 1);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 0);
}

Test(engine, tor_port_is_an_unusual_destination)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	rs_add(&f, 0, "192.168.1.14", "79.215.173.109", IPPROTO_TCP, 40000, 9001, 0x02, 0);
	rs_add(&f, 40 * MS, "79.215.173.109", "192.168.1.14", IPPROTO_TCP, 9001, 40000, 0x12, 0);
	rs_add(&f, 10 * MS, "192.168.1.14", "79.215.173.109", IPPROTO_TCP, 40000, 9001, 0x18, 300);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_UNUSUAL_DESTINATION], 1);
}

Test(engine, smb_payload_after_a_scan_is_an_intrusion_attempt)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned p = 1; p <= 100; p++) { /* closed ports: each SYN is reset */
		rs_add(&f, 5 * MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50000, p, 0x02, 0);
		rs_add(&f, MS / 10, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, p, 50000, 0x14, 0);
	}
	rs_add(&f, 5 * SEC, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50001, 445, 0x18, 900);
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
	cr_expect_eq(s.starts[CLASS_INTRUSION_ATTEMPT], 1);
}

Test(engine, bind_shell_after_smb_exploit_is_an_intrusion_attempt)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	rs_add(&f, 0, "98.114.205.102", "192.168.1.10", IPPROTO_TCP, 1821, 445, 0x18, 1200);
	rs_add(&f, 2 * SEC, "98.114.205.102", "192.168.1.10", IPPROTO_TCP, 1924, 1957, 0x02, 0);
	run_on_benign(&f, 60, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_INTRUSION_ATTEMPT], 1);
}

Test(engine, many_new_sources_posting_to_one_service_are_mass_registration)
{
	struct recstream f;
	struct seen s;
	char src[32];

	rs_init(&f, T0 + 70 * SEC);
	for (unsigned i = 0; i < 30; i++) {
		snprintf(src, sizeof(src), "100.%u.%u.7", 70 + i / 200, i % 200);
		rs_add(&f, 200 * MS, src, "192.168.1.10", IPPROTO_TCP, 40000, 443, 0x02, 0);
		rs_add(&f, MS, src, "192.168.1.10", IPPROTO_TCP, 40000, 443, 0x18, 600);
	}
	run_on_benign(&f, 100, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_MASS_REGISTRATION], 1);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 0);
}

Test(engine, rare_protocol_fires_after_history)
{
	struct recstream rs;
	struct seen s;

	with_benign(&rs, 20);
	rs_add(&rs, MS, "192.168.1.10", "192.168.1.1", 47 /* GRE */, 0, 0, 0, 100);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.crit[CRIT_RARE_PROTOCOL], 1);
	rs_free(&rs);
}

Test(engine, interval_spike_fires_on_a_long_pause_of_a_regular_source)
{
	struct recstream rs;
	struct seen s;

	rs_init(&rs, T0);
	for (unsigned i = 0; i < 100; i++)
		rs_add(&rs, 10 * MS, "192.168.1.30", "192.168.1.1", IPPROTO_TCP, 40000, 5000, 0x10,
		       100);
	rs_add(&rs, 30 * SEC, "192.168.1.30", "192.168.1.1", IPPROTO_TCP, 40000, 5000, 0x10, 100);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.crit[CRIT_INTERVAL_SPIKE], 1);
	rs_free(&rs);
}

Test(engine, profile_is_inferred_and_fixed_profile_is_kept)
{
	struct recstream rs;
	struct engine_opts o;
	struct engine *e;
	bool inferred;

	with_benign(&rs, 70);
	engine_opts_default(&o);
	o.summary_interval_s = -1;
	e = engine_new(&o, NULL, NULL);
	for (size_t i = 0; i < rs.n; i++)
		engine_process(e, &rs.recs[i]);
	cr_expect_str_eq(engine_profile(e, &inferred)->name, "home");
	cr_expect(inferred);
	engine_free(e);
	o.profile = PROFILE_ENTERPRISE;
	e = engine_new(&o, NULL, NULL);
	for (size_t i = 0; i < rs.n; i++)
		engine_process(e, &rs.recs[i]);
	cr_expect_str_eq(engine_profile(e, &inferred)->name, "enterprise");
	cr_expect_not(inferred);
	engine_free(e);
	rs_free(&rs);
}

/* Runs the stream through an engine scoring with the embedded default model. */
static void run_default_model(const struct recstream *rs, struct seen *s)
{
	struct engine_opts o;
	struct modelswap *hold;
	struct engine *e;
	char err[256];
	struct modelset *m = modelset_load_mem(nad_default_model,
					       (size_t)(nad_default_model_end - nad_default_model),
					       VECTOR_DIM, err, sizeof(err));

	cr_assert_not_null(m, "default model: %s", err);
	hold = modelswap_new(m);
	cr_assert_not_null(hold);
	memset(s, 0, sizeof(*s));
	engine_opts_default(&o);
	o.profile = PROFILE_HOME;
	o.summary_interval_s = -1;
	e = engine_new(&o, hold, NULL);
	cr_assert_not_null(e);
	engine_set_observer(e, observe, s);
	for (size_t i = 0; i < rs->n; i++) {
		engine_process(e, &rs->recs[i]);
		for (int c = 0; c < CRIT_N; c++)
			s->crit[c] += !!(engine_last_criteria(e) & (1u << c));
	}
	engine_finish(e);
	engine_free(e);
	modelswap_free(hold);
}

static unsigned n_info(const struct seen *s)
{
	return s->starts[CLASS_TIMING_ANOMALY] + s->starts[CLASS_SIZE_ANOMALY] +
	       s->starts[CLASS_BEHAVIORAL];
}

/*
 * A device that repeats the same odd packet to the same peer once a minute (an IoT
 * keep-alive the model does not know) is reported once, not once a minute; the same
 * packet to another peer is a new deviation. A minute of benign traffic (about 5000
 * packets) first: the odd packets then stay under the 0.1 % of scores that lift the
 * adaptive threshold, which is another mechanism than the one tested here.
 */
Test(engine, recurring_info_anomaly_of_a_source_is_reported_once)
{
	struct recstream rs, odd;
	struct seen s;

	rs_init(&rs, T0);
	rs_benign(&rs, 5, 60, 7);
	rs_init(&odd, rs.t_ns);
	/* Jumbo UDP datagrams: the autoencoder puts them well past its extreme level (0.64
	 * against 0.50); at 1,400 bytes they sat 0.0004 above it, and a retrained default
	 * model put them under it. */
	for (unsigned i = 0; i < 4; i++)
		rs_add(&odd, 60 * SEC, "192.168.1.10", "203.0.113.9", IPPROTO_UDP, 5000, 47000, 0,
		       9000);
	rs_add(&odd, 60 * SEC, "192.168.1.10", "198.51.100.7", IPPROTO_UDP, 5000, 47000, 0, 9000);
	rs_merge(&rs, &odd);
	run_default_model(&rs, &s);
	cr_expect_eq(n_info(&s), 2,
		     "%u info alerts: one for the recurring pattern, one for the "
		     "new peer",
		     n_info(&s));
	rs_free(&odd);
	rs_free(&rs);
}

/* Every alert event as one line (class, state, addresses, packets, evidence). */
static void log_event(void *ctx, const struct alert_event *ev)
{
	FILE *f = ctx;

	fprintf(f, "%s %d %d %u.%u %u.%u %u %llu %llu %lld %s\n", ev->event_type, ev->cls,
		ev->closing, ev->saddr[14], ev->saddr[15], ev->daddr[14], ev->daddr[15], ev->dport,
		(unsigned long long)ev->pkts, (unsigned long long)ev->last_ns,
		(long long)ev->campaign, ev->evidence ? ev->evidence : "");
}

/* Runs rs one record at a time (batch 0) or in batches; classes, vectors and events out. */
static char *run_mode(const struct recstream *rs, bool batch, enum classify_class *cls, float *vec)
{
	struct engine_opts o;
	struct modelswap *hold;
	struct engine *e;
	char *log = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&log, &len);
	struct modelset *m = modelset_load_mem(nad_default_model,
					       (size_t)(nad_default_model_end - nad_default_model),
					       VECTOR_DIM, NULL, 0);

	cr_assert_not_null(m);
	cr_assert_not_null(f);
	hold = modelswap_new(m);
	engine_opts_default(&o);
	o.summary_interval_s = 5;
	e = engine_new(&o, hold, NULL);
	cr_assert_not_null(e);
	engine_set_observer(e, log_event, f);
	if (batch) {
		/* uneven chunks, as a reader hands them over */
		for (size_t i = 0; i < rs->n; i += 1000) {
			size_t k = rs->n - i < 1000 ? rs->n - i : 1000;

			engine_process_batch(e, &rs->recs[i], k, &cls[i], &vec[i * VECTOR_DIM]);
		}
	} else {
		for (size_t i = 0; i < rs->n; i++) {
			cls[i] = engine_process(e, &rs->recs[i]);
			memcpy(&vec[i * VECTOR_DIM], engine_last_vector(e),
			       VECTOR_DIM * sizeof(float));
		}
	}
	engine_finish(e);
	engine_free(e);
	modelswap_free(hold);
	fclose(f);
	return log;
}

/*
 * Batched scoring changes nothing: a scan whose follow-up lands in the same batch, a
 * spoofed flood that overflows the source table (evictions), a tunnel and benign traffic
 * give the same classes, vectors and alert events as one record at a time.
 */
Test(engine, batches_give_the_same_results_as_single_records)
{
	struct recstream rs, f;
	enum classify_class *c1, *c2;
	float *v1, *v2;
	char *l1, *l2;
	size_t diff = 0;

	with_benign(&rs, 90);
	rs_init(&f, T0 + 10 * SEC);
	/* the scan's first alert and the payload after it fall into one batch */
	rs_attacks(&f);
	rs_merge(&rs, &f);
	c1 = calloc(rs.n, sizeof(*c1));
	c2 = calloc(rs.n, sizeof(*c2));
	v1 = calloc(rs.n * VECTOR_DIM, sizeof(float));
	v2 = calloc(rs.n * VECTOR_DIM, sizeof(float));
	cr_assert(c1 && c2 && v1 && v2);
	l1 = run_mode(&rs, false, c1, v1);
	l2 = run_mode(&rs, true, c2, v2);
	for (size_t i = 0; i < rs.n; i++)
		diff += c1[i] != c2[i];
	cr_expect_eq(diff, 0, "%zu of %zu records classified differently", diff, rs.n);
	cr_expect_eq(memcmp(v1, v2, rs.n * VECTOR_DIM * sizeof(float)), 0, "vectors differ");
	cr_expect_str_eq(l1, l2);
	/* the stream exercises what it claims to */
	cr_expect_null(rs_attacks_missing(l1), "no '%s' alert", rs_attacks_missing(l1));
	free(l1);
	free(l2);
	free(c1);
	free(c2);
	free(v1);
	free(v2);
	rs_free(&f);
	rs_free(&rs);
}

struct blame {
	unsigned from_victim, dos_from_attacker;
	bool slow;
};

static void observe_blame(void *ctx, const struct alert_event *ev)
{
	struct blame *b = ctx;

	if (strcmp(ev->event_type, "anomaly") || ev->closing)
		return;
	if (ev->saddr[15] == 10) { /* 192.168.1.10 */
		b->from_victim++;
		cr_log_info("against the victim: %s", ev->evidence);
	}
	if (ev->saddr[15] == 66 && ev->cls == CLASS_DOS_ATTACK) {
		b->dos_from_attacker++;
		b->slow |= !!strstr(ev->evidence, "slow DoS");
	}
}

static void run_blame(const struct recstream *rs, struct blame *b)
{
	struct engine_opts o;
	struct engine *e;

	memset(b, 0, sizeof(*b));
	engine_opts_default(&o);
	o.profile = PROFILE_HOME;
	o.summary_interval_s = -1;
	e = engine_new(&o, NULL, NULL);
	cr_assert_not_null(e);
	engine_set_observer(e, observe_blame, b);
	for (size_t i = 0; i < rs->n; i++)
		engine_process(e, &rs->recs[i]);
	engine_finish(e);
	engine_free(e);
}

/*
 * A flood's victim answers at the flood's rate (SYN-ACKs, echo replies) and the
 * attacker's kernel resets the SYN-ACKs: the alert is against the attacker, a SYN flood
 * and not a slow DoS, and none is against the victim.
 */
Test(engine, a_flood_victims_answers_are_not_blamed_on_it)
{
	struct recstream rs, f;
	struct blame b;

	with_benign(&rs, 30);
	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 10000; i++) { /* 5000 SYN/s for 2 s, each answered */
		rs_add(&f, 200000, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 1024 + i % 50000,
		       80, 0x02, 0);
		rs_add(&f, 10000, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 80, 1024 + i % 50000,
		       0x12, 0);
		/* the attacker's kernel resets the SYN-ACKs: half its packets are RSTs */
		rs_add(&f, 10000, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 1024 + i % 50000, 80,
		       0x04, 0);
	}
	rs_merge(&rs, &f);
	run_blame(&rs, &b);
	cr_expect_eq(b.dos_from_attacker, 1);
	cr_expect_not(b.slow, "a SYN flood taken for a slow DoS");
	cr_expect_eq(b.from_victim, 0, "%u alerts against the victim", b.from_victim);
	rs_free(&f);
	rs_free(&rs);

	with_benign(&rs, 30);
	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 10000; i++) { /* ping flood, every request answered */
		rs_add(&f, 200000, "203.0.113.66", "192.168.1.10", IPPROTO_ICMP, 8 << 8, 0, 0, 56);
		rs_add(&f, 10000, "192.168.1.10", "203.0.113.66", IPPROTO_ICMP, 0, 0, 0, 56);
	}
	rs_merge(&rs, &f);
	run_blame(&rs, &b);
	cr_expect_eq(b.dos_from_attacker, 1);
	cr_expect_eq(b.from_victim, 0, "%u alerts against the victim", b.from_victim);
	rs_free(&f);
	rs_free(&rs);
}

/* Slowloris holds its connections; a busy client closes each of its own. */
Test(engine, held_connections_are_a_slow_dos_and_closed_ones_are_not)
{
	struct recstream rs, f;
	struct seen s;

	with_benign(&rs, 60);
	rs_init(&f, T0 + 10 * SEC);
	for (unsigned c = 0; c < 60; c++) { /* 60 connections, a header line each */
		uint16_t sp = (uint16_t)(30000 + c);

		rs_add(&f, 100 * MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x02, 0);
		rs_add(&f, MS, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 80, sp, 0x12, 0);
		rs_add(&f, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x10, 0);
		rs_add(&f, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x18, 24);
	}
	rs_merge(&rs, &f);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1);
	rs_free(&f);
	rs_free(&rs);

	with_benign(&rs, 60);
	rs_init(&f, T0 + 10 * SEC);
	for (unsigned c = 0; c < 80; c++) { /* 2 requests/s, each connection closed */
		uint16_t sp = (uint16_t)(30000 + c);

		rs_add(&f, 500 * MS, "192.168.1.12", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x02, 0);
		rs_add(&f, MS, "192.168.1.10", "192.168.1.12", IPPROTO_TCP, 80, sp, 0x12, 0);
		rs_add(&f, MS, "192.168.1.12", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x10, 0);
		rs_add(&f, MS, "192.168.1.12", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x18, 85);
		rs_add(&f, MS, "192.168.1.10", "192.168.1.12", IPPROTO_TCP, 80, sp, 0x18, 200);
		rs_add(&f, MS, "192.168.1.12", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x11, 0);
	}
	rs_merge(&rs, &f);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(n_alerts(&s, 2), 0);
	rs_free(&f);
	rs_free(&rs);
}

/*
 * After a port scan, the same source's UDP flood to one port is a flood (not more
 * scanning), and a UDP scan's payload probe to port 135 is part of the scan.
 */
Test(engine, a_flood_after_a_scan_is_a_flood_and_udp_probes_are_not_intrusion)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned p = 1; p <= 200; p++)
		rs_add(&f, MS, "203.0.113.66", "192.168.1.10", IPPROTO_UDP, 50000, (uint16_t)p, 0,
		       p == 135 ? 72 : 0);
	for (unsigned i = 0; i < 20000; i++)
		rs_add(&f, i ? 100000 : 3 * SEC, "203.0.113.66", "192.168.1.10", IPPROTO_UDP,
		       (uint16_t)(1024 + i % 60000), 7000, 0, 0);
	run_on_benign(&f, 40, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1);
	cr_expect_eq(s.starts[CLASS_INTRUSION_ATTEMPT], 0);
}

/*
 * A scan 12 s after the same source's flood is a scan (the flood's packets still weigh
 * in the source's 10-s counts), and the victim's answers to the flood's port-0 packets
 * are not its protocol violation.
 */
Test(engine, a_scan_after_a_flood_is_a_scan_and_answers_to_port_zero_are_not_violations)
{
	struct recstream rs, f;
	struct blame b;
	struct seen s;

	with_benign(&rs, 50);
	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 50000; i++) { /* SYN flood, source port 0 every 1000th */
		uint16_t sp = (uint16_t)(i % 1000);

		rs_add(&f, 100000, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x02, 0)
			->malformed = sp ? 0 : NAD_MAL_L4_PORT_ZERO;
		rs_add(&f, 10000, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 80, sp, 0x12, 0)
			->malformed = sp ? 0 : NAD_MAL_L4_PORT_ZERO;
	}
	for (unsigned p = 1; p <= 300; p++) { /* closed ports: each SYN is reset */
		rs_add(&f, p == 1 ? 12 * SEC : MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP,
		       50000, (uint16_t)p, 0x02, 0);
		rs_add(&f, MS / 10, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, (uint16_t)p, 50000,
		       0x14, 0);
	}
	rs_merge(&rs, &f);
	run(&rs, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 1);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
	run_blame(&rs, &b);
	cr_expect_eq(b.from_victim, 0, "%u alerts against the victim", b.from_victim);
	rs_free(&f);
	rs_free(&rs);
}

/*
 * One attacker, one tool after the other (the live test bed's order): a SYN flood, a
 * Slowloris on the same port 100 s later (the flood's SYNs still weigh in the 60-s
 * connection count), then a SYN scan 12 s after it (the Slowloris' ACKs and header
 * lines still weigh in the 10-s packet count). Each is told apart.
 */
Test(engine, flood_then_slowloris_then_scan_are_three_alerts)
{
	struct recstream f;
	struct seen s;

	rs_init(&f, T0 + 10 * SEC);
	for (unsigned i = 0; i < 20000; i++)
		rs_add(&f, 100000, "203.0.113.66", "192.168.1.10", IPPROTO_TCP,
		       (uint16_t)(1024 + i % 60000), 80, 0x02, 0);
	for (unsigned c = 0; c < 100; c++) {
		uint16_t sp = (uint16_t)(30000 + c);

		rs_add(&f, c ? 30 * MS : 100 * SEC, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp,
		       80, 0x02, 0);
		rs_add(&f, MS, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, 80, sp, 0x12, 0);
		rs_add(&f, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x10, 0);
		rs_add(&f, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, sp, 80, 0x18, 250);
	}
	for (unsigned k = 0; k < 3; k++) /* header lines every 5 s */
		for (unsigned c = 0; c < 100; c++)
			rs_add(&f, c ? 2 * MS : 5 * SEC, "203.0.113.66", "192.168.1.10",
			       IPPROTO_TCP, (uint16_t)(30000 + c), 80, 0x18, 20);
	for (unsigned p = 1; p <= 100; p++) { /* closed ports: each SYN is reset */
		rs_add(&f, p == 1 ? 12 * SEC : MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP,
		       50000, (uint16_t)p, 0x02, 0);
		rs_add(&f, MS / 10, "192.168.1.10", "203.0.113.66", IPPROTO_TCP, (uint16_t)p, 50000,
		       0x14, 0);
	}
	run_on_benign(&f, 200, PROFILE_HOME, &s);
	cr_expect_eq(s.starts[CLASS_DOS_ATTACK], 2, "%u DoS alerts (flood, Slowloris)",
		     s.starts[CLASS_DOS_ATTACK]);
	cr_expect_eq(s.starts[CLASS_SCANNING], 1);
}
