// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "common/rng.h"
#include "common/ser.h"
#include "features/baseline.h"
#include "ml/modelset.h"
#include "ml/scaler.h"
#include "helpers/cmd_run.h"
#include "helpers/modelimg.h"

#define D 4
#define N 600

static float X[N * D];
static struct modelset *model;

/* Raw features at very different scales, as packet features are. */
static void make_rows(float *out, size_t n, uint64_t seed)
{
	static const float scale[D] = { 1500, 65535, 0.01f, 3 };
	struct rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		float z = rng_float(&r);

		for (size_t j = 0; j < D; j++)
			out[i * D + j] = scale[j] * (0.5f * z + 0.5f * rng_float(&r));
	}
}

static void small_opts(struct modelset_opts *o)
{
	static const float log_unit[D] = { 1, 1, 1e6f, 0 };

	modelset_opts_default(o);
	o->log_unit = log_unit;
	o->ae.epochs = 3;
	o->forest.n_trees = 25;
	modelset_opts_seed(o, 5);
	o->trained_unix_s = 1700000000; /* the image must not depend on the wall clock */
}

static void setup(void)
{
	static const char *const names[D] = { "packet_size", "dst_port", "interval", "protocol" };
	struct modelset_opts o;

	make_rows(X, N, 1);
	small_opts(&o);
	model = modelset_train(X, N, D, names, &o, NULL, NULL);
	cr_assert_not_null(model, "training failed: %s", strerror(errno));
}

static void teardown(void)
{
	modelset_free(model);
}

static void score(const struct modelset *m, float *mae, float *ifs)
{
	struct modelset_scratch *s = modelset_scratch_new(m);

	cr_assert_not_null(s);
	modelset_score(m, X, N, s, mae, ifs);
	modelset_scratch_free(s);
}

/* a and b give the same scores to every row, bit for bit. */
static void expect_same_scores(const struct modelset *a, const struct modelset *b)
{
	float a_mae[N], a_if[N], b_mae[N], b_if[N];

	score(a, a_mae, a_if);
	score(b, b_mae, b_if);
	cr_expect_eq(memcmp(a_mae, b_mae, sizeof(a_mae)), 0);
	cr_expect_eq(memcmp(a_if, b_if, sizeof(a_if)), 0);
}

static void image(void **buf, size_t *len)
{
	cr_assert_eq(modelset_save_mem(model, buf, len), 0);
}

TestSuite(modelset, .init = setup, .fini = teardown);

Test(modelset, save_load_round_trip_scores_bit_identically)
{
	char path[] = "/tmp/nadxdp-test-model-XXXXXX", err[256];
	struct modelset *m;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(modelset_save(model, path), 0);
	m = modelset_load(path, D, err, sizeof(err));
	unlink(path);
	cr_assert_not_null(m, "load failed: %s", err);
	expect_same_scores(model, m);
	cr_expect_eq(modelset_ae_threshold(m), modelset_ae_threshold(model));
	cr_expect_eq(modelset_ae_extreme(m), modelset_ae_extreme(model));
	cr_expect_eq(modelset_if_threshold(m), modelset_if_threshold(model));
	cr_expect_eq(memcmp(scaler_log_unit(modelset_scaler(m)),
			    scaler_log_unit(modelset_scaler(model)), D * sizeof(float)),
		     0);
	cr_expect_float_eq(scaler_log_unit(modelset_scaler(m))[2], 1e6f, 0);
	cr_expect_eq(modelset_dim(m), D);
	cr_expect_str_eq(modelset_feature_name(m, 1), "dst_port");
	cr_expect_eq(modelset_info(m)->n_rows, N);
	cr_expect_eq(modelset_info(m)->epochs_run, modelset_info(model)->epochs_run);
	cr_expect_eq(modelset_dbscan_opts(m)->min_samples, 10);
	modelset_free(m);
}

/* A baseline of a few hosts and a service that has known some windows. */
static struct baseline *some_baseline(void)
{
	struct baseline_opts o;
	struct baseline *b;
	__u8 a[16] = { [10] = 0xff, [11] = 0xff, 192, 168, 1, 0 };
	uint64_t t = 1700000000ull * 1000000000ull;

	baseline_opts_default(&o);
	o.max_hosts = 64;
	o.max_services = 64;
	b = baseline_new(&o);
	cr_assert_not_null(b);
	for (int w = 0; w < 12; w++, t += 10000000000ull) {
		for (int h = 1; h <= 3; h++) {
			a[15] = (__u8)h;
			baseline_host_add(baseline_host(b, a, t), BL_PKTS_OUT, 10.0 * h + w);
			baseline_host_add(baseline_host(b, a, t), BL_BYTES_IN, 1000.0 * h);
		}
		baseline_svc_add(baseline_svc(b, a, 6, 443, t), BLS_REQUESTS, 4);
	}
	baseline_tick(b, t);
	return b;
}

static void section_of(const struct baseline *b, struct ser_writer *w)
{
	ser_writer_init(w);
	baseline_write(b, w);
	cr_assert_eq(w->err, 0);
}

Test(modelset, baselines_follow_the_models_and_survive_save_and_load_bit_identically)
{
	struct ser_writer w1, w2;
	struct modelset *m;
	size_t len;
	void *buf;
	char err[256];

	cr_expect_null(modelset_baseline(model), "a trained model has none");
	modelset_set_baseline(model, some_baseline());
	cr_assert_eq(modelset_save_mem(model, &buf, &len), 0);
	m = modelset_load_mem(buf, len, D, err, sizeof(err));
	free(buf);
	cr_assert_not_null(m, "%s", err);
	cr_assert_not_null(modelset_baseline(m));
	section_of(modelset_baseline(model), &w1);
	section_of(modelset_baseline(m), &w2);
	cr_assert_eq(w1.len, w2.len);
	cr_expect(!memcmp(w1.buf, w2.buf, w1.len), "the baselines section is the same");
	expect_same_scores(model, m);
	/* taken out, the model has none, and a save without them loads without them */
	baseline_free(modelset_take_baseline(m));
	cr_expect_null(modelset_baseline(m));
	cr_assert_eq(modelset_save_mem(m, &buf, &len), 0);
	modelset_free(m);
	m = modelset_load_mem(buf, len, D, err, sizeof(err));
	free(buf);
	cr_assert_not_null(m, "%s", err);
	cr_expect_null(modelset_baseline(m));
	modelset_free(m);
	ser_writer_release(&w1);
	ser_writer_release(&w2);
	modelset_set_baseline(model, NULL);
}

static char *file_of(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	char *b = fd >= 0 ? cmd_slurp(fd, n) : NULL;

	if (fd >= 0)
		close(fd);
	return b;
}

/* A retraining saves the baselines it took as bytes: the same file as the model holding them. */
Test(modelset, baselines_saved_as_bytes_make_the_same_file_as_the_model_holding_them)
{
	char p1[] = "/tmp/nadxdp-bb1-XXXXXX", p2[] = "/tmp/nadxdp-bb2-XXXXXX";
	struct baseline *b = some_baseline();
	struct baseline_bytes bb;
	size_t n1, n2;
	char *f1, *f2;

	cr_assert_eq(baseline_bytes_of(b, &bb), 0);
	cr_assert_not_null(bb.buf);
	close(mkstemp(p1));
	close(mkstemp(p2));
	cr_assert_eq(modelset_save_with_baseline(model, &bb, p1), 0);
	modelset_set_baseline(model, b);
	cr_assert_eq(modelset_save(model, p2), 0);
	modelset_set_baseline(model, NULL);
	f1 = file_of(p1, &n1);
	f2 = file_of(p2, &n2);
	cr_assert(f1 && f2);
	cr_expect(n1 == n2 && !memcmp(f1, f2, n1), "the two files are the same bytes");
	free(f1);
	free(f2);
	unlink(p1);
	unlink(p2);
	baseline_bytes_free(&bb);
	cr_expect_null(bb.buf);
}

Test(modelset, a_cut_file_with_baselines_or_an_older_version_is_refused_in_one_line)
{
	struct modelset *m;
	uint8_t *img;
	size_t len;
	void *buf;
	char err[256];

	/* cut in its baselines section */
	modelset_set_baseline(model, some_baseline());
	cr_assert_eq(modelset_save_mem(model, &buf, &len), 0);
	modelset_set_baseline(model, NULL);
	m = modelset_load_mem(buf, len - 1, D, err, sizeof(err));
	cr_expect_null(m);
	cr_expect_eq(errno, EBADMSG);
	cr_expect_null(strchr(err, '\n'));
	img = buf;
	img[8] = 2; /* every file before the baselines section */
	m = modelset_load_mem(buf, len, D, err, sizeof(err));
	cr_expect_null(m);
	cr_expect_eq(errno, EPROTONOSUPPORT);
	cr_expect_str_eq(err, "model format version 2, this build reads version 3");
	free(buf);
}

Test(modelset, truncated_file_is_refused)
{
	void *buf;
	size_t len, cuts[] = { 0, 7, 39, 40, 41, 0, 0 };
	char err[256];

	image(&buf, &len);
	cuts[5] = len / 2;
	cuts[6] = len - 1;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct modelset *m = modelset_load_mem(buf, cuts[i], D, err, sizeof(err));

		cr_expect_null(m, "%zu of %zu bytes accepted", cuts[i], len);
		cr_expect_eq(errno, EBADMSG, "cut at %zu: errno %d", cuts[i], errno);
		cr_expect(strlen(err) > 0 && !strchr(err, '\n'));
		modelset_free(m);
	}
	free(buf);
}

Test(modelset, flipped_byte_is_refused)
{
	void *buf;
	size_t len, tried = 0;
	char err[256];

	image(&buf, &len);
	/* Every header byte, bytes spread over the compressed payload, and every byte of the
	 * tail, where the deflate stream ends in padding bits that decompression ignores. */
	for (size_t pos = 0; pos < len; pos += pos < 40 || pos + 64 >= len ? 1 : 37) {
		uint8_t *p = (uint8_t *)buf + pos;
		struct modelset *m;

		*p ^= 0x10;
		m = modelset_load_mem(buf, len, D, err, sizeof(err));
		*p ^= 0x10;
		cr_expect_null(m, "flip at byte %zu of %zu accepted", pos, len);
		cr_expect(strlen(err) > 0);
		modelset_free(m);
		tried++;
	}
	cr_expect(tried > 100);
	struct modelset *ok = modelset_load_mem(buf, len, D, err, sizeof(err));
	cr_expect_not_null(ok, "the intact image is refused: %s", err);
	modelset_free(ok);
	free(buf);
}

Test(modelset, other_format_version_is_refused)
{
	void *buf;
	size_t len;
	char err[256];
	struct modelset *m;

	image(&buf, &len);
	((uint8_t *)buf)[8] = MODELSET_FORMAT_VERSION + 1;
	m = modelset_load_mem(buf, len, D, err, sizeof(err));
	cr_expect_null(m);
	cr_expect_eq(errno, EPROTONOSUPPORT);
	cr_expect(strstr(err, "version") != NULL, "message: %s", err);
	modelset_free(m);
	free(buf);
}

Test(modelset, other_feature_count_is_refused)
{
	void *buf;
	size_t len;
	char err[256];
	struct modelset *m;

	image(&buf, &len);
	m = modelset_load_mem(buf, len, D + 8, err, sizeof(err));
	cr_expect_null(m);
	cr_expect_eq(errno, ERANGE);
	cr_expect(strstr(err, "4 features") != NULL, "message: %s", err);
	modelset_free(m);
	m = modelset_load_mem(buf, len, 0, err, sizeof(err));
	cr_expect_not_null(m, "any count accepted with expect_d 0: %s", err);
	modelset_free(m);
	free(buf);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/*
 * Loads an image with the address space capped at what the process uses now plus 32 MiB
 * (not under AddressSanitizer, whose shadow memory needs a free address space), so an
 * allocation sized by a corrupt header fails with ENOMEM instead of passing unseen.
 */
static struct modelset *load_capped(const void *img, size_t len, char *err, size_t errlen)
{
	struct modelset *m;
	struct rlimit old;

	cr_assert_eq(getrlimit(RLIMIT_AS, &old), 0);
#ifndef UNDER_ASAN
	{
		struct rlimit cap = old;
		unsigned long vm_pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");

		cr_assert_not_null(f);
		cr_assert_eq(fscanf(f, "%lu", &vm_pages), 1);
		fclose(f);
		cap.rlim_cur = vm_pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)32 << 20);
		if (old.rlim_cur == RLIM_INFINITY || cap.rlim_cur < old.rlim_cur)
			cr_assert_eq(setrlimit(RLIMIT_AS, &cap), 0);
	}
#endif
	m = modelset_load_mem(img, len, 0, err, errlen);
	cr_assert_eq(setrlimit(RLIMIT_AS, &old), 0);
	return m;
}

/* The payload up to the autoencoder's widths: one feature, 16 hidden layers of 1024. */
static void huge_widths_payload(struct ser_writer *w)
{
	ser_writer_init(w);
	ser_put_u32(w, 1);
	ser_put_str(w, "x");
	for (int i = 0; i < 4; i++)
		ser_put_u64(w, 1);
	for (int i = 0; i < 2; i++)
		ser_put_u32(w, 1);
	for (int i = 0; i < 6; i++)
		ser_put_f32(w, 1);
	ser_put_f64(w, 1);
	ser_put_u32(w, 1);
	ser_put_u32(w, 1); /* scaler: d, center, scale, log unit */
	ser_put_f32(w, 0);
	ser_put_f32(w, 1);
	ser_put_f32(w, 0);
	ser_put_u32(w, 1); /* autoencoder: d, layers, widths, and no weights */
	ser_put_u32(w, AUTOENC_MAX_HIDDEN);
	for (int i = 0; i < AUTOENC_MAX_HIDDEN; i++)
		ser_put_u32(w, AUTOENC_MAX_WIDTH);
	cr_assert_eq(w->err, 0);
}

/* Issue 15: a 105-byte file made autoenc_read() allocate ~126 MB for its declared widths. */
Test(modelset, widths_the_file_cannot_hold_are_refused_before_allocating)
{
	struct ser_writer w;
	struct modelset *m;
	char err[256];
	size_t len;
	void *img;

	huge_widths_payload(&w);
	cr_assert_eq(modelimg_wrap(w.buf, w.len, w.len, 9, &img, &len), 0);
	cr_log_info("%zu-byte file", len);
	cr_expect_lt(len, 120);
	m = load_capped(img, len, err, sizeof(err));
	cr_expect_null(m);
	cr_expect_eq(errno, EBADMSG, "errno %d (%s): %s", errno, strerror(errno), err);
	cr_expect(strstr(err, "bad autoencoder") != NULL, "message: %s", err);
	modelset_free(m);
	free(img);
	ser_writer_release(&w);
}

/* Issue 15: the payload buffer was malloc'ed at the header's length (up to 1 GiB) before
 * decompressing a few bytes. */
Test(modelset, payload_length_deflate_cannot_reach_is_refused_before_allocating)
{
	static const uint64_t claims[] = { (uint64_t)1 << 30, 200u << 20 };
	static const char payload[64];
	struct modelset *m;
	char err[256];
	size_t len;
	void *img;

	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		cr_assert_eq(modelimg_wrap(payload, sizeof(payload), claims[i], 9, &img, &len), 0);
		m = load_capped(img, len, err, sizeof(err));
		cr_expect_null(m);
		cr_expect_eq(errno, EBADMSG, "claim %llu: errno %d (%s): %s",
			     (unsigned long long)claims[i], errno, strerror(errno), err);
		cr_expect(strstr(err, "bad lengths") != NULL, "message: %s", err);
		modelset_free(m);
		free(img);
	}
}

Test(modelset, missing_file_is_refused_with_reason)
{
	char err[256];

	cr_expect_null(modelset_load("/nonexistent/nadxdp.model", 0, err, sizeof(err)));
	cr_expect_eq(errno, ENOENT);
	cr_expect(strstr(err, "No such file") != NULL, "message: %s", err);
}

Test(modelset, thresholds_flag_the_configured_share_of_training_rows)
{
	float mae[N], ifs[N];
	size_t ae_hits = 0, if_hits = 0, ae_extreme = 0;

	score(model, mae, ifs);
	for (size_t i = 0; i < N; i++) {
		ae_hits += mae[i] > modelset_ae_threshold(model);
		ae_extreme += mae[i] > modelset_ae_extreme(model);
		if_hits += ifs[i] < modelset_if_threshold(model);
	}
	cr_expect(fabs(ae_hits / (double)N - 0.05) <= 0.01, "ae flags %zu of %d", ae_hits, N);
	/* the extreme level is the 0.999 quantile: at most one row of 600 above it */
	cr_expect(modelset_ae_extreme(model) > modelset_ae_threshold(model));
	cr_expect(ae_extreme <= 1, "%zu of %d rows above the extreme level", ae_extreme, N);
	cr_expect(fabs(if_hits / (double)N - 0.05) <= 0.01, "forest flags %zu of %d", if_hits, N);
}

Test(modelset, scoring_skips_a_null_output_and_matches_the_parts)
{
	float mae[N], ifs[N], only[N];
	struct modelset_scratch *s = modelset_scratch_new(model);

	modelset_score(model, X, N, s, mae, ifs);
	modelset_score(model, X, N, s, only, NULL);
	cr_expect_eq(memcmp(mae, only, sizeof(mae)), 0);
	modelset_score(model, X, N, s, NULL, only);
	cr_expect_eq(memcmp(ifs, only, sizeof(ifs)), 0);
	modelset_scratch_free(s);
}

struct job {
	float mae[N], ifs[N];
};

static void *score_thread(void *arg)
{
	struct job *j = arg;
	struct modelset_scratch *s = modelset_scratch_new(model);

	if (!s)
		return NULL;
	for (int rep = 0; rep < 5; rep++)
		modelset_score(model, X, N, s, j->mae, j->ifs);
	modelset_scratch_free(s);
	return j;
}

Test(modelset, threads_with_own_scratch_share_one_model)
{
	static struct job jobs[3];
	float mae[N], ifs[N];
	pthread_t t[3];

	score(model, mae, ifs);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, score_thread, &jobs[i]), 0);
	for (int i = 0; i < 3; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		cr_assert_not_null(ret);
		cr_expect_eq(memcmp(jobs[i].mae, mae, sizeof(mae)), 0);
		cr_expect_eq(memcmp(jobs[i].ifs, ifs, sizeof(ifs)), 0);
	}
}

Test(modelset, training_refuses_too_few_or_non_finite_rows_and_bad_log_units)
{
	struct modelset_opts o;
	float bad[N * D];

	small_opts(&o);
	cr_expect_null(modelset_train(X, MODELSET_MIN_ROWS - 1, D, NULL, &o, NULL, NULL));
	cr_expect_eq(errno, EINVAL);
	memcpy(bad, X, sizeof(bad));
	bad[77] = NAN;
	cr_expect_null(modelset_train(bad, N, D, NULL, &o, NULL, NULL));
	cr_expect_eq(errno, EINVAL);
	{
		static const float neg_unit[D] = { 1, -1, 0, 0 };

		o.log_unit = neg_unit;
		cr_expect_null(modelset_train(X, N, D, NULL, &o, NULL, NULL));
		cr_expect_eq(errno, EINVAL);
	}
}

/* Issue 15: finite values near FLT_MAX; training used to write a model built from leftover
 * heap (best epoch 0, train loss inf) and report success. */
Test(modelset, training_refuses_values_too_large_to_learn_from)
{
	static const float near_max[] = { 3e38f, -3e38f, 2.5e38f };
	struct modelset_opts o;
	float big[N * D];
	struct rng r;

	small_opts(&o);
	o.log_unit = NULL;
	rng_seed(&r, 9);
	/* A few huge values in columns whose IQR stays small: the scaled rows are finite,
	 * the autoencoder's loss is not. */
	for (size_t i = 0; i < N * D; i++)
		big[i] = rng_below(&r, 8) ? (float)rng_below(&r, 4) : near_max[rng_below(&r, 3)];
	cr_expect_null(modelset_train(big, N, D, NULL, &o, NULL, NULL));
	cr_expect_eq(errno, ERANGE, "errno %d (%s)", errno, strerror(errno));
	/* Half the values at each end: the IQR overflows and so does the scaling. */
	for (size_t i = 0; i < N * D; i++)
		big[i] = near_max[rng_below(&r, 2)];
	cr_expect_null(modelset_train(big, N, D, NULL, &o, NULL, NULL));
	cr_expect_eq(errno, ERANGE, "errno %d (%s)", errno, strerror(errno));
}

Test(modelset, training_is_reproducible_from_the_seed)
{
	struct modelset_opts o;
	struct modelset *m;

	small_opts(&o);
	m = modelset_train(X, N, D, NULL, &o, NULL, NULL);
	cr_assert_not_null(m);
	expect_same_scores(model, m);
	cr_expect_str_eq(modelset_feature_name(m, 0), "f0");
	modelset_free(m);
}

Test(modelset, training_in_place_gives_the_same_model_and_leaves_the_rows_scaled)
{
	static float Y[N * D], want[N * D];
	struct modelset_opts o;
	struct modelset *m;

	small_opts(&o);
	memcpy(Y, X, sizeof(Y));
	m = modelset_train_in_place(Y, N, D, NULL, &o, NULL, NULL);
	cr_assert_not_null(m);
	expect_same_scores(model, m);
	scaler_transform(modelset_scaler(m), X, N, want);
	cr_expect_eq(memcmp(Y, want, sizeof(Y)), 0, "the rows are left scaled");
	modelset_free(m);
}
