// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_limits.c - bounded state (issue 15): a flood from random sources to random home
 * hosts keeps every table of the engine at its cap, counts what it evicts and holds the
 * same memory throughout; episodes, campaign samples and the mitigation's tables too.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "common/log.h"
#include "detect/alert.h"
#include "detect/campaign.h"
#include "detect/engine.h"
#include "features/baseline.h"
#include "helpers/recstream.h"
#include "mitigate/mem.h"
#include "mitigate/policy.h"

#define T0 1700000000000000000ull
#define N_FLOOD 150000 /* > the flow table (65536), sources (16384), destinations (8192) */

static const struct limit_table *row(const struct limit_table *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	cr_assert_fail("no table %s", name);
	return NULL;
}

/* n SYNs, 1 us apart, from random sources and ports to port 22 of random hosts of 10/8. */
static void flood(struct engine *e, struct recstream *rs, uint32_t *seed, size_t n)
{
	char src[16], dst[16];

	for (size_t i = 0; i < n; i++) {
		uint32_t a = rs_xorshift(seed), b = rs_xorshift(seed);

		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + a % 223, a >> 8 & 255, a >> 16 & 255,
			 a >> 24);
		snprintf(dst, sizeof(dst), "10.%u.%u.%u", b & 255, b >> 8 & 255, b >> 16 & 255);
		rs->n = 0;
		engine_process(e,
			       rs_add(rs, 1000, src, dst, IPPROTO_TCP,
				      (uint16_t)(1024 + (b >> 24) * 200), 22, 0x02 /* SYN */, 0));
	}
}

Test(limits, random_source_flood_keeps_every_engine_table_at_its_cap_and_counts_evictions)
{
	struct limit_table first[LIMIT_MAX_TABLES], t[LIMIT_MAX_TABLES];
	struct baseline_opts bo;
	struct engine_opts o;
	struct recstream rs;
	struct baseline *b;
	struct engine *e;
	uint32_t seed = 15;
	size_t n0 = 0, n;

	baseline_opts_default(&bo);
	bo.max_hosts = bo.max_services = 64;
	b = baseline_new(&bo);
	cr_assert_not_null(b);
	engine_opts_default(&o);
	o.summary_interval_s = -1;
	o.baseline = b;
	e = engine_new(&o, NULL, NULL);
	cr_assert_not_null(e);
	rs_init(&rs, T0);
	for (int round = 0; round < 3; round++) {
		flood(e, &rs, &seed, N_FLOOD / 3);
		n = engine_tables(e, t, LIMIT_MAX_TABLES);
		if (!round) {
			memcpy(first, t, sizeof(t));
			n0 = n;
		}
		cr_assert_eq(n, n0);
		/* every table within its cap, its memory what it was after the first round */
		for (size_t i = 0; i < n; i++) {
			cr_assert_leq(t[i].used, t[i].cap, "%s: %llu of %llu", t[i].name,
				      (unsigned long long)t[i].used, (unsigned long long)t[i].cap);
			cr_assert_eq(t[i].bytes, first[i].bytes, "%s grew", t[i].name);
			cr_assert_gt(t[i].cap, 0, "%s", t[i].name);
		}
	}
	/* the attacker filled the tables it reaches (a set-associative table's last ways fill
	 * only as its sets do: 99 %) and everything beyond was evicted */
	static const char *const full[] = { "flows", "sources", "destinations", "logins",
					    "baseline_hosts" };
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		const struct limit_table *x = row(t, n, full[i]);

		cr_assert_geq(x->used, x->cap * 99 / 100, "%s: %llu of %llu", x->name,
			      (unsigned long long)x->used, (unsigned long long)x->cap);
		cr_assert_gt(x->evicted, 0, "%s evicted nothing", x->name);
	}
	/* nearly every SYN is a new source and a new flow: made = held + evicted */
	cr_assert_geq(row(t, n, "sources")->used + row(t, n, "sources")->evicted,
		      N_FLOOD * 99 / 100);
	cr_assert_geq(row(t, n, "flows")->used + row(t, n, "flows")->evicted, N_FLOOD * 99 / 100);
	/* unanswered requests beyond the timeout queues are not timed, and counted */
	cr_assert_gt(row(t, n, "flow_timeouts")->refused, 0);
	cr_assert_eq(row(t, n, "flow_timeouts")->used, row(t, n, "flow_timeouts")->cap / 3);
	/* the flows' memory is what the cap reserves: 8 MiB at most by default */
	cr_assert_leq(row(t, n, "flows")->bytes, 8u << 20);
	engine_free(e);
	baseline_free(b);
	rs_free(&rs);
}

static struct alert_anomaly anomaly(const struct nad_rec *r)
{
	return (struct alert_anomaly){ .rec = r,
				       .cls = CLASS_DOS_ATTACK,
				       .score = 5,
				       .threshold = 3.5,
				       .evidence = "",
				       .response = "" };
}

Test(limits, episodes_beyond_the_cap_close_the_idlest_and_are_counted)
{
	struct alert_opts ao = { .idle_s = 600 };
	struct alert *a = alert_new(&ao);
	struct limit_table t;
	struct recstream rs;
	char src[16];

	cr_assert_not_null(a);
	rs_init(&rs, T0);
	for (unsigned i = 0; i < 5000; i++) {
		struct alert_anomaly an;

		snprintf(src, sizeof(src), "198.%u.%u.%u", 18 + (i >> 16), i >> 8 & 255, i & 255);
		rs.n = 0;
		an = anomaly(rs_add(&rs, 1000, src, "192.168.1.1", IPPROTO_UDP, 1, 2, 0, 10));
		cr_assert_gt(alert_report(a, &an), 0);
	}
	alert_get_stats(a, &t);
	cr_assert_str_eq(t.name, "episodes");
	cr_assert_eq(t.used, t.cap);
	cr_assert_eq(t.evicted, 5000 - t.cap);
	alert_flush(a);
	alert_free(a);
	rs_free(&rs);
}

static int64_t no_campaign(void *ctx, uint64_t ep)
{
	return -1;
}

static void set_campaign(void *ctx, uint64_t ep, int64_t c)
{
}

Test(limits, campaign_samples_beyond_the_ring_overwrite_the_oldest_and_are_counted)
{
	struct campaign_ops ops = { .campaign_of = no_campaign, .set_campaign = set_campaign };
	struct campaign *c = campaign_new(NULL, &ops);
	float v[VECTOR_DIM] = { 0 };
	struct limit_table t;

	cr_assert_not_null(c);
	for (uint64_t ep = 1; ep <= 3000; ep++)
		campaign_sample(c, ep, T0 + ep * 1000, v);
	campaign_get_stats(c, &t);
	cr_assert_eq(t.cap, 1024);
	cr_assert_eq(t.used, 1024);
	cr_assert_eq(t.evicted, 3000 - 1024);
	campaign_recompute(c, T0 + 4000 * 1000, 60);
	campaign_free(c);
}

Test(limits, a_full_allowlist_refuses_and_counts)
{
	struct mitigate_opts o = mitigate_opts_default();
	struct mitigate_mem *mem;
	struct limit_table t[LIMIT_MAX_TABLES];
	struct mitigate *m;
	size_t n;
	int err = 0;

	log_set_level(LOG_WARN);
	mem = mitigate_mem_new(4096);
	cr_assert_not_null(mem);
	m = mitigate_new(&o, &mitigate_mem_ops, mem);
	cr_assert_not_null(m, "mitigate_new: %s", strerror(errno));
	for (unsigned i = 0; i < NAD_ALLOW_ENTRIES + 10 && !err; i++) {
		struct addr_prefix p;
		char text[32];

		snprintf(text, sizeof(text), "10.%u.%u.0/24", i >> 8, i & 255);
		cr_assert_eq(addr_prefix_parse(text, &p), 0);
		err = mitigate_allow_add(m, &p, "config");
	}
	cr_assert_eq(err, -ENOSPC);
	n = mitigate_tables(m, t, LIMIT_MAX_TABLES);
	cr_assert_eq(n, 4);
	cr_assert_eq(row(t, n, "allowlist")->used, NAD_ALLOW_ENTRIES);
	cr_assert_eq(row(t, n, "allowlist")->refused, 1);
	cr_assert_eq(row(t, n, "rules")->cap, o.max_rules);
	cr_assert_eq(row(t, n, "offenders")->cap, 4 * o.max_rules);
	cr_assert_eq(row(t, n, "flood_targets")->used, 0);
	mitigate_free(m);
	mitigate_mem_free(mem);
}
