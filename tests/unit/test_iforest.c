// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/rng.h"
#include "ml/iforest.h"
#include "ml/scaler.h"

static float gauss(struct rng *r)
{
	double u = rng_double(r), v = rng_double(r);

	return (float)(sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v));
}

/* n_in standard Gaussian inliers, then n_out outliers at radius 8..11 in random directions
 * (inliers in d = 6 lie within radius 4.5 but for one in thousands). */
static float *planted(size_t n_in, size_t n_out, size_t d, uint64_t seed)
{
	float *X = malloc((n_in + n_out) * d * sizeof(float));
	struct rng r;

	cr_assert_not_null(X);
	rng_seed(&r, seed);
	for (size_t i = 0; i < n_in * d; i++)
		X[i] = gauss(&r);
	for (size_t i = n_in; i < n_in + n_out; i++) {
		double norm = 0, radius = 8 + 3 * rng_double(&r);

		for (size_t j = 0; j < d; j++) {
			X[i * d + j] = gauss(&r);
			norm += (double)X[i * d + j] * X[i * d + j];
		}
		for (size_t j = 0; j < d; j++)
			X[i * d + j] = (float)(X[i * d + j] * radius / sqrt(norm));
	}
	return X;
}

static struct iforest *fit(const float *X, size_t n, size_t d, unsigned trees, uint64_t seed)
{
	struct iforest_opts o;
	struct iforest *f;

	iforest_opts_default(&o);
	o.n_trees = trees;
	o.seed = seed;
	f = iforest_new(d, &o);
	cr_assert_not_null(f);
	cr_assert_eq(iforest_fit(f, X, n), 0);
	return f;
}

/* f written and read back; the reader consumed every byte. */
static struct iforest *round_trip(const struct iforest *f)
{
	struct ser_writer w;
	struct ser_reader r;
	struct iforest *g;

	ser_writer_init(&w);
	iforest_write(f, &w);
	cr_assert_eq(w.err, 0);
	ser_reader_init(&r, w.buf, w.len);
	g = iforest_read(&r);
	cr_assert_not_null(g);
	cr_expect_eq(r.pos, w.len);
	ser_writer_release(&w);
	return g;
}

Test(iforest, c_matches_known_values)
{
	/* Reference values of 2 (ln(n-1) + 0.5772156649) - 2 (n-1)/n, computed in Python. */
	cr_expect_float_eq(iforest_c(0), 0.0, 1e-12);
	cr_expect_float_eq(iforest_c(1), 0.0, 1e-12);
	cr_expect_float_eq(iforest_c(2), 1.0, 1e-12);
	cr_expect_float_eq(iforest_c(3), 1.207392357586557, 1e-9);
	cr_expect_float_eq(iforest_c(10), 3.7488804844724397, 1e-9);
	cr_expect_float_eq(iforest_c(256), 10.244770920116851, 1e-9);
	cr_expect_float_eq(iforest_c(1000), 12.969940887097108, 1e-9);
}

Test(iforest, two_distinct_rows_score_minus_one_half)
{
	/* max_samples = 2: one split of height 1, two leaves of one row: h = 1 = c(2). */
	const float X[2] = { 1.0f, 3.0f };
	struct iforest *f = fit(X, 2, 1, 10, 1);
	float s[2];

	iforest_score_samples(f, X, 2, s);
	cr_expect_float_eq(s[0], -0.5f, 1e-6);
	cr_expect_float_eq(s[1], -0.5f, 1e-6);
	iforest_free(f);
}

Test(iforest, uniform_splits_cannot_isolate_constant_rows)
{
	/* scikit-learn's forest never splits a constant feature: every row ends at the root
	 * with c(256), score -2^-1, whatever its values. */
	size_t n = 500, d = 3;
	float *X = malloc(n * d * sizeof(float)), s[4];
	const float other[3] = { 7.0f, 9.0f, 7.0f };
	struct iforest_opts o;
	struct iforest *f;

	for (size_t i = 0; i < n * d; i++)
		X[i] = 7.0f;
	iforest_opts_default(&o);
	o.n_trees = 20;
	o.seed = 2;
	o.uniform_splits = true;
	f = iforest_new(d, &o);
	cr_assert_not_null(f);
	cr_assert_eq(iforest_fit(f, X, n), 0);
	iforest_score_samples(f, X, 3, s);
	iforest_score_samples(f, other, 1, &s[3]);
	for (int i = 0; i < 4; i++)
		cr_expect_float_eq(s[i], -0.5f, 1e-6);
	iforest_free(f);
	free(X);
}

Test(iforest, a_value_never_seen_in_a_constant_feature_is_isolated)
{
	/* Feature 1 is 0 in every training row (a count that never left 0); the others vary.
	 * A row that differs only there, above or below, scores far below every training row;
	 * save -> load keeps the scores bit-identical (the split sits at the value). The default 150
	 * trees: the empty side is a coin flip per tree, and with 100 one seed cut the row below off
	 * in too few of them for the margin. */
	const size_t n = 1000, d = 4;
	float *X = planted(n, 0, d, 21), s[1000], odd[2][4], so[2], back[2], lowest;
	struct iforest *f, *g;

	for (size_t i = 0; i < n; i++)
		X[i * d + 1] = 0.0f;
	f = fit(X, n, d, 150, 22);
	iforest_score_samples(f, X, n, s);
	lowest = s[0];
	for (size_t i = 0; i < n; i++)
		lowest = fminf(lowest, s[i]);
	for (int k = 0; k < 2; k++) {
		memcpy(odd[k], X, sizeof(odd[k])); /* the first training row ... */
		odd[k][1] = k ? -1.0f : 1.0f; /* ... with the constant feature changed */
	}
	iforest_score_samples(f, &odd[0][0], 2, so);
	for (int k = 0; k < 2; k++)
		cr_expect(so[k] < lowest - 0.05f,
			  "changed row %d scores %g, lowest training row %g", k, so[k], lowest);
	g = round_trip(f);
	iforest_score_samples(g, &odd[0][0], 2, back);
	cr_expect_eq(memcmp(so, back, sizeof(so)), 0, "scores changed through serialisation");
	iforest_free(f);
	iforest_free(g);
	free(X);
}

/* Share of s[0..n) below v. */
static double share_below(const float *s, size_t n, float v)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] < v;
	return (double)k / (double)n;
}

Test(iforest, weighted_splits_single_out_a_rare_combination_of_two_roles)
{
	/* Two binary features that agree in 98% of the rows (a role and its direction) among
	 * ten Gaussian ones. The rows where they disagree are out of place only in the
	 * combination: drawn uniformly, the two rarely both come up within a tree's 8 levels;
	 * weighted by 1 / log2(distinct values) they come up as often as the isolating needs. */
	const size_t n = 4000, d = 12;
	float *X = planted(n, 0, d, 23), *s = malloc(n * sizeof(float));
	float *odd = malloc(n * sizeof(float));
	double above[2];
	struct rng r;
	size_t n_odd = 0;

	rng_seed(&r, 24);
	for (size_t i = 0; i < n; i++) {
		float a = (float)(rng_next(&r) & 1);

		X[i * d + 0] = a;
		X[i * d + 1] = rng_double(&r) < 0.02 ? 1 - a : a;
	}
	for (int u = 0; u < 2; u++) {
		struct iforest_opts o;
		struct iforest *f;
		float mid;

		iforest_opts_default(&o);
		o.seed = 25;
		o.uniform_splits = u;
		f = iforest_new(d, &o);
		cr_assert_not_null(f);
		cr_assert_eq(iforest_fit(f, X, n), 0);
		iforest_score_samples(f, X, n, s);
		n_odd = 0;
		for (size_t i = 0; i < n; i++)
			if (X[i * d] != X[i * d + 1])
				odd[n_odd++] = s[i];
		mid = scaler_quantile_inplace(odd, n_odd, 0.5);
		/* the share of all rows scoring below the median row of the rare combination */
		above[u] = share_below(s, n, mid);
		cr_log_info("%s: %zu rare rows; %.1f%% of the rows score below their median",
			    u ? "uniform" : "weighted", n_odd, 100 * above[u]);
		iforest_free(f);
	}
	cr_expect(above[0] < 0.05, "weighted: %.1f%% of rows below the rare ones' median",
		  100 * above[0]);
	cr_expect(above[1] > above[0] + 0.05, "uniform %.3f, weighted %.3f", above[1], above[0]);
	free(X);
	free(s);
	free(odd);
}

/* Group sampling of n rows, feature 0 the group (the last n_rare rows 1, the rest 0),
 * feature 1 the same Gaussian in both: the rare group's mean score, and its share under
 * the offset, into *mean and *flagged; *outlier, the score of a row far out in feature 1. */
static void rare_group(int group_feature, double *mean, double *flagged, float *outlier)
{
	const size_t n = 4000, n_rare = 200, d = 2;
	float *X = malloc(n * d * sizeof(float)), *s = malloc(n * sizeof(float));
	const float far[2] = { 0.0f, 8.0f };
	struct iforest_opts o;
	struct iforest *f;
	struct rng r;

	cr_assert(X && s);
	rng_seed(&r, 11);
	for (size_t i = 0; i < n; i++) {
		X[i * d] = i >= n - n_rare;
		X[i * d + 1] = gauss(&r);
	}
	iforest_opts_default(&o);
	o.group_feature = group_feature;
	f = iforest_new(d, &o);
	cr_assert_not_null(f);
	cr_assert_eq(iforest_fit(f, X, n), 0);
	iforest_score_samples(f, X, n, s);
	*mean = *flagged = 0;
	for (size_t i = n - n_rare; i < n; i++) {
		*mean += s[i] / (double)n_rare;
		*flagged += (s[i] < iforest_offset(f)) / (double)n_rare;
	}
	iforest_score_samples(f, far, 1, outlier);
	cr_expect_lt(*outlier, iforest_offset(f), "a row far out is still an outlier");
	iforest_free(f);
	free(X);
	free(s);
}

Test(iforest, group_sampling_judges_a_rare_group_by_its_own_rows)
{
	/* 5 % of the rows are another protocol, otherwise alike: drawn uniformly, a tree has
	 * about 13 of them, the split on the group isolates them early and most fall under
	 * the 5 % offset (80 % with this seed). Drawn by 1 / sqrt(group rows), they are 19 %
	 * of a tree's rows (26 % flagged, mean score -0.71 -> -0.59). */
	double mean_u, mean_g, flagged_u, flagged_g;
	float far_u, far_g;

	rare_group(-1, &mean_u, &flagged_u, &far_u);
	rare_group(0, &mean_g, &flagged_g, &far_g);
	cr_expect_gt(flagged_u, 0.6, "uniform: %.2f of the rare group flagged", flagged_u);
	cr_expect_lt(flagged_g, 0.4, "grouped: %.2f of the rare group flagged", flagged_g);
	cr_expect_gt(mean_g, mean_u + 0.05, "mean score %.3f -> %.3f", mean_u, mean_g);
}

Test(iforest, group_feature_must_be_a_feature)
{
	struct iforest_opts o;

	iforest_opts_default(&o);
	cr_expect_eq(o.group_feature, -1);
	o.group_feature = 2;
	cr_expect_null(iforest_new(2, &o));
	cr_expect_eq(errno, EINVAL);
	o.group_feature = -2;
	cr_expect_null(iforest_new(2, &o));
	o.group_feature = 1;
	iforest_free(iforest_new(2, &o));
}

Test(iforest, planted_outliers_score_below_inliers)
{
	const size_t n_in = 2000, n_out = 20, d = 6, n = n_in + n_out;
	float *X = planted(n_in, n_out, d, 3), *s = malloc(n * sizeof(float));
	float *inl = malloc(n_in * sizeof(float));
	struct iforest *f = fit(X, n, d, 150, 4);
	float worst_out = -1, share;

	iforest_score_samples(f, X, n, s);
	memcpy(inl, s, n_in * sizeof(float));
	for (size_t i = n_in; i < n; i++)
		worst_out = fmaxf(worst_out, s[i]);
	/* The least anomalous planted outlier is below 99% of the inliers. */
	size_t below = 0;
	for (size_t i = 0; i < n_in; i++)
		below += inl[i] < worst_out;
	share = (float)below / (float)n_in;
	cr_log_info("highest outlier score %g; share of inliers below it %g", worst_out, share);
	cr_expect(share < 0.01f, "%.1f%% of inliers score below an outlier", 100 * share);
	for (size_t i = 0; i < n; i++)
		cr_assert(s[i] >= -1.0f && s[i] < 0.0f, "score %g out of [-1, 0)", s[i]);
	iforest_free(f);
	free(X);
	free(s);
	free(inl);
}

Test(iforest, contamination_flags_about_five_percent_of_training_rows)
{
	const size_t n = 4000, d = 5;
	float *X = planted(n, 0, d, 5), *df = malloc(n * sizeof(float));
	struct iforest *f = fit(X, n, d, 150, 6);
	size_t flagged = 0;

	iforest_decision_function(f, X, n, df);
	for (size_t i = 0; i < n; i++)
		flagged += df[i] < 0;
	cr_log_info("flagged %zu of %zu", flagged, n);
	cr_expect(fabs((double)flagged / n - 0.05) <= 0.005, "flagged %zu of %zu", flagged, n);
	iforest_free(f);
	free(X);
	free(df);
}

Test(iforest, decision_function_is_score_samples_minus_offset)
{
	const size_t n = 1000, d = 4;
	float *X = planted(n, 10, d, 7), *s = malloc((n + 10) * 4), *df = malloc((n + 10) * 4);
	struct iforest *f = fit(X, n + 10, d, 50, 8);
	float off = iforest_offset(f);

	iforest_score_samples(f, X, n + 10, s);
	iforest_decision_function(f, X, n + 10, df);
	cr_expect(off > -1 && off < 0);
	for (size_t i = 0; i < n + 10; i++) {
		cr_assert_eq(df[i], s[i] - off);
		cr_assert_eq(df[i] < 0, s[i] < off);
	}
	iforest_free(f);
	free(X);
	free(s);
	free(df);
}

Test(iforest, scores_do_not_depend_on_the_batch)
{
	const size_t n = 333, d = 4;
	float *X = planted(n, 3, d, 9), *all = malloc((n + 3) * 4), one;
	struct iforest *f = fit(X, n + 3, d, 30, 10);

	iforest_score_samples(f, X, n + 3, all);
	for (size_t i = 0; i < n + 3; i++) {
		iforest_score_samples(f, X + i * d, 1, &one);
		cr_assert_eq(one, all[i], "row %zu: alone %g, in a batch %g", i, one, all[i]);
	}
	iforest_free(f);
	free(X);
	free(all);
}

Test(iforest, fit_is_reproducible_and_round_trips_bit_identically)
{
	const size_t n = 800, d = 5;
	float *X = planted(n, 8, d, 11), *a = malloc((n + 8) * 4), *b = malloc((n + 8) * 4);
	float *c = malloc((n + 8) * 4);
	struct iforest *f1 = fit(X, n + 8, d, 40, 12), *f2 = fit(X, n + 8, d, 40, 12), *f3;

	iforest_score_samples(f1, X, n + 8, a);
	iforest_score_samples(f2, X, n + 8, b);
	cr_expect_eq(memcmp(a, b, (n + 8) * 4), 0, "same seed, different scores");
	f3 = round_trip(f1);
	iforest_score_samples(f3, X, n + 8, c);
	cr_expect_eq(memcmp(a, c, (n + 8) * 4), 0, "scores changed through serialisation");
	cr_expect_eq(iforest_offset(f3), iforest_offset(f1));
	iforest_free(f1);
	iforest_free(f2);
	iforest_free(f3);
	free(X);
	free(a);
	free(b);
	free(c);
}

Test(iforest, rejects_bad_options_and_non_finite_rows)
{
	struct iforest_opts o;
	struct iforest *f;
	float X[6] = { 0, 1, 2, 3, NAN, 5 };

	iforest_opts_default(&o);
	o.contamination = 0;
	cr_expect_null(iforest_new(2, &o));
	cr_expect_eq(errno, EINVAL);
	iforest_opts_default(&o);
	cr_expect_null(iforest_new(IFOREST_MAX_FEATURES + 1, &o));
	f = iforest_new(2, &o);
	cr_assert_not_null(f);
	cr_expect_eq(iforest_fit(f, X, 3), -EINVAL);
	cr_expect_eq(iforest_fit(f, X, 1), -EINVAL);
	iforest_free(f);
}
