// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/rng.h"
#include "ml/dbscan.h"

static int run(const float *X, size_t n, size_t d, double eps, size_t min, int32_t *labels,
	       uint8_t *core)
{
	struct dbscan_opts o = { .eps = eps, .min_samples = min };
	struct dbscan *db = dbscan_new(&o);
	int k;

	cr_assert_not_null(db);
	k = dbscan_fit(db, X, n, d, labels, core);
	dbscan_free(db);
	return k;
}

/*
 * The reference: scikit-learn's algorithm, brute force. All neighbourhoods (distance <= eps,
 * in double), core = at least min of them, then clusters grown depth-first from each
 * unlabelled core point in index order.
 */
static int reference(const float *X, size_t n, size_t d, double eps, size_t min, int32_t *labels)
{
	uint8_t *core = calloc(n, 1);
	size_t *stack = malloc(n * n * sizeof(size_t) + 1), sp;
	int k = 0;

	cr_assert(core && stack);
	for (size_t i = 0; i < n; i++) {
		size_t cnt = 0;

		for (size_t j = 0; j < n; j++) {
			double s = 0;

			for (size_t t = 0; t < d; t++)
				s += ((double)X[i * d + t] - X[j * d + t]) *
				     ((double)X[i * d + t] - X[j * d + t]);
			cnt += s <= eps * eps;
		}
		core[i] = cnt >= min;
		labels[i] = -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (labels[i] != -1 || !core[i])
			continue;
		sp = 0;
		stack[sp++] = i;
		while (sp) {
			size_t p = stack[--sp];

			if (labels[p] != -1)
				continue;
			labels[p] = k;
			if (!core[p])
				continue;
			for (size_t j = 0; j < n; j++) {
				double s = 0;

				for (size_t t = 0; t < d; t++)
					s += ((double)X[p * d + t] - X[j * d + t]) *
					     ((double)X[p * d + t] - X[j * d + t]);
				if (s <= eps * eps && labels[j] == -1)
					stack[sp++] = j;
			}
		}
		k++;
	}
	free(core);
	free(stack);
	return k;
}

Test(dbscan, line_with_border_and_noise_has_known_labels)
{
	/* eps 1, min 4. B = 2.8..3.7 and A = 0..0.9 are cores; 1.85 is within eps of one core of
	 * each (0.9 and 2.8) but has only 3 neighbours: a border point, and B, discovered first
	 * (indices 0-3), takes it. 10 is noise. */
	const float X[] = { 2.8f, 3.1f, 3.4f, 3.7f, 0.0f, 0.3f, 0.6f, 0.9f, 1.85f, 10.0f };
	const int32_t want[] = { 0, 0, 0, 0, 1, 1, 1, 1, 0, -1 };
	const uint8_t want_core[] = { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 };
	int32_t labels[10];
	uint8_t core[10];

	cr_assert_eq(run(X, 10, 1, 1.0, 4, labels, core), 2);
	for (int i = 0; i < 10; i++) {
		cr_expect_eq(labels[i], want[i], "point %d: label %d, want %d", i, labels[i],
			     want[i]);
		cr_expect_eq(core[i], want_core[i], "point %d: core %d", i, core[i]);
	}
}

Test(dbscan, border_point_seen_first_still_joins_its_cluster)
{
	/* The border point has index 0: it is noise when scanned, then cluster A claims it;
	 * A (indices 1-4) is discovered before B (5-8). */
	const float X[] = { 1.85f, 0.0f, 0.3f, 0.6f, 0.9f, 2.8f, 3.1f, 3.4f, 3.7f };
	const int32_t want[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1 };
	int32_t labels[9];

	cr_assert_eq(run(X, 9, 1, 1.0, 4, labels, NULL), 2);
	for (int i = 0; i < 9; i++)
		cr_expect_eq(labels[i], want[i], "point %d: label %d, want %d", i, labels[i],
			     want[i]);
}

Test(dbscan, plane_layout_with_two_clusters_and_noise)
{
	/* Two 3x3 grids of spacing 0.4, far apart, eps 0.5, min 4: the centre has 5 points
	 * within eps (itself, four edges), an edge 4 (itself, centre, two corners), a corner 3
	 * (itself, two edges; the diagonal is 0.57 away). So centre and edges are core, the
	 * corners border points. Two isolated points are noise. */
	float X[2 * 20];
	int32_t labels[20], want[20];
	uint8_t core[20], want_core[20];
	size_t n = 0;

	for (int g = 0; g < 2; g++)
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++) {
				X[2 * n] = (float)(g * 10 + a) * 0.4f;
				X[2 * n + 1] = (float)b * 0.4f;
				want_core[n] = (a == 1) || (b == 1);
				want[n++] = g;
			}
	X[2 * n] = 5;
	X[2 * n + 1] = 5;
	want_core[n] = 0;
	want[n++] = -1;
	X[2 * n] = -3;
	X[2 * n + 1] = 1;
	want_core[n] = 0;
	want[n++] = -1;
	cr_assert_eq(run(X, n, 2, 0.5, 4, labels, core), 2);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(labels[i], want[i], "point %zu: label %d, want %d", i, labels[i],
			     want[i]);
		cr_expect_eq(core[i], want_core[i], "point %zu: core %d", i, core[i]);
	}
}

Test(dbscan, distance_equal_to_eps_counts_as_neighbour)
{
	const float X[] = { 0.0f, 0.5f };
	int32_t labels[2];

	cr_assert_eq(run(X, 2, 1, 0.5, 2, labels, NULL), 1);
	cr_expect_eq(labels[0], 0);
	cr_expect_eq(labels[1], 0);
}

Test(dbscan, min_samples_one_makes_every_point_a_cluster_member)
{
	const float X[] = { 0.0f, 0.4f, 3.0f, 9.0f, 9.3f };
	const int32_t want[] = { 0, 0, 1, 2, 2 };
	int32_t labels[5];

	cr_assert_eq(run(X, 5, 1, 0.5, 1, labels, NULL), 3);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(labels[i], want[i]);
}

/* Blobs of random spread plus uniform background: many core, border and noise points. */
static float *random_layout(size_t n, size_t d, uint64_t seed)
{
	float *X = malloc(n * d * sizeof(float)), centres[6][16];
	struct rng r;

	cr_assert_not_null(X);
	rng_seed(&r, seed);
	for (int c = 0; c < 6; c++)
		for (size_t j = 0; j < d; j++)
			centres[c][j] = 6 * rng_float(&r);
	for (size_t i = 0; i < n; i++) {
		int c = (int)rng_below(&r, 7);

		for (size_t j = 0; j < d; j++)
			X[i * d + j] = c == 6 ? 6 * rng_float(&r) :
						centres[c][j] + (0.1f + 0.1f * (float)c) *
									(2 * rng_float(&r) - 1);
	}
	return X;
}

Test(dbscan, agrees_with_brute_force_reference_on_random_data)
{
	/* The last case's coordinates are too large for the float fast path (if the CPU has
	 * it): it runs the exact path. */
	static const struct {
		size_t n, d, min;
		double eps, scale;
	} cases[] = {
		{ 600, 1, 10, 0.05, 1 },   { 800, 2, 10, 0.2, 1 },   { 800, 3, 5, 0.3, 1 },
		{ 800, 5, 10, 0.5, 1 },	   { 1000, 12, 10, 0.5, 1 }, { 700, 12, 3, 0.8, 1 },
		{ 700, 12, 3, 0.8, 1e19 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].n, d = cases[c].d, noise = 0;
		float *X = random_layout(n, d, 100 + c);
		int32_t *got = malloc(n * 4), *want = malloc(n * 4);
		double eps = cases[c].eps * cases[c].scale;

		for (size_t i = 0; i < n * d; i++)
			X[i] = (float)(X[i] * cases[c].scale);
		int kg = run(X, n, d, eps, cases[c].min, got, NULL);
		int kw = reference(X, n, d, eps, cases[c].min, want);

		for (size_t i = 0; i < n; i++)
			noise += want[i] == -1;
		cr_log_info("case %zu: %d clusters, %zu noise of %zu", c, kw, noise, n);
		cr_expect(kw >= 2 && noise > 0 && noise < n, "case %zu is not a useful layout", c);
		cr_expect_eq(kg, kw, "case %zu: %d clusters, reference %d", c, kg, kw);
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(got[i], want[i], "case %zu, point %zu: %d, reference %d", c, i,
				     got[i], want[i]);
		free(X);
		free(got);
		free(want);
	}
}

Test(dbscan, object_is_reusable_across_sizes)
{
	struct dbscan_opts o = { .eps = 0.5, .min_samples = 10 };
	struct dbscan *db = dbscan_new(&o);
	float *big = random_layout(900, 4, 7), *small = random_layout(100, 4, 8);
	int32_t a[900], b[900];

	cr_assert_not_null(db);
	int k1 = dbscan_fit(db, small, 100, 4, a, NULL);
	dbscan_fit(db, big, 900, 4, b, NULL);
	int k2 = dbscan_fit(db, small, 100, 4, b, NULL);
	cr_expect_eq(k1, k2);
	cr_expect_eq(memcmp(a, b, 100 * 4), 0);
	dbscan_free(db);
	free(big);
	free(small);
}

Test(dbscan, rejects_bad_options_and_non_finite_values)
{
	struct dbscan_opts o = { .eps = 0, .min_samples = 10 };
	float X[4] = { 0, 1, INFINITY, 2 };
	int32_t labels[4];

	cr_expect_null(dbscan_new(&o));
	cr_expect_eq(errno, EINVAL);
	o.eps = 0.5;
	o.min_samples = 0;
	cr_expect_null(dbscan_new(&o));
	o.min_samples = 2;
	struct dbscan *db = dbscan_new(&o);
	cr_assert_not_null(db);
	cr_expect_eq(dbscan_fit(db, X, 4, 1, labels, NULL), -EINVAL);
	cr_expect_eq(dbscan_fit(db, X, 0, 1, labels, NULL), 0);
	dbscan_free(db);
}
