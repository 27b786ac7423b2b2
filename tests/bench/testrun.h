/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * testrun.h - the benchmarks' timing of one program: bpf_prog_test_run_opts
 * on a built packet, in ns per run (opts.duration), and nadxdp's record path
 * (the ring drained between chunks, so every packet gets a record).
 * Header-only (static): the Makefile links each benchmark with the user/
 * objects only.
 */
#ifndef NAD_BENCH_TESTRUN_H
#define NAD_BENCH_TESTRUN_H

#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "helpers/pktbuild.h"

#define TESTRUN_REPEAT 1000000u
#define TESTRUN_CHUNK 10000u

/* A ring buffer callback that drops the record. */
static int testrun_drop_sample(void *ctx, void *data, size_t size)
{
	return 0;
}

/* ns per run over repeat runs, or a negative errno. */
static double testrun_ns(int prog_fd, const struct pktb *b, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b->buf, .data_size_in = b->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	return (double)o.duration;
}

/*
 * ns per run of fd (nad_xdp, nad_tc_in, or a dispatcher running nad_xdp) on
 * b over TESTRUN_REPEAT runs, draining rb (nad_events) between chunks.
 */
static double testrun_record_path_ns(int fd, struct ring_buffer *rb, const struct pktb *b)
{
	double sum = 0;

	/* A previous shed run may have left the ring full. */
	ring_buffer__consume(rb);
	for (__u32 i = 0; i < TESTRUN_REPEAT / TESTRUN_CHUNK; i++) {
		double ns = testrun_ns(fd, b, TESTRUN_CHUNK);

		if (ns < 0)
			return ns;
		sum += ns;
		ring_buffer__consume(rb);
	}
	return sum / (TESTRUN_REPEAT / TESTRUN_CHUNK);
}

#endif /* NAD_BENCH_TESTRUN_H */
