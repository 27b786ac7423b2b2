// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_modelswap.c - atomic model swap under concurrent scoring.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ml/modelswap.h"

#define D 4
#define N 200

static float X[N * D];

static struct modelset *train(uint64_t seed, float shift)
{
	struct modelset_opts o;
	float Y[N * D];

	modelset_opts_default(&o);
	modelset_opts_seed(&o, seed);
	o.ae.epochs = 2;
	o.forest.n_trees = 10;
	for (int i = 0; i < N * D; i++)
		Y[i] = X[i] + shift;
	return modelset_train(Y, N, D, NULL, &o, NULL, NULL);
}

static void *images[2];
static size_t image_len[2];
static float expect_ae[2];
static const float row[D] = { 0.5f, 0.1f, 3.0f, -1.0f };
static struct modelswap *hold;
static atomic_bool stop;
static atomic_int bad, scored;

static void *scorer(void *arg)
{
	int slot = modelswap_reader_add(hold);
	struct modelset_scratch *s = NULL;
	uint64_t have = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		uint64_t gen;
		const struct modelset *m = modelswap_acquire(hold, slot, &gen);
		float ae;

		if (gen != have) {
			modelset_scratch_free(s);
			s = modelset_scratch_new(m);
			have = gen;
		}
		modelset_score(m, row, 1, s, &ae, NULL);
		modelswap_release(hold, slot);
		if (fabsf(ae - expect_ae[0]) > 1e-6f && fabsf(ae - expect_ae[1]) > 1e-6f)
			atomic_fetch_add(&bad, 1);
		atomic_fetch_add(&scored, 1);
	}
	modelset_scratch_free(s);
	return NULL;
}

Test(modelswap, swap_under_concurrent_scoring_never_mixes_or_frees_a_model_in_use)
{
	pthread_t th[3];
	uint64_t st = 12345;

	for (int i = 0; i < N * D; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		X[i] = (float)((st >> 33) % 1000) / 100.0f;
	}
	for (int k = 0; k < 2; k++) {
		struct modelset *m = train(7 + k, k * 5.0f);
		struct modelset_scratch *s;

		cr_assert_not_null(m);
		s = modelset_scratch_new(m);
		modelset_score(m, row, 1, s, &expect_ae[k], NULL);
		cr_assert_eq(modelset_save_mem(m, &images[k], &image_len[k]), 0);
		modelset_scratch_free(s);
		modelset_free(m);
	}
	cr_assert(fabsf(expect_ae[0] - expect_ae[1]) > 1e-4f);
	hold = modelswap_new(modelset_load_mem(images[0], image_len[0], D, NULL, 0));
	cr_assert_not_null(hold);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, scorer, NULL);
	for (int i = 0; i < 300; i++) {
		struct modelset *m = modelset_load_mem(images[i % 2 ? 0 : 1],
						       image_len[i % 2 ? 0 : 1], D, NULL, 0);

		cr_assert_not_null(m);
		modelswap_publish(hold, m);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	cr_expect_eq(atomic_load(&bad), 0, "%d scores from neither model", atomic_load(&bad));
	cr_expect_gt(atomic_load(&scored), 0);
	cr_expect_eq(modelswap_generation(hold), 301);
	modelswap_free(hold);
	free(images[0]);
	free(images[1]);
}
