// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_addr.c - addresses, and strict prefix parsing and formatting for rules.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "common/addr.h"

static void expect_ok(const char *in, int family, unsigned int plen, const char *formatted)
{
	char buf[ADDR_PREFIX_STRLEN];
	struct addr_prefix c;
	int err = addr_prefix_parse(in, &c);
	bool v4 = addr_prefix_is_v4(&c);

	cr_assert_eq(err, 0, "%s: %d", in, err);
	cr_expect_eq(v4 ? AF_INET : AF_INET6, family, "%s", in);
	cr_expect_eq(c.plen - (v4 ? 96u : 0u), plen, "%s", in);
	cr_assert_eq(addr_prefix_format(&c, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, formatted, "%s", in);
}

Test(addr, ipv4_prefixes_and_hosts_parse)
{
	expect_ok("10.0.0.0/8", AF_INET, 8, "10.0.0.0/8");
	expect_ok("198.18.0.3", AF_INET, 32, "198.18.0.3/32");
	expect_ok("198.18.0.3/32", AF_INET, 32, "198.18.0.3/32");
	expect_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	expect_ok("192.168.1.128/25", AF_INET, 25, "192.168.1.128/25");
}

Test(addr, ipv4_address_bytes_are_in_network_order_after_the_mapped_prefix)
{
	struct addr_prefix c;
	static const uint8_t want[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 3 };

	cr_assert_eq(addr_prefix_parse("198.18.0.3", &c), 0);
	cr_expect_eq(memcmp(c.addr, want, 16), 0);
}

Test(addr, ipv6_prefixes_and_hosts_parse)
{
	expect_ok("2001:2:0:1::/64", AF_INET6, 64, "2001:2:0:1::/64");
	expect_ok("2001:2:0:1::3", AF_INET6, 128, "2001:2:0:1::3/128");
	expect_ok("::/0", AF_INET6, 0, "::/0");
	expect_ok("fd00::/8", AF_INET6, 8, "fd00::/8");
	expect_ok("2001:db8::1:0/112", AF_INET6, 112, "2001:db8::1:0/112");
}

Test(addr, ipv4_mapped_ipv6_becomes_the_ipv4_prefix)
{
	expect_ok("::ffff:198.18.0.3", AF_INET, 32, "198.18.0.3/32");
	expect_ok("::ffff:198.18.0.0/120", AF_INET, 24, "198.18.0.0/24");
	expect_ok("::ffff:0:0/96", AF_INET, 0, "0.0.0.0/0");
	/* shorter than /96 covers more than IPv4: stays IPv6 */
	expect_ok("::/80", AF_INET6, 80, "::/80");
}

static void expect_err(const char *in, int want)
{
	struct addr_prefix c;
	int err = addr_prefix_parse(in, &c);

	cr_expect_eq(err, want, "%s: got %d, want %d", in, err, want);
}

Test(addr, bad_syntax_is_refused)
{
	const char *bad[] = { "",
			      "/24",
			      "10.0.0.0/",
			      "10.0.0/24",
			      "10.0.0.0.0/8",
			      "01.2.3.4",
			      "1.2.3.04/32",
			      "256.0.0.0/8",
			      "10.0.0.0/+8",
			      "10.0.0.0/-1",
			      "10.0.0.0/08",
			      "10.0.0.0/ 8",
			      " 10.0.0.0/8",
			      "10.0.0.0/8 ",
			      "10.0.0.0/8/8",
			      "10.0.0.0/x",
			      "fe80::1%eth0",
			      "1::2::3/64",
			      "example.com/24",
			      "0x0a.0.0.0/8",
			      "::/",
			      "2001:db8::/1x" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(bad[i], -EINVAL);
}

Test(addr, prefix_longer_than_the_family_is_refused)
{
	expect_err("10.0.0.0/33", -ERANGE);
	expect_err("10.0.0.0/4294967329", -ERANGE);
	expect_err("2001:db8::/129", -ERANGE);
	expect_err("::ffff:1.2.3.4/129", -ERANGE);
}

Test(addr, host_bits_set_are_refused_with_the_network_suggested)
{
	char buf[ADDR_PREFIX_STRLEN];
	struct addr_prefix c;

	cr_expect_eq(addr_prefix_parse("10.0.0.1/24", &c), -EDOM);
	cr_assert_eq(addr_prefix_format(&c, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "10.0.0.0/24");

	cr_expect_eq(addr_prefix_parse("2001:2:0:1::5/64", &c), -EDOM);
	cr_assert_eq(addr_prefix_format(&c, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "2001:2:0:1::/64");

	cr_expect_eq(addr_prefix_parse("192.168.1.129/25", &c), -EDOM);
	cr_assert_eq(addr_prefix_format(&c, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "192.168.1.128/25");

	expect_err("0.0.0.1/0", -EDOM);
}

Test(addr, normalize_clears_exactly_the_bits_below_the_prefix)
{
	struct addr_prefix c = { .plen = 61 };

	memset(c.addr, 0xff, 16);
	addr_prefix_normalize(&c);
	for (int i = 0; i < 7; i++)
		cr_expect_eq(c.addr[i], 0xff, "byte %d", i);
	cr_expect_eq(c.addr[7], 0xf8);
	for (int i = 8; i < 16; i++)
		cr_expect_eq(c.addr[i], 0, "byte %d", i);
}

Test(addr, format_refuses_a_small_buffer)
{
	struct addr_prefix c;
	char buf[8];

	cr_assert_eq(addr_prefix_parse("198.18.0.0/15", &c), 0);
	cr_expect_eq(addr_prefix_format(&c, buf, sizeof(buf)), -ENOSPC);
}
