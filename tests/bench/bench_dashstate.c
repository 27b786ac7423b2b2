// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_dashstate - cost of the per-record feed (dashstate_on_packets): one
 * feeder, then two feeders on one state, then one feeder with a reader
 * taking a snapshot every millisecond. Prints ns per call.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "views/dashstate.h"

#define N 20000000ull

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

struct arg {
	struct dashstate *ds;
	volatile int stop;
};

static void *feeder(void *p)
{
	struct arg *a = p;

	/* 1 s of records per 1M calls: slot changes happen, as live */
	for (__u64 i = 0; i < N; i++)
		dashstate_on_packets(a->ds, i * 1000, i & 1, 1, 100 + (i & 1023), 100 + (i & 1023));
	return NULL;
}

static void *reader(void *p)
{
	struct arg *a = p;
	struct dashstate_snap *s = dashstate_snap_new(a->ds);

	while (!a->stop) {
		dashstate_snapshot(a->ds, s);
		usleep(1000);
	}
	dashstate_snap_free(s);
	return NULL;
}

static double run(int feeders, bool with_reader)
{
	struct arg a = { dashstate_new(NULL), 0 };
	pthread_t f[2], r;
	__u64 t0 = now_ns(), t1;

	if (with_reader)
		pthread_create(&r, NULL, reader, &a);
	for (int i = 0; i < feeders; i++)
		pthread_create(&f[i], NULL, feeder, &a);
	for (int i = 0; i < feeders; i++)
		pthread_join(f[i], NULL);
	t1 = now_ns();
	a.stop = 1;
	if (with_reader)
		pthread_join(r, NULL);
	dashstate_free(a.ds);
	return (double)(t1 - t0) / (double)N; /* wall ns per call of one feeder */
}

int main(void)
{
	printf("dashstate_on_packets: %.2f ns/call (1 feeder)\n", run(1, false));
	printf("dashstate_on_packets: %.2f ns/call per feeder (2 feeders, shared state)\n",
	       run(2, false));
	printf("dashstate_on_packets: %.2f ns/call (1 feeder, snapshot every 1 ms)\n", run(1, true));
	return 0;
}
