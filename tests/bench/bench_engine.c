// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_engine.c - records/s of the detection engine (`make bench`).
 *
 * The bundled benign captures (tests/data, or NADXDP_BENCH_PCAP=FILE) are read
 * once into memory and replayed LOOPS times, each replay shifted in time after
 * the previous one, through:
 *   1. modelset_score on the engine's vectors, one row per call and in batches
 *      of 256 rows (the models alone);
 *   2. engine_process with the embedded default model, no output (the whole
 *      engine: trackers, criteria, scoring, classes, episodes, campaigns), one record
 *      per call and with engine_process_batch (what `nadxdp --pcap` uses);
 *   3. the same without a model (rules and statistical criteria only).
 * Capture parsing is not timed (offline_for_each runs once before).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/offline.h"
#include "detect/engine.h"
#include "detect/retrain.h"
#include "features/vector.h"
#include "ml/modelset.h"

#define LOOPS 20
#define REPEAT 5 /* each figure is the best of REPEAT runs: the machine is shared */

struct recs {
	struct nad_rec *r;
	size_t n, cap;
};

static int collect(const struct nad_rec *rec, void *ctx)
{
	struct recs *rs = ctx;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 4096;
		struct nad_rec *r = realloc(rs->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n++] = *rec;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends one capture, shifted to start 1 s after what is already there. */
static int load(struct recs *all, const char *path)
{
	struct recs one = { 0 };
	uint64_t base = all->n ? all->r[all->n - 1].ts_ns + 1000000000ull : 0, t0;
	int err = offline_for_each(path, collect, &one);

	if (err || !one.n) {
		free(one.r);
		return err ? err : -ENODATA;
	}
	t0 = one.r[0].ts_ns;
	for (size_t i = 0; i < one.n; i++) {
		one.r[i].ts_ns = one.r[i].ts_ns < t0 ? base : base + (one.r[i].ts_ns - t0);
		if (collect(&one.r[i], all)) {
			free(one.r);
			return -ENOMEM;
		}
	}
	free(one.r);
	return 0;
}

static double run_engine(const struct recs *rs, struct modelswap *hold, bool batch)
{
	struct engine_opts o;
	struct engine *e;
	double t;

	engine_opts_default(&o);
	o.summary_interval_s = -1;
	e = engine_new(&o, hold, NULL);
	if (!e)
		return -1;
	t = now_s();
	if (batch) {
		for (size_t i = 0; i < rs->n; i += ENGINE_BATCH)
			engine_process_batch(e, &rs->r[i],
					     rs->n - i < ENGINE_BATCH ? rs->n - i : ENGINE_BATCH,
					     NULL, NULL);
	} else {
		for (size_t i = 0; i < rs->n; i++)
			engine_process(e, &rs->r[i]);
	}
	engine_finish(e);
	t = now_s() - t;
	engine_free(e);
	return t;
}

int main(void)
{
	static const char *const caps[] = {
		"benign_netflix_streaming",    "benign_teams_call",	 "benign_iot_nest",
		"benign_dns_over_tls_android", "benign_web_ipv6_reddit",
	};
	const char *root = getenv("NADXDP_ROOT"), *one = getenv("NADXDP_BENCH_PCAP");
	struct recs base = { 0 }, rs = { 0 };
	struct modelset *m = NULL;
	struct modelswap *hold = NULL;
	struct modelset_scratch *sc = NULL;
	struct vectorizer *vz = NULL;
	float *X = NULL, *ae = NULL, *ifs = NULL;
	char path[4096], err[256];
	double t1, tb, te, teb, tr;
	int ret = 1;

	if (one) {
		if (load(&base, one)) {
			fprintf(stderr, "bench_engine: cannot read %s\n", one);
			goto out;
		}
	} else {
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			snprintf(path, sizeof(path), "%s/tests/data/%s.pcap.gz", root ? root : ".",
				 caps[i]);
			if (load(&base, path)) {
				fprintf(stderr, "bench_engine: cannot read %s\n", path);
				goto out;
			}
		}
	}
	for (int l = 0; l < LOOPS; l++) {
		for (size_t i = 0; i < base.n; i++) {
			struct nad_rec r = base.r[i];

			r.ts_ns += l * (base.r[base.n - 1].ts_ns + 1000000000ull);
			if (collect(&r, &rs))
				goto out;
		}
	}

	m = modelset_load_mem(nad_default_model,
			      (size_t)(nad_default_model_end - nad_default_model), VECTOR_DIM, err,
			      sizeof(err));
	if (!m) {
		fprintf(stderr, "bench_engine: default model: %s\n", err);
		goto out;
	}
	sc = modelset_scratch_new(m);
	vz = vectorizer_new(NULL);
	X = malloc(rs.n * VECTOR_DIM * sizeof(float));
	ae = malloc(rs.n * sizeof(float));
	ifs = malloc(rs.n * sizeof(float));
	if (!sc || !vz || !X || !ae || !ifs)
		goto out;
	for (size_t i = 0; i < rs.n; i++)
		vectorizer_next(vz, &rs.r[i], &X[i * VECTOR_DIM], NULL);

	t1 = tb = 1e9;
	for (int k = 0; k < REPEAT; k++) {
		double t = now_s();

		for (size_t i = 0; i < rs.n; i++)
			modelset_score(m, &X[i * VECTOR_DIM], 1, sc, &ae[i], &ifs[i]);
		t = now_s() - t;
		t1 = t < t1 ? t : t1;
		t = now_s();
		for (size_t i = 0; i < rs.n; i += 256)
			modelset_score(m, &X[i * VECTOR_DIM], rs.n - i < 256 ? rs.n - i : 256, sc,
				       &ae[i], &ifs[i]);
		t = now_s() - t;
		tb = t < tb ? t : tb;
	}

	hold = modelswap_new(m);
	if (!hold)
		goto out;
	m = NULL; /* owned by hold */
	te = teb = tr = 1e9;
	for (int k = 0; k < REPEAT; k++) {
		double a = run_engine(&rs, hold, false), b = run_engine(&rs, hold, true),
		       c = run_engine(&rs, NULL, false);

		if (a < 0 || b < 0 || c < 0)
			goto out;
		te = a < te ? a : te;
		teb = b < teb ? b : teb;
		tr = c < tr ? c : tr;
	}

	printf("records: %zu (%zu from the captures, replayed %d times); best of %d runs\n", rs.n,
	       base.n, LOOPS, REPEAT);
	printf("modelset_score, 1 row per call:     %10.0f rows/s\n", rs.n / t1);
	printf("modelset_score, 256 rows per call:  %10.0f rows/s\n", rs.n / tb);
	printf("engine_process, default model:      %10.0f records/s\n", rs.n / te);
	printf("engine_process_batch (256), model:  %10.0f records/s\n", rs.n / teb);
	printf("engine_process, no model (rules):   %10.0f records/s\n", rs.n / tr);
	ret = 0;
out:
	free(X);
	free(ae);
	free(ifs);
	vectorizer_free(vz);
	modelset_scratch_free(sc);
	modelswap_free(hold);
	modelset_free(m);
	free(base.r);
	free(rs.r);
	return ret;
}
