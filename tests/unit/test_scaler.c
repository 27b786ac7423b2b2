// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ml/scaler.h"

Test(scaler, quantiles_interpolate_linearly_as_numpy)
{
	/* numpy.quantile([4, 1, 3, 2], q): 0.25 -> 1.75, 0.5 -> 2.5, 0.75 -> 3.25. */
	float v[4] = { 4, 1, 3, 2 };

	cr_expect_float_eq(scaler_quantile_inplace(v, 4, 0.25), 1.75f, 1e-6);
	cr_expect_float_eq(scaler_quantile_inplace(v, 4, 0.5), 2.5f, 1e-6);
	cr_expect_float_eq(scaler_quantile_inplace(v, 4, 0.75), 3.25f, 1e-6);
	cr_expect_float_eq(scaler_quantile_inplace(v, 4, 0.0), 1.0f, 0);
	cr_expect_float_eq(scaler_quantile_inplace(v, 4, 1.0), 4.0f, 0);
	cr_expect_float_eq(scaler_quantile_inplace(v, 1, 0.3), 1.0f, 0);
}

Test(scaler, centres_on_the_median_and_divides_by_the_iqr)
{
	/* Column 0: 1..5 -> median 3, IQR 4 - 2 = 2. Column 1: 10, 20, 30, 40, 1000 -> median
	 * 30, IQR 20: the outlier does not move the scaling. */
	const float X[] = { 1, 10, 2, 20, 3, 30, 4, 40, 5, 1000 };
	float out[10];
	struct scaler *s = scaler_new(2);

	cr_assert_not_null(s);
	cr_assert_eq(scaler_fit(s, X, 5), 0);
	cr_expect_float_eq(scaler_center(s)[0], 3.0f, 0);
	cr_expect_float_eq(scaler_scale(s)[0], 2.0f, 0);
	cr_expect_float_eq(scaler_center(s)[1], 30.0f, 0);
	cr_expect_float_eq(scaler_scale(s)[1], 20.0f, 0);
	scaler_transform(s, X, 5, out);
	cr_expect_float_eq(out[0], -1.0f, 1e-6);
	cr_expect_float_eq(out[8], 1.0f, 1e-6);
	cr_expect_float_eq(out[9], 48.5f, 1e-5);
	/* In place gives the same. */
	float in_place[10];
	memcpy(in_place, X, sizeof(X));
	scaler_transform(s, in_place, 5, in_place);
	cr_expect_eq(memcmp(in_place, out, sizeof(out)), 0);
	scaler_free(s);
}

Test(scaler, zero_iqr_keeps_scale_one)
{
	const float X[] = { 7, 1, 7, 2, 7, 3, 7, 4, 8, 5 };
	struct scaler *s = scaler_new(2);
	float out[2];

	cr_assert_eq(scaler_fit(s, X, 5), 0);
	cr_expect_float_eq(scaler_scale(s)[0], 1.0f, 0);
	scaler_transform(s, X + 8, 1, out);
	cr_expect_float_eq(out[0], 1.0f, 0);
	scaler_free(s);
}

Test(scaler, an_iqr_of_float_residues_keeps_scale_one)
{
	/* A decayed count, 0 but for residues, with one real count: an IQR of 1e-27 made that
	 * count 1e27 IQRs out and the autoencoder's loss infinite (an IoT hub's capture could
	 * not be trained on). Column 1's small but real IQR (1e-5) is kept. */
	const float X[] = { 0, 0, 1e-27f, 1e-5f, 2e-27f, 2e-5f, 3e-27f, 3e-5f, 1.6f, 4e-5f };
	struct scaler *s = scaler_new(2);
	float out[2];

	cr_assert_eq(scaler_fit(s, X, 5), 0);
	cr_expect_float_eq(scaler_scale(s)[0], 1.0f, 0);
	cr_expect_float_eq(scaler_scale(s)[1], 2e-5f, 1e-9);
	scaler_transform(s, X + 8, 1, out);
	cr_expect(out[0] > 1.5f && out[0] < 1.7f, "the count stays 1.6 from a median of 2e-27");
	scaler_free(s);
}

Test(scaler, unfitted_scaler_is_the_identity)
{
	const float X[] = { -3.5f, 2.25f };
	float out[2];
	struct scaler *s = scaler_new(2);

	scaler_transform(s, X, 1, out);
	cr_expect_eq(memcmp(X, out, sizeof(out)), 0);
	scaler_free(s);
}

Test(scaler, rejects_non_finite_values_and_empty_input)
{
	const float X[] = { 1, NAN, 2, 3 };
	struct scaler *s = scaler_new(2);

	cr_expect_eq(scaler_fit(s, X, 2), -EINVAL);
	cr_expect_eq(scaler_fit(s, X, 0), -EINVAL);
	cr_expect_null(scaler_new(0));
	cr_expect_eq(errno, EINVAL);
	scaler_free(s);
	scaler_free(NULL);
}

Test(scaler, a_logged_feature_is_centred_and_scaled_in_log_space)
{
	/* Column 0 logged (unit 1): log1p gives ln 1, ln 10, ln 100, ln 1000, ln 10000 ->
	 * median ln 100, IQR ln 1000 - ln 10 = ln 100. Column 1 stays linear. */
	const float X[] = { 0, 1, 9, 2, 99, 3, 999, 4, 9999, 5 };
	const float unit[2] = { 1, 0 }, x[2] = { 99999, 5 }, neg[2] = { -7, 3 };
	float out[2];
	struct scaler *s = scaler_new(2);

	cr_assert_not_null(s);
	cr_assert_eq(scaler_set_log(s, unit), 0);
	cr_assert_eq(scaler_fit(s, X, 5), 0);
	cr_expect_float_eq(scaler_center(s)[0], logf(100), 1e-5);
	cr_expect_float_eq(scaler_scale(s)[0], logf(100), 1e-5);
	scaler_transform(s, x, 1, out);
	cr_expect_float_eq(out[0], 1.5f, 1e-5, "(ln 1e5 - ln 100) / ln 100");
	cr_expect_float_eq(out[1], 1.0f, 1e-6, "(5 - 3) / 2, linear");
	scaler_transform(s, neg, 1, out);
	cr_expect_float_eq(out[0], -1.0f, 1e-6, "a negative count is taken as 0");
	scaler_free(s);
}

Test(scaler, log_units_must_be_finite_and_not_negative)
{
	const float neg[2] = { -1, 0 }, nan[2] = { 0, NAN }, inf[2] = { INFINITY, 0 };
	struct scaler *s = scaler_new(2);

	cr_assert_not_null(s);
	cr_expect_eq(scaler_set_log(s, neg), -EINVAL);
	cr_expect_eq(scaler_set_log(s, nan), -EINVAL);
	cr_expect_eq(scaler_set_log(s, inf), -EINVAL);
	cr_expect_eq(scaler_set_log(s, NULL), 0);
	cr_expect_float_eq(scaler_log_unit(s)[0], 0.0f, 0);
	scaler_free(s);
}

Test(scaler, round_trips_through_serialisation)
{
	const float X[] = { 1, 10, 2, 20, 3, 30, 4, 45 }, unit[2] = { 0, 1e6f };
	struct scaler *s = scaler_new(2), *t;
	struct ser_writer w;
	struct ser_reader r;

	cr_assert_eq(scaler_set_log(s, unit), 0);
	cr_assert_eq(scaler_fit(s, X, 4), 0);
	ser_writer_init(&w);
	scaler_write(s, &w);
	ser_reader_init(&r, w.buf, w.len);
	t = scaler_read(&r);
	cr_assert_not_null(t);
	cr_expect_eq(memcmp(scaler_center(s), scaler_center(t), 8), 0);
	cr_expect_eq(memcmp(scaler_scale(s), scaler_scale(t), 8), 0);
	cr_expect_eq(memcmp(scaler_log_unit(s), scaler_log_unit(t), 8), 0);
	/* A zero scale in the input is refused. */
	memset(w.buf + 4 + 8, 0, 4);
	ser_reader_init(&r, w.buf, w.len);
	cr_expect_null(scaler_read(&r));
	ser_writer_release(&w);
	scaler_free(s);
	scaler_free(t);
}
