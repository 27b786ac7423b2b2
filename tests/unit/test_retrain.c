// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_retrain.c - inline retraining publishes its model, saved or not.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "detect/retrain.h"
#include "helpers/errcap.h"

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

static void tiny_opts(struct modelset_opts *mo)
{
	modelset_opts_default(mo);
	mo->ae.epochs = 3;
	mo->forest.n_trees = 20;
	modelset_opts_seed(mo, 3);
}

/* n rows of a smooth cloud: row i has values spread over i. */
static void cloud(float *X, size_t n, uint64_t seed)
{
	uint64_t s = seed;

	for (size_t i = 0; i < n * D; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		X[i] = (float)((s >> 40) % 1000) / 100.0f;
	}
}

Test(retrain, a_retrain_that_flags_more_held_out_rows_than_the_current_model_is_dropped)
{
	static const char *const names[D] = { "a", "b", "c", "d" };
	static float X[1000 * D], held[100 * D];
	struct modelset *cur, *bad;
	struct retrain_verdict v;
	struct modelset_opts mo;

	tiny_opts(&mo);
	cloud(X, 1000, 1);
	cur = modelset_train(X, 1000, D, names, &mo, NULL, NULL);
	cr_assert_not_null(cur);
	/* held-out rows from the same cloud: the current model flags about its aim */
	cloud(held, 100, 2);
	/* a candidate that saw only a corner of it (a buffer of near-identical rows) */
	for (size_t i = 0; i < 1000 * D; i++)
		X[i] = 0.01f * (float)(i % 7);
	bad = modelset_train(X, 1000, D, names, &mo, NULL, NULL);
	cr_assert_not_null(bad);
	cr_assert_eq(retrain_judge(cur, bad, held, 100, &v), 0);
	cr_expect_gt(v.new_share, v.cur_share);
	cr_expect_gt(v.new_share, RETRAIN_JUDGE_SLACK * v.aim);
	cr_expect_not(v.keep_new, "new %.2f, current %.2f", v.new_share, v.cur_share);
	/* the other way round the new model is better: it goes in */
	cr_assert_eq(retrain_judge(bad, cur, held, 100, &v), 0);
	cr_expect(v.keep_new, "new %.2f, current %.2f", v.new_share, v.cur_share);
	/* without a current model, any model goes in */
	cr_assert_eq(retrain_judge(NULL, bad, held, 100, &v), 0);
	cr_expect(v.keep_new);
	modelset_free(cur);
	modelset_free(bad);
}

Test(retrain, input_that_ends_early_trains_on_what_there_is_and_counts_what_it_skipped)
{
	static const char *const names[D] = { "a", "b", "c", "d" };
	struct modelswap *h = modelswap_new(NULL);
	struct modelset_opts mo;
	struct retrain_opts o = { .dim = D, .names = names, .reservoir = 500, .initial_rows = 400,
				  .seed = 1, .model_opts = &mo };
	struct retrain *r;
	float v[D] = { 1, 2, 3, 4 };

	tiny_opts(&mo);
	r = retrain_new(&o, h);
	cr_assert_not_null(r);
	for (int i = 0; i < 10; i++) {
		v[1] = (float)i;
		retrain_offer(r, v);
		retrain_skip(r);
	}
	cr_expect_eq(retrain_finish(r), 0, "10 rows are too few");
	cr_expect(retrain_initial_pending(r));
	for (int i = 0; i < 40; i++) {
		v[2] = (float)i;
		retrain_offer(r, v);
	}
	cr_expect_eq(retrain_n_skipped(r), 10);
	cr_expect_eq(retrain_finish(r), 1);
	cr_expect_not(retrain_initial_pending(r));
	cr_expect_eq(retrain_n_initial(r), 50);
	cr_expect_eq(retrain_n_trained(r), 1);
	retrain_skip(r); /* after the initial training nothing more is counted */
	cr_expect_eq(retrain_n_skipped(r), 10);
	cr_expect_eq(retrain_finish(r), 0, "nothing due any more");
	retrain_free(r);
	modelswap_free(h);
}

/* Ticks until the background training in flight is joined and published. */
static void tick_until_trained(struct retrain *r, uint64_t now_ns, uint64_t n)
{
	for (int i = 0; i < 3000 && retrain_n_trained(r) < n; i++) {
		usleep(10000);
		retrain_tick(r, now_ns);
	}
}

/* A tick at now_ns that trains (inline: publishes at once; background: joined later). */
static void tick_trains(struct retrain *r, uint64_t now_ns, bool background, uint64_t n)
{
	if (!background) {
		cr_assert_eq(retrain_tick(r, now_ns), 1);
		return;
	}
	cr_assert_eq(retrain_tick(r, now_ns), 0, "started, not finished");
	tick_until_trained(r, now_ns, n);
}

/*
 * Through the public path (the reservoir is in random order, so its held-out rows look
 * like its training rows; a_retrain_that_flags_more... covers the dropping): the initial
 * training, then traffic that changed makes the model in use flag the held-out rows, and
 * the retrain goes in. In the background (live), the rows a training took and its scratch
 * are let go when it is joined (the soak's RSS); the next retrain takes its rows afresh.
 */
static void changed_traffic_is_swapped_in(bool background)
{
	static const char *const names[D] = { "a", "b", "c", "d" };
	static float X[1000 * D];
	struct modelswap *h = modelswap_new(NULL);
	struct modelset_opts mo;
	struct retrain_opts o = { .dim = D, .names = names, .reservoir = 1000,
				  .initial_rows = 1000, .interval_s = 10, .seed = 1,
				  .background = background, .model_opts = &mo };
	const struct modelset *first, *now;
	struct retrain *r;
	int slot;

	tiny_opts(&mo);
	r = retrain_new(&o, h);
	cr_assert_not_null(r);
	slot = modelswap_reader_add(h);
	cloud(X, 1000, 1);
	for (int i = 0; i < 1000; i++)
		retrain_offer(r, &X[i * D]);
	tick_trains(r, 1000000000ull, background, 1);
	cr_assert_eq(retrain_n_trained(r), 1);
	first = modelswap_acquire(h, slot, NULL);
	modelswap_release(h, slot);
	cr_assert_not_null(first);
	cr_expect_eq(modelset_info(first)->n_rows, 1000, "the initial training takes every row");
	cloud(X, 1000, 2);
	for (int i = 0; i < 1000 * D; i++)
		X[i] += 50; /* the same shape, elsewhere */
	for (int k = 0; k < 5; k++)
		for (int i = 0; i < 1000; i++)
			retrain_offer(r, &X[i * D]);
	cr_expect_eq(retrain_tick(r, 5000000000ull), 0, "not due before the interval");
	tick_trains(r, 20000000000ull, background, 2);
	cr_expect_eq(retrain_n_trained(r), 2);
	now = modelswap_acquire(h, slot, NULL);
	cr_expect_neq(now, first);
	cr_expect_eq(modelset_info(now)->n_rows, 900, "every 10th of 1000 rows held out");
	modelswap_release(h, slot);
	retrain_free(r);
	modelswap_free(h);
}

Test(retrain, a_periodic_retrain_on_changed_traffic_is_judged_and_swapped_in)
{
	changed_traffic_is_swapped_in(false);
}

Test(retrain, background_trainings_one_after_another_each_publish_their_model)
{
	changed_traffic_is_swapped_in(true);
}

/*
 * A models folder that cannot take the file (a full disk, played by the file-size limit):
 * every retrain still publishes its model, the failure is said once, the file on disk
 * stays the last one saved, and once saving works again the next model is saved.
 */
Test(retrain, a_model_that_cannot_be_saved_runs_all_the_same_and_is_reported_once)
{
	static const char *const names[D] = { "a", "b", "c", "d" };
	char dir[] = "/tmp/nadxdp-retrain-XXXXXX";
	char path[64], msg[128], *err;
	struct modelswap *h = modelswap_new(NULL);
	struct modelset_opts mo;
	struct retrain_opts o = { .dim = D, .names = names, .reservoir = 500, .interval_s = 1,
				  .save_path = path, .seed = 1, .model_opts = &mo };
	struct rlimit rl, tiny;
	struct modelset *m;
	struct retrain *r;
	struct stat st;
	float v[D] = { 1, 2, 3, 4 };
	int err_fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nadxdp.model", dir);
	modelset_opts_default(&mo);
	mo.ae.epochs = 2;
	mo.forest.n_trees = 10;
	r = retrain_new(&o, h);
	cr_assert_not_null(r);
	for (int i = 0; i < 100; i++) {
		v[0] = (float)i;
		v[1] = (float)(i % 7);
		retrain_offer(r, v);
	}
	cr_assert_eq(retrain_tick(r, 1), 0, "the clock starts");

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	tiny = rl;
	tiny.rlim_cur = 64;
	err_fd = errcap_start();
	cr_assert_geq(err_fd, 0);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	for (uint64_t t = 1; t <= 3; t++)
		cr_assert_eq(retrain_tick(r, 1 + t * 1000000000ull), 1, "retrain %llu published",
			     (unsigned long long)t);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_expect_eq(retrain_n_trained(r), 3);
	cr_expect_eq(modelswap_generation(h), 1 + 3, "three models published");
	cr_expect_neq(stat(path, &st), 0, "nothing saved");
	err = errcap_take(err_fd);
	cr_assert_not_null(err);
	snprintf(msg, sizeof(msg), "Failed to save the trained model to %s", path);
	cr_expect_eq(errcap_count(err, msg), 1, "said once: %s", err);
	free(err);

	cr_assert_eq(retrain_tick(r, 1 + 4 * 1000000000ull), 1);
	err = errcap_take(err_fd);
	cr_assert_not_null(err);
	snprintf(msg, sizeof(msg), "Saved the trained model to %s again", path);
	cr_expect_eq(errcap_count(err, msg), 1, "%s", err);
	free(err);
	m = modelset_load(path, D, msg, sizeof(msg));
	cr_expect_not_null(m, "the fourth model is saved: %s", msg);
	modelset_free(m);
	retrain_free(r);
	modelswap_free(h);
	unlink(path);
	rmdir(dir);
	close(err_fd);
}
