// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/retrain.c - background retraining (contract in retrain.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "detect/retrain.h"

struct retrain {
	struct retrain_opts o;
	struct modelswap *hold;
	float *res; /* reservoir: o.reservoir rows */
	size_t n_res;
	uint64_t n_offered;
	atomic_uint_fast64_t n_trained;
	uint64_t rng;
	uint64_t next_ns;
	bool clock_set, initial_pending;
	pthread_mutex_t lock; /* the reservoir, against the training thread's copy */
	pthread_t thread;
	bool thread_running;
	atomic_bool thread_done;
	float *train_X;
	size_t train_n;
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
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->thread_done, false);
	return r;
}

static void join(struct retrain *r)
{
	if (r->thread_running) {
		pthread_join(r->thread, NULL);
		r->thread_running = false;
	}
}

void retrain_free(struct retrain *r)
{
	if (!r)
		return;
	join(r);
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

static int train_publish(struct retrain *r, const float *X, size_t n)
{
	struct modelset *m =
		modelset_train(X, n, r->o.dim, r->o.names, r->o.model_opts, NULL, NULL);
	int err;

	if (!m) {
		err = -errno;
		pr_debug("retrain: training on %zu rows failed: %s\n", n, strerror(-err));
		return err;
	}
	if (r->o.save_path) {
		err = modelset_save(m, r->o.save_path);
		if (err)
			pr_debug("retrain: saving %s failed: %s\n", r->o.save_path, strerror(-err));
	}
	modelswap_publish(r->hold, m);
	return 1;
}

static void *thread_main(void *arg)
{
	struct retrain *r = arg;

	if (train_publish(r, r->train_X, r->train_n) > 0)
		r->n_trained++;
	atomic_store(&r->thread_done, true);
	return NULL;
}

int retrain_tick(struct retrain *r, uint64_t now_ns)
{
	bool due = false;
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
		due = true;
		r->initial_pending = false;
	} else if (!r->initial_pending && r->o.interval_s > 0 && now_ns >= r->next_ns &&
		   r->n_res >= MODELSET_MIN_ROWS) {
		due = true;
	}
	if (due) {
		float *X = realloc(r->train_X, r->n_res * r->o.dim * sizeof(float));

		if (!X) {
			pthread_mutex_unlock(&r->lock);
			return -ENOMEM;
		}
		r->train_X = X;
		memcpy(X, r->res, r->n_res * r->o.dim * sizeof(float));
		r->train_n = r->n_res;
		if (r->o.interval_s > 0)
			r->next_ns = now_ns + (uint64_t)(r->o.interval_s * 1e9);
	}
	pthread_mutex_unlock(&r->lock);
	if (!due)
		return 0;
	pr_info("Training models on %zu vectors%s\n", r->train_n,
		r->o.background ? " in the background" : "");
	if (r->o.background) {
		atomic_store(&r->thread_done, false);
		if (pthread_create(&r->thread, NULL, thread_main, r))
			return -EAGAIN;
		r->thread_running = true;
		return 0;
	}
	ret = train_publish(r, r->train_X, r->train_n);
	if (ret > 0)
		r->n_trained++;
	return ret;
}

uint64_t retrain_n_trained(const struct retrain *r)
{
	return r->n_trained;
}

uint64_t retrain_n_offered(const struct retrain *r)
{
	return r->n_offered;
}

bool retrain_initial_pending(const struct retrain *r)
{
	return r->initial_pending;
}
