// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "views/dashdemo.h"
#include "views/dashstate.h"

struct dashdemo {
	struct dashstate *ds;
	pthread_t thr;
	int stop;
	int flood;
	__u64 rng;
	struct nad_stats k;
};

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static __u32 next(struct dashdemo *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return (__u32)(d->rng >> 16);
}

static void feed(struct dashdemo *d, __u64 now, unsigned dir, __u32 size)
{
	dashstate_on_packets(d->ds, now, dir, 1, size, size);
	d->k.pkts[dir]++;
	d->k.bytes[dir] += size;
	d->k.recs_emitted++;
}

static void alert(struct dashdemo *d, __u64 now, int cls, const char *src, const char *ev)
{
	struct dashstate_alert a = { .ts_ns = now, .cls = cls, .sev = -1,
				     .score = 0.5 + (next(d) % 500) / 1000.0 };

	snprintf(a.src, sizeof(a.src), "%s", src);
	snprintf(a.dst, sizeof(a.dst), "198.18.0.1");
	snprintf(a.evidence, sizeof(a.evidence), "%s", ev);
	dashstate_on_alert(d->ds, &a);
}

static void *run(void *arg)
{
	static const __u32 sizes[] = { 60, 60, 74, 120, 200, 576, 1200, 1514, 1514, 9000 };
	struct dashdemo *d = arg;
	__u64 last_s = 0, flood_since = 0;

	while (!__atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
		__u64 now = clock_ns(CLOCK_MONOTONIC), sec = now / 1000000000ull;
		bool flood = __atomic_load_n(&d->flood, __ATOMIC_RELAXED);

		for (int i = 0; i < 3; i++)
			feed(d, now, NAD_DIR_IN, sizes[next(d) % 10]);
		feed(d, now, NAD_DIR_OUT, sizes[next(d) % 10]);
		if (flood) {
			for (int i = 0; i < 200; i++)
				feed(d, now, NAD_DIR_IN, 60);
			d->k.recs_shed += 40;
		}
		if (sec != last_s) {
			char ev[64];

			last_s = sec;
			if (flood) {
				struct dashstate_rule r = { .origin = NAD_ORIGIN_AUTO,
							    .reason = CLASS_DOS_ATTACK,
							    .expires_in_s = 300,
							    .hits = 0 };

				if (!flood_since)
					flood_since = sec;
				snprintf(ev, sizeof(ev), "SYN rate %u/s from one source",
					 19000 + next(d) % 2000);
				alert(d, now, CLASS_DOS_ATTACK, "198.18.0.3", ev);
				if (sec % 3 == 0)
					alert(d, now, CLASS_EXCESSIVE_TRAFFIC, "198.18.0.3",
					      "20x the learned rate");
				snprintf(r.prefix, sizeof(r.prefix), "198.18.0.3/32");
				r.hits = (sec - flood_since) * 20000;
				r.hit_bytes = r.hits * 60;
				d->k.dropped_rule = r.hits;
				dashstate_set_rules(d->ds, &r, 1);
			} else {
				flood_since = 0;
				dashstate_set_rules(d->ds, NULL, 0);
				if (sec % 7 == 0)
					alert(d, now, CLASS_TIMING_ANOMALY, "198.18.0.2",
					      "inter-arrival 40x the median");
				if (sec % 11 == 0)
					alert(d, now, CLASS_SCANNING, "198.18.0.3",
					      "34 ports in 2 s");
				if (sec % 13 == 0)
					alert(d, now, CLASS_SIZE_ANOMALY, "198.18.0.2",
					      "9000-byte frames");
			}
			dashstate_set_kernel(d->ds, &d->k);
		}
		usleep(10000);
	}
	return NULL;
}

struct dashdemo *dashdemo_start(struct dashstate *ds, bool flood)
{
	struct dashdemo *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return NULL;
	d->ds = ds;
	d->flood = flood;
	d->rng = 0x9e3779b97f4a7c15ull;
	dashstate_set_info(ds, "demo0", "demo", "default");
	dashstate_set_wall_offset(ds, (__s64)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)));
	dashstate_set_threshold(ds, "autoencoder", 0.042);
	dashstate_set_threshold(ds, "iforest", 0.62);
	err = pthread_create(&d->thr, NULL, run, d);
	if (err) {
		free(d);
		errno = err;
		return NULL;
	}
	return d;
}

void dashdemo_set_flood(struct dashdemo *d, bool flood)
{
	__atomic_store_n(&d->flood, flood, __ATOMIC_RELAXED);
}

bool dashdemo_flood(const struct dashdemo *d)
{
	return __atomic_load_n(&d->flood, __ATOMIC_RELAXED);
}

void dashdemo_free(struct dashdemo *d)
{
	if (!d)
		return;
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
	pthread_join(d->thr, NULL);
	free(d);
}
