// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/retrain.c - background retraining (contract in retrain.h).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "detect/retrain.h"
#include "features/baseline.h"

/* Retrains judge on every 10th row when the buffer has at least this many. */
#define JUDGE_MIN_ROWS 500
#define JUDGE_EVERY 10

struct retrain {
	struct retrain_opts o;
	struct modelswap *hold;
	float *res; /* reservoir: o.reservoir rows */
	size_t n_res;
	uint64_t n_offered, n_skipped;
	size_t n_initial; /* rows the initial training took */
	atomic_uint_fast64_t n_trained;
	uint64_t rng;
	uint64_t next_ns;
	bool clock_set, initial_pending;
	pthread_mutex_t lock; /* the reservoir, against the training thread's copy */
	pthread_t thread;
	bool thread_running;
	atomic_bool thread_done;
	float *train_X;
	size_t train_n, held_n; /* the rows to train on, then the held-out rows */
	bool initial; /* the training under way is the initial one */
	struct baseline_bytes snap; /* the baselines to save with the model (buf NULL: none) */
	int slot; /* a modelswap reader slot, taken when first needed; -1 before */
	int save_err; /* the last save's error (the training thread's), 0 if it worked */
};

struct retrain *retrain_new(const struct retrain_opts *o, struct modelswap *h)
{
	struct retrain *r;

	if (!o->dim || !o->reservoir) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->o = *o;
	r->hold = h;
	if (r->o.initial_rows > r->o.reservoir)
		r->o.initial_rows = r->o.reservoir;
	r->res = calloc(r->o.reservoir * r->o.dim, sizeof(float));
	if (!r->res) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ull;
	r->initial_pending = o->initial_rows > 0;
	r->slot = -1;
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->thread_done, false);
	return r;
}

/*
 * Waits for a background training; what it trained on and the baselines it saved are
 * not kept between trainings (an hour apart by default), and the training's freed
 * scratch goes back to the system (malloc_trim: glibc keeps a thread's arena otherwise).
 */
static void join(struct retrain *r)
{
	if (!r->thread_running)
		return;
	pthread_join(r->thread, NULL);
	r->thread_running = false;
	free(r->train_X);
	r->train_X = NULL;
	baseline_bytes_free(&r->snap);
	malloc_trim(0);
}

void retrain_free(struct retrain *r)
{
	if (!r)
		return;
	join(r);
	baseline_bytes_free(&r->snap);
	free(r->train_X);
	free(r->res);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static uint64_t next_rand(struct retrain *r)
{
	/* xorshift64*: deterministic for a given seed */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ull;
}

void retrain_offer(struct retrain *r, const float *v)
{
	size_t slot;

	pthread_mutex_lock(&r->lock);
	r->n_offered++;
	if (r->initial_pending) {
		/* Initial training: the first rows as they come. */
		if (r->n_res < r->o.initial_rows)
			memcpy(&r->res[r->n_res++ * r->o.dim], v, r->o.dim * sizeof(float));
		pthread_mutex_unlock(&r->lock);
		return;
	}
	if (r->n_res < r->o.reservoir) {
		slot = r->n_res++;
	} else {
		slot = next_rand(r) % r->n_offered;
		if (slot >= r->o.reservoir) {
			pthread_mutex_unlock(&r->lock);
			return;
		}
	}
	memcpy(&r->res[slot * r->o.dim], v, r->o.dim * sizeof(float));
	pthread_mutex_unlock(&r->lock);
}

void retrain_skip(struct retrain *r)
{
	pthread_mutex_lock(&r->lock);
	r->n_skipped += r->initial_pending;
	pthread_mutex_unlock(&r->lock);
}

/* The share of the n rows of X that m flags: either model past its own threshold. */
static int flag_share(const struct modelset *m, const float *X, size_t n, double *share)
{
	struct modelset_scratch *s = modelset_scratch_new(m);
	float *ae = malloc(n * sizeof(float)), *ifs = malloc(n * sizeof(float));
	size_t k = 0;
	int err = -ENOMEM;

	if (s && ae && ifs) {
		modelset_score(m, X, n, s, ae, ifs);
		for (size_t i = 0; i < n; i++)
			k += ae[i] > modelset_ae_threshold(m) || ifs[i] < modelset_if_threshold(m);
		*share = (double)k / (double)n;
		err = 0;
	}
	modelset_scratch_free(s);
	free(ae);
	free(ifs);
	return err;
}

int retrain_judge(const struct modelset *cur, const struct modelset *cand, const float *X, size_t n,
		  struct retrain_verdict *v)
{
	const struct modelset_info *in = modelset_info(cand);
	int err;

	memset(v, 0, sizeof(*v));
	v->n_rows = n;
	v->aim = (1.0 - in->ae_quantile) + in->contamination;
	v->keep_new = true;
	if (!n || !cur || modelset_dim(cur) != modelset_dim(cand))
		return 0;
	err = flag_share(cand, X, n, &v->new_share);
	if (!err)
		err = flag_share(cur, X, n, &v->cur_share);
	if (err)
		return err;
	v->keep_new = !(v->new_share > v->cur_share && v->new_share > RETRAIN_JUDGE_SLACK * v->aim);
	return 0;
}

static const struct baseline_bytes *snap_of(const struct retrain *r)
{
	return r->snap.buf ? &r->snap : NULL;
}

/* Saves m with the snapshot of the baselines (if any) at save_path; says a failure once. */
static void save(struct retrain *r, const struct modelset *m)
{
	int err;

	if (!r->o.save_path)
		return;
	err = modelset_save_with_baseline(m, snap_of(r), r->o.save_path);
	/* A model that cannot be saved (a full disk) runs all the same; said once. */
	if (err && !r->save_err)
		pr_warn("Failed to save the trained model to %s: %s; it runs all the same, and "
			"later ones are saved once that works again\n",
			r->o.save_path, strerror(-err));
	else if (!err && r->save_err)
		pr_info("Saved the trained model to %s again\n", r->o.save_path);
	r->save_err = err;
}

/*
 * A retrain (not the initial training) is judged on the held-out rows against the model
 * in use: true if the candidate is kept; a rejected one leaves the current model, which is
 * saved again with the new baselines.
 */
static bool accept(struct retrain *r, const struct modelset *m)
{
	struct retrain_verdict v;
	const struct modelset *cur;
	bool keep;

	if (r->initial || !r->held_n)
		return true;
	if (r->slot < 0)
		r->slot = modelswap_reader_add(r->hold);
	if (r->slot < 0)
		return true;
	cur = modelswap_acquire(r->hold, r->slot, NULL);
	if (retrain_judge(cur, m, r->train_X + r->train_n * r->o.dim, r->held_n, &v)) {
		modelswap_release(r->hold, r->slot);
		return true;
	}
	keep = v.keep_new;
	pr_info("Retrained model flags %.1f%% of %zu held-out rows, the current one %.1f%% "
		"(aim %.1f%%): %s\n",
		100 * v.new_share, v.n_rows, 100 * v.cur_share, 100 * v.aim,
		keep ? "swapping it in" : "worse, keeping the current model");
	if (!keep && cur)
		save(r, cur);
	modelswap_release(r->hold, r->slot);
	return keep;
}

static int train_publish(struct retrain *r)
{
	/* the held-out rows after train_n stay raw: accept() judges them */
	struct modelset *m = modelset_train_in_place(r->train_X, r->train_n, r->o.dim,
						     r->o.names, r->o.model_opts, NULL, NULL);
	int err;

	if (!m) {
		err = -errno;
		pr_warn("Training on %zu rows failed: %s\n", r->train_n,
			modelset_train_strerror(-err));
		return err;
	}
	if (!accept(r, m)) {
		modelset_free(m);
		return 0;
	}
	save(r, m);
	modelswap_publish(r->hold, m);
	return 1;
}

static void *thread_main(void *arg)
{
	struct retrain *r = arg;

	if (train_publish(r) > 0)
		r->n_trained++;
	atomic_store(&r->thread_done, true);
	return NULL;
}

/*
 * Copies the buffer to train on (called locked). A retrain of JUDGE_MIN_ROWS rows or
 * more holds every JUDGE_EVERY-th row out (the reservoir's order is random) to judge
 * the result on; the initial training uses every row.
 */
static int take_rows(struct retrain *r, bool initial)
{
	size_t d = r->o.dim, n = r->n_res, held = 0;
	float *X = realloc(r->train_X, (n ? n : 1) * d * sizeof(float));

	if (!X)
		return -ENOMEM;
	r->train_X = X;
	if (initial || n < JUDGE_MIN_ROWS) {
		memcpy(X, r->res, n * d * sizeof(float));
	} else {
		size_t t = 0;

		held = n / JUDGE_EVERY;
		for (size_t i = 0; i < n; i++) {
			size_t to = i % JUDGE_EVERY == JUDGE_EVERY - 1 ?
					    n - held + i / JUDGE_EVERY :
					    t++;

			memcpy(X + to * d, r->res + i * d, d * sizeof(float));
		}
	}
	r->train_n = n - held;
	r->held_n = held;
	r->initial = initial;
	if (initial)
		r->n_initial = n;
	return 0;
}

/* The baselines to save with the next model, from the caller's thread. */
static void snapshot(struct retrain *r)
{
	int err;

	baseline_bytes_free(&r->snap);
	if (!r->o.snapshot)
		return;
	err = r->o.snapshot(r->o.snapshot_ctx, &r->snap);
	if (err)
		pr_warn("Failed to copy the baselines to save with the model: %s; it is saved "
			"without them\n", strerror(-err));
}

/* Trains on the rows taken, in the background or now: as retrain_tick returns. */
static int start(struct retrain *r)
{
	int ret;

	snapshot(r);
	pr_info("Training models on %zu vectors%s\n", r->train_n,
		r->o.background ? " in the background" : "");
	if (r->o.background) {
		atomic_store(&r->thread_done, false);
		if (pthread_create(&r->thread, NULL, thread_main, r))
			return -EAGAIN;
		r->thread_running = true;
		return 0;
	}
	ret = train_publish(r);
	if (ret > 0)
		r->n_trained++;
	return ret;
}

int retrain_tick(struct retrain *r, uint64_t now_ns)
{
	bool due = false, initial = false;
	int ret = 0;

	if (!r->clock_set) {
		r->clock_set = true;
		r->next_ns = now_ns + (uint64_t)(r->o.interval_s * 1e9);
	}
	if (r->thread_running) {
		if (!atomic_load(&r->thread_done))
			return 0;
		join(r);
	}
	pthread_mutex_lock(&r->lock);
	if (r->initial_pending && r->n_res >= r->o.initial_rows) {
		due = initial = true;
		r->initial_pending = false;
	} else if (!r->initial_pending && r->o.interval_s > 0 && now_ns >= r->next_ns &&
		   r->n_res >= MODELSET_MIN_ROWS) {
		due = true;
	}
	if (due) {
		ret = take_rows(r, initial);
		if (r->o.interval_s > 0)
			r->next_ns = now_ns + (uint64_t)(r->o.interval_s * 1e9);
	}
	pthread_mutex_unlock(&r->lock);
	if (!due || ret)
		return ret;
	return start(r);
}

int retrain_finish(struct retrain *r)
{
	int ret;

	join(r);
	pthread_mutex_lock(&r->lock);
	if (!r->initial_pending || r->n_res < MODELSET_MIN_ROWS) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	r->initial_pending = false;
	ret = take_rows(r, true);
	pthread_mutex_unlock(&r->lock);
	if (ret)
		return ret;
	r->o.background = false;
	return start(r);
}

int retrain_save(struct retrain *r)
{
	const struct modelset *m;
	int err = 0;

	join(r);
	if (r->initial_pending || !r->o.save_path)
		return 0;
	if (r->slot < 0)
		r->slot = modelswap_reader_add(r->hold);
	if (r->slot < 0)
		return r->slot;
	snapshot(r);
	m = modelswap_acquire(r->hold, r->slot, NULL);
	if (m)
		err = modelset_save_with_baseline(m, snap_of(r), r->o.save_path);
	modelswap_release(r->hold, r->slot);
	return err;
}

uint64_t retrain_n_trained(const struct retrain *r)
{
	return r->n_trained;
}

uint64_t retrain_n_offered(const struct retrain *r)
{
	return r->n_offered;
}

uint64_t retrain_n_skipped(const struct retrain *r)
{
	return r->n_skipped;
}

size_t retrain_n_rows(const struct retrain *r)
{
	return r->n_res;
}

size_t retrain_n_initial(const struct retrain *r)
{
	return r->n_initial;
}

bool retrain_initial_pending(const struct retrain *r)
{
	return r->initial_pending;
}
