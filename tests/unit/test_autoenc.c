// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "common/rng.h"
#include "ml/autoenc.h"

/* Rows with structure: d values driven by 3 latent factors plus a little noise. */
static float *structured_rows(size_t n, size_t d, uint64_t seed)
{
	float *X = malloc(n * d * sizeof(float)), mix[3][64];
	struct rng r;

	cr_assert_not_null(X);
	cr_assert(d <= 64);
	rng_seed(&r, seed);
	for (int k = 0; k < 3; k++)
		for (size_t j = 0; j < d; j++)
			mix[k][j] = 2 * rng_float(&r) - 1;
	for (size_t i = 0; i < n; i++) {
		float z[3];

		for (int k = 0; k < 3; k++)
			z[k] = 2 * rng_float(&r) - 1;
		for (size_t j = 0; j < d; j++)
			X[i * d + j] = z[0] * mix[0][j] + z[1] * mix[1][j] + z[2] * mix[2][j] +
				       0.05f * (rng_float(&r) - 0.5f);
	}
	return X;
}

static const char *kind_name(unsigned k)
{
	static const char *const names[] = { "W", "gamma", "beta", "bias" };

	return names[k];
}

Test(autoenc, backward_pass_matches_finite_differences_layer_by_layer)
{
	const size_t d = 6, n = 16;
	struct autoenc_opts o;
	struct autoenc_block blocks[64];
	float *X = structured_rows(n, d, 1), *grad, *p;
	struct autoenc *ae;
	size_t nb, np;
	struct rng r;

	autoenc_opts_default(&o);
	o.l2 = 0.1f; /* large enough that a wrong L2 gradient shows */
	o.dropout = 0.2f; /* same masks in every evaluation: same mask seed */
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	np = autoenc_n_params(ae);
	p = autoenc_params(ae);
	/* Move gamma and beta off 1 and 0 so their gradients are generic. */
	nb = autoenc_param_layout(ae, blocks, 64);
	cr_assert_eq(nb, 3 * 7 + 2);
	rng_seed(&r, 99);
	for (size_t b = 0; b < nb; b++)
		if (blocks[b].kind != 0)
			for (size_t i = 0; i < blocks[b].size; i++)
				p[blocks[b].offset + i] += 0.3f * (rng_float(&r) - 0.5f);
	grad = malloc(np * sizeof(float));
	cr_assert_not_null(grad);
	double loss0;
	cr_assert_eq(autoenc_loss_grad(ae, X, n, 1234, &loss0, grad), 0);

	for (size_t b = 0; b < nb; b++) {
		const struct autoenc_block *bl = &blocks[b];
		double num = 0, den_a = 0, den_b = 0;
		size_t k = bl->size < 24 ? bl->size : 24;

		for (size_t t = 0; t < k; t++) {
			size_t i = bl->offset + (bl->size <= 24 ? t : rng_below(&r, bl->size));
			/* Small steps: the error from crossing ReLU kinks grows with h; float
			 * rounding of the loss puts a floor near 1e-3 below 3e-4. */
			float save = p[i], h = 3e-4f;
			double lp, lm, fd;

			p[i] = save + h;
			cr_assert_eq(autoenc_loss_grad(ae, X, n, 1234, &lp, NULL), 0);
			p[i] = save - h;
			cr_assert_eq(autoenc_loss_grad(ae, X, n, 1234, &lm, NULL), 0);
			p[i] = save;
			fd = (lp - lm) / ((double)(save + h) - (double)(save - h));
			num += (fd - grad[i]) * (fd - grad[i]);
			den_a += fd * fd;
			den_b += (double)grad[i] * grad[i];
		}
		double rel = sqrt(num) / fmax(sqrt(den_a) + sqrt(den_b), 1e-12);
		cr_log_info("layer %u %s: relative error %.2e (|g| %.2e)", bl->layer,
			    kind_name(bl->kind), rel, sqrt(den_b));
		cr_expect(rel < 2e-2, "layer %u %s: backward and finite differences differ by %.3g",
			  bl->layer, kind_name(bl->kind), rel);
		cr_expect(sqrt(den_b) > 0, "layer %u %s: zero gradient", bl->layer,
			  kind_name(bl->kind));
	}
	free(grad);
	free(X);
	autoenc_free(ae);
}

struct loss_log {
	unsigned n;
	float train[64], val[64];
};

static int log_epoch(void *ctx, const struct autoenc_epoch *e)
{
	struct loss_log *lg = ctx;

	if (lg->n < 64) {
		lg->train[lg->n] = e->train_loss;
		lg->val[lg->n] = e->val_loss;
		lg->n++;
	}
	return 0;
}

Test(autoenc, training_loss_falls)
{
	const size_t d = 8, n = 1500;
	float *X = structured_rows(n, d, 2);
	struct autoenc_report rep;
	struct loss_log lg = { 0 };
	struct autoenc_opts o;
	struct autoenc *ae;

	autoenc_opts_default(&o);
	o.epochs = 12;
	o.patience = 0;
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	cr_assert_eq(autoenc_train(ae, X, n, log_epoch, &lg, &rep), 0);
	cr_assert_eq(lg.n, 12);
	cr_assert_eq(rep.epochs_run, 12);
	cr_log_info("train loss %g -> %g, val %g -> %g", lg.train[0], lg.train[11], lg.val[0],
		    lg.val[11]);
	cr_expect(lg.train[11] < 0.6f * lg.train[0], "train loss %g -> %g", lg.train[0],
		  lg.train[11]);
	cr_expect(lg.val[11] < 0.6f * lg.val[0], "validation loss %g -> %g", lg.val[0], lg.val[11]);
	free(X);
	autoenc_free(ae);
}

Test(autoenc, early_stopping_keeps_the_best_validation_epoch)
{
	const size_t d = 8, n = 600;
	float *X = structured_rows(n, d, 3);
	struct autoenc_report rep;
	struct loss_log lg = { 0 };
	struct autoenc_opts o;
	struct autoenc *ae;
	unsigned best = 0;

	autoenc_opts_default(&o);
	o.epochs = 40;
	o.patience = 2;
	o.lr = 3e-2f; /* noisy on purpose, so validation stalls */
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	cr_assert_eq(autoenc_train(ae, X, n, log_epoch, &lg, &rep), 0);
	for (unsigned e = 1; e < lg.n; e++)
		if (lg.val[e] < lg.val[best])
			best = e;
	cr_expect_eq(rep.best_epoch, best + 1);
	cr_expect_eq(rep.val_loss, lg.val[best]);
	cr_expect(rep.epochs_run == o.epochs || rep.epochs_run - rep.best_epoch == o.patience,
		  "stopped at %u with best %u", rep.epochs_run, rep.best_epoch);
	free(X);
	autoenc_free(ae);
}

Test(autoenc, folded_batch_norm_equals_unfolded_computation)
{
	const size_t d = 7, n = 300;
	float *X = structured_rows(n, d, 4), *Yf = malloc(n * d * 4), *Yu = malloc(n * d * 4);
	struct autoenc_scratch *s;
	struct autoenc_opts o;
	struct autoenc *ae;
	double max_err = 0, max_abs = 0;

	autoenc_opts_default(&o);
	o.epochs = 2; /* non-trivial running statistics and affine parameters */
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	cr_assert_eq(autoenc_train(ae, X, n, NULL, NULL, NULL), 0);
	s = autoenc_scratch_new(ae);
	cr_assert_not_null(s);
	autoenc_reconstruct(ae, X, n, s, Yf);
	cr_assert_eq(autoenc_reconstruct_unfolded(ae, X, n, Yu), 0);
	for (size_t i = 0; i < n * d; i++) {
		max_err = fmax(max_err, fabs((double)Yf[i] - Yu[i]));
		max_abs = fmax(max_abs, fabs((double)Yu[i]));
	}
	cr_log_info("max |folded - unfolded| %.3g (max |y| %.3g)", max_err, max_abs);
	cr_expect(max_abs > 0.1);
	cr_expect(max_err < 1e-4 * fmax(1, max_abs), "folded and unfolded differ by %g", max_err);
	autoenc_scratch_free(s);
	autoenc_free(ae);
	free(X);
	free(Yf);
	free(Yu);
}

Test(autoenc, score_is_mean_absolute_reconstruction_error)
{
	const size_t d = 5, n = 700; /* more than one scoring chunk */
	float *X = structured_rows(n, d, 5), *Y = malloc(n * d * 4), *mae = malloc(n * 4);
	struct autoenc_scratch *s;
	struct autoenc_opts o;
	struct autoenc *ae;

	autoenc_opts_default(&o);
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	s = autoenc_scratch_new(ae);
	cr_assert_not_null(s);
	autoenc_reconstruct(ae, X, n, s, Y);
	autoenc_score(ae, X, n, s, mae);
	for (size_t i = 0; i < n; i++) {
		double ref = 0;

		for (size_t j = 0; j < d; j++)
			ref += fabs((double)Y[i * d + j] - X[i * d + j]);
		ref /= d;
		cr_assert_float_eq(mae[i], ref, 1e-5 * fmax(1, ref), "row %zu: %g vs %g", i, mae[i],
				   ref);
	}
	autoenc_scratch_free(s);
	autoenc_free(ae);
	free(X);
	free(Y);
	free(mae);
}

static struct autoenc *train_seeded(const float *X, size_t n, size_t d, uint64_t seed)
{
	struct autoenc_opts o;
	struct autoenc *ae;

	autoenc_opts_default(&o);
	o.epochs = 3;
	o.seed = seed;
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	cr_assert_eq(autoenc_train(ae, X, n, NULL, NULL, NULL), 0);
	return ae;
}

Test(autoenc, training_is_reproducible_from_the_seed)
{
	const size_t d = 6, n = 400;
	float *X = structured_rows(n, d, 6);
	struct autoenc *a = train_seeded(X, n, d, 7), *b = train_seeded(X, n, d, 7);
	struct autoenc *c = train_seeded(X, n, d, 8);
	size_t np = autoenc_n_params(a);

	cr_expect_eq(memcmp(autoenc_params(a), autoenc_params(b), np * sizeof(float)), 0,
		     "same seed, different weights");
	cr_expect_neq(memcmp(autoenc_params(a), autoenc_params(c), np * sizeof(float)), 0,
		      "different seeds, same weights");
	autoenc_free(a);
	autoenc_free(b);
	autoenc_free(c);
	free(X);
}

Test(autoenc, serialised_network_scores_bit_identically)
{
	const size_t d = 6, n = 300;
	float *X = structured_rows(n, d, 9), *m1 = malloc(n * 4), *m2 = malloc(n * 4);
	struct autoenc *a = train_seeded(X, n, d, 1), *b;
	struct autoenc_scratch *s1, *s2;
	struct ser_writer w;
	struct ser_reader r;

	ser_writer_init(&w);
	autoenc_write(a, &w);
	cr_assert_eq(w.err, 0);
	ser_reader_init(&r, w.buf, w.len);
	b = autoenc_read(&r);
	cr_assert_not_null(b);
	cr_expect_eq(r.pos, w.len);
	s1 = autoenc_scratch_new(a);
	s2 = autoenc_scratch_new(b);
	autoenc_score(a, X, n, s1, m1);
	autoenc_score(b, X, n, s2, m2);
	cr_expect_eq(memcmp(m1, m2, n * sizeof(float)), 0);
	/* A read network scores but cannot train. */
	cr_expect_eq(autoenc_train(b, X, n, NULL, NULL, NULL), -EINVAL);
	ser_writer_release(&w);
	autoenc_scratch_free(s1);
	autoenc_scratch_free(s2);
	autoenc_free(a);
	autoenc_free(b);
	free(X);
	free(m1);
	free(m2);
}

Test(autoenc, rejects_bad_options_and_non_finite_rows)
{
	struct autoenc_opts o;
	struct autoenc *ae;
	float X[4 * 3] = { 0 };

	autoenc_opts_default(&o);
	o.dropout = 1.0f;
	cr_expect_null(autoenc_new(3, &o));
	cr_expect_eq(errno, EINVAL);
	autoenc_opts_default(&o);
	cr_expect_null(autoenc_new(0, &o));
	ae = autoenc_new(3, &o);
	cr_assert_not_null(ae);
	X[5] = NAN;
	cr_expect_eq(autoenc_train(ae, X, 4, NULL, NULL, NULL), -EINVAL);
	X[5] = INFINITY;
	cr_expect_eq(autoenc_train(ae, X, 4, NULL, NULL, NULL), -EINVAL);
	autoenc_free(ae);
}

static int count_epochs(void *ctx, const struct autoenc_epoch *e)
{
	(*(unsigned *)ctx)++;
	return 0;
}

/* Issue 15: finite rows near FLT_MAX made every loss inf or NaN; training then "restored"
 * best weights it had never saved (uninitialised memory) and reported success. */
Test(autoenc, training_refuses_a_loss_that_is_not_finite)
{
	const size_t d = 3, n = 40;
	float X[40 * 3];
	struct autoenc_opts o;
	struct autoenc *ae;
	unsigned epochs = 0;
	struct rng r;

	rng_seed(&r, 4);
	for (size_t i = 0; i < n * d; i++)
		X[i] = rng_below(&r, 6) == 0 ? (rng_below(&r, 2) ? 3e38f : -3e38f) :
					       (float)rng_below(&r, 4);
	autoenc_opts_default(&o);
	o.epochs = 5;
	for (int val = 0; val < 2; val++) {
		o.val_frac = val ? 0.1f : 0;
		ae = autoenc_new(d, &o);
		cr_assert_not_null(ae);
		cr_expect_eq(autoenc_train(ae, X, n, count_epochs, &epochs, NULL), -ERANGE,
			     "val_frac %g", o.val_frac);
		autoenc_free(ae);
	}
	cr_expect_eq(epochs, 0, "an epoch with a non-finite loss was reported as trained");
}

Test(autoenc, scores_do_not_depend_on_the_batch)
{
	const size_t d = 12, n = 77; /* full tiles of 8 rows and a tail */
	float *X = structured_rows(n, d, 10), *all = malloc(n * 4), one;
	struct autoenc_scratch *s;
	struct autoenc_opts o;
	struct autoenc *ae;

	autoenc_opts_default(&o);
	ae = autoenc_new(d, &o);
	cr_assert_not_null(ae);
	s = autoenc_scratch_new(ae);
	cr_assert_not_null(s);
	autoenc_score(ae, X, n, s, all);
	for (size_t i = 0; i < n; i++) {
		autoenc_score(ae, X + i * d, 1, s, &one);
		cr_assert_eq(one, all[i], "row %zu: alone %g, in a batch %g", i, one, all[i]);
	}
	autoenc_scratch_free(s);
	autoenc_free(ae);
	free(X);
	free(all);
}
