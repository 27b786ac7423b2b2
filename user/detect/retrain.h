/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/retrain.h - retraining the models while detection runs.
 *
 * struct retrain keeps a bounded reservoir (Algorithm R, fixed seed) of model
 * vectors the engine did not flag, and trains a new model set on it every
 * interval: in a background thread live (detection goes on with the old
 * model), or synchronously at the record clock offline (so a capture gives
 * the same alerts every run). The initial training (no model in the models
 * directory) is the same path, on the first train_packets vectors, and the
 * result is saved to DIR/nadxdp.model.
 * A trained model is published through a struct modelswap (ml/modelswap.h).
 */
#ifndef NAD_RETRAIN_H
#define NAD_RETRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml/modelset.h"
#include "ml/modelswap.h"

struct retrain_opts {
	size_t dim; /* model vector length */
	const char *const *names; /* dim feature names */
	size_t reservoir; /* vectors kept (default 20000) */
	double interval_s; /* 0 disables periodic retraining (default 3600) */
	size_t initial_rows; /* > 0: train once this many vectors are in (initial training) */
	const char *save_path; /* where a trained model is saved (may be NULL) */
	bool background; /* train in a thread (live) or inline (offline) */
	uint64_t seed;
	const struct modelset_opts *model_opts; /* NULL = defaults */
};

struct retrain;

/* NULL + errno. hold is not owned. */
struct retrain *retrain_new(const struct retrain_opts *o, struct modelswap *h);
/* Joins a running training thread. */
void retrain_free(struct retrain *r);

/* Offers one unflagged vector (dim floats). No allocation. */
void retrain_offer(struct retrain *r, const float *v);

/*
 * Called at ticks with the record clock: starts (or, inline, runs) a training when the
 * initial row count is reached or the interval has passed. Returns 1 if a new model was
 * published by this call (inline mode), 0 otherwise, or a negative errno.
 */
int retrain_tick(struct retrain *r, uint64_t now_ns);

/* Number of models trained and published so far; rows offered so far. */
uint64_t retrain_n_trained(const struct retrain *r);
uint64_t retrain_n_offered(const struct retrain *r);
/* True while the initial training has not completed. */
bool retrain_initial_pending(const struct retrain *r);

#endif /* NAD_RETRAIN_H */
