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
 * result is saved to DIR/nadxdp.model. retrain_finish() trains on what there is when the
 * input ends before the initial row count (at least MODELSET_MIN_ROWS rows).
 *
 * Every saved model carries the baselines the snapshot callback returns when the training
 * starts (in the caller's thread: the engine's, which owns them), and retrain_save() saves
 * the model in use again with fresh ones (at the end of a run).
 *
 * Judging a retrain: a periodic retrain of 500 rows or more holds every 10th row of its
 * buffer out (the reservoir is in random order) and trains on the rest. The new model
 * and the model in use then score the held-out rows; each flags a row when either of its
 * models passes its own threshold. The new model is worse, and dropped (the current one
 * stays and is saved again with the new baselines), when it flags a larger share of the
 * held-out rows than the current model and more than RETRAIN_JUDGE_SLACK times the share
 * its thresholds aim at ((1 - ae_quantile) + contamination: 10 % by default). Traffic
 * that changed makes the old model flag more, so the new one goes in; a new model that
 * learned too little of the traffic (a buffer of a few repeated rows) flags more than
 * both and stays out. The decision is logged (info).
 *
 * A trained model is published through a struct modelswap (ml/modelswap.h), whether or
 * not it could be saved: a save that fails (a full disk) is reported once (pr_warn), and
 * once a later save works again (pr_info). The file is replaced atomically
 * (modelset_save), so a failed save leaves the previous file as it was.
 */
#ifndef NAD_RETRAIN_H
#define NAD_RETRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml/modelset.h"
#include "ml/modelswap.h"

struct baseline_bytes;

/* A retrain is dropped above this many times the flag share its thresholds aim at. */
#define RETRAIN_JUDGE_SLACK 1.5

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
	/* the baselines to save with a model, as bytes into *out (out->buf NULL: none);
	 * 0 or -errno. NULL: models are saved without baselines. */
	int (*snapshot)(void *ctx, struct baseline_bytes *out);
	void *snapshot_ctx;
};

struct retrain;

/* NULL + errno. hold is not owned. */
struct retrain *retrain_new(const struct retrain_opts *o, struct modelswap *h);
/* Joins a running training thread. */
void retrain_free(struct retrain *r);

/* Offers one unflagged vector (dim floats). No allocation. */
void retrain_offer(struct retrain *r, const float *v);
/* A vector not offered (its source is under alert): counted during the initial training. */
void retrain_skip(struct retrain *r);

/*
 * Called at ticks with the record clock: starts (or, inline, runs) a training when the
 * initial row count is reached or the interval has passed. Returns 1 if a new model was
 * published by this call (inline mode), 0 otherwise, or a negative errno.
 */
int retrain_tick(struct retrain *r, uint64_t now_ns);

/*
 * The input ended: if the initial training is still pending and at least
 * MODELSET_MIN_ROWS rows are in, trains on them now (joining a background training
 * first). Returns 1 if a model was published, 0 if nothing was due, or -errno.
 */
int retrain_finish(struct retrain *r);

/*
 * Saves the model in use again, with a fresh snapshot of the baselines, unless the initial
 * training is still pending (the model in use is not the site's). 0 or -errno.
 */
int retrain_save(struct retrain *r);

/* Number of models trained and published so far; rows offered so far; rows skipped during
 * the initial training (it stops counting when the training starts); rows in the buffer. */
uint64_t retrain_n_trained(const struct retrain *r);
uint64_t retrain_n_offered(const struct retrain *r);
uint64_t retrain_n_skipped(const struct retrain *r);
size_t retrain_n_rows(const struct retrain *r);
/* Rows the initial training took (0 before it started). */
size_t retrain_n_initial(const struct retrain *r);
/* True while the initial training has not completed. */
bool retrain_initial_pending(const struct retrain *r);

/* How a retrain compared with the model in use on the held-out rows. */
struct retrain_verdict {
	size_t n_rows; /* held-out rows */
	double new_share, cur_share; /* of them flagged by the new and the current model */
	double aim; /* the new model's (1 - ae_quantile) + contamination */
	bool keep_new;
};

/*
 * Judges cand against cur (NULL: keep cand) on the n held-out rows X, as above. 0 or
 * -ENOMEM.
 */
int retrain_judge(const struct modelset *cur, const struct modelset *cand, const float *X, size_t n,
		  struct retrain_verdict *v);

#endif /* NAD_RETRAIN_H */
