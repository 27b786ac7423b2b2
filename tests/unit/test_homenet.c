// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_homenet.c - the home network: given prefixes, and inference from a capture's
 * records (private ranges seen; else the on-link sender's /24).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>

#include "features/homenet.h"
#include "helpers/recstream.h"

static struct addr_prefix pfx(const char *s)
{
	struct addr_prefix p;

	cr_assert_eq(addr_prefix_parse(s, &p), 0, "%s", s);
	return p;
}

static const __u8 *a16(const char *ip)
{
	static __u8 a[4][16];
	static int i;
	struct recstream s;

	rs_init(&s, 0);
	rs_add(&s, 0, ip, ip, IPPROTO_UDP, 1, 1, 0, 0);
	i = (i + 1) % 4;
	memcpy(a[i], s.recs[0].saddr, 16);
	rs_free(&s);
	return a[i];
}

Test(homenet, given_prefixes_decide_and_an_empty_one_means_private)
{
	struct homenet h = { 0 };
	struct addr_prefix p = pfx("198.18.0.0/24");
	char buf[128];

	cr_assert(homenet_contains(&h, a16("192.168.1.5")), "empty: the private ranges");
	cr_assert_not(homenet_contains(&h, a16("198.18.0.1")));
	cr_assert_eq(homenet_add(&h, &p), 0);
	cr_assert_eq(homenet_add(&h, &p), 0);
	cr_assert_eq(h.n, 1, "a prefix given twice is one");
	cr_assert(homenet_contains(&h, a16("198.18.0.77")));
	cr_assert_not(homenet_contains(&h, a16("198.19.0.1")));
	cr_assert_not(homenet_contains(&h, a16("192.168.1.5")), "given: only what was given");
	homenet_format(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf, "198.18.0.0/24");
	for (int i = 0; i < HOMENET_MAX - 1; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.0.0/16", i);
		p = pfx(s);
		homenet_add(&h, &p);
	}
	cr_assert_eq(homenet_add(&h, &p), 0, "already there");
	p = pfx("203.0.113.0/24");
	cr_assert_eq(homenet_add(&h, &p), -ENOSPC);
	homenet_format(&h, buf, 40);
	cr_assert_eq(strlen(buf), 39, "truncated to the buffer");
	cr_assert_str_eq(buf + 36, "...");
}

static struct homenet infer(struct recstream *s)
{
	struct homenet_infer *x = homenet_infer_new();
	struct homenet h;

	cr_assert_not_null(x);
	for (size_t i = 0; i < s->n; i++)
		homenet_infer_add(x, &s->recs[i]);
	homenet_infer_done(x, &h);
	homenet_infer_free(x);
	cr_assert(h.inferred);
	return h;
}

Test(homenet, inference_takes_the_private_ranges_seen)
{
	struct recstream s;
	struct homenet h;
	char buf[128];

	rs_init(&s, 0);
	rs_add(&s, 1000, "192.168.1.10", "93.184.216.34", IPPROTO_TCP, 40000, 443, 2, 0);
	rs_add(&s, 1000, "93.184.216.34", "192.168.1.10", IPPROTO_TCP, 443, 40000, 0x12, 0);
	rs_add(&s, 1000, "10.9.8.7", "192.168.1.10", IPPROTO_UDP, 5353, 5353, 0, 40);
	h = infer(&s);
	homenet_format(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf, "10.0.0.0/8, 192.168.0.0/16");
	cr_assert(homenet_contains(&h, a16("192.168.7.7")));
	cr_assert_not(homenet_contains(&h, a16("93.184.216.34")));
	rs_free(&s);
}

Test(homenet, public_capture_takes_the_on_link_sender)
{
	struct recstream s;
	struct homenet h;
	char buf[128];

	/* an FTP client on a public address: its packets leave with TTL 64, the server's
	 * arrive with 49; the server sends more packets (data) than the client */
	rs_init(&s, 0);
	for (int i = 0; i < 50; i++) {
		rs_add(&s, 1000, "67.169.189.180", "128.121.136.217", IPPROTO_TCP, 40000, 21, 0x18,
		       20)
			->ttl = 64;
		for (int k = 0; k < 3; k++)
			rs_add(&s, 1000, "128.121.136.217", "67.169.189.180", IPPROTO_TCP, 21,
			       40000, 0x18, 100)
				->ttl = 49;
	}
	h = infer(&s);
	homenet_format(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf, "67.169.189.0/24");
	rs_free(&s);
}

Test(homenet, nothing_ip_infers_nothing)
{
	struct recstream s;
	struct homenet h;

	rs_init(&s, 0);
	rs_add(&s, 1000, "1.1.1.1", "2.2.2.2", IPPROTO_UDP, 1, 2, 0, 0)->flags = 0;
	h = infer(&s);
	cr_assert_eq(h.n, 0);
	rs_free(&s);
}
