// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_baseline.c - per-host and per-service baselines: learning, the established
 * level, decay over silent windows, bounded tables, save -> load bit-identical.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "features/baseline.h"

#define SEC 1000000000ull

static void addr(__u8 a[16], unsigned i)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 10;
	a[13] = (i >> 16) & 255;
	a[14] = (i >> 8) & 255;
	a[15] = i & 255;
}

static struct baseline *fresh(void)
{
	struct baseline_opts o;
	struct baseline *b;

	baseline_opts_default(&o);
	b = baseline_new(&o);
	cr_assert_not_null(b);
	return b;
}

/* Host 1 sends pps packets per second for n windows of 10 s, from t0. */
static uint64_t feed(struct baseline *b, uint64_t t0, unsigned n, double pps)
{
	__u8 a[16];
	uint64_t t = t0;

	addr(a, 1);
	for (unsigned w = 0; w < n; w++, t += 10 * SEC) {
		struct baseline_host *h = baseline_host(b, a, t);

		baseline_host_add(h, BL_PKTS_OUT, pps * 10);
		for (unsigned p = 0; p < 5; p++)
			baseline_host_distinct(h, BL_FANOUT_PORTS, 1000 + p * 7919);
		baseline_tick(b, t + 10 * SEC);
	}
	return t;
}

Test(baseline, learns_a_hosts_level_once_established)
{
	struct baseline *b = fresh();
	__u8 a[16];
	double v;

	addr(a, 1);
	feed(b, 1000 * SEC, 3, 100);
	cr_assert_not(baseline_high(b, a, BL_PKTS_OUT, &v), "3 windows are not a baseline");
	feed(b, 1030 * SEC, 10, 100);
	cr_assert(baseline_high(b, a, BL_PKTS_OUT, &v));
	cr_assert_float_eq(v, 100.0, 1e-3);
	cr_assert(baseline_high(b, a, BL_FANOUT_PORTS, &v));
	cr_assert_float_eq(v, 5.0, 0.6, "five distinct ports per window (linear counting)");
	addr(a, 2);
	cr_assert_not(baseline_high(b, a, BL_PKTS_OUT, &v), "an unknown host has none");
	baseline_free(b);
}

Test(baseline, a_forgotten_window_teaches_nothing)
{
	struct baseline *b = fresh();
	struct baseline_host *h;
	uint64_t t;
	__u8 a[16];
	double v;

	addr(a, 1);
	t = feed(b, 1000 * SEC, 20, 100);
	/* an attack's burst in the open window, forgotten once it is alerted */
	h = baseline_host(b, a, t);
	baseline_host_add(h, BL_PKTS_OUT, 5000 * 10);
	for (unsigned p = 0; p < 500; p++)
		baseline_host_distinct(h, BL_FANOUT_PORTS, p * 7919);
	cr_assert(baseline_forget_window(b, a));
	baseline_host_add(h, BL_PKTS_OUT, 100 * 10); /* what it does after: learned */
	baseline_tick(b, t + 10 * SEC);
	cr_assert(baseline_high(b, a, BL_PKTS_OUT, &v));
	cr_assert_float_eq(v, 100.0, 1e-3, "the burst is not the peak: %.1f", v);
	cr_assert(baseline_high(b, a, BL_FANOUT_PORTS, &v));
	cr_assert_lt(v, 10, "nor its ports: %.1f", v);
	addr(a, 9);
	cr_assert_not(baseline_forget_window(b, a), "an unknown host");
	baseline_free(b);
}

static void host_mean(void *ctx, const struct baseline_view *v)
{
	if (!v->service)
		*(double *)ctx = v->stat[BL_PKTS_OUT].mean;
}

Test(baseline, a_burst_sets_the_peak_and_silence_decays_it_as_documented)
{
	struct baseline_opts o;
	struct baseline *b = fresh();
	double alpha, d, v, mean_before, mean = -1;
	uint64_t t;
	__u8 a[16];

	baseline_opts_default(&o);
	alpha = o.window_s / o.tau_s;
	d = exp2(-o.window_s / o.peak_half_life_s);
	addr(a, 1);
	t = feed(b, 1000 * SEC, 400, 50); /* beyond 1/alpha = 360 windows: constant weight */
	t = feed(b, t, 1, 5000);
	cr_assert(baseline_high(b, a, BL_PKTS_OUT, &v));
	cr_assert_float_eq(v, 5000.0, 1e-2, "the burst is the peak");
	mean_before = 50 + alpha * (5000 - 50);
	/* 100 silent windows: nobody touches the host, its level decays */
	baseline_tick(b, t + 100 * 10 * SEC);
	cr_assert(baseline_high(b, a, BL_PKTS_OUT, &v));
	cr_assert_float_eq(v, fmax(5000 * pow(d, 100), 0), 5000 * 1e-3);
	baseline_foreach(b, host_mean, &mean);
	cr_assert_float_eq(mean, mean_before * pow(1 - alpha, 100), 1e-2);
	baseline_free(b);
}

Test(baseline, tables_are_bounded_and_count_evictions)
{
	struct baseline_opts o;
	struct baseline_counts c;
	struct baseline *b;
	__u8 a[16];

	baseline_opts_default(&o);
	o.max_hosts = 64;
	o.max_services = 64;
	b = baseline_new(&o);
	cr_assert_not_null(b);
	for (unsigned i = 0; i < 10000; i++) {
		addr(a, i);
		baseline_host_add(baseline_host(b, a, 1000 * SEC + i), BL_PKTS_IN, 1);
		baseline_svc_add(baseline_svc(b, a, 6, 80, 1000 * SEC + i), BLS_REQUESTS, 1);
	}
	baseline_get_counts(b, &c);
	cr_assert_eq(c.n_hosts, 64);
	cr_assert_eq(c.host_evictions, 10000 - 64);
	cr_assert_eq(c.service_evictions, 10000 - 64);
	cr_assert_lt(c.memory_bytes, 64 * 1024);
	baseline_free(b);
}

static void save(const struct baseline *b, struct ser_writer *w)
{
	ser_writer_init(w);
	baseline_write(b, w);
	cr_assert_eq(w->err, 0);
}

Test(baseline, survives_save_and_load_bit_identically)
{
	struct baseline *b = fresh(), *c;
	struct ser_writer w1, w2;
	struct ser_reader r;
	double v1, v2;
	__u8 a[16];
	uint64_t t;

	addr(a, 1);
	t = feed(b, 1700000000ull * SEC, 20, 123.5);
	baseline_svc_add(baseline_svc(b, a, 17, 53, t), BLS_REQUESTS, 40);
	baseline_tick(b, t + 10 * SEC);
	save(b, &w1);
	ser_reader_init(&r, w1.buf, w1.len);
	c = baseline_read(&r);
	cr_assert_not_null(c);
	save(c, &w2);
	cr_assert_eq(w1.len, w2.len);
	cr_assert(!memcmp(w1.buf, w2.buf, w1.len), "save -> load -> save gives the same bytes");
	/* a new clock (live CLOCK_MONOTONIC after a capture's epoch time) keeps the levels */
	baseline_tick(c, 5000 * SEC);
	cr_assert(baseline_high(b, a, BL_PKTS_OUT, &v1));
	cr_assert(baseline_high(c, a, BL_PKTS_OUT, &v2));
	cr_assert_eq(v1, v2);
	cr_assert(baseline_svc_high(c, a, 17, 53, BLS_REQUESTS, &v2) == false,
		  "one window of the service is no baseline yet");
	ser_writer_release(&w1);
	ser_writer_release(&w2);
	baseline_free(b);
	baseline_free(c);
}

Test(baseline, malformed_sections_are_refused)
{
	struct baseline *b = fresh();
	struct ser_writer w;
	struct ser_reader r;

	feed(b, 1000 * SEC, 8, 10);
	save(b, &w);
	for (size_t cut = 0; cut < w.len; cut += 7) {
		ser_reader_init(&r, w.buf, cut);
		cr_assert_null(baseline_read(&r), "truncated at %zu", cut);
	}
	w.buf[0] ^= 0xff; /* version */
	ser_reader_init(&r, w.buf, w.len);
	cr_assert_null(baseline_read(&r));
	ser_writer_release(&w);
	baseline_free(b);
}
