// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_profile.c - the profiles, and the one inferred from the local hosts that received
 * traffic.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "common/addr.h"
#include "detect/profile.h"
#include "features/sketch.h"
#include "helpers/recstream.h"

Test(profile, profiles_parse_and_order_their_thresholds)
{
	enum profile_id id;

	cr_expect_eq(profile_parse("small-office", &id), 0);
	cr_expect_eq(id, PROFILE_SMALL_OFFICE);
	cr_expect_eq(profile_parse("huge", &id), -EINVAL);
	cr_expect_lt(profile_get(PROFILE_HOME)->dos_pps, profile_get(PROFILE_ENTERPRISE)->dos_pps);
	cr_expect_lt(profile_get(PROFILE_HOME)->sensitivity,
		     profile_get(PROFILE_ENTERPRISE)->sensitivity);
}

/* Traffic to n distinct home hosts (private: no home net given), and as many others. */
static void count_hosts(struct profile_pick *p, unsigned n)
{
	struct recstream rs;
	char dst[32];

	rs_init(&rs, 1000000000ull);
	for (unsigned i = 0; i < n; i++) {
		snprintf(dst, sizeof(dst), "10.0.%u.%u", i / 250, 1 + i % 250);
		rs_add(&rs, 1000, "203.0.113.9", dst, IPPROTO_UDP, 40000, 53, 0, 30);
		snprintf(dst, sizeof(dst), "198.51.%u.%u", i / 250, 1 + i % 250);
		rs_add(&rs, 1000, "10.0.0.1", dst, IPPROTO_UDP, 40000, 53, 0, 30);
	}
	for (size_t i = 0; i < rs.n; i++)
		profile_pick_count(p, addr_is_private(rs.recs[i].daddr),
				   sketch_addr_hash(rs.recs[i].daddr));
	rs_free(&rs);
}

Test(profile, inferred_from_the_local_hosts_that_received_traffic)
{
	static const struct {
		unsigned hosts;
		const char *name;
	} cases[] = { { 5, "home" }, { 80, "small-office" }, { 600, "enterprise" } };
	struct profile_pick p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		profile_pick_init(&p, PROFILE_AUTO);
		cr_expect_str_eq(p.profile->name, "home", "before the warm-up ends");
		count_hosts(&p, cases[i].hosts);
		profile_pick_infer(&p);
		cr_expect_str_eq(p.profile->name, cases[i].name, "%u hosts", cases[i].hosts);
		cr_expect(p.inferred);
	}
	profile_pick_init(&p, PROFILE_SMALL_OFFICE);
	count_hosts(&p, 600);
	profile_pick_infer(&p);
	cr_expect_str_eq(p.profile->name, "small-office", "a fixed profile stays");
	cr_expect_not(p.inferred);
}
