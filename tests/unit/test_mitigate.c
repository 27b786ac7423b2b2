// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_mitigate.c - the mitigation policy on the in-memory backend with a
 * fake clock: every decision of mitigate.h, and the events it reports.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ifaddrs.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "mitigate/allow.h"
#include "mitigate/mem.h"
#include "mitigate/policy.h"
#include "report/eve.h"

#define S 1000000000ULL
#define T0 (1000 * S) /* fake CLOCK_MONOTONIC start */
#define MAX_EVENTS 512

struct rec_event {
	enum mitigate_action action;
	enum mitigate_rule_kind kind;
	char rule[ADDR_PREFIX_STRLEN];
	char why[32];
	__u64 ttl_ns, expires_ns;
	char json[2048];
};

static struct rec_event events[MAX_EVENTS];
static int n_events;
static struct mitigate_mem *mem;
static struct mitigate *m;

static void on_event(void *ctx, const struct mitigate_event *ev)
{
	struct json_object *eve = eve_mitigation_json(NULL, ev, ev->ts_ns);
	struct rec_event *r;

	cr_assert_eq(ctx, &n_events);
	cr_assert_not_null(eve);
	if (n_events >= MAX_EVENTS) {
		json_object_put(eve);
		return;
	}
	r = &events[n_events++];
	r->action = ev->action;
	r->kind = ev->kind;
	addr_prefix_format(&ev->prefix, r->rule, sizeof(r->rule));
	snprintf(r->why, sizeof(r->why), "%s", ev->why ? ev->why : "");
	r->ttl_ns = ev->ttl_ns;
	r->expires_ns = ev->expires_ns;
	snprintf(r->json, sizeof(r->json), "%s",
		 json_object_to_json_string_ext(eve, JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(eve);
}

static struct mitigate_opts test_opts(void)
{
	struct mitigate_opts o = mitigate_opts_default();

	o.on_event = on_event;
	o.event_ctx = &n_events;
	return o;
}

static void setup_with(const struct mitigate_opts *o)
{
	log_set_level(LOG_WARN);
	n_events = 0;
	mem = mitigate_mem_new(4096);
	cr_assert_not_null(mem);
	m = mitigate_new(o, &mitigate_mem_ops, mem);
	cr_assert_not_null(m, "mitigate_new: %s", strerror(errno));
}

static void setup(void)
{
	struct mitigate_opts o = test_opts();

	setup_with(&o);
}

static void teardown(void)
{
	mitigate_free(m);
	m = NULL;
	mitigate_mem_free(mem);
	mem = NULL;
}

static void addr(const char *text, __u8 out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out + 12) == 1) {
		out[10] = 0xff;
		out[11] = 0xff;
		return;
	}
	cr_assert_eq(inet_pton(AF_INET6, text, out), 1, "bad address %s", text);
}

static struct addr_prefix pfx(const char *text)
{
	struct addr_prefix p;

	cr_assert_eq(addr_prefix_parse(text, &p), 0, "bad prefix %s", text);
	return p;
}

#define MS 1000000ULL
#define HOLD (50 * MS) /* the default --mitigate-hold */

/*
 * A critical single-source SYN flood alert from src to 198.18.0.1:80 at t, the flood
 * held for the default hold, its source never answered.
 */
static struct mitigate_alert dos(const char *src, __u64 t)
{
	struct mitigate_alert a = {
		.cls = "dos_attack",
		.class_id = 1,
		.severity = SEV_CRITICAL,
		.dport = 80,
		.proto = IPPROTO_TCP,
		.src_pps = 50000,
		.dst_pps = 50000,
		.n_sources = 1,
		.ts_ns = t,
		.last_ns = t,
		.flood = { .proto = IPPROTO_TCP,
			   .dport = 80,
			   .kind = FLOOD_SYN,
			   .unanswered_pps = 50000,
			   .flood_since_ns = t - HOLD,
			   .threshold_pps = 1000 },
		.evidence = "SYN flood: test",
	};

	addr(src, a.src);
	addr(strchr(src, ':') ? "2001:db8::1" : "198.18.0.1", a.dst);
	return a;
}

static void alert(struct mitigate_alert a)
{
	cr_assert_eq(mitigate_on_alert(m, &a), 0);
}

static bool has_rule(const char *text, struct nad_rule *out)
{
	struct addr_prefix p = pfx(text);

	return mitigate_mem_drop(mem, &p, out);
}

static bool blocked(const char *src, __u64 t)
{
	__u8 a[16];

	addr(src, a);
	return mitigate_mem_packet(mem, a, 60, t);
}

static int count_action(enum mitigate_action act)
{
	int n = 0;

	for (int i = 0; i < n_events; i++)
		n += events[i].action == act;
	return n;
}

static const struct rec_event *last_event(void)
{
	cr_assert_gt(n_events, 0);
	return &events[n_events - 1];
}

TestSuite(mitigate, .init = setup, .fini = teardown);

/* ---- prefixes ---- */

Test(mitigate, prefix_parse_maps_ipv4_and_refuses_host_bits)
{
	struct addr_prefix p;
	char buf[ADDR_PREFIX_STRLEN];

	cr_assert_eq(addr_prefix_parse("198.18.0.0/15", &p), 0);
	cr_assert(addr_prefix_is_v4(&p));
	cr_assert_eq(p.plen, 96 + 15);
	addr_prefix_format(&p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "198.18.0.0/15");
	cr_assert_eq(addr_prefix_parse("198.18.0.1/24", &p), -EDOM);
	cr_assert_eq(addr_prefix_parse("2001:db8::/32", &p), 0);
	cr_assert_not(addr_prefix_is_v4(&p));
	cr_assert_eq(addr_prefix_parse("10.0.0.0/33", &p), -ERANGE);
	cr_assert_eq(addr_prefix_parse("10.0.0.0/", &p), -EINVAL);
	cr_assert_eq(addr_prefix_parse("nonsense", &p), -EINVAL);
	cr_assert_eq(addr_prefix_parse("2001:db8::1", &p), 0);
	cr_assert_eq(p.plen, 128);
}

Test(mitigate, bad_options_are_refused)
{
	struct mitigate_opts o = test_opts();
	struct mitigate *bad;

	o.ttl_ns = 0;
	bad = mitigate_new(&o, &mitigate_mem_ops, mem);
	cr_assert_null(bad);
	cr_assert_eq(errno, EINVAL);
	o = test_opts();
	bad = mitigate_new(&o, NULL, NULL); /* enforcing needs a backend */
	cr_assert_null(bad);
	o.excessive_critical_pps = 0.0 / 0.0;
	o.mode = MITIGATE_DRY_RUN;
	cr_assert_null(mitigate_new(&o, NULL, NULL));
	mitigate_free(NULL);
}

/* ---- install ---- */

Test(mitigate, critical_dos_installs_an_auto_host_rule_with_the_default_ttl)
{
	struct nad_rule r;
	struct json_object *j, *mit, *al, *v;

	alert(dos("198.18.0.3", T0));
	cr_assert(has_rule("198.18.0.3/32", &r));
	cr_assert_eq(r.origin, NAD_ORIGIN_AUTO);
	cr_assert_eq(r.reason, 1);
	cr_assert_eq(r.created_ns, T0);
	cr_assert_eq(r.expires_ns, T0 + 600 * S);
	cr_assert_eq(mitigate_mem_n_drop(mem), 1);
	cr_assert(blocked("198.18.0.3", T0 + S));
	cr_assert_not(blocked("198.18.0.2", T0 + S));

	cr_assert_eq(n_events, 1);
	cr_assert_eq(events[0].action, MITIGATE_ACT_INSTALL);
	j = json_tokener_parse(events[0].json);
	cr_assert_not_null(j);
	cr_assert(json_object_object_get_ex(j, "event_type", &v));
	cr_assert_str_eq(json_object_get_string(v), "mitigation");
	cr_assert(json_object_object_get_ex(j, "timestamp", &v));
	cr_assert_not_null(strchr(json_object_get_string(v), 'T'));
	cr_assert(json_object_object_get_ex(j, "mitigation", &mit));
	cr_assert(json_object_object_get_ex(mit, "action", &v));
	cr_assert_str_eq(json_object_get_string(v), "install");
	cr_assert(json_object_object_get_ex(mit, "rule", &v));
	cr_assert_str_eq(json_object_get_string(v), "198.18.0.3/32");
	cr_assert(json_object_object_get_ex(mit, "origin", &v));
	cr_assert_str_eq(json_object_get_string(v), "auto");
	cr_assert(json_object_object_get_ex(mit, "ttl_s", &v));
	cr_assert_eq(json_object_get_int(v), 600);
	cr_assert(json_object_object_get_ex(mit, "expires_in_s", &v));
	cr_assert_eq(json_object_get_int(v), 600);
	cr_assert(json_object_object_get_ex(mit, "hits", &v));
	cr_assert(json_object_object_get_ex(mit, "hit_bytes", &v));
	cr_assert(json_object_object_get_ex(mit, "reason", &v));
	cr_assert_str_eq(json_object_get_string(v), "dos_attack");
	cr_assert(json_object_object_get_ex(mit, "alert", &al));
	cr_assert(json_object_object_get_ex(al, "src_ip", &v));
	cr_assert_str_eq(json_object_get_string(v), "198.18.0.3");
	cr_assert(json_object_object_get_ex(al, "dest_ip", &v));
	cr_assert_str_eq(json_object_get_string(v), "198.18.0.1");
	cr_assert(json_object_object_get_ex(al, "dest_port", &v));
	cr_assert_eq(json_object_get_int(v), 80);
	cr_assert(json_object_object_get_ex(al, "proto", &v));
	cr_assert_str_eq(json_object_get_string(v), "TCP");
	cr_assert(json_object_object_get_ex(al, "class", &v));
	cr_assert_str_eq(json_object_get_string(v), "dos_attack");
	json_object_put(j);
}

Test(mitigate, ipv6_attacker_gets_a_128_rule)
{
	alert(dos("2001:db8:1::66", T0));
	cr_assert(has_rule("2001:db8:1::66/128", NULL));
	cr_assert(blocked("2001:db8:1::66", T0 + S));
	cr_assert_not(blocked("2001:db8:1::67", T0 + S));
}

Test(mitigate, only_critical_dos_and_very_excessive_traffic_are_blocked)
{
	struct mitigate_alert a = dos("198.51.100.1", T0);
	struct mitigate_stats st;

	a.severity = SEV_WARNING;
	alert(a);
	a = dos("198.51.100.2", T0);
	a.cls = "scanning";
	alert(a);
	a = dos("198.51.100.3", T0);
	a.cls = "excessive_traffic";
	a.severity = SEV_WARNING;
	a.src_pps = 49999;
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	a.src_pps = 50000;
	alert(a);
	cr_assert(has_rule("198.51.100.3/32", NULL));
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_alerts, 4);
	cr_assert_eq(st.n_qualifying, 1);
}

/* ---- renewal and expiry ---- */

Test(mitigate, realert_renews_the_rule_but_not_more_than_once_per_quarter_ttl)
{
	struct nad_rule r;

	alert(dos("198.18.0.3", T0));
	alert(dos("198.18.0.3", T0 + 10 * S));
	cr_assert(has_rule("198.18.0.3/32", &r));
	cr_assert_eq(r.expires_ns, T0 + 600 * S, "renewed too soon");
	cr_assert_eq(count_action(MITIGATE_ACT_RENEW), 0);

	alert(dos("198.18.0.3", T0 + 200 * S));
	cr_assert(has_rule("198.18.0.3/32", &r));
	cr_assert_eq(r.expires_ns, T0 + 800 * S);
	cr_assert_eq(r.created_ns, T0, "a renewal keeps the creation time");
	cr_assert_eq(count_action(MITIGATE_ACT_RENEW), 1);
	cr_assert_eq(mitigate_mem_n_drop(mem), 1);
}

Test(mitigate, renewal_keeps_the_kernel_hit_counters)
{
	struct nad_rule r;

	alert(dos("198.18.0.3", T0));
	for (int i = 0; i < 5; i++)
		cr_assert(blocked("198.18.0.3", T0 + S));
	alert(dos("198.18.0.3", T0 + 300 * S));
	cr_assert(has_rule("198.18.0.3/32", &r));
	cr_assert_eq(r.hits, 5);
	cr_assert_eq(r.hit_bytes, 300);
}

Test(mitigate, rule_stays_while_its_hits_show_the_attack_going_on)
{
	__u64 t;

	alert(dos("198.18.0.3", T0));
	/* The engine sees nothing once XDP drops: only the hit counter tells. */
	for (t = T0 + S; t <= T0 + 1800 * S; t += S) {
		cr_assert(blocked("198.18.0.3", t), "not blocked at +%llu s",
			  (unsigned long long)((t - T0) / S));
		cr_assert_eq(mitigate_tick(m, t), 0);
	}
	cr_assert(has_rule("198.18.0.3/32", NULL));
	cr_assert_geq(count_action(MITIGATE_ACT_RENEW), 3);
	cr_assert_eq(count_action(MITIGATE_ACT_REMOVE), 0);
}

Test(mitigate, rule_is_removed_once_the_attack_stopped_and_it_expired)
{
	const struct rec_event *ev;
	__u64 t;

	alert(dos("198.18.0.3", T0));
	for (t = T0 + S; t < T0 + 600 * S; t += S)
		cr_assert_eq(mitigate_tick(m, t), 0);
	cr_assert(has_rule("198.18.0.3/32", NULL), "removed before its TTL");
	cr_assert_eq(mitigate_tick(m, T0 + 600 * S), 0);
	cr_assert_not(has_rule("198.18.0.3/32", NULL));
	ev = last_event();
	cr_assert_eq(ev->action, MITIGATE_ACT_REMOVE);
	cr_assert_str_eq(ev->why, "expired");
	cr_assert_str_eq(ev->rule, "198.18.0.3/32");
}

Test(mitigate, an_expired_rule_drops_nothing_even_without_the_sweep)
{
	alert(dos("198.18.0.3", T0));
	/* The daemon died: nobody sweeps, the kernel compares expires_ns. */
	cr_assert(blocked("198.18.0.3", T0 + 600 * S));
	cr_assert_not(blocked("198.18.0.3", T0 + 600 * S + 1));
}

Test(mitigate, repeat_offenders_get_doubling_ttls_up_to_the_cap)
{
	struct mitigate_opts o = test_opts();
	__u64 t = T0, expect = 600 * S;
	struct nad_rule r;

	teardown();
	o.ttl_max_ns = 3000 * S;
	setup_with(&o);
	for (int i = 0; i < 5; i++) {
		alert(dos("198.18.0.3", t));
		cr_assert(has_rule("198.18.0.3/32", &r));
		cr_assert_eq(r.expires_ns - t, expect, "offence %d: ttl %llu s", i + 1,
			     (unsigned long long)((r.expires_ns - t) / S));
		t = r.expires_ns;
		cr_assert_eq(mitigate_tick(m, t), 0);
		cr_assert_not(has_rule("198.18.0.3/32", NULL));
		t += 60 * S;
		expect = expect * 2 > 3000 * S ? 3000 * S : expect * 2;
	}
}

Test(mitigate, offences_are_forgotten_after_the_memory_period)
{
	struct nad_rule r;

	alert(dos("198.18.0.3", T0));
	cr_assert_eq(mitigate_tick(m, T0 + 600 * S), 0);
	alert(dos("198.18.0.3", T0 + 600 * S + 25 * 3600 * S));
	cr_assert(has_rule("198.18.0.3/32", &r));
	cr_assert_eq(r.expires_ns - r.created_ns, 600 * S);
}

/* ---- aggregation ---- */

Test(mitigate, many_sources_of_one_slash24_become_one_prefix_rule)
{
	char src[32];
	struct nad_rule r;

	for (int i = 1; i <= 7; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i);
		alert(dos(src, T0 + (__u64)i * S));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 7);
	alert(dos("203.0.113.8", T0 + 8 * S));
	cr_assert_eq(mitigate_mem_n_drop(mem), 1);
	cr_assert(has_rule("203.0.113.0/24", &r));
	cr_assert_eq(r.origin, NAD_ORIGIN_AUTO);
	cr_assert_eq(count_action(MITIGATE_ACT_REMOVE), 7);
	/* The whole prefix is blocked now, and a new source of it renews, not adds. */
	cr_assert(blocked("203.0.113.200", T0 + 9 * S));
	alert(dos("203.0.113.9", T0 + 200 * S));
	cr_assert_eq(mitigate_mem_n_drop(mem), 1);
	cr_assert(has_rule("203.0.113.0/24", &r));
	cr_assert_eq(r.expires_ns, T0 + 800 * S);
	/* Other prefixes are untouched. */
	cr_assert_not(blocked("203.0.114.1", T0 + 9 * S));
}

Test(mitigate, ipv6_sources_aggregate_into_a_slash64)
{
	char src[64];

	for (int i = 1; i <= 8; i++) {
		snprintf(src, sizeof(src), "2001:db8:5:6::%x", i);
		alert(dos(src, T0 + (__u64)i * S));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 1);
	cr_assert(has_rule("2001:db8:5:6::/64", NULL));
}

Test(mitigate, no_aggregation_over_an_allowlisted_address)
{
	char src[32];
	struct addr_prefix gw = pfx("203.0.113.254");

	cr_assert_eq(mitigate_allow_add(m, &gw, "config"), 0);
	for (int i = 1; i <= 10; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i);
		alert(dos(src, T0 + (__u64)i * S));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 10);
	cr_assert_not(has_rule("203.0.113.0/24", NULL));
	cr_assert_not(blocked("203.0.113.254", T0 + 20 * S));
}

/* ---- allowlist ---- */

Test(mitigate, allowlisted_attacker_is_reported_never_blocked)
{
	struct addr_prefix p = pfx("198.18.0.0/29");
	const struct rec_event *ev;
	struct mitigate_stats st;

	cr_assert_eq(mitigate_allow_add(m, &p, "config"), 0);
	cr_assert(mitigate_mem_allow(mem, &p), "the kernel allow map gets it too");
	alert(dos("198.18.0.3", T0));
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert_not(blocked("198.18.0.3", T0 + S));
	ev = last_event();
	cr_assert_eq(ev->action, MITIGATE_ACT_SKIP);
	cr_assert_str_eq(ev->why, "config");
	cr_assert_not_null(strstr(ev->json, "\"action\":\"skip\""));
	cr_assert_not_null(strstr(ev->json, "\"src_ip\":\"198.18.0.3\""));
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_skip_allow, 1);
	/* Outside the allowed prefix: blocked as usual. */
	alert(dos("198.18.0.9", T0));
	cr_assert(has_rule("198.18.0.9/32", NULL));
}

Test(mitigate, loopback_is_always_allowlisted)
{
	alert(dos("127.0.0.1", T0));
	alert(dos("127.3.2.1", T0));
	alert(dos("::1", T0));
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert_eq(count_action(MITIGATE_ACT_SKIP), 3);
	cr_assert(mitigate_mem_allow(
		mem, &(struct addr_prefix){ .plen = 104,
					    .addr = { [10] = 0xff, [11] = 0xff, [12] = 127 } }));
}

Test(mitigate, own_addresses_are_allowlisted)
{
	struct ifaddrs *ifa, *it;
	char text[INET6_ADDRSTRLEN];
	int n = 0;

	cr_assert_eq(mitigate_allow_system(m), 0);
	cr_assert_eq(getifaddrs(&ifa), 0);
	for (it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)it->ifa_addr)->sin_addr, text,
			  sizeof(text));
		alert(dos(text, T0));
		cr_assert_not(has_rule(text, NULL), "own address %s blocked", text);
		n++;
	}
	freeifaddrs(ifa);
	cr_assert_gt(n, 0, "no IPv4 address to test with");
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
}

Test(mitigate, default_gateways_from_the_route_tables_are_allowlisted)
{
	char r4[] = "/tmp/nadxdp-route4-XXXXXX", r6[] = "/tmp/nadxdp-route6-XXXXXX";
	int fd4 = mkstemp(r4), fd6 = mkstemp(r6);
	FILE *f;

	cr_assert(fd4 >= 0 && fd6 >= 0);
	f = fdopen(fd4, "w");
	/* 198.18.0.254 as /proc/net/route prints it on a little-endian host. */
	fprintf(f,
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		"eth0\t00000000\t%08X\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
		"eth0\t000012C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
		htonl(0xC61200FE) == 0xC61200FE ? 0xC61200FEu : 0xFE0012C6u);
	fclose(f);
	f = fdopen(fd6, "w");
	fprintf(f, "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		   "fe800000000000000000000000000001 00000400 00000001 00000000 00450003 eth0\n"
		   "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 "
		   "00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n");
	fclose(f);
	cr_assert_eq(mitigate_allow_gateways(m, r4, r6), 0);
	unlink(r4);
	unlink(r6);

	alert(dos("198.18.0.254", T0));
	alert(dos("fe80::1", T0));
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert_eq(count_action(MITIGATE_ACT_SKIP), 2);
	cr_assert_str_eq(events[0].why, "gateway");
	/* A non-default route's prefix is not a gateway. */
	alert(dos("198.18.0.7", T0));
	cr_assert(has_rule("198.18.0.7/32", NULL));
}

Test(mitigate, allowlisting_an_address_lifts_its_rule)
{
	struct addr_prefix p = pfx("198.18.0.3");

	alert(dos("198.18.0.3", T0));
	cr_assert(has_rule("198.18.0.3/32", NULL));
	cr_assert_eq(mitigate_allow_add(m, &p, "config"), 0);
	cr_assert_not(has_rule("198.18.0.3/32", NULL));
	cr_assert_str_eq(last_event()->why, "allowlisted");
}

/* ---- caps ---- */

Test(mitigate, rule_count_never_exceeds_max_rules)
{
	struct mitigate_opts o = test_opts();
	struct mitigate_stats st;
	char src[32];

	teardown();
	o.max_rules = 10;
	o.agg_min_sources = 0;
	setup_with(&o);
	for (int i = 0; i < 30; i++) {
		snprintf(src, sizeof(src), "203.0.%d.1", i);
		alert(dos(src, T0 + (__u64)i * S));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 10);
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_rules, 10);
	cr_assert_eq(st.n_skip_cap, 20);
	/* Room again once rules expired. */
	cr_assert_eq(mitigate_tick(m, T0 + 700 * S), 0);
	alert(dos("203.0.99.1", T0 + 701 * S));
	cr_assert(has_rule("203.0.99.1/32", NULL));
}

Test(mitigate, new_rules_are_rate_limited_by_a_token_bucket)
{
	struct mitigate_opts o = test_opts();
	struct mitigate_stats st;
	char src[32];

	teardown();
	o.new_rules_per_s = 10;
	o.new_rules_burst = 5;
	o.agg_min_sources = 0;
	setup_with(&o);
	/* 20 at the same instant: the burst passes. */
	for (int i = 0; i < 20; i++) {
		snprintf(src, sizeof(src), "203.0.%d.1", i);
		alert(dos(src, T0));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 5);
	/* One second later, 10 more tokens (capped by the burst of 5). */
	for (int i = 20; i < 40; i++) {
		snprintf(src, sizeof(src), "203.0.%d.1", i);
		alert(dos(src, T0 + S));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 10);
	/* Spread at the budget rate, all pass. */
	for (int i = 40; i < 60; i++) {
		snprintf(src, sizeof(src), "203.0.%d.1", i);
		alert(dos(src, T0 + 2 * S + (__u64)(i - 40) * (S / 10)));
	}
	cr_assert_eq(mitigate_mem_n_drop(mem), 30);
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_skip_rate, 30);
}

/* ---- modes ---- */

Test(mitigate, dry_run_writes_nothing_and_reports_would_install)
{
	struct mitigate_opts o = test_opts();
	struct addr_prefix p = pfx("198.51.100.0/24");

	teardown();
	o.mode = MITIGATE_DRY_RUN;
	setup_with(&o);
	cr_assert_eq(mitigate_allow_add(m, &p, "config"), 0);
	alert(dos("198.18.0.3", T0));
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert_eq(mitigate_mem_n_allow(mem), 0);
	cr_assert_not(blocked("198.18.0.3", T0 + S));
	cr_assert_eq(last_event()->action, MITIGATE_ACT_WOULD_INSTALL);
	cr_assert_str_eq(last_event()->rule, "198.18.0.3/32");
	cr_assert_not_null(strstr(last_event()->json, "\"action\":\"would_install\""));
	alert(dos("198.18.0.3", T0 + 10 * S));
	cr_assert_eq(count_action(MITIGATE_ACT_WOULD_INSTALL), 1, "decided once, not per alert");
	cr_assert_eq(mitigate_tick(m, T0 + 600 * S), 0);
	cr_assert_eq(last_event()->action, MITIGATE_ACT_WOULD_REMOVE);
}

Test(mitigate, no_mitigate_detects_only)
{
	struct mitigate_opts o = test_opts();
	struct mitigate_stats st;

	teardown();
	o.mode = MITIGATE_OFF;
	setup_with(&o);
	alert(dos("198.18.0.3", T0));
	cr_assert_eq(mitigate_tick(m, T0 + S), 0);
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert_eq(n_events, 0);
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_alerts, 1);
}

Test(mitigate, exit_removes_every_rule_and_owned_allow_entry)
{
	struct addr_prefix p = pfx("198.51.100.0/24");
	struct mitigate_alert a = dos("198.18.0.50", T0);

	cr_assert_eq(mitigate_allow_add(m, &p, "config"), 0);
	alert(dos("198.18.0.3", T0));
	alert(dos("2001:db8:1::66", T0));
	a.by_destination = true;
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem), 2);
	cr_assert_eq(mitigate_mem_n_rate(mem), 1);
	cr_assert_gt(mitigate_mem_n_allow(mem), 0);
	mitigate_free(m);
	m = NULL;
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert_eq(mitigate_mem_n_rate(mem), 0);
	cr_assert_eq(mitigate_mem_n_allow(mem), 0);
	cr_assert_eq(count_action(MITIGATE_ACT_REMOVE), 3);
	cr_assert_str_eq(last_event()->why, "shutdown");
}

Test(mitigate, keep_rules_leaves_rules_and_allowlist_in_place)
{
	struct mitigate_opts o = test_opts();

	teardown();
	o.keep_rules = true;
	setup_with(&o);
	alert(dos("198.18.0.3", T0));
	mitigate_free(m);
	m = NULL;
	cr_assert(has_rule("198.18.0.3/32", NULL));
	cr_assert_gt(mitigate_mem_n_allow(mem), 0);
	cr_assert_eq(count_action(MITIGATE_ACT_REMOVE), 0);
	/* ...and they still lapse on their own. */
	cr_assert_not(blocked("198.18.0.3", T0 + 601 * S));
}

Test(mitigate, preexisting_allow_entries_are_not_removed_on_exit)
{
	struct addr_prefix p = pfx("198.51.100.0/24");

	teardown();
	setup();
	/* Someone else (nadxdp rules add --allow) put it there first. */
	cr_assert_eq(mitigate_mem_ops.allow_add(mem, &p), 0);
	cr_assert_eq(mitigate_allow_add(m, &p, "config"), 0);
	mitigate_free(m);
	m = NULL;
	cr_assert(mitigate_mem_allow(mem, &p));
}

Test(mitigate, operator_deleting_a_rule_takes_it_over)
{
	struct addr_prefix p = pfx("198.18.0.3");
	struct nad_rule r;

	alert(dos("198.18.0.3", T0));
	cr_assert_eq(mitigate_mem_ops.drop_del(mem, &p), 0);
	cr_assert_eq(mitigate_tick(m, T0 + S), 0);
	/* A manual rule for the same source is the operator's: never touched. */
	r = (struct nad_rule){ .origin = NAD_ORIGIN_MANUAL };
	cr_assert_eq(mitigate_mem_ops.drop_put(mem, &p, &r), 0);
	mitigate_free(m);
	m = NULL;
	cr_assert(has_rule("198.18.0.3/32", &r));
	cr_assert_eq(r.origin, NAD_ORIGIN_MANUAL);
}

Test(mitigate, backend_failure_is_returned_and_leaves_no_phantom_rule)
{
	struct mitigate_alert a = dos("198.18.0.3", T0);
	struct mitigate_stats st;

	mitigate_mem_fail_writes(mem, -EPERM);
	cr_assert_eq(mitigate_on_alert(m, &a), -EPERM);
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_rules, 0);
	cr_assert_eq(st.n_backend_errors, 1);
	mitigate_mem_fail_writes(mem, 0);
	a.ts_ns = T0 + S;
	alert(a);
	cr_assert(has_rule("198.18.0.3/32", NULL));
}

/* ---- spoofed / distributed floods ---- */

static struct nad_rate_key target80(void)
{
	struct nad_rate_key k = { .dport = 80, .proto = IPPROTO_TCP };

	addr("198.18.0.1", k.daddr);
	return k;
}

Test(mitigate, distributed_alert_installs_one_rate_rule_on_the_victim)
{
	struct mitigate_opts o = test_opts();
	struct mitigate_alert a = dos("10.9.8.7", T0);
	struct nad_rate_key k = target80();
	struct nad_rate v;

	teardown();
	o.n_cpus = 4;
	o.rate_pps = 1000;
	setup_with(&o);
	a.by_destination = true;
	a.n_sources = 5000;
	a.src_pps = 1;
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	cr_assert(mitigate_mem_rate(mem, &k, &v));
	cr_assert_eq(v.rate_pps, 250, "the budget is split over the CPUs");
	cr_assert_eq(v.burst, o.rate_burst);
	cr_assert_eq(v.origin, NAD_ORIGIN_AUTO);
	cr_assert_eq(v.expires_ns, T0 + 600 * S);
	cr_assert_eq(last_event()->kind, MITIGATE_RULE_RATE);
	cr_assert_str_eq(last_event()->why, "spoofed_flood");
	cr_assert_not_null(strstr(last_event()->json, "\"kind\":\"rate\""));
	cr_assert_not_null(strstr(last_event()->json, "\"rule\":\"198.18.0.1/32\""));
}

Test(mitigate, random_source_flood_gets_a_handful_of_rules_not_one_per_source)
{
	struct nad_rate_key k = target80();
	struct mitigate_stats st;
	__u64 t = T0;

	/* 10 000 spoofed sources, each alerting once at a low rate. */
	for (__u32 i = 0; i < 10000; i++, t += S / 1000) {
		struct mitigate_alert a = dos("198.18.0.3", t);

		a.src[12] = (__u8)(11 + i % 200);
		a.src[13] = (__u8)(i / 200);
		a.src[14] = (__u8)(i * 7);
		a.src[15] = (__u8)(i * 13);
		a.src_pps = 2;
		a.n_sources = 0; /* the engine did not say: the policy must notice */
		alert(a);
	}
	mitigate_get_stats(m, &st);
	cr_assert(mitigate_mem_rate(mem, &k, NULL));
	cr_assert_leq(mitigate_mem_n_drop(mem) + mitigate_mem_n_rate(mem), 3, "%zu drop rules",
		      mitigate_mem_n_drop(mem));
	cr_assert_eq(st.n_rate_rules, 1);
	cr_assert_leq(st.n_installed, 25, "%llu rules written", (unsigned long long)st.n_installed);
}

Test(mitigate, a_fast_real_source_still_gets_its_own_rule_during_a_spoofed_flood)
{
	struct mitigate_alert a = dos("10.0.0.1", T0);

	a.by_destination = true;
	alert(a);
	alert(dos("198.18.0.3", T0 + S)); /* 50 000 pps from one source */
	cr_assert(has_rule("198.18.0.3/32", NULL));
}

Test(mitigate, udp_and_icmp_floods_get_rate_rules_keyed_by_protocol)
{
	struct mitigate_alert a = dos("10.0.0.1", T0);
	struct nad_rate_key k = target80();

	a.by_destination = true;
	a.proto = IPPROTO_UDP;
	a.dport = 53;
	alert(a);
	a.proto = IPPROTO_ICMP;
	a.dport = 4242; /* an echo identifier: not a port */
	alert(a);
	k.proto = IPPROTO_UDP;
	k.dport = 53;
	cr_assert(mitigate_mem_rate(mem, &k, NULL));
	k.proto = IPPROTO_ICMP;
	k.dport = 0;
	cr_assert(mitigate_mem_rate(mem, &k, NULL));
	cr_assert_eq(mitigate_mem_n_rate(mem), 2);
}

Test(mitigate, rate_rule_is_renewed_by_its_drops_and_expires_after_the_flood)
{
	struct mitigate_alert a = dos("10.0.0.1", T0);
	struct nad_rate_key k = target80();
	struct nad_rate v;
	__u64 t;

	a.by_destination = true;
	alert(a);
	for (t = T0 + S; t <= T0 + 1200 * S; t += S) {
		cr_assert(mitigate_mem_rate_hit(mem, &k, 5000));
		cr_assert_eq(mitigate_tick(m, t), 0);
	}
	cr_assert(mitigate_mem_rate(mem, &k, &v));
	cr_assert_gt(v.expires_ns, T0 + 1200 * S);
	cr_assert_eq(v.hits, 1200 * 5000ULL, "renewal keeps the counters");
	for (; t <= T0 + 2400 * S && mitigate_mem_n_rate(mem); t += S)
		cr_assert_eq(mitigate_tick(m, t), 0);
	cr_assert_eq(mitigate_mem_n_rate(mem), 0);
	cr_assert_eq(last_event()->action, MITIGATE_ACT_REMOVE);
	cr_assert_eq(last_event()->kind, MITIGATE_RULE_RATE);
}

Test(mitigate, kept_auto_rule_is_adopted_covers_realerts_and_expires)
{
	struct addr_prefix p = pfx("198.18.9.7/32");
	struct nad_rule v = { .created_ns = T0 - 100 * S, .expires_ns = T0 + 60 * S,
			      .origin = NAD_ORIGIN_AUTO, .reason = 1 };
	struct nad_rule manual = { .created_ns = T0 - S, .origin = NAD_ORIGIN_MANUAL };
	struct nad_rule old = v;
	struct mitigate_alert a = dos("198.18.9.7", T0 + S);
	struct mitigate_stats st;

	old.expires_ns = T0 - S;
	cr_assert_eq(mitigate_mem_ops.drop_put(mem, &p, &v), 0);
	cr_expect_eq(mitigate_adopt_drop(m, &p, &manual, T0), -EINVAL, "manual rules stay manual");
	cr_expect_eq(mitigate_adopt_drop(m, &p, &old, T0), -EINVAL, "expired: nothing to adopt");
	cr_assert_eq(mitigate_adopt_drop(m, &p, &v, T0), 0);
	mitigate_get_stats(m, &st);
	cr_expect_eq(st.n_rules, 1);
	cr_expect_eq(n_events, 0, "adoption is silent");

	/* A re-alert for the source is covered by the kept rule: no second install. */
	cr_assert_eq(mitigate_on_alert(m, &a), 0);
	mitigate_get_stats(m, &st);
	cr_expect_eq(st.n_installed, 0);
	cr_expect_eq(st.n_rules, 1);

	/* The sweep removes it once it expires. */
	cr_assert_eq(mitigate_tick(m, T0 + 30 * S), 0);
	cr_expect(mitigate_mem_drop(mem, &p, NULL), "still in force before its expiry");
	cr_assert_eq(mitigate_tick(m, T0 + 61 * S), 0);
	cr_expect(!mitigate_mem_drop(mem, &p, NULL), "removed at expiry");
	cr_assert_eq(n_events, 1);
	cr_expect_eq(events[0].action, MITIGATE_ACT_REMOVE);
	cr_expect_str_eq(events[0].rule, "198.18.9.7/32");
	cr_expect_str_eq(events[0].why, "expired");
	cr_expect(strstr(events[0].json, "\"kept\""), "reason kept: %s", events[0].json);
}

/* ---- trust, hold and evidence ---- */

/* Each kind of flood from src; the source answered `answered_ago` before t (0: never). */
static struct mitigate_alert flood_of(const char *src, enum flood_kind kind, __u64 t,
				      __u64 answered_ago)
{
	struct mitigate_alert a = dos(src, t);

	a.flood.kind = kind;
	a.flood.proto = kind == FLOOD_UDP  ? IPPROTO_UDP :
			kind == FLOOD_ECHO ? IPPROTO_ICMP :
					     IPPROTO_TCP;
	a.flood.dport = kind == FLOOD_ECHO ? 0 : kind == FLOOD_UDP ? 53 : 80;
	a.proto = a.flood.proto;
	a.dport = a.flood.dport;
	a.flood.answered_last_ns = answered_ago ? t - answered_ago : 0;
	return a;
}

static struct mitigate_alert excessive(const char *src, __u64 t, double answered_share)
{
	struct mitigate_alert a = dos(src, t);

	a.cls = "excessive_traffic";
	a.class_id = 8;
	a.severity = SEV_WARNING;
	a.src_pps = 60000;
	a.flood.kind = FLOOD_NONE;
	a.flood.answered_share = answered_share;
	return a;
}

/* Is a flood packet of a's signature from src held to a rate rule (and which)? */
static bool rate_limited(const struct mitigate_alert *a, const char *src, bool *by_source)
{
	struct nad_rate_key k;
	__u8 s[16];

	addr(src, s);
	if (!mitigate_mem_rate_holding(mem, s, a->dst, a->flood.dport, a->flood.proto, a->ts_ns + S,
				       &k))
		return false;
	if (by_source)
		*by_source = !memcmp(k.saddr, s, 16);
	return true;
}

Test(mitigate, a_source_answered_within_the_trust_window_is_never_dropped)
{
	static const enum flood_kind kinds[] = { FLOOD_SYN, FLOOD_UDP, FLOOD_ECHO, FLOOD_NONE };
	static const __u64 ago[] = { 1, 10 * S, 599 * S };
	struct mitigate_stats st;
	__u64 t = T0 + 3600 * S;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (size_t j = 0; j < sizeof(ago) / sizeof(ago[0]); j++) {
			char src[32];
			bool by_source = false;
			struct mitigate_alert a;

			snprintf(src, sizeof(src), "198.51.100.%zu", 10 * i + j + 1);
			a = flood_of(src, kinds[i], t, ago[j]);
			/* A long, fast, wholly unanswered flood: only the trust spares it. */
			a.flood.flood_since_ns = t - 30 * S;
			a.src_pps = a.flood.unanswered_pps = 1e6;
			for (__u64 u = 0; u < 100; u++) {
				a.ts_ns = a.last_ns = t + u * 10 * MS;
				alert(a);
			}
			cr_assert_not(blocked(src, t + S),
				      "%s dropped (kind %d, answered %llu ns ago)", src, kinds[i],
				      (unsigned long long)ago[j]);
			cr_assert_eq(rate_limited(&a, src, &by_source), kinds[i] != FLOOD_NONE,
				     "kind %d", kinds[i]);
			if (kinds[i] != FLOOD_NONE)
				cr_assert(by_source, "the rate rule is the source's own");
		}
	}
	/* Excessive traffic from a trusted source: no rule at all. */
	for (int u = 0; u < 100; u++) {
		struct mitigate_alert a = excessive("198.51.100.200", t + (__u64)u * 10 * MS, 0);

		a.flood.answered_last_ns = t - S;
		alert(a);
	}
	cr_assert_not(blocked("198.51.100.200", t + S));
	cr_assert_eq(mitigate_mem_n_drop(mem), 0, "no drop rule at all");
	cr_assert_eq(mitigate_mem_n_rate(mem), 9, "one signature rule per rate-limitable flood");
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_sig_rules, 9);
	cr_assert_gt(st.n_skip_trusted, 0);
	/* Reported once per source and reason, not per update. */
	cr_assert_eq(count_action(MITIGATE_ACT_SKIP), 4, "three FLOOD_NONE sources, one excessive");
	/* Answered longer ago than the trust window: dropped as any flooder. */
	alert(flood_of("198.51.100.250", FLOOD_SYN, t, 601 * S));
	cr_assert(blocked("198.51.100.250", t + S));
}

Test(mitigate, trust_window_is_an_option_and_zero_trusts_nobody)
{
	struct mitigate_opts o = test_opts();

	teardown();
	o.trust_ns = 0;
	setup_with(&o);
	alert(flood_of("198.51.100.1", FLOOD_SYN, T0, S));
	cr_assert(blocked("198.51.100.1", T0 + S));
	teardown();
	o.trust_ns = 5 * S;
	setup_with(&o);
	alert(flood_of("198.51.100.1", FLOOD_SYN, T0, 4 * S));
	alert(flood_of("198.51.100.2", FLOOD_SYN, T0, 6 * S));
	cr_assert_not(blocked("198.51.100.1", T0 + S));
	cr_assert(blocked("198.51.100.2", T0 + S));
}

Test(mitigate, a_signature_rule_limits_the_flood_of_its_source_alone)
{
	struct mitigate_opts o = test_opts();
	struct mitigate_alert a;
	struct nad_rate_key k = { .dport = 53, .proto = IPPROTO_UDP };
	struct nad_rate v;
	bool by_source;

	teardown();
	o.n_cpus = 2;
	setup_with(&o);
	a = flood_of("198.18.0.2", FLOOD_UDP, T0, 3 * S);
	a.flood.threshold_pps = 1000;
	alert(a);
	addr("198.18.0.1", k.daddr);
	addr("198.18.0.2", k.saddr);
	cr_assert(mitigate_mem_rate(mem, &k, &v));
	cr_assert_eq(v.rate_pps, 500, "the flood's threshold, split over the CPUs");
	cr_assert_eq(v.origin, NAD_ORIGIN_AUTO);
	cr_assert_eq(v.expires_ns, T0 + 600 * S);
	cr_assert(rate_limited(&a, "198.18.0.2", &by_source) && by_source);
	cr_assert_not(rate_limited(&a, "198.18.0.3", NULL), "another source is not limited");
	a.flood.dport = 5353;
	cr_assert_not(rate_limited(&a, "198.18.0.2", NULL), "nor its traffic to another port");
	cr_assert_eq(last_event()->kind, MITIGATE_RULE_RATE);
	cr_assert_str_eq(last_event()->why, "signature");
	cr_assert_not_null(strstr(last_event()->json, "\"src_ip\":\"198.18.0.2\""), "%s",
			   last_event()->json);
	/* It renews like any rate rule, and goes on exit. */
	a = flood_of("198.18.0.2", FLOOD_UDP, T0 + 200 * S, 3 * S);
	alert(a);
	cr_assert(mitigate_mem_rate(mem, &k, &v));
	cr_assert_eq(v.expires_ns, T0 + 800 * S);
	mitigate_free(m);
	m = NULL;
	cr_assert_eq(mitigate_mem_n_rate(mem), 0);
}

Test(mitigate, a_drop_only_after_the_flood_held_for_the_hold)
{
	struct mitigate_alert a = dos("203.0.113.7", T0);
	struct mitigate_stats st;
	__u64 t;

	/* The start and the updates every 10 ms: nothing before 50 ms of flood. */
	a.flood.flood_since_ns = T0;
	for (t = T0; t < T0 + HOLD; t += 10 * MS) {
		a.ts_ns = a.last_ns = t;
		alert(a);
		cr_assert_not(blocked("203.0.113.7", t + 1), "dropped after %llu ms",
			      (unsigned long long)((t - T0) / MS));
	}
	cr_assert_eq(n_events, 0);
	a.ts_ns = a.last_ns = T0 + HOLD;
	alert(a);
	cr_assert(blocked("203.0.113.7", T0 + HOLD + 1));
	mitigate_get_stats(m, &st);
	cr_assert_eq(st.n_wait_hold, 5);
	cr_assert_eq(st.n_installed, 1);
}

Test(mitigate, a_burst_shorter_than_the_hold_installs_nothing)
{
	struct mitigate_opts o = test_opts();
	struct mitigate_alert a = dos("203.0.113.8", T0);
	__u64 t;

	/* 40 ms of flood, then the condition breaks (flood_since 0) and comes back for 30 ms. */
	a.flood.flood_since_ns = T0;
	for (t = T0; t <= T0 + 40 * MS; t += 10 * MS) {
		a.ts_ns = a.last_ns = t;
		alert(a);
	}
	a.flood.flood_since_ns = 0;
	a.ts_ns = a.last_ns = T0 + 60 * MS;
	alert(a);
	a.flood.flood_since_ns = T0 + 70 * MS;
	for (t = T0 + 70 * MS; t <= T0 + 100 * MS; t += 10 * MS) {
		a.ts_ns = a.last_ns = t;
		alert(a);
	}
	/* The same for excessive traffic, and for a spoofed flood keyed on the victim. */
	a = excessive("203.0.113.9", T0, 0);
	a.flood.flood_since_ns = T0;
	a.ts_ns = a.last_ns = T0 + 49 * MS;
	alert(a);
	a = dos("10.0.0.1", T0);
	a.by_destination = true;
	a.flood.flood_since_ns = T0 + 20 * MS;
	a.ts_ns = a.last_ns = T0 + 60 * MS;
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem) + mitigate_mem_n_rate(mem), 0);
	cr_assert_eq(n_events, 0);
	/* A longer hold is an option. */
	teardown();
	o.hold_ns = 2 * S;
	setup_with(&o);
	a = dos("203.0.113.8", T0 + S);
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem), 0);
	a.flood.flood_since_ns = T0 - S;
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem), 1);
}

Test(mitigate, excessive_traffic_is_dropped_only_unanswered_sustained_and_untrusted)
{
	struct mitigate_alert a = excessive("203.0.113.20", T0, 0.5);

	alert(a); /* half answered */
	a = excessive("203.0.113.21", T0, 0.1);
	a.flood.flood_since_ns = T0 - 10 * MS; /* not held */
	alert(a);
	a = excessive("203.0.113.22", T0, 0.1);
	a.flood.answered_last_ns = T0 - 100 * S; /* trusted */
	alert(a);
	cr_assert_eq(mitigate_mem_n_drop(mem) + mitigate_mem_n_rate(mem), 0);
	alert(excessive("203.0.113.23", T0, 0.1));
	cr_assert(has_rule("203.0.113.23/32", NULL));
	cr_assert_str_eq(last_event()->why, "excessive_traffic");
}

Test(mitigate, distributed_floods_get_the_aggregate_rule_once_sustained)
{
	struct mitigate_alert a = dos("10.9.8.7", T0);
	struct nad_rate_key k = target80();
	bool by_source = true;

	a.by_destination = true;
	a.n_sources = 5000;
	a.src_pps = 1;
	a.flood.flood_since_ns = T0;
	alert(a);
	cr_assert_eq(mitigate_mem_n_rate(mem), 0, "not yet sustained");
	a.ts_ns = a.last_ns = T0 + HOLD;
	alert(a);
	cr_assert(mitigate_mem_rate(mem, &k, NULL), "the aggregate key: any source");
	cr_assert(rate_limited(&a, "10.1.2.3", &by_source));
	cr_assert_not(by_source);
	cr_assert_str_eq(last_event()->why, "spoofed_flood");
	cr_assert_not_null(strstr(last_event()->json, "\"src_ip\":null"), "%s", last_event()->json);
}

/* The mitigation object of an event's JSON, and its alert and flood objects. */
static struct json_object *event_json(const struct rec_event *ev, struct json_object **alert_o,
				      struct json_object **flood_o)
{
	struct json_object *j = json_tokener_parse(ev->json), *mit;

	cr_assert_not_null(j, "%s", ev->json);
	cr_assert(json_object_object_get_ex(j, "mitigation", &mit));
	cr_assert(json_object_object_get_ex(mit, "alert", alert_o), "%s", ev->json);
	cr_assert(json_object_object_get_ex(*alert_o, "flood", flood_o), "%s", ev->json);
	return j;
}

static double jnum(struct json_object *o, const char *k)
{
	struct json_object *v;

	cr_assert(json_object_object_get_ex(o, k, &v), "no %s", k);
	return json_object_get_double(v);
}

Test(mitigate, every_event_carries_the_evidence)
{
	struct mitigate_alert a = dos("203.0.113.30", T0);
	struct mitigate_alert t = flood_of("203.0.113.31", FLOOD_NONE, T0, 20 * S);
	struct json_object *j, *al, *fl, *v;
	struct addr_prefix p = pfx("203.0.113.32");

	a.evidence = "SYN flood: 203.0.113.30 sends 50000 pkt/s to 198.18.0.1";
	a.flood.unanswered_pps = 42000;
	a.flood.answered_share = 0.01;
	a.flood.flood_since_ns = T0 - 70 * MS;
	a.flood.threshold_pps = 2500;
	a.flood.threshold_learned = true;
	alert(a); /* install */
	alert(t); /* skip: trusted */
	cr_assert_eq(mitigate_allow_add(m, &p, "config"), 0);
	alert(dos("203.0.113.32", T0)); /* skip: allowlisted */
	alert(flood_of("203.0.113.33", FLOOD_ECHO, T0, 20 * S)); /* signature rule */
	cr_assert_eq(mitigate_tick(m, T0 + 601 * S), 0); /* remove */
	cr_assert_eq(n_events, 6);
	for (int i = 0; i < n_events; i++) {
		j = event_json(&events[i], &al, &fl);
		cr_assert(json_object_object_get_ex(al, "evidence", &v), "%s", events[i].json);
		cr_assert(json_object_is_type(v, json_type_string), "%s", events[i].json);
		cr_assert(json_object_object_get_ex(fl, "signature", &v));
		cr_assert(json_object_object_get_ex(v, "kind", &v));
		cr_assert(json_object_object_get_ex(fl, "held_ms", &v));
		cr_assert(json_object_object_get_ex(fl, "answered_ago_s", &v));
		cr_assert(json_object_object_get_ex(fl, "threshold_from", &v));
		json_object_put(j);
	}
	/* The install's figures, as the alert gave them. */
	j = event_json(&events[0], &al, &fl);
	cr_assert_eq(events[0].action, MITIGATE_ACT_INSTALL);
	cr_assert(json_object_object_get_ex(al, "evidence", &v));
	cr_assert_str_eq(json_object_get_string(v), a.evidence);
	cr_assert_float_eq(jnum(fl, "unanswered_pps"), 42000, 1e-9);
	cr_assert_float_eq(jnum(fl, "answered_share"), 0.01, 1e-9);
	cr_assert_float_eq(jnum(fl, "held_ms"), 70, 1e-6);
	cr_assert_float_eq(jnum(fl, "threshold_pps"), 2500, 1e-9);
	cr_assert(json_object_object_get_ex(fl, "answered_ago_s", &v));
	cr_assert_null(v, "never answered");
	cr_assert(json_object_object_get_ex(fl, "threshold_from", &v));
	cr_assert_str_eq(json_object_get_string(v), "baseline");
	cr_assert(json_object_object_get_ex(fl, "signature", &v));
	cr_assert_not_null(strstr(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
				  "\"kind\":\"syn\""));
	json_object_put(j);
	/* The trusted skip says when the source was last answered. */
	j = event_json(&events[1], &al, &fl);
	cr_assert_eq(events[1].action, MITIGATE_ACT_SKIP);
	cr_assert_str_eq(events[1].why, "trusted");
	cr_assert_float_eq(jnum(fl, "answered_ago_s"), 20, 1e-9);
	json_object_put(j);
	cr_assert_str_eq(events[2].why, "config");
	cr_assert_str_eq(events[3].why, "signature");
	/* The removal at expiry still carries the alert behind the rule. */
	cr_assert_eq(events[4].action, MITIGATE_ACT_REMOVE);
	cr_assert_not_null(strstr(events[4].json, "SYN flood: 203.0.113.30"), "%s", events[4].json);
}
