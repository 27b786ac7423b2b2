// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_retrain.c - inline retraining publishes its model.
 */
#include <criterion/criterion.h>

#include "detect/retrain.h"

#define D 4

Test(retrain, inline_initial_training_publishes_a_model_after_the_rows)
{
	static const char *const names[D] = { "a", "b", "c", "d" };
	struct modelswap *h = modelswap_new(NULL);
	struct modelset_opts mo;
	struct retrain_opts o = { .dim = D, .names = names, .reservoir = 500, .initial_rows = 100,
				  .interval_s = 0, .seed = 1, .model_opts = &mo };
	struct retrain *r;
	float v[D] = { 1, 2, 3, 4 };

	modelset_opts_default(&mo);
	mo.ae.epochs = 2;
	mo.forest.n_trees = 10;
	r = retrain_new(&o, h);
	cr_assert_not_null(r);
	for (int i = 0; i < 99; i++) {
		v[0] = (float)i;
		retrain_offer(r, v);
	}
	cr_expect_eq(retrain_tick(r, 1000), 0);
	cr_expect_null(modelswap_acquire(h, modelswap_reader_add(h), NULL));
	modelswap_release(h, 0);
	retrain_offer(r, v);
	cr_expect_eq(retrain_tick(r, 2000), 1);
	cr_expect_not(retrain_initial_pending(r));
	cr_expect_not_null(modelswap_acquire(h, 0, NULL));
	modelswap_release(h, 0);
	retrain_free(r);
	modelswap_free(h);
}
