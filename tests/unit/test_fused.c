// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_fused.c - the fused autoencoder and forest pass (ml/fused.h) gives the models' own scores.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/rng.h"
#include "ml/fused.h"

/* The fused pass against the two models scored apart, bit for bit. */
static void check(size_t d, const unsigned *hidden, unsigned n_hidden, uint64_t seed)
{
	const size_t n = 3 * FUSED_ROWS;
	struct autoenc_opts ao;
	struct iforest_opts fo;
	struct autoenc_packed ap;
	struct iforest_packed fp;
	struct autoenc_scratch *as;
	struct fused_buf buf;
	struct autoenc *ae;
	struct iforest *f;
	float *X = malloc(n * d * 4), *m1 = malloc(n * 4), *m2 = malloc(n * 4);
	float *s1 = malloc(n * 4), *s2 = malloc(n * 4);
	struct rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n * d; i++)
		X[i] = 4 * rng_float(&r) - 2;
	autoenc_opts_default(&ao);
	ao.seed = seed;
	if (hidden) {
		ao.n_hidden = n_hidden;
		memcpy(ao.hidden, hidden, n_hidden * sizeof(unsigned));
	}
	iforest_opts_default(&fo);
	fo.n_trees = 40;
	ae = autoenc_new(d, &ao);
	f = iforest_new(d, &fo);
	cr_assert(ae && f);
	cr_assert_eq(iforest_fit(f, X, n), 0);
	autoenc_packed(ae, &ap);
	iforest_packed(f, &fp);
	if (!fused_usable(&ap, &fp))
		cr_skip_test("the fused kernel needs AVX-512, which this CPU lacks");
	as = autoenc_scratch_new(ae);
	buf.act[0] = malloc(fused_act_floats(&ap) * 4);
	buf.act[1] = malloc(fused_act_floats(&ap) * 4);
	buf.y = malloc(fused_act_floats(&ap) * 4);
	buf.xt = malloc(d * FUSED_ROWS * 4);
	cr_assert(as && buf.act[0] && buf.act[1] && buf.y && buf.xt);
	autoenc_score(ae, X, n, as, m1);
	iforest_score_samples(f, X, n, s1);
	for (size_t b = 0; b < n; b += FUSED_ROWS)
		fused_block(&ap, &fp, d, X + b * d, m2 + b, s2 + b, &buf);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(m1[i], m2[i], "row %zu: autoencoder %g apart, %g fused", i, m1[i],
			     m2[i]);
		cr_assert_eq(s1[i], s2[i], "row %zu: forest %g apart, %g fused", i, s1[i], s2[i]);
	}
	autoenc_scratch_free(as);
	free(buf.act[0]);
	free(buf.act[1]);
	free(buf.y);
	free(buf.xt);
	autoenc_free(ae);
	iforest_free(f);
	free(X);
	free(m1);
	free(m2);
	free(s1);
	free(s2);
}

Test(fused, fused_pass_equals_the_models_scored_apart)
{
	check(12, NULL, 0, 1);
}

Test(fused, fused_pass_handles_16_wide_tiles_and_odd_widths)
{
	/* Widths 48 and 40 end in a 16-column tile; d = 5 pads the output to 16. */
	static const unsigned hidden[] = { 48, 16, 40 };

	check(5, hidden, 3, 2);
}
